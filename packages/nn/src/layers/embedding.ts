// The embedding layer: maps integer ids to rows of a learned [inputDim, outputDim] table with
// gather. Float ids are cast to int32. Masking (Keras `mask_zero`) is not supported: nn has
// no mask propagation, so id 0 is an ordinary row.

import { ArgumentError, gather, type Tensor, tidy, type Variable } from '@nabla/core';
import { Layer, type LayerArgs, layerOptions, type SymbolicShape } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import type { InitializerSpec, RegularizerSpec } from './conv.js';
import { checkFactoryArgs } from './factory.js';
import { getInitializer, INITIALIZER, serializeInitializer } from './initializers.js';
import { getRegularizer, REGULARIZER } from './regularizers.js';

/** Options of `embedding`. */
export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids lie in [0, inputDim). */
  inputDim: number;
  /** Size of each embedding vector. */
  outputDim: number;
  /** Default 'randomUniform' (U(−0.05, 0.05), like Keras). */
  embeddingsInitializer?: InitializerSpec;
  embeddingsRegularizer?: RegularizerSpec | null;
}

/**
 * Looks up `embeddings[id]` for every id: `[...idShape]` → `[...idShape, outputDim]`. Ids out
 * of range are not checked (that would need a synchronous read) and give zero rows.
 * @example
 * const emb = embedding({ inputDim: 1000, outputDim: 16 });
 * emb.apply(tensor([[3, 1, 4]], [1, 3], 'int32')); // [1, 3, 16]
 */
export class Embedding extends Layer {
  static override readonly optionsSpec = layerOptions(
    'embedding',
    {
      inputDim: K.positive,
      outputDim: K.positive,
      embeddingsInitializer: INITIALIZER,
      embeddingsRegularizer: REGULARIZER,
    },
    ['inputDim', 'outputDim'],
  );
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly #args: EmbeddingArgs;
  #embeddings: Variable | null = null;

  constructor(options: EmbeddingArgs) {
    super(options, 'embedding');
    const args = this.checkedOptions<EmbeddingArgs>();
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.#args = args;
  }

  override build(): void {
    const spec = this.#args.embeddingsRegularizer;
    this.#embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: getInitializer(this.#args.embeddingsInitializer ?? 'randomUniform'),
      regularizer: spec ? getRegularizer(spec) : null,
    });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs))
      throw new ArgumentError(`${this.name}: expected a single input, got a list of ${inputs.length}`);
    return tidy(() => gather(this.#embeddings!, inputs.dtype === 'int32' ? inputs : inputs.cast('int32'), 0));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
      throw new ArgumentError(`${this.name}: expected a single input, got a list of ${inputShape.length}`);
    }
    return [...(inputShape as SymbolicShape), this.outputDim];
  }

  override getConfig(): Record<string, unknown> {
    const reg = this.#args.embeddingsRegularizer ? getRegularizer(this.#args.embeddingsRegularizer) : null;
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: serializeInitializer(
        getInitializer(this.#args.embeddingsInitializer ?? 'randomUniform'),
      ),
      embeddingsRegularizer: reg ? { name: reg.name, config: reg.getConfig() } : null,
    };
  }
}

/**
 * An embedding layer (see `Embedding`).
 * @example
 * const emb = embedding({ inputDim: 10000, outputDim: 64, inputShape: [20] });
 * emb.apply(ids); // [n, 20] → [n, 20, 64]
 */
export function embedding(args: EmbeddingArgs): Embedding {
  checkFactoryArgs('embedding', arguments.length);
  return new Embedding(args);
}

registerLayerClass('Embedding', Embedding);

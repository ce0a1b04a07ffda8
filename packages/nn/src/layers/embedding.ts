// The embedding layer: maps integer ids to rows of a learned [inputDim, outputDim] table with
// gather. Float ids are cast to int32. Masking (Keras `mask_zero`) is not supported: nn has
// no mask propagation, so id 0 is an ordinary row.

import { gather, type Tensor, tidy, type Variable } from '@nabla/core';
import { one, oneShape, type SymbolicShape } from '../engine/input-spec.js';
import { Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import {
  getInitializer,
  INITIALIZER,
  type InitializerSpec,
  initializerConfig,
} from '../initializers/initializers.js';
import {
  REGULARIZER,
  type RegularizerSpec,
  regularizerConfig,
  regularizerOrNull,
} from '../regularizers/regularizers.js';
import { checkFactoryArgs } from './factory.js';

/** Options of `embedding`. */
export interface EmbeddingOptions extends LayerOptions {
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
  readonly #args: EmbeddingOptions;
  #embeddings: Variable | null = null;

  constructor(options: EmbeddingOptions) {
    super(options, 'embedding');
    const args = this.checkedOptions<EmbeddingOptions>();
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.#args = args;
    this.inputSpec = {};
  }

  override build(): void {
    this.#embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], {
      initializer: getInitializer(this.#args.embeddingsInitializer ?? 'randomUniform'),
      regularizer: regularizerOrNull(this.#args.embeddingsRegularizer),
    });
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const ids = one(inputs);
    return tidy(() => gather(this.#embeddings!, ids.dtype === 'int32' ? ids : ids.cast('int32'), 0));
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return [...oneShape(inputShape), this.outputDim];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: initializerConfig(this.#args.embeddingsInitializer ?? 'randomUniform'),
      embeddingsRegularizer: regularizerConfig(this.#args.embeddingsRegularizer),
    };
  }
}

/**
 * An embedding layer (see `Embedding`).
 * @example
 * const emb = embedding({ inputDim: 10000, outputDim: 64, inputShape: [20] });
 * emb.apply(ids); // [n, 20] → [n, 20, 64]
 */
export function embedding(args: EmbeddingOptions): Embedding {
  checkFactoryArgs('embedding', arguments.length);
  return new Embedding(args);
}

registerLayerClass('Embedding', Embedding);

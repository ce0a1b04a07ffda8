// The input of a functional model: `input({ shape })` returns a symbolic tensor whose layer is
// an InputLayer, so the model graph (and its saved config) names every input like any layer.

import { ArgumentError, type DType, type Tensor } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { Layer, layerOptions, type SymbolicShape, SymbolicTensor } from './layer.js';
import { K } from './option-kinds.js';
import { registerLayerClass } from './registry.js';

/** Options of `input`. */
export interface InputOptions {
  /** Shape of one sample, without the batch axis (null for an unknown size). */
  shape: readonly (number | null)[];
  dtype?: DType;
  name?: string;
}

/** A model input; the identity when run. */
export class InputLayer extends Layer {
  // Not the common layer keys: an input is neither trainable nor given an inputShape.
  static override readonly optionsSpec = layerOptions(
    'input',
    { shape: { kind: 'shape', nullDims: true }, dtype: K.dtype, name: K.string },
    ['shape'],
    false,
  );
  readonly className = 'InputLayer';
  readonly sampleShape: readonly (number | null)[];

  constructor(options: InputOptions) {
    super(options, 'input');
    this.sampleShape = this.checkedOptions<InputOptions>().shape;
    this.built = true;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x) throw new ArgumentError(`${this.name}: expected one input`);
    return x.clone();
  }

  /** The symbolic tensor this input stands for in a model graph. */
  output(): SymbolicTensor {
    const shape: SymbolicShape = [null, ...this.sampleShape];
    return new SymbolicTensor(shape, this.dtype, this, []);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: this.dtype, shape: [...this.sampleShape] };
  }
}

/**
 * A symbolic model input of one sample's `shape`, for a functional `model({ inputs, outputs })`.
 * @example
 * const x = input({ shape: [784] });
 * const y = dense({ units: 10 }).apply(x);
 */
export function input(options: InputOptions): SymbolicTensor {
  checkArgCount('input', arguments.length, 1, 'input({ shape })');
  return new InputLayer(options).output();
}

registerLayerClass('InputLayer', InputLayer);

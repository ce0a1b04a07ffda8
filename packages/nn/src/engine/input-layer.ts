// The input of a functional model: `input({ shape })` returns a symbolic tensor whose layer is
// an InputLayer, so the model graph (and its saved config) names every input like any layer.

import { ArgumentError, type DType, type Tensor } from '@nabla/core';
import { readConfig } from './config.js';
import { Layer, type LayerArgs, type SymbolicShape, SymbolicTensor, uniqueName } from './layer.js';
import { registerLayer } from './registry.js';

/** Options of `input`. */
export interface InputOptions {
  /** Shape of one sample, without the batch axis (null for an unknown size). */
  shape: readonly (number | null)[];
  dtype?: DType;
  name?: string;
}

/** A model input; the identity when run. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  readonly sampleShape: readonly (number | null)[];

  constructor(options: InputOptions & LayerArgs) {
    super({ name: options.name ?? uniqueName('input'), dtype: options.dtype });
    this.sampleShape = [...options.shape];
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
  return new InputLayer(options).output();
}

registerLayer('InputLayer', (config) => {
  const r = readConfig('InputLayer', config);
  const shape = config.shape;
  if (!Array.isArray(shape) || !shape.every((d) => d === null || typeof d === 'number')) {
    throw new ArgumentError(
      `InputLayer config: expected 'shape' to be an array of sizes, got ${JSON.stringify(shape)}`,
    );
  }
  const args = r.layerArgs();
  return new InputLayer({
    shape: shape.map((d) => (d === null ? null : Number(d))),
    name: args.name,
    dtype: args.dtype,
  });
});

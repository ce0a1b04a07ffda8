// Pooling layers in NHWC: maxPooling2d and averagePooling2d over windows (core maxPool2d and
// avgPool2d), and globalAveragePooling2d / globalMaxPooling2d over the spatial axes.
// None has weights; their configs are just their options.

import { avgPool2d, maxPool2d, ShapeError, type Tensor, tidy } from '@nabla/core';
import { type InputSpec, one, oneShape, type SymbolicShape, shapeText } from '../engine/input-spec.js';
import { Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import { convOutputLength, type Size2D } from './conv.js';
import { checkFactoryArgs } from './factory.js';

/** A checked size as a [height, width] pair. */
function pair(value: Size2D): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

const POOL_KEYS = { poolSize: K.size2d, strides: K.nullable(K.size2d), padding: K.enum('valid', 'same') };

/** Pooling takes one NHWC tensor. */
const NHWC: InputSpec = { ndim: 4, layout: '(NHWC)' };

/** Options of `maxPooling2d` and `averagePooling2d`. */
export interface Pooling2DOptions extends LayerOptions {
  /** Window size; default 2. */
  poolSize?: Size2D;
  /** Window step; defaults to `poolSize`. */
  strides?: Size2D | null;
  /** 'valid' (windows inside the input) or 'same' (output = ceil(input / stride)). */
  padding?: 'valid' | 'same';
}

/** The shared options and shape rule of the windowed pooling layers. */
abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';

  constructor(options: Pooling2DOptions | undefined, base: string) {
    super(options, base);
    this.inputSpec = NHWC;
    const args = this.checkedOptions<Pooling2DOptions>();
    this.poolSize = pair(args.poolSize ?? 2);
    this.strides = pair(args.strides ?? this.poolSize);
    this.padding = args.padding ?? 'valid';
  }

  /** The single rank-4 input, checked against the shape rule (so call and shape rule agree). */
  protected input(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    this.shapeRule([null, ...x.shape.slice(1)]);
    return x;
  }

  protected get options() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, h, w, c] = oneShape(inputShape);
    const along = (len: number | null | undefined, i: 0 | 1) =>
      convOutputLength(len ?? null, this.poolSize[i], { padding: this.padding, stride: this.strides[i] });
    const out = [n ?? null, along(h, 0), along(w, 1), c ?? null];
    if ((out[1] ?? 1) < 1 || (out[2] ?? 1) < 1) {
      throw new ShapeError(
        `${this.name}: the pool window ${this.poolSize.join('x')} is larger than the input, got shape ${shapeText([n ?? null, h ?? null, w ?? null, c ?? null])}`,
      );
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...this.options };
  }
}

/**
 * Max over `poolSize` windows, stepping by `strides`.
 * @example
 * const pool = maxPooling2d({ poolSize: 2 });
 * pool.apply(x); // [n, 28, 28, 8] → [n, 14, 14, 8]
 */
export class MaxPooling2D extends Pooling2D {
  static override readonly optionsSpec = layerOptions('maxPooling2d', POOL_KEYS);
  readonly className = 'MaxPooling2D';

  constructor(args?: Pooling2DOptions) {
    super(args, 'max_pooling2d');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return maxPool2d(this.input(inputs), this.options);
  }
}

/**
 * Mean over `poolSize` windows; with 'same' padding each window averages only its in-bounds
 * positions, like Keras.
 * @example
 * const pool = averagePooling2d({ poolSize: 2 });
 * pool.apply(x); // [n, 28, 28, 8] → [n, 14, 14, 8]
 */
export class AveragePooling2D extends Pooling2D {
  static override readonly optionsSpec = layerOptions('averagePooling2d', POOL_KEYS);
  readonly className = 'AveragePooling2D';

  constructor(args?: Pooling2DOptions) {
    super(args, 'average_pooling2d');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return avgPool2d(this.input(inputs), this.options);
  }
}

/** Options of the global pooling layers. */
export interface GlobalPooling2DOptions extends LayerOptions {
  /** Keep the spatial axes as size 1 (`[n, 1, 1, c]`) instead of dropping them (`[n, c]`). */
  keepDims?: boolean;
}

/** The shared options and shape rule of the global pooling layers. */
abstract class GlobalPooling2D extends Layer {
  readonly keepDims: boolean;

  constructor(options: GlobalPooling2DOptions | undefined, base: string) {
    super(options, base);
    this.inputSpec = NHWC;
    this.keepDims = this.checkedOptions<GlobalPooling2DOptions>().keepDims ?? false;
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [n, , , c] = oneShape(inputShape);
    return this.keepDims ? [n ?? null, 1, 1, c ?? null] : [n ?? null, c ?? null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), keepDims: this.keepDims };
  }
}

/**
 * Mean over the spatial axes: `[n, h, w, c]` → `[n, c]` (or `[n, 1, 1, c]` with keepDims).
 * @example
 * const gap = globalAveragePooling2d();
 * gap.apply(x); // [n, 7, 7, 64] → [n, 64]
 */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  static override readonly optionsSpec = layerOptions('globalAveragePooling2d', { keepDims: K.boolean });
  readonly className = 'GlobalAveragePooling2D';

  constructor(args?: GlobalPooling2DOptions) {
    super(args, 'global_average_pooling2d');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => one(inputs).mean({ axis: [1, 2], keepDims: this.keepDims }));
  }
}

/**
 * Max over the spatial axes: `[n, h, w, c]` → `[n, c]` (or `[n, 1, 1, c]` with keepDims).
 * @example
 * const gmp = globalMaxPooling2d({ keepDims: true });
 * gmp.apply(x); // [n, 7, 7, 64] → [n, 1, 1, 64]
 */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  static override readonly optionsSpec = layerOptions('globalMaxPooling2d', { keepDims: K.boolean });
  readonly className = 'GlobalMaxPooling2D';

  constructor(args?: GlobalPooling2DOptions) {
    super(args, 'global_max_pooling2d');
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => one(inputs).max({ axis: [1, 2], keepDims: this.keepDims }));
  }
}

/**
 * A max pooling layer (see `MaxPooling2D`).
 * @example
 * const pool = maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
 * pool.apply(x); // [n, 7, 7, c] → [n, 4, 4, c]
 */
export function maxPooling2d(args?: Pooling2DOptions): MaxPooling2D {
  checkFactoryArgs('maxPooling2d', arguments.length);
  return new MaxPooling2D(args);
}

/**
 * An average pooling layer (see `AveragePooling2D`).
 * @example
 * const pool = averagePooling2d({ poolSize: [2, 1] });
 * pool.apply(x); // [n, 8, 8, c] → [n, 4, 8, c]
 */
export function averagePooling2d(args?: Pooling2DOptions): AveragePooling2D {
  checkFactoryArgs('averagePooling2d', arguments.length);
  return new AveragePooling2D(args);
}

/**
 * A global average pooling layer (see `GlobalAveragePooling2D`).
 * @example
 * const gap = globalAveragePooling2d();
 * gap.apply(x); // [n, 7, 7, 64] → [n, 64]
 */
export function globalAveragePooling2d(args?: GlobalPooling2DOptions): GlobalAveragePooling2D {
  checkFactoryArgs('globalAveragePooling2d', arguments.length);
  return new GlobalAveragePooling2D(args);
}

/**
 * A global max pooling layer (see `GlobalMaxPooling2D`).
 * @example
 * const gmp = globalMaxPooling2d();
 * gmp.apply(x); // [n, 7, 7, 64] → [n, 64]
 */
export function globalMaxPooling2d(args?: GlobalPooling2DOptions): GlobalMaxPooling2D {
  checkFactoryArgs('globalMaxPooling2d', arguments.length);
  return new GlobalMaxPooling2D(args);
}

registerLayerClass('MaxPooling2D', MaxPooling2D);
registerLayerClass('AveragePooling2D', AveragePooling2D);
registerLayerClass('GlobalAveragePooling2D', GlobalAveragePooling2D);
registerLayerClass('GlobalMaxPooling2D', GlobalMaxPooling2D);

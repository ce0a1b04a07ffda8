// Merge layers: combine a list of inputs into one tensor. Elementwise (add, subtract,
// multiply, average, maximum, minimum; shapes broadcast NumPy-style like Keras) and
// concatenate along an axis. They take `apply([a, b, ...])`, on tensors or symbolic tensors.

import { concat, ShapeError, type Tensor, tidy } from '@nabla/core';
import { many, type SymbolicShape, shapeList, shapeText } from '../engine/input-spec.js';
import { Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import { checkFactoryArgs } from './factory.js';

/** The NumPy broadcast of two shapes (null = unknown), or a ShapeError naming the axis. */
function broadcast(layer: Layer, a: SymbolicShape, b: SymbolicShape): SymbolicShape {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, k) => {
    const i = a[a.length - rank + k];
    const j = b[b.length - rank + k];
    if (i === undefined) return j ?? null;
    if (j === undefined) return i;
    if (i === 1) return j;
    if (j === 1) return i;
    if (i === null || j === null) return null;
    if (i !== j) {
      throw new ShapeError(
        `${layer.name}: expected inputs to match on axis ${k - rank}, got shapes ${shapeText(a)} and ${shapeText(b)}`,
      );
    }
    return i;
  });
}

/** An elementwise merge: folds `combine` over the inputs; shapes broadcast. */
abstract class ElementwiseMerge extends Layer {
  constructor(options: LayerOptions | undefined, base: string) {
    super(options, base);
    this.inputSpec = { list: { min: 1 } };
  }

  /** Combines the inputs (as many as the spec allows); runs inside tidy. */
  protected abstract combine(xs: readonly Tensor[]): Tensor;

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = many(inputs);
    xs.reduce<SymbolicShape>((s, x) => broadcast(this, s, x.shape), xs[0]!.shape);
    return tidy(() => (xs.length === 1 ? xs[0]!.clone() : this.combine(xs)));
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return shapeList(inputShape).reduce((s, x) => broadcast(this, s, x));
  }
}

/**
 * Elementwise sum of the inputs.
 * @example
 * const y = add().apply([a, b]); // a + b
 * const residual = add().apply([x, block.apply(x)]);
 */
export class Add extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('add', {});
  readonly className = 'Add';
  constructor(args?: LayerOptions) {
    super(args, 'add');
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b));
  }
}

/**
 * Difference of exactly two inputs, `a − b`.
 * @example
 * const y = subtract().apply([a, b]); // a − b
 * subtract().computeOutputShape([[null, 3], [null, 3]]); // [null, 3]
 */
export class Subtract extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('subtract', {});
  readonly className = 'Subtract';
  constructor(args?: LayerOptions) {
    super(args, 'subtract');
    this.inputSpec = { list: { min: 2, max: 2 } };
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs[0]!.sub(xs[1]!);
  }
}

/**
 * Elementwise product of the inputs.
 * @example
 * const gated = multiply().apply([x, gate]); // x · gate
 * multiply().computeOutputShape([[null, 4], [null, 1]]); // [null, 4]
 */
export class Multiply extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('multiply', {});
  readonly className = 'Multiply';
  constructor(args?: LayerOptions) {
    super(args, 'multiply');
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs.reduce((a, b) => a.mul(b));
  }
}

/**
 * Elementwise mean of the inputs.
 * @example
 * const y = average().apply([a, b, c]); // (a + b + c) / 3
 * average().computeOutputShape([[null, 2], [null, 2]]); // [null, 2]
 */
export class Average extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('average', {});
  readonly className = 'Average';
  constructor(args?: LayerOptions) {
    super(args, 'average');
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs.reduce((a, b) => a.add(b)).div(xs.length);
  }
}

/**
 * Elementwise maximum of the inputs.
 * @example
 * const y = maximum().apply([a, b]);
 * maximum().computeOutputShape([[null, 2], [null, 2]]); // [null, 2]
 */
export class Maximum extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('maximum', {});
  readonly className = 'Maximum';
  constructor(args?: LayerOptions) {
    super(args, 'maximum');
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs.reduce((a, b) => a.maximum(b));
  }
}

/**
 * Elementwise minimum of the inputs.
 * @example
 * const y = minimum().apply([a, b]);
 * minimum().computeOutputShape([[null, 2], [null, 2]]); // [null, 2]
 */
export class Minimum extends ElementwiseMerge {
  static override readonly optionsSpec = layerOptions('minimum', {});
  readonly className = 'Minimum';
  constructor(args?: LayerOptions) {
    super(args, 'minimum');
  }
  protected combine(xs: readonly Tensor[]): Tensor {
    return xs.reduce((a, b) => a.minimum(b));
  }
}

/** Options of `concatenate`. */
export interface ConcatenateOptions extends LayerOptions {
  /** The axis to join along (default -1); every other axis must match. */
  axis?: number;
}

/**
 * Joins the inputs along `axis`; they must have the same rank and agree on every other axis.
 * @example
 * const y = concatenate().apply([a, b]); // [n, 3] and [n, 5] → [n, 8]
 * concatenate({ axis: 1 }).computeOutputShape([[null, 2, 4], [null, 3, 4]]); // [null, 5, 4]
 */
export class Concatenate extends Layer {
  static override readonly optionsSpec = layerOptions('concatenate', { axis: K.integer });
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(args?: ConcatenateOptions) {
    super(args, 'concatenate');
    this.axis = this.checkedOptions<ConcatenateOptions>().axis ?? -1;
    this.inputSpec = { list: { min: 1 } };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const xs = many(inputs);
    this.shapeRule(xs.map((x) => x.shape));
    return concat([...xs], this.axis);
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shapes = shapeList(inputShape);
    const first = shapes[0]!;
    const rank = first.length;
    if (this.axis < -rank || this.axis >= rank) {
      throw new ShapeError(
        `${this.name}: axis ${this.axis} is out of range for input shape ${shapeText(first)}`,
      );
    }
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const out = [...first];
    for (const s of shapes.slice(1)) {
      if (s.length !== rank) {
        throw new ShapeError(
          `${this.name}: expected inputs of the same rank, got shapes ${shapes.map(shapeText).join(', ')}`,
        );
      }
      s.forEach((d, k) => {
        if (k === axis) {
          out[k] = out[k] === null || d === null ? null : out[k]! + d;
        } else if (d !== null && out[k] !== null && d !== out[k]) {
          throw new ShapeError(
            `${this.name}: expected inputs to match on axis ${k - rank} (all but the concat axis ${this.axis}), got shapes ${shapes.map(shapeText).join(', ')}`,
          );
        } else if (out[k] === null) {
          out[k] = d;
        }
      });
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: this.axis };
  }
}

/**
 * An add layer (see `Add`).
 * @example
 * const y = add().apply([a, b]);
 * const sym = add().apply([inputA, inputB]); // SymbolicTensor in a functional model
 */
export function add(args?: LayerOptions): Add {
  checkFactoryArgs('add', arguments.length);
  return new Add(args);
}

/**
 * A subtract layer (see `Subtract`).
 * @example
 * const y = subtract().apply([a, b]);
 * const sym = subtract().apply([inputA, inputB]);
 */
export function subtract(args?: LayerOptions): Subtract {
  checkFactoryArgs('subtract', arguments.length);
  return new Subtract(args);
}

/**
 * A multiply layer (see `Multiply`).
 * @example
 * const y = multiply().apply([a, b]);
 * const sym = multiply().apply([inputA, inputB]);
 */
export function multiply(args?: LayerOptions): Multiply {
  checkFactoryArgs('multiply', arguments.length);
  return new Multiply(args);
}

/**
 * An average layer (see `Average`).
 * @example
 * const y = average().apply([a, b]);
 * const sym = average().apply([inputA, inputB]);
 */
export function average(args?: LayerOptions): Average {
  checkFactoryArgs('average', arguments.length);
  return new Average(args);
}

/**
 * A maximum layer (see `Maximum`).
 * @example
 * const y = maximum().apply([a, b]);
 * const sym = maximum().apply([inputA, inputB]);
 */
export function maximum(args?: LayerOptions): Maximum {
  checkFactoryArgs('maximum', arguments.length);
  return new Maximum(args);
}

/**
 * A minimum layer (see `Minimum`).
 * @example
 * const y = minimum().apply([a, b]);
 * const sym = minimum().apply([inputA, inputB]);
 */
export function minimum(args?: LayerOptions): Minimum {
  checkFactoryArgs('minimum', arguments.length);
  return new Minimum(args);
}

/**
 * A concatenate layer (see `Concatenate`).
 * @example
 * const y = concatenate({ axis: -1 }).apply([a, b]);
 * const sym = concatenate().apply([inputA, inputB]);
 */
export function concatenate(args?: ConcatenateOptions): Concatenate {
  checkFactoryArgs('concatenate', arguments.length);
  return new Concatenate(args);
}

registerLayerClass('Add', Add);
registerLayerClass('Subtract', Subtract);
registerLayerClass('Multiply', Multiply);
registerLayerClass('Average', Average);
registerLayerClass('Maximum', Maximum);
registerLayerClass('Minimum', Minimum);
registerLayerClass('Concatenate', Concatenate);

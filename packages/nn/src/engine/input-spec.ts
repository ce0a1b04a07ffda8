// What a layer accepts as input, declared once per layer (as Keras's InputSpec): one tensor or a
// list of them, their rank, the axes that must be known to build and the sizes fixed once built.
// `Layer.apply` and `Layer.computeOutputShape` check it before any work, so layers' `build`,
// `call` and shape rules read shapes that already fit. Also the one way shapes are written in
// error messages (`shapeText`).

import { ArgumentError, ShapeError } from '@nabla/core';

/** A shape with `null` for the batch axis (or any unknown size). */
export type SymbolicShape = readonly (number | null)[];

/** What one input tensor must look like. Axes are numbered from the end when negative. */
export interface InputSpec {
  /** Exact rank, batch axis included. */
  readonly ndim?: number;
  /** Least rank, batch axis included. */
  readonly minNdim?: number;
  /** Words for the layout in rank errors: `'(NHWC)'`, `'[batch, time, features]'`. */
  readonly layout?: string;
  /** Axes whose size must be known to build, each with its name for errors ('' for none). */
  readonly known?: Readonly<Record<number, string>>;
  /** Sizes fixed per axis (a layer sets them when it builds, from the shape it was built for). */
  readonly axes?: Readonly<Record<number, number>>;
  /** What the input is called in errors (default 'input'; attention says 'query'). */
  readonly name?: string;
}

/** A layer that takes a list of inputs: how many, and a spec per position (the last repeats). */
export interface ListInputSpec {
  readonly list: {
    readonly min: number;
    readonly max?: number;
    /** The phrase for errors; default `a list of at least <min> inputs`. */
    readonly expected?: string;
  };
  readonly items?: readonly InputSpec[];
}

/** A layer's input spec: one tensor (`InputSpec`) or a list (`ListInputSpec`). */
export type LayerInputSpec = InputSpec | ListInputSpec;

/**
 * A shape as errors write it: `[None,28,28,1]`.
 * @example
 * shapeText([null, 3]); // '[None,3]'
 */
export function shapeText(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'None' : String(d))).join(',')}]`;
}

/**
 * A shape as Keras's summary writes it: `(None, 28, 28, 1)`; a list of shapes comma-joined.
 * @example
 * formatShape([null, 10]); // '(None, 10)'
 */
export function formatShape(shape: SymbolicShape | SymbolicShape[]): string {
  if (shape.length > 0 && Array.isArray(shape[0]))
    return (shape as SymbolicShape[]).map(formatShape).join(', ');
  return `(${(shape as SymbolicShape).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

/**
 * True when `shape` is a list of shapes (a multi-input layer's) rather than one shape.
 * @example
 * isShapeList([[null, 2], [null, 2]]); // true
 * isShapeList([null, 2]); // false
 */
export function isShapeList(
  shape: SymbolicShape | readonly SymbolicShape[],
): shape is readonly SymbolicShape[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

function isList(spec: LayerInputSpec): spec is ListInputSpec {
  return 'list' in spec;
}

/**
 * Throws unless `shapes` fit `spec` (null: anything goes): a single input or a list of the right
 * length, each of the right rank, with its known and fixed axes. `list` says whether the layer
 * was given a list. ArgumentError for the wrong number of inputs, ShapeError for shapes.
 * @example
 * checkInputSpec('conv2d_1', { ndim: 4, layout: '(NHWC)' }, [[null, 5, 3]], false);
 * // throws ShapeError: conv2d_1: expected input of rank 4 (NHWC), got shape [None,5,3]
 */
export function checkInputSpec(
  layer: string,
  spec: LayerInputSpec | null,
  shapes: readonly SymbolicShape[],
  list: boolean,
): void {
  if (spec === null) return;
  if (!isList(spec)) {
    if (list) throw new ArgumentError(`${layer}: expected a single input, got a list of ${shapes.length}`);
    checkOne(layer, spec, shapes[0]!);
    return;
  }
  const { min, max } = spec.list;
  const expected = spec.list.expected ?? `a list of at least ${min} inputs`;
  if (!list) {
    throw new ArgumentError(
      `${layer}: expected ${expected}, got a single input of shape ${shapeText(shapes[0]!)}`,
    );
  }
  if (shapes.length < min) throw new ArgumentError(`${layer}: expected ${expected}, got ${shapes.length}`);
  if (max !== undefined && shapes.length > max) {
    const most = spec.list.expected ?? `at most ${max} inputs`;
    throw new ArgumentError(`${layer}: expected ${most}, got ${shapes.length}`);
  }
  const items = spec.items ?? [];
  shapes.forEach((shape, i) => {
    const item = items[Math.min(i, items.length - 1)];
    if (item) checkOne(layer, item, shape);
  });
}

/**
 * `checkInputSpec` for what `computeOutputShape` receives: one shape, or a list of shapes.
 * @example
 * checkInputShapes('dense_1', { minNdim: 2 }, [null]); // throws ShapeError
 */
export function checkInputShapes(
  layer: string,
  spec: LayerInputSpec | null,
  shape: SymbolicShape | readonly SymbolicShape[],
): void {
  if (isShapeList(shape)) checkInputSpec(layer, spec, shape, true);
  else checkInputSpec(layer, spec, [shape as SymbolicShape], false);
}

function checkOne(layer: string, spec: InputSpec, shape: SymbolicShape): void {
  // The phrases are only built for an error: this runs on every layer call.
  const who = () => spec.name ?? 'input';
  const layout = () => (spec.layout ? ` ${spec.layout}` : '');
  if (spec.ndim !== undefined && shape.length !== spec.ndim) {
    throw new ShapeError(
      `${layer}: expected ${who()} of rank ${spec.ndim}${layout()}, got shape ${shapeText(shape)}`,
    );
  }
  if (spec.minNdim !== undefined && shape.length < spec.minNdim) {
    const rule = spec.layout ? `${spec.layout} (rank >= ${spec.minNdim})` : `of rank >= ${spec.minNdim}`;
    throw new ShapeError(`${layer}: expected an ${who()} ${rule}, got shape ${shapeText(shape)}`);
  }
  const known = spec.known;
  if (known) {
    for (const key of Object.keys(known)) {
      const axis = Number(key);
      const size = shape[axis < 0 ? shape.length + axis : axis];
      if (size === null || size === undefined) {
        const name = known[axis];
        throw new ShapeError(
          `${layer}: expected ${who()} axis ${axis}${name ? ` (${name})` : ''} to be known, got shape ${shapeText(shape)}`,
        );
      }
    }
  }
  const axes = spec.axes;
  if (axes) {
    for (const key of Object.keys(axes)) {
      const axis = Number(key);
      const size = shape[axis < 0 ? shape.length + axis : axis];
      const expected = axes[axis];
      if (size !== null && size !== undefined && size !== expected) {
        throw new ShapeError(
          `${layer}: expected input axis ${axis} to be ${expected}, got shape ${shapeText(shape)}`,
        );
      }
    }
  }
}

/**
 * The one input of a single-input layer, once `apply` has checked its spec (types only).
 * @example
 * call(inputs: Tensor | Tensor[]) { const x = one(inputs); ... }
 */
export function one<T>(inputs: T | readonly T[]): T {
  if (Array.isArray(inputs))
    throw new ArgumentError(`expected a single input, got a list of ${inputs.length}`);
  return inputs as T;
}

/**
 * The one shape given to a single-input layer's shape rule, once its spec was checked.
 * @example
 * const [batch, features] = oneShape(inputShape);
 */
export function oneShape(shape: SymbolicShape | readonly SymbolicShape[]): SymbolicShape {
  if (isShapeList(shape)) throw new ArgumentError(`expected a single input, got a list of ${shape.length}`);
  return shape as SymbolicShape;
}

/**
 * The shapes given to a multi-input layer's shape rule, once its spec was checked.
 * @example
 * const [a, b] = shapeList(inputShape);
 */
export function shapeList(shape: SymbolicShape | readonly SymbolicShape[]): readonly SymbolicShape[] {
  if (!isShapeList(shape))
    throw new ArgumentError(`expected a list of inputs, got shape ${shapeText(shape as SymbolicShape)}`);
  return shape;
}

/**
 * The inputs of a multi-input layer, once `apply` has checked its spec (types only).
 * @example
 * call(inputs: Tensor | Tensor[]) { const [a, b] = many(inputs); ... }
 */
export function many<T>(inputs: T | readonly T[]): readonly T[] {
  if (!Array.isArray(inputs)) throw new ArgumentError('expected a list of inputs, got a single input');
  return inputs as readonly T[];
}

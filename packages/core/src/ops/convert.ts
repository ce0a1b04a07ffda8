// Turning user values (numbers, nested arrays, typed arrays, tensors) into tensors, and the
// small helpers every op file shares: argument conversion with weak number typing, dtype
// promotion between operands, and `sumTo` for reducing broadcast gradients.

import {
  type DType,
  inferDType,
  promoteTypes,
  type TypedArray,
  toTypedArray,
  weakNumberDType,
} from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** Nested (possibly readonly) arrays of numbers or booleans, as ops accept them. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** Anything an op accepts where a tensor is expected. */
export type TensorLike = Tensor | NestedInput | TypedArray;

/** Infers the shape of a nested array, checking it is rectangular. */
export function inferShape(op: string, value: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  if (ArrayBuffer.isView(cur)) shape.push((cur as TypedArray).length);
  const check = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(v) || ArrayBuffer.isView(v)) {
        throw new ShapeError(`${op}: values are ragged: expected a scalar at depth ${dim}, got an array`);
      }
      return;
    }
    const isArr = Array.isArray(v) || ArrayBuffer.isView(v);
    const len = isArr ? (v as ArrayLike<unknown>).length : -1;
    if (len !== shape[dim]) {
      throw new ShapeError(
        `${op}: values are ragged: expected ${shape[dim]} elements at depth ${dim}, got ${len < 0 ? 'a scalar' : len}`,
      );
    }
    if (dim + 1 < shape.length) for (let i = 0; i < len; i++) check((v as ArrayLike<unknown>)[i], dim + 1);
  };
  if (shape.length) check(value, 0);
  return shape;
}

/** Flattens nested arrays of numbers/booleans (or typed arrays) into `out`. */
function flattenInto(value: unknown, out: (number | boolean)[]): void {
  if (Array.isArray(value)) {
    for (const v of value) flattenInto(v, out);
  } else if (ArrayBuffer.isView(value)) {
    for (const v of value as TypedArray) out.push(v);
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    out.push(value);
  } else {
    throw new ArgumentError(`tensor: values must be numbers or booleans, got ${typeof value}`);
  }
}

/** Creates a tensor from raw values, checking the shape matches. */
export function fromValues(
  op: string,
  values: TensorLike,
  shape: readonly number[] | undefined,
  dtype: DType | undefined,
): Tensor {
  if (values instanceof Tensor) {
    throw new ArgumentError(`${op}: values is already a tensor; use clone() or cast()`);
  }
  const inferred = inferShape(op, values);
  let flat: ArrayLike<number | boolean>;
  if (ArrayBuffer.isView(values)) {
    flat = values;
  } else {
    const list: (number | boolean)[] = [];
    flattenInto(values, list);
    flat = list;
  }
  const finalShape = shape ? [...shape] : inferred;
  for (const d of finalShape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`${op}: shape entries must be non-negative integers, got ${fmtShape(finalShape)}`);
  }
  const finalDType = dtype ?? (ArrayBuffer.isView(values) ? inferDType(values) : inferDType(flat[0] ?? 0));
  const size = sizeOf(finalShape);
  if (flat.length !== size) {
    if (flat.length === 1 && shape) {
      // A single value fills the whole shape, as in tf.tensor(3, [2, 2]).
      const one = Number(flat[0]);
      flat = new Array<number>(size).fill(one);
    } else {
      throw new ShapeError(
        `${op}: shape ${fmtShape(finalShape)} needs ${size} values, got ${flat.length} (values have shape ${fmtShape(inferred)})`,
      );
    }
  }
  return ENGINE.makeTensor(toTypedArray(flat, finalDType), finalShape, finalDType);
}

/**
 * Converts op arguments to tensors. JS numbers take the dtype of the first tensor argument
 * (weak typing); the returned `owned` tensors were created here and must be disposed by the
 * caller (`using` or `disposeOwned`).
 */
export function convertArgs(
  op: string,
  names: readonly string[],
  args: readonly TensorLike[],
): { tensors: Tensor[]; owned: Tensor[] } {
  const anchor = args.find((a): a is Tensor => a instanceof Tensor);
  const owned: Tensor[] = [];
  const tensors = args.map((a, i) => {
    if (a instanceof Tensor) {
      a.assertAlive(op);
      return a;
    }
    let dtype: DType | undefined;
    if ((typeof a === 'number' || typeof a === 'boolean') && anchor) dtype = weakNumberDType(a, anchor.dtype);
    if (a === null || a === undefined) throw new ArgumentError(`${op}: argument ${names[i] ?? i} is ${a}`);
    const t = fromValues(op, a, undefined, dtype);
    owned.push(t);
    return t;
  });
  return { tensors, owned };
}

/** Converts one argument; the result is owned by the caller when it was not already a tensor. */
export function toTensor(op: string, name: string, x: TensorLike, dtype?: DType): Tensor {
  if (x === null || x === undefined) throw new ArgumentError(`${op}: argument ${name} is ${x}`);
  if (x instanceof Tensor) {
    x.assertAlive(op);
    return x;
  }
  return fromValues(op, x, undefined, dtype);
}

/** Runs `fn` over converted arguments and disposes the ones made from plain values. */
export function withArgs<T>(
  op: string,
  names: readonly string[],
  args: readonly TensorLike[],
  fn: (ts: Tensor[]) => T,
): T {
  const { tensors, owned } = convertArgs(op, names, args);
  try {
    return fn(tensors);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** The dtype a group of operands promotes to. */
export function resultType(tensors: readonly Tensor[]): DType {
  return tensors.map((t) => t.dtype).reduce(promoteTypes);
}

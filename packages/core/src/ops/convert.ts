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
import { describeArg, isNumericTypedArray } from './args.js';

/** Nested (possibly readonly) arrays of numbers or booleans, as ops accept them. */
export type NestedInput = number | boolean | readonly NestedInput[];

/** Anything an op accepts where a tensor is expected. */
export type TensorLike = Tensor | NestedInput | TypedArray;

/** Nesting deeper than this is a ShapeError (and never a stack overflow: the walk is iterative). */
export const MAX_NESTING = 32;

/** The multi-index of element `flat` of a level of shape `shape`, for messages: `[1][0]`. */
function pathOf(shape: readonly number[], flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    idx.unshift(n > 0 ? flat % n : 0);
    flat = n > 0 ? Math.floor(flat / n) : 0;
  }
  return idx.map((i) => `[${i}]`).join('');
}

function isArrayLevel(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || isNumericTypedArray(v);
}

/** Shape, leaves in row-major order, and whether every leaf is a boolean. */
interface Nested {
  shape: number[];
  flat: ArrayLike<number | boolean>;
  allBool: boolean;
}

/**
 * Reads nested arrays (or a typed array, or a scalar) level by level: the shape comes from the
 * first element at each depth, then every array at that depth must have that length, typed
 * arrays may only hold the last axis, and leaves must be numbers or booleans.
 */
function readNested(op: string, arg: string, value: unknown): Nested {
  if (isNumericTypedArray(value)) return { shape: [value.length], flat: value, allBool: false };
  const shape: number[] = [];
  let cur: unknown = value;
  while (Array.isArray(cur)) {
    if (shape.length === MAX_NESTING) {
      throw new ShapeError(
        `${op}: expected ${arg} nested at most ${MAX_NESTING} levels deep, got deeper nesting`,
      );
    }
    shape.push(cur.length);
    cur = cur[0];
  }
  if (isNumericTypedArray(cur)) {
    if (shape.length === MAX_NESTING) {
      throw new ShapeError(
        `${op}: expected ${arg} nested at most ${MAX_NESTING} levels deep, got deeper nesting`,
      );
    }
    shape.push(cur.length);
  }
  let level: unknown[] = [value];
  for (let depth = 0; depth < shape.length; depth++) {
    const n = shape[depth]!;
    const last = depth === shape.length - 1;
    const next: unknown[] = [];
    for (let i = 0; i < level.length; i++) {
      const v = level[i];
      const len = isArrayLevel(v) ? v.length : -1;
      if (len !== n || (!last && !Array.isArray(v))) {
        const where = pathOf(shape.slice(0, depth), i);
        const got =
          len < 0
            ? describeArg(v)
            : Array.isArray(v)
              ? `an array of length ${len}`
              : `a typed array of length ${len}`;
        throw new ShapeError(
          `${op}: expected ${arg} to be rectangular with shape ${fmtShape(shape)}, got ${got} at ${arg}${where} (ragged nested arrays)`,
        );
      }
      for (let k = 0; k < n; k++) next.push((v as ArrayLike<unknown>)[k]);
    }
    level = next;
  }
  let allBool = true;
  for (let i = 0; i < level.length; i++) {
    const v = level[i];
    if (typeof v === 'number') allBool = false;
    else if (typeof v !== 'boolean') {
      const at = `${arg}${pathOf(shape, i)}`;
      if (isArrayLevel(v)) {
        throw new ShapeError(
          `${op}: expected ${arg} to be rectangular with shape ${fmtShape(shape)}, got ${describeArg(v)} at ${at} (ragged nested arrays)`,
        );
      }
      throw new ArgumentError(
        `${op}: expected ${arg} to hold numbers or booleans, got ${describeArg(v)} at ${at}`,
      );
    }
  }
  return { shape, flat: level as (number | boolean)[], allBool: allBool && level.length > 0 };
}

/** Infers the shape of a nested array, checking it is rectangular with numeric or boolean leaves. */
export function inferShape(op: string, value: unknown, arg = 'values'): number[] {
  return readNested(op, arg, value).shape;
}

/** The shape of every scalar made from a JS number (frozen, so tensors share it). */
const SCALAR_SHAPE: readonly number[] = Object.freeze([]);

/** Creates a tensor from raw values, checking the shape matches. */
export function fromValues(
  op: string,
  values: TensorLike,
  shape: readonly number[] | undefined,
  dtype: DType | undefined,
  arg = 'values',
): Tensor {
  if (values instanceof Tensor) {
    throw new ArgumentError(`${op}: ${arg} is already a tensor; use clone() or cast()`);
  }
  if (!(typeof values === 'number' || typeof values === 'boolean' || isArrayLevel(values))) {
    throw new ArgumentError(
      `${op}: expected ${arg} to be a number, a boolean, nested arrays of them or a typed array, got ${describeArg(values)}`,
    );
  }
  if (typeof values === 'number' && shape === undefined) {
    // A JS number (the `1` of x.add(1)): the common case, without the nested-array walk.
    return ENGINE.makeTensor(toTypedArray([values], dtype ?? 'float32'), SCALAR_SHAPE, dtype ?? 'float32');
  }
  const nested = readNested(op, arg, values);
  const inferred = nested.shape;
  let flat = nested.flat;
  const finalShape = shape ? [...shape] : inferred;
  for (const d of finalShape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new ShapeError(`${op}: shape entries must be non-negative integers, got ${fmtShape(finalShape)}`);
  }
  // Booleans mixed with numbers count as 0/1 numbers rather than turning the numbers to bools.
  const finalDType =
    dtype ?? (isNumericTypedArray(values) ? inferDType(values) : nested.allBool ? 'bool' : 'float32');
  const size = sizeOf(finalShape);
  if (flat.length !== size) {
    if (flat.length === 1 && shape) {
      ENGINE.checkSize(op, finalShape, finalDType);
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
  try {
    const tensors = args.map((a, i) => {
      const name = names[i] ?? `argument ${i + 1}`;
      if (a instanceof Tensor) {
        a.assertAlive(op);
        return a;
      }
      let dtype: DType | undefined;
      if ((typeof a === 'number' || typeof a === 'boolean') && anchor)
        dtype = weakNumberDType(a, anchor.dtype);
      if (a === null || a === undefined)
        throw new ArgumentError(`${op}: expected ${name} to be a tensor, got ${a}`);
      // A JS number inside a tidy scope: the scope's shared scalar, freed with the scope.
      const shared = typeof a === 'number' ? ENGINE.scopeScalar(a, dtype ?? 'float32') : undefined;
      if (shared) return shared;
      const t = fromValues(op, a, undefined, dtype, name);
      owned.push(t);
      return t;
    });
    return { tensors, owned };
  } catch (e) {
    // A later argument failed: free what the earlier ones made, so a failed call holds nothing.
    for (const t of owned) t.dispose();
    throw e;
  }
}

/** Converts one argument; the result is owned by the caller when it was not already a tensor. */
export function toTensor(op: string, name: string, x: TensorLike, dtype?: DType): Tensor {
  if (x === null || x === undefined)
    throw new ArgumentError(`${op}: expected ${name} to be a tensor, got ${x}`);
  if (x instanceof Tensor) {
    x.assertAlive(op);
    return x;
  }
  return fromValues(op, x, undefined, dtype, name);
}

/** One tensor per argument name: `['a', 'b']` gives `[Tensor, Tensor]`, a `string[]` gives `Tensor[]`. */
type TensorPerName<N extends readonly string[]> = { -readonly [K in keyof N]: Tensor };

/**
 * Runs `fn` over converted arguments and disposes the ones made from plain values. `fn` gets a
 * tuple as long as `names`, so ops destructure their operands without non-null assertions.
 */
export function withArgs<const N extends readonly string[], T>(
  op: string,
  names: N,
  args: { readonly [K in keyof N]: TensorLike },
  fn: (ts: TensorPerName<N>) => T,
): T {
  const { tensors, owned } = convertArgs(op, names, args);
  try {
    // convertArgs maps args one to one, and args is typed as long as names.
    return fn(tensors as TensorPerName<N>);
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** The dtype a group of operands promotes to. */
export function resultType(tensors: readonly Tensor[]): DType {
  return tensors.map((t) => t.dtype).reduce(promoteTypes);
}

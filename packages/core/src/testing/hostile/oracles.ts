// Plain-JS answers for a few ops, so a silently wrong result is caught on the reference
// backend itself (where there is nothing to compare with): reductions over the axes the
// options name (`x.sum(1)` once summed everything), ops that must keep the values (reshape and
// friends, nearest-neighbour resizing to the same size), constant fills, and `tensor()` of rectangular nested arrays. An oracle answers
// only for arguments it fully understands and returns undefined otherwise.

import type { DType } from '../../dtype.js';
import { Tensor } from '../../tensor.js';

/** What an oracle expects of a successful call. */
export interface Expected {
  /** Set when no result can be right: the call had to throw. */
  readonly refuse?: string;
  readonly shape?: readonly number[];
  readonly dtype?: DType;
  readonly values: readonly number[];
}

/** Expected result of a call, from its arguments (receiver first for methods) and the input values. */
export type Oracle = (
  args: readonly unknown[],
  valuesOf: (t: Tensor) => readonly number[] | undefined,
) => Expected | undefined;

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Axes an options object names, normalized, or undefined when it is not a simple one. */
function reduceAxes(options: unknown, rank: number): { axes: number[]; keepDims: boolean } | undefined {
  if (options === undefined) return { axes: [...Array(rank).keys()], keepDims: false };
  if (!isPlain(options)) return undefined;
  const keys = Object.keys(options);
  if (keys.some((k) => k !== 'axis' && k !== 'keepDims')) return undefined;
  const { axis, keepDims = false } = options;
  if (typeof keepDims !== 'boolean') return undefined;
  const list = axis === undefined ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis];
  if (!list.every((a) => Number.isInteger(a) && a >= -rank && a < rank)) return undefined;
  const axes = list.map((a: number) => (a < 0 ? a + rank : a));
  if (new Set(axes).size !== axes.length) return undefined;
  return { axes, keepDims };
}

function reduction(
  combine: (acc: number, v: number) => number,
  init: number,
  finish = (acc: number, _count: number) => acc,
): Oracle {
  return ([x, options], valuesOf) => {
    if (!(x instanceof Tensor) || x.dtype !== 'float32') return undefined;
    const values = valuesOf(x);
    const plan = reduceAxes(options, x.rank);
    if (!values || !plan) return undefined;
    // Beyond float32's range a float64 sum and a float32 one part ways; such inputs are not judged.
    if (values.some((v) => Math.abs(v) > 1e6)) return undefined;
    const reduced = new Set(plan.axes);
    const outShape = x.shape.flatMap((d, i) => (reduced.has(i) ? (plan.keepDims ? [1] : []) : [d]));
    const keptDims = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
    const outSize = keptDims.reduce((a, b) => a * b, 1);
    const acc = new Array<number>(outSize).fill(init);
    const count = x.shape.reduce((n, d, i) => (reduced.has(i) ? n * d : n), 1);
    if (count === 0 && (init === Number.NEGATIVE_INFINITY || init === Number.POSITIVE_INFINITY))
      return undefined;
    const index = new Array<number>(x.rank).fill(0);
    for (let flat = 0; flat < values.length; flat++) {
      let out = 0;
      for (let i = 0; i < x.rank; i++) out = out * keptDims[i]! + (reduced.has(i) ? 0 : index[i]!);
      acc[out] = combine(acc[out]!, values[flat]!);
      for (let i = x.rank - 1; i >= 0; i--) {
        index[i]!++;
        if (index[i]! < x.shape[i]!) break;
        index[i] = 0;
      }
    }
    return { shape: outShape, values: acc.map((a) => Math.fround(finish(a, count))) };
  };
}

/** The same values in the same order (any shape of the same size). */
const sameValues: Oracle = ([x], valuesOf) => {
  if (!(x instanceof Tensor)) return undefined;
  const values = valuesOf(x);
  return values ? { dtype: x.dtype, values } : undefined;
};

/**
 * Nearest-neighbour resizing to the images' own height and width copies every pixel in every
 * coordinate mode (float images, options understood; undefined otherwise).
 */
const sameSizeResize: Oracle = ([x, size, options], valuesOf) => {
  if (!(x instanceof Tensor) || (x.rank !== 3 && x.rank !== 4) || !Array.isArray(size)) return undefined;
  if (x.dtype !== 'float32' && x.dtype !== 'float64') return undefined;
  const [h, w] = x.shape.slice(x.rank - 3);
  if (size.length !== 2 || size[0] !== h || size[1] !== w || h === 0 || w === 0) return undefined;
  if (options !== undefined && !isPlain(options)) return undefined;
  const { alignCorners = false, halfPixelCenters = false, ...rest } = options ?? {};
  if (
    Object.keys(rest).length > 0 ||
    typeof alignCorners !== 'boolean' ||
    typeof halfPixelCenters !== 'boolean'
  ) {
    return undefined;
  }
  if (alignCorners && halfPixelCenters) return undefined;
  return sameValues([x], valuesOf);
};

/** Rectangular nested numbers: their shape and flat values, or 'ragged', or undefined. */
function nested(value: unknown): { shape: number[]; flat: number[] } | 'ragged' | undefined {
  const shape: number[] = [];
  let cur: unknown = value;
  while (Array.isArray(cur)) {
    if (shape.length > 8) return undefined;
    shape.push(cur.length);
    cur = cur[0];
  }
  const flat: number[] = [];
  const walk = (v: unknown, depth: number): 'ok' | 'ragged' | 'unknown' => {
    if (depth === shape.length) {
      if (typeof v === 'number') flat.push(v);
      else if (typeof v === 'boolean') flat.push(v ? 1 : 0);
      else return Array.isArray(v) ? 'ragged' : 'unknown';
      return 'ok';
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) return 'ragged';
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) return 'unknown';
      const r = walk(v[i], depth + 1);
      if (r !== 'ok') return r;
    }
    return 'ok';
  };
  const r = walk(value, 0);
  return r === 'ok' ? { shape, flat } : r === 'ragged' ? 'ragged' : undefined;
}

const tensorOracle: Oracle = ([values, shape, dtype]) => {
  if (shape !== undefined || dtype !== undefined) return undefined;
  if (!Array.isArray(values) && typeof values !== 'number') return undefined;
  const n = nested(values);
  if (n === undefined) return undefined;
  // A ragged array must have been refused: no result can be right.
  if (n === 'ragged') return { refuse: 'the nested values are ragged', values: [] };
  const isBool =
    n.flat.length > 0 && typeof (Array.isArray(values) ? values.flat(8)[0] : values) === 'boolean';
  return { shape: n.shape, values: isBool ? n.flat : n.flat.map(Math.fround) };
};

/** `tensor1d` ... `tensor6d` answer as `tensor` for values nested exactly `rank` deep. */
function rankedTensorOracle(rank: number): Oracle {
  return (args, valuesOf) => {
    const [values, ...rest] = args;
    if (rest.some((a) => a !== undefined) || !Array.isArray(values)) return undefined;
    const n = nested(values);
    if (n === undefined || n === 'ragged' || n.shape.length !== rank) return undefined;
    return tensorOracle([values], valuesOf);
  };
}

function fill(value: (args: readonly unknown[]) => unknown): Oracle {
  return (args) => {
    const [shape] = args;
    const v = value(args);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    const size = shape.reduce((a: number, b: number) => a * b, 1);
    if (size > 1e5) return undefined;
    return { shape, values: new Array<number>(size).fill(v) };
  };
}

/** Oracles by op name (methods use the same, receiver first). */
export const ORACLES: Readonly<Record<string, Oracle>> = {
  sum: reduction((a, v) => a + v, 0),
  prod: reduction((a, v) => a * v, 1),
  mean: reduction(
    (a, v) => a + v,
    0,
    (a, n) => a / n,
  ),
  max: reduction(
    (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.max(a, v)),
    Number.NEGATIVE_INFINITY,
  ),
  min: reduction(
    (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.min(a, v)),
    Number.POSITIVE_INFINITY,
  ),
  reshape: sameValues,
  flatten: sameValues,
  expandDims: sameValues,
  squeeze: sameValues,
  clone: sameValues,
  resizeNearestNeighbor: sameSizeResize,
  stopGradient: sameValues,
  tensor: tensorOracle,
  tensor1d: rankedTensorOracle(1),
  tensor2d: rankedTensorOracle(2),
  tensor3d: rankedTensorOracle(3),
  tensor4d: rankedTensorOracle(4),
  tensor5d: rankedTensorOracle(5),
  tensor6d: rankedTensorOracle(6),
  zeros: fill(() => 0),
  ones: fill(() => 1),
  full: fill(([, v, dtype]) => (dtype === undefined && typeof v === 'number' ? Math.fround(v) : undefined)),
};

/** The oracle of an op, own entries only. */
export function oracleOf(opName: string): Oracle | undefined {
  return Object.hasOwn(ORACLES, opName) ? ORACLES[opName] : undefined;
}

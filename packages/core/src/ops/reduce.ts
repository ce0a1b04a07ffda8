// Reductions over any axes (with keepDims), scans, mean/variance, and their VJP rules.
// Primitives keep reduced axes as size 1; ops drop them with a (free) reshape unless keepDims.

import { type DType, isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { ReducePrim } from '../prims.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S, type Spec } from './args.js';
import { div, equal, mul } from './binary.js';
import { cast } from './cast.js';
import { chain } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';
import { broadcastTo, reshape } from './movement.js';

/** Options of the reductions. */
export interface ReduceOptions {
  /** Axis or axes to reduce (negative counts from the end); all axes when omitted. */
  axis?: number | readonly number[];
  /** Keep reduced axes with size 1. */
  keepDims?: boolean;
}

const REDUCE_KEYS = { axis: S.axes, keepDims: S.boolean };
const REDUCE_OPTIONS = S.object(REDUCE_KEYS, { positional: ['axis', 'keepDims'] });
const REDUCE_PARAMS = [req('x', S.tensor), opt('options', REDUCE_OPTIONS)] as const;

/** A reduction op `name(x, options)` over `impl`. */
function reduction<O, R>(
  name: string,
  spec: Spec,
  impl: (x: TensorLike, options?: O) => R,
): (x: TensorLike, options?: O) => R {
  return defineOp(name, [req('x', S.tensor), opt('options', spec)], impl);
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function droppedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

function reduceDType(prim: ReducePrim, dtype: DType): DType {
  if (prim === 'any' || prim === 'all') return 'bool';
  if ((prim === 'sum' || prim === 'prod') && dtype === 'bool') return 'int32';
  return dtype;
}

/** Runs a reduction primitive over normalised axes and drops them unless keepDims. */
function reduce(prim: ReducePrim, x: TensorLike, options: ReduceOptions): Tensor {
  return withArgs(prim, ['x'], [x], ([t]) => {
    const input = t;
    const axes = normalizeAxes(prim, options.axis, input.rank);
    if ((prim === 'max' || prim === 'min') && axes.some((a) => input.shape[a] === 0)) {
      throw new ShapeError(
        `${prim}: cannot reduce over an empty axis, got x.shape=${fmtShape(input.shape)} and axis=[${axes.join(',')}]`,
      );
    }
    const dtype = reduceDType(prim, input.dtype);
    const source = input.dtype === dtype ? input : cast(input, dtype);
    try {
      const kept = keptShape(input.shape, axes);
      const out =
        axes.length === 0
          ? ENGINE.share(source, source.shape)
          : ENGINE.run(prim, [source], { axes }, kept, dtype);
      if (options.keepDims) return out;
      const dropped = reshape(out, droppedShape(input.shape, axes));
      out.dispose();
      return dropped;
    } finally {
      if (source !== input) source.dispose();
    }
  });
}

/** Sum over axes (bool sums as int32). @example sum(tensor([[1, 2], [3, 4]]), { axis: 1 }); // [3, 7] */
export const sum = defineOp(
  'sum',
  REDUCE_PARAMS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('sum', x, options),
);
/** Maximum over axes (NaN propagates). @example max(tensor([1, 5, 3])); // 5 */
export const max = defineOp(
  'max',
  REDUCE_PARAMS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('max', x, options),
);
/** Minimum over axes (NaN propagates). @example min(tensor([1, 5, 3])); // 1 */
export const min = defineOp(
  'min',
  REDUCE_PARAMS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('min', x, options),
);
/** Logical or over axes. @example any(tensor([false, true])); // true */
export const any = defineOp(
  'any',
  REDUCE_PARAMS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('any', x, options),
);
/** Logical and over axes. @example all(tensor([false, true])); // false */
export const all = defineOp(
  'all',
  REDUCE_PARAMS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor => reduce('all', x, options),
);

/**
 * Product over axes (reduced one axis at a time, so each step has a simple exact gradient).
 * @example
 * prod(tensor([1, 2, 3, 4])); // 24
 */
export const prod = reduction(
  'prod',
  REDUCE_OPTIONS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor =>
    withArgs('prod', ['x'], [x], ([t]) => {
      const axes = normalizeAxes('prod', options.axis, t.rank);
      if (axes.length <= 1) return reduce('prod', t, options);
      return tidy(() => {
        let out = t;
        for (const a of axes) out = reduce('prod', out, { axis: a, keepDims: true });
        return options.keepDims ? out : reshape(out, droppedShape(t.shape, axes));
      });
    }),
);

/**
 * Mean over axes (int inputs give float32).
 * @example
 * mean(tensor([1, 2, 3, 4])); // 2.5
 */
export const mean = reduction(
  'mean',
  REDUCE_OPTIONS,
  (x: TensorLike, options: ReduceOptions = {}): Tensor =>
    withArgs('mean', ['x'], [x], ([t]) => {
      const axes = normalizeAxes('mean', options.axis, t.rank);
      const count = sizeOf(axes.map((a) => t.shape[a]!));
      return tidy(() => {
        const f = isFloat(t.dtype) ? t : cast(t, 'float32');
        return div(sum(f, { axis: axes, keepDims: options.keepDims }), count);
      });
    }),
);

/** Options of argMax/argMin. */
export interface ArgOptions {
  /** The axis; the flattened tensor when omitted (like NumPy and PyTorch). */
  axis?: number;
}

const ARG_OPTIONS = S.object({ axis: S.axis }, { positional: ['axis'] });

function argReduce(prim: 'argMax' | 'argMin', x: TensorLike, options: ArgOptions): Tensor {
  return withArgs(prim, ['x'], [x], ([t]) => {
    const flat = options.axis === undefined;
    const input = flat ? reshape(t, [t.size]) : t;
    try {
      const axis = normalizeAxis(prim, options.axis ?? 0, input.rank);
      if (input.shape[axis] === 0) {
        throw new ShapeError(
          `${prim}: cannot take ${prim} over an empty axis, got x.shape=${fmtShape(t.shape)}`,
        );
      }
      if (input.dtype === 'bool') {
        using asInt = cast(input, 'int32');
        return ENGINE.run(prim, [asInt], { axis }, droppedShape(input.shape, [axis]), 'int32');
      }
      return ENGINE.run(prim, [input], { axis }, droppedShape(input.shape, [axis]), 'int32');
    } finally {
      if (input !== t) input.dispose();
    }
  });
}

/** Index of the first maximum (int32). @example argMax(tensor([[1, 9], [8, 2]]), { axis: 1 }); // [1, 0] */
export const argMax = reduction(
  'argMax',
  ARG_OPTIONS,
  (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argMax', x, options),
);
/** Index of the first minimum (int32). @example argMin(tensor([3, 1, 2])); // 1 */
export const argMin = reduction(
  'argMin',
  ARG_OPTIONS,
  (x: TensorLike, options: ArgOptions = {}): Tensor => argReduce('argMin', x, options),
);

/** Options of cumsum/cumprod. */
export interface CumulativeOptions {
  axis?: number;
  /** Leave out the current element (the first output is 0 for sums, 1 for products). */
  exclusive?: boolean;
  /** Accumulate from the end. */
  reverse?: boolean;
}

const CUMULATIVE_OPTIONS = S.object(
  { axis: S.axis, exclusive: S.boolean, reverse: S.boolean },
  { positional: ['axis', 'exclusive', 'reverse'] },
);

function cumulative(prim: 'cumsum' | 'cumprod', x: TensorLike, options: CumulativeOptions): Tensor {
  return withArgs(prim, ['x'], [x], ([t]) => {
    const axis = normalizeAxis(prim, options.axis ?? 0, t.rank);
    const dtype: DType = t.dtype === 'bool' ? 'int32' : t.dtype;
    using source = cast(t, dtype);
    const params = { axis, exclusive: options.exclusive ?? false, reverse: options.reverse ?? false };
    return ENGINE.run(prim, [source], params, t.shape, dtype);
  });
}

/** Cumulative sum along an axis. @example cumsum(tensor([1, 2, 3])); // [1, 3, 6] */
export const cumsum = reduction(
  'cumsum',
  CUMULATIVE_OPTIONS,
  (x: TensorLike, options: CumulativeOptions = {}): Tensor => cumulative('cumsum', x, options),
);
/** Cumulative product along an axis. @example cumprod(tensor([1, 2, 3])); // [1, 2, 6] */
export const cumprod = reduction(
  'cumprod',
  CUMULATIVE_OPTIONS,
  (x: TensorLike, options: CumulativeOptions = {}): Tensor => cumulative('cumprod', x, options),
);

/** Options of variance/moments. */
export interface VarianceOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof (0 = population variance, as in Keras). */
  ddof?: number;
}

const VARIANCE_OPTIONS = S.object(
  { ...REDUCE_KEYS, ddof: S.number({ integer: true, min: 0 }) },
  { positional: ['axis', 'keepDims'] },
);

/**
 * Mean and variance over axes.
 * @example
 * const { mean: m, variance: v } = moments(x, { axis: 0 });
 */
export const moments = reduction(
  'moments',
  VARIANCE_OPTIONS,
  (x: TensorLike, options: VarianceOptions = {}): { mean: Tensor; variance: Tensor } =>
    withArgs('moments', ['x'], [x], ([t]) =>
      tidy(() => {
        const axes = normalizeAxes('moments', options.axis, t.rank);
        const n = sizeOf(axes.map((a) => t.shape[a]!));
        const f = isFloat(t.dtype) ? t : cast(t, 'float32');
        const m = mean(f, { axis: axes, keepDims: true });
        // (x − mean)² as one chain: one kernel where the backend fuses them.
        const squares = chain([f, m], (b, [x, mu]) => {
          const d = b.sub(x!, mu!);
          return b.mul(d, d);
        });
        const v = div(sum(squares, { axis: axes, keepDims: true }), Math.max(n - (options.ddof ?? 0), 0));
        const drop = (y: Tensor) => (options.keepDims ? y : reshape(y, droppedShape(t.shape, axes)));
        return { mean: drop(m), variance: drop(v) };
      }),
    ),
);

/** Variance over axes. @example variance(tensor([1, 2, 3, 4])); // 1.25 */
export const variance = reduction(
  'variance',
  VARIANCE_OPTIONS,
  (x: TensorLike, options: VarianceOptions = {}): Tensor => {
    const { mean: m, variance: v } = moments(x, options);
    m.dispose();
    return v;
  },
);

/** The cotangent of a keepDims reduction, broadcast back to the input's shape. */
function spread(dy: Tensor, x: Tensor): Tensor {
  return broadcastTo(dy, x.shape);
}

/** VJP rules of the reductions and scans. */
export const REDUCE_RULES: RuleTable<ReducePrim | 'argMax' | 'argMin' | 'cumsum' | 'cumprod'> = {
  // d sum(x) = dy broadcast over the reduced axes
  sum: ({ inputs: [x], dy }) => [spread(dy, x!)],
  // d prod(x)_i = dy · ∏_{j≠i} x_j = dy · (exclusive cumprod from the left)·(from the right)
  prod: ({ inputs: [x], params, dy }) => {
    if (params.axes.length !== 1) throw new DTypeError('prod: the gradient needs one reduced axis per step');
    const axis = params.axes[0]!;
    const left = cumprod(x!, { axis, exclusive: true });
    const right = cumprod(x!, { axis, exclusive: true, reverse: true });
    return [mul(spread(dy, x!), mul(left, right))];
  },
  // d max(x) = dy at the maxima, shared equally between ties
  max: ({ inputs: [x], output, dy }) => [tieShare(x!, output, dy)],
  // d min(x) = dy at the minima, shared equally between ties
  min: ({ inputs: [x], output, dy }) => [tieShare(x!, output, dy)],
  any: 'nondiff',
  all: 'nondiff',
  argMax: 'nondiff',
  argMin: 'nondiff',
  // d cumsum(x) = cumsum of dy in the other direction
  cumsum: ({ params, dy }) => [
    cumsum(dy, { axis: params.axis, exclusive: params.exclusive, reverse: !params.reverse }),
  ],
  // d cumprod(x)_i = Σ_{j after i} dy_j · y_j / x_i (x must be nonzero)
  cumprod: ({ inputs: [x], output, params, dy }) => [
    div(
      cumsum(mul(dy, output), { axis: params.axis, exclusive: params.exclusive, reverse: !params.reverse }),
      x!,
    ),
  ],
};

function tieShare(x: Tensor, output: Tensor, dy: Tensor): Tensor {
  const axes: number[] = [];
  output.shape.forEach((d, i) => {
    if (d === 1 && x.shape[i] !== 1) axes.push(i);
  });
  const hit = cast(equal(x, output), dy.dtype);
  const count = sum(hit, { axis: axes, keepDims: true });
  return mul(spread(div(dy, count), x), hit);
}

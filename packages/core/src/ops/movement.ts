// Movement ops: reshape and its relatives (free: they share storage), transpose, joining and
// splitting (concat, stack, unstack, split), tile, pad, reverse, broadcastTo, and the VJP rules
// of every movement primitive. Slicing lives in slice.ts and gather in gather.ts (both leaves
// this file builds on); their rules join the table here.

import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable, VjpRule } from '../vjp-rule.js';
import { defineOp, describeArg, opt, req, S } from './args.js';
import { sumTo } from './binary.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { GATHER_RULES } from './gather.js';
import { sum } from './reduce.js';
import { runSlice, SLICE_RULES, sliceAxis } from './slice.js';

/**
 * The same values in another shape (one entry may be -1); shares storage.
 * @example
 * reshape(arange(6), [2, -1]); // shape [2, 3]
 */
export const reshape = defineOp(
  'reshape',
  [req('x', S.tensor), req('shape', S.shapeWithUnknown)],
  (x: TensorLike, shape: readonly number[]): Tensor =>
    withArgs('reshape', ['x'], [x], ([t]) => {
      const input = t!;
      const unknown = shape.filter((d) => d === -1).length;
      if (unknown > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
        throw new ShapeError(
          `reshape: shape may hold non-negative integers and one -1, got ${fmtShape(shape)}`,
        );
      }
      const known = sizeOf(shape.filter((d) => d !== -1));
      let out = [...shape];
      if (unknown === 1) {
        if (known === 0 || input.size % known !== 0) {
          throw new ShapeError(
            `reshape: cannot reshape x.shape=${fmtShape(input.shape)} (size ${input.size}) into ${fmtShape(shape)}`,
          );
        }
        out = shape.map((d) => (d === -1 ? input.size / known : d));
      }
      if (sizeOf(out) !== input.size) {
        throw new ShapeError(
          `reshape: cannot reshape x.shape=${fmtShape(input.shape)} (size ${input.size}) into ${fmtShape(shape)}`,
        );
      }
      return ENGINE.share(input, out);
    }),
);

/**
 * Inserts a size-1 axis at `axis` (in `[-(rank+1), rank]`); shares storage.
 * @example
 * expandDims(tensor([1, 2]), 1); // shape [2, 1]
 */
export const expandDims = defineOp(
  'expandDims',
  [req('x', S.tensor), opt('axis', S.axis)],
  (x: TensorLike, axis: number = 0): Tensor =>
    withArgs('expandDims', ['x'], [x], ([t]) => {
      const ax = normalizeAxis('expandDims', axis, t!.rank + 1);
      return ENGINE.share(t!, [...t!.shape.slice(0, ax), 1, ...t!.shape.slice(ax)]);
    }),
);

/**
 * Removes size-1 axes: the given ones (each must have size 1), or all of them; shares storage.
 * @example
 * squeeze(zeros([1, 3, 1])); // shape [3]
 * squeeze(zeros([1, 3, 1]), 0); // shape [3, 1]
 */
export const squeeze = defineOp(
  'squeeze',
  [req('x', S.tensor), opt('axis', S.axes)],
  (x: TensorLike, axis?: number | readonly number[]): Tensor =>
    withArgs('squeeze', ['x'], [x], ([t]) => {
      const input = t!;
      const axes =
        axis === undefined
          ? input.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
          : normalizeAxes('squeeze', axis, input.rank);
      for (const a of axes) {
        if (input.shape[a] !== 1) {
          throw new ShapeError(
            `squeeze: expected axis ${a} to have size 1, got x.shape=${fmtShape(input.shape)}`,
          );
        }
      }
      return ENGINE.share(
        input,
        input.shape.filter((_, i) => !axes.includes(i)),
      );
    }),
);

/** Options of `flatten`. */
export interface FlattenOptions {
  /** First axis merged (default 0). */
  startDim?: number;
  /** Last axis merged, inclusive (default -1). */
  endDim?: number;
}

/**
 * Merges axes `startDim..endDim` into one, like `torch.flatten`; a scalar becomes shape [1].
 * @example
 * flatten(zeros([2, 3, 4])); // shape [24]
 * flatten(zeros([2, 3, 4]), { startDim: 1 }); // shape [2, 12]
 */
export const flatten = defineOp(
  'flatten',
  [
    req('x', S.tensor),
    opt('options', S.object({ startDim: S.axis, endDim: S.axis }, { positional: ['startDim', 'endDim'] })),
  ],
  (x: TensorLike, options: FlattenOptions = {}): Tensor =>
    withArgs('flatten', ['x'], [x], ([t]) => {
      const input = t!;
      if (input.rank === 0) return ENGINE.share(input, [1]);
      const start = normalizeAxis('flatten', options.startDim ?? 0, input.rank);
      const end = normalizeAxis('flatten', options.endDim ?? -1, input.rank);
      if (start > end) {
        throw new ArgumentError(
          `flatten: expected startDim <= endDim, got startDim=${options.startDim} and endDim=${options.endDim} for x.shape=${fmtShape(input.shape)}`,
        );
      }
      const merged = sizeOf(input.shape.slice(start, end + 1));
      return ENGINE.share(input, [...input.shape.slice(0, start), merged, ...input.shape.slice(end + 1)]);
    }),
);

/**
 * Broadcasts to `shape` (NumPy rules), materialising the result.
 * @example
 * broadcastTo(tensor([1, 2]), [3, 2]);
 */
export const broadcastTo = defineOp(
  'broadcastTo',
  [req('x', S.tensor), req('shape', S.shape)],
  (x: TensorLike, shape: readonly number[]): Tensor =>
    withArgs('broadcastTo', ['x'], [x], ([t]) => {
      const input = t!;
      const ok =
        shape.length >= input.rank &&
        shape.every((d) => Number.isInteger(d) && d >= 0) &&
        input.shape.every((d, i) => d === 1 || d === shape[shape.length - input.rank + i]);
      if (!ok) {
        throw new ShapeError(
          `broadcastTo: cannot broadcast x.shape=${fmtShape(input.shape)} to ${fmtShape(shape)}`,
        );
      }
      if (shapesEqual(input.shape, shape)) return ENGINE.share(input, shape);
      return ENGINE.run('broadcastTo', [input], {}, shape, input.dtype);
    }),
);

/**
 * Permutes axes: output axis i is input axis `perm[i]` (default: all axes reversed).
 * @example
 * transpose(zeros([2, 3, 4])); // shape [4, 3, 2]
 * transpose(zeros([2, 3, 4]), [0, 2, 1]); // shape [2, 4, 3]
 */
export const transpose = defineOp(
  'transpose',
  [req('x', S.tensor), opt('perm', S.list(S.integer))],
  (x: TensorLike, perm?: readonly number[]): Tensor =>
    withArgs('transpose', ['x'], [x], ([t]) => {
      const input = t!;
      const rank = input.rank;
      const p =
        perm === undefined
          ? input.shape.map((_, i) => rank - 1 - i)
          : perm.map((a) => (a < 0 ? a + rank : a));
      const isPerm =
        p.length === rank &&
        p.every((a, i) => Number.isInteger(a) && a >= 0 && a < rank && p.indexOf(a) === i);
      if (!isPerm) {
        throw new ArgumentError(
          `transpose: expected perm to be a permutation of the ${rank} axes of x.shape=${fmtShape(input.shape)}, got perm=${fmtShape(perm ?? [])}`,
        );
      }
      const shape = p.map((a) => input.shape[a]!);
      // An identity perm, or one that only moves size-1 axes, keeps the row-major order.
      const order = p.filter((a) => input.shape[a] !== 1);
      if (order.every((a, i) => i === 0 || a > order[i - 1]!)) return ENGINE.share(input, shape);
      return ENGINE.run('transpose', [input], { perm: p }, shape, input.dtype);
    }),
);

/** Converts a list of op arguments to one dtype (NumPy promotion); `fn` runs inside tidy. */
function withList<T>(op: string, xs: readonly TensorLike[], fn: (ts: Tensor[]) => T): T {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new ArgumentError(
      `${op}: expected a non-empty array of tensors, got ${Array.isArray(xs) ? '[]' : typeof xs}`,
    );
  }
  return withArgs(
    op,
    xs.map((_, i) => `xs[${i}]`),
    xs,
    (ts) => {
      const dtype = resultType(ts);
      return tidy(() => fn(ts.map((x) => (x.dtype === dtype ? x : cast(x, dtype)))));
    },
  );
}

/**
 * Joins tensors along an existing axis; their shapes must agree elsewhere. Mixed dtypes
 * promote (bool < int32 < float32).
 * @example
 * concat([zeros([2, 3]), ones([2, 1])], 1); // shape [2, 4]
 */
export const concat = defineOp(
  'concat',
  [req('xs', S.tensorList), opt('axis', S.axis)],
  (xs: readonly TensorLike[], axis: number = 0): Tensor =>
    withList('concat', xs, (ts) => {
      const first = ts[0]!;
      if (first.rank === 0) throw new ShapeError('concat: expected inputs of rank >= 1, got xs[0].shape=[]');
      const ax = normalizeAxis('concat', axis, first.rank);
      ts.forEach((x, i) => {
        if (x.rank !== first.rank || x.shape.some((d, k) => k !== ax && d !== first.shape[k])) {
          const pattern = first.shape.map((d, k) => (k === ax ? '*' : String(d))).join(',');
          throw new ShapeError(
            `concat: expected all inputs to have shape [${pattern}] except on axis ${ax}, got xs[${i}].shape=${fmtShape(x.shape)}`,
          );
        }
      });
      const shape = first.shape.map((d, k) => (k === ax ? ts.reduce((n, x) => n + x.shape[ax]!, 0) : d));
      // Inputs empty along the axis add nothing; dropping them keeps kernels free of empty inputs.
      const parts = ts.filter((x) => x.size > 0);
      if (parts.length === 0) return ENGINE.run('concat', ts, { axis: ax }, shape, first.dtype);
      if (parts.length === 1) return ENGINE.share(parts[0]!, shape);
      return ENGINE.run('concat', parts, { axis: ax }, shape, first.dtype);
    }),
);

/**
 * Joins equally shaped tensors along a new axis `axis` (in `[-(rank+1), rank]`).
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 */
export const stack = defineOp(
  'stack',
  [req('xs', S.tensorList), opt('axis', S.axis)],
  (xs: readonly TensorLike[], axis: number = 0): Tensor =>
    withList('stack', xs, (ts) => {
      const first = ts[0]!;
      ts.forEach((x, i) => {
        if (!shapesEqual(x.shape, first.shape)) {
          throw new ShapeError(
            `stack: expected all inputs to have shape ${fmtShape(first.shape)}, got xs[${i}].shape=${fmtShape(x.shape)}`,
          );
        }
      });
      const ax = normalizeAxis('stack', axis, first.rank + 1);
      return concat(
        ts.map((x) => expandDims(x, ax)),
        ax,
      );
    }),
);

/**
 * Splits along `axis` into its slices, dropping the axis: the inverse of `stack`.
 * @example
 * const [a, b] = unstack(tensor([[1, 2], [3, 4]])); // a = [1, 2], b = [3, 4]
 */
export const unstack = defineOp(
  'unstack',
  [req('x', S.tensor), opt('axis', S.axis)],
  (x: TensorLike, axis: number = 0): Tensor[] =>
    withArgs('unstack', ['x'], [x], ([t]) => {
      const input = t!;
      if (input.rank === 0)
        throw new ShapeError(`unstack: expected x to have rank >= 1, got x.shape=${fmtShape(input.shape)}`);
      const ax = normalizeAxis('unstack', axis, input.rank);
      const rest = input.shape.filter((_, i) => i !== ax);
      return tidy(() =>
        Array.from({ length: input.shape[ax]! }, (_, i) => reshape(sliceAxis(input, ax, i, 1), rest)),
      );
    }),
);

/**
 * Splits along `axis` into `n` equal parts, or into parts of the given sizes (one may be -1:
 * the rest).
 * @example
 * const [a, b] = split(zeros([4, 6]), 2, 1);       // two [4, 3]
 * const [c, d] = split(zeros([4, 6]), [1, -1], 1); // [4, 1] and [4, 5]
 */
export const split = defineOp(
  'split',
  [req('x', S.tensor), req('numOrSizes', S.oneOf(S.integer, S.list(S.integer))), opt('axis', S.axis)],
  (x: TensorLike, numOrSizes: number | readonly number[], axis: number = 0): Tensor[] =>
    withArgs('split', ['x'], [x], ([t]) => {
      const input = t!;
      if (input.rank === 0)
        throw new ShapeError(`split: expected x to have rank >= 1, got x.shape=${fmtShape(input.shape)}`);
      const ax = normalizeAxis('split', axis, input.rank);
      const n = input.shape[ax]!;
      let sizes: number[];
      if (typeof numOrSizes === 'number') {
        if (n === 0 && numOrSizes !== 1) {
          // n % k is 0 for every k: without this, split(empty, 2 ** 31) would make 2³¹ tensors.
          throw new ShapeError(
            `split: an empty axis splits into 1 piece, got ${describeArg(numOrSizes)} for x.shape=${fmtShape(input.shape)}`,
          );
        }
        if (!Number.isInteger(numOrSizes) || numOrSizes < 1 || n % numOrSizes !== 0) {
          throw new ShapeError(
            `split: expected x.shape[${ax}]=${n} to be divisible by ${numOrSizes}, got x.shape=${fmtShape(input.shape)}`,
          );
        }
        sizes = new Array<number>(numOrSizes).fill(n / numOrSizes);
      } else {
        const unknown = numOrSizes.filter((s) => s === -1).length;
        const known = numOrSizes.filter((s) => s !== -1).reduce((a, s) => a + s, 0);
        const valid = numOrSizes.every((s) => Number.isInteger(s) && s >= -1) && unknown <= 1;
        if (!valid || (unknown === 0 ? known !== n : known > n)) {
          throw new ShapeError(
            `split: expected sizes of non-negative integers (one may be -1) summing to x.shape[${ax}]=${n}, got sizes=${fmtShape(numOrSizes)} for x.shape=${fmtShape(input.shape)}`,
          );
        }
        sizes = numOrSizes.map((s) => (s === -1 ? n - known : s));
      }
      return tidy(() => {
        let offset = 0;
        return sizes.map((size) => {
          const part = sliceAxis(input, ax, offset, size);
          offset += size;
          return part;
        });
      });
    }),
);

/**
 * Repeats `x` `reps[i]` times along axis i. As in NumPy, a shorter `reps` is padded with leading
 * 1s, and a longer one gives `x` leading size-1 axes.
 * @example
 * tile(tensor([1, 2]), [2]); // [1, 2, 1, 2]
 * tile(tensor([[1, 2]]), [2, 1]); // [[1, 2], [1, 2]]
 */
export const tile = defineOp(
  'tile',
  [req('x', S.tensor), req('reps', S.list(S.number({ integer: true, min: 0 })))],
  (x: TensorLike, reps: readonly number[]): Tensor =>
    withArgs('tile', ['x'], [x], ([t]) => {
      const input = t!;
      if (!reps.every((r) => Number.isInteger(r) && r >= 0)) {
        throw new ArgumentError(`tile: expected reps of non-negative integers, got reps=${fmtShape(reps)}`);
      }
      const rank = Math.max(input.rank, reps.length);
      const shape = [...new Array<number>(rank - input.rank).fill(1), ...input.shape];
      const r = [...new Array<number>(rank - reps.length).fill(1), ...reps];
      const outShape = shape.map((d, i) => d * r[i]!);
      if (r.every((k) => k === 1)) return ENGINE.share(input, outShape);
      using padded = ENGINE.share(input, shape);
      return ENGINE.run('tile', [padded], { reps: r }, outShape, input.dtype);
    }),
);

/**
 * Pads with a constant; `paddings[i] = [before, after]` for axis i (non-negative integers).
 * @example
 * pad(tensor([[1, 2]]), [[1, 0], [0, 2]]); // [[0, 0, 0, 0], [1, 2, 0, 0]]
 */
export const pad = defineOp(
  'pad',
  [
    req('x', S.tensor),
    req('paddings', S.list(S.list(S.number({ integer: true, min: 0 }), 2))),
    opt('value', S.oneOf(S.anyNumber, S.boolean)),
  ],
  (x: TensorLike, paddings: readonly (readonly [number, number])[], value: number | boolean = 0): Tensor =>
    withArgs('pad', ['x'], [x], ([t]) => {
      const input = t!;
      if (paddings.length !== input.rank) {
        throw new ShapeError(
          `pad: expected ${input.rank} [before, after] pairs for x.shape=${fmtShape(input.shape)}, got ${paddings.length}`,
        );
      }
      const ok = paddings.every(
        (p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0),
      );
      if (!ok) {
        throw new ArgumentError(
          `pad: expected paddings of [before, after] non-negative integers, got ${JSON.stringify(paddings)}`,
        );
      }
      const shape = input.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      if (shapesEqual(shape, input.shape)) return ENGINE.share(input, shape);
      // The fill takes x's dtype, as a cast would: truncation for int32, x != 0 for bool.
      const v = Number(value);
      const fill = input.dtype === 'bool' ? Number(v !== 0) : input.dtype === 'int32' ? Math.trunc(v) : v;
      return ENGINE.run(
        'pad',
        [input],
        { paddings: paddings.map(([b, a]) => [b, a] as const), value: fill },
        shape,
        input.dtype,
      );
    }),
);

/**
 * Reverses the order of elements along the given axes (all axes when omitted).
 * @example
 * reverse(tensor([[1, 2], [3, 4]]), 1); // [[2, 1], [4, 3]]
 */
export const reverse = defineOp(
  'reverse',
  [req('x', S.tensor), opt('axis', S.axes)],
  (x: TensorLike, axis?: number | readonly number[]): Tensor =>
    withArgs('reverse', ['x'], [x], ([t]) => {
      const input = t!;
      const axes = normalizeAxes('reverse', axis, input.rank).filter((a) => input.shape[a]! > 1);
      if (axes.length === 0) return ENGINE.share(input, input.shape);
      return ENGINE.run('reverse', [input], { axes }, input.shape, input.dtype);
    }),
);

/** VJP of reshape (not a kernel: reshape shares storage). */
export const RESHAPE_RULE: VjpRule<{ shape: readonly number[] }> = ({ inputs: [x], dy }) => [
  reshape(dy, x!.shape),
];

/** VJP rules of the movement primitives. */
export const MOVEMENT_RULES: RuleTable<
  | 'gather'
  | 'scatterAdd'
  | 'transpose'
  | 'slice'
  | 'sliceGrad'
  | 'pad'
  | 'concat'
  | 'tile'
  | 'reverse'
  | 'broadcastTo'
> = {
  ...GATHER_RULES,
  ...SLICE_RULES,
  // d transpose(x, p) = transpose(dy, p⁻¹), where p⁻¹[p[i]] = i
  transpose: ({ params: { perm }, dy }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((a, i) => {
      inverse[a] = i;
    });
    return [transpose(dy, inverse)];
  },
  // d pad(x) = the interior of dy: the slice that starts at each axis' `before`
  pad: ({ inputs: [x], params, dy }) => [
    runSlice(
      dy,
      params.paddings.map(([before]) => before),
      new Array<number>(x!.rank).fill(1),
      x!.shape,
    ),
  ],
  // d concat(x₀, x₁, ...) = (dy[..., o₀:o₁, ...], dy[..., o₁:o₂, ...], ...) along the axis
  concat: ({ inputs, params: { axis }, dy }) => {
    let offset = 0;
    return inputs.map((x) => {
      const g = sliceAxis(dy, axis, offset, x.shape[axis]!);
      offset += x.shape[axis]!;
      return g;
    });
  },
  // d tile(x, r) = Σ over the copies: dy as [r₀, d₀, r₁, d₁, ...] summed over the r axes
  tile: ({ inputs: [x], params: { reps }, dy }) => {
    const grouped: number[] = [];
    x!.shape.forEach((d, i) => {
      grouped.push(reps[i]!, d);
    });
    const repAxes = x!.shape.map((_, i) => 2 * i);
    return [reshape(sum(reshape(dy, grouped), { axis: repAxes }), x!.shape)];
  },
  // d reverse(x) = reverse(dy) over the same axes
  reverse: ({ params: { axes }, dy }) => [reverse(dy, axes)],
  // d broadcastTo(x) = dy summed over the broadcast axes
  broadcastTo: ({ inputs: [x], dy }) => [sumTo(dy, x!.shape)],
};

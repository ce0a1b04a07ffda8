// Conformance cases: reductions and scans (ops/reduce.ts), softmax and friends (ops/softmax.ts)
// and norm (ops/norm.ts). Forward values against a plain-JS reducer over every axis pattern
// (all, one, several non-contiguous, negative, keepDims), stability at large inputs, empty
// reductions, errors, and gradients.

import { grad } from '../../autodiff.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import type { TensorLike } from '../../ops/convert.js';
import { norm } from '../../ops/norm.js';
import {
  all,
  any,
  argMax,
  argMin,
  cumprod,
  cumsum,
  max,
  mean,
  min,
  moments,
  prod,
  type ReduceOptions,
  sum,
  variance,
} from '../../ops/reduce.js';
import { logSoftmax, logSumExp, softmax } from '../../ops/softmax.js';
import type { NestedArray, Tensor } from '../../tensor.js';
import type { ConformanceCase } from '../harness.js';

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function nest(flat: readonly number[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [n, ...rest] = shape;
  const step = sizeOf(rest);
  return Array.from({ length: n! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/** Reduces flat row-major `values` of `shape` over `axes` with `fn`, in float64. */
function reduceRef(
  values: readonly number[],
  shape: readonly number[],
  axes: readonly number[],
  fn: (xs: number[]) => number,
  keepDims = false,
): { out: NestedArray; shape: number[] } {
  const rank = shape.length;
  const norm = axes.map((a) => (a < 0 ? a + rank : a));
  const kept = shape.map((d, i) => (norm.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  for (let i = 0; i < values.length; i++) {
    let rem = i;
    let out = 0;
    let stride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!norm.includes(d)) out += idx * stride;
      stride *= kept[d]!;
    }
    groups[out]!.push(values[i]!);
  }
  const outShape = keepDims ? kept : shape.filter((_, i) => !norm.includes(i));
  return { out: nest(groups.map(fn), outShape), shape: outShape };
}

const sumOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const prodOf = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);
const maxOf = (xs: number[]): number => Math.max(...xs);
const minOf = (xs: number[]): number => Math.min(...xs);
const meanOf = (xs: number[]): number => sumOf(xs) / xs.length;

/** A [2,3,4] tensor of distinct values of both signs, and the axis patterns to reduce over. */
const X3 = Array.from({ length: 24 }, (_, i) => ((i * 5) % 24) * 0.25 - 3);
const AXES: readonly (number[] | undefined)[] = [
  undefined,
  [0],
  [1],
  [2],
  [-1],
  [0, 2],
  [-3, -1],
  [0, 1, 2],
  [],
];

interface ReduceSpec {
  readonly name: string;
  readonly op: (x: TensorLike, options?: ReduceOptions) => Tensor;
  readonly ref: (xs: number[]) => number;
  readonly values: readonly number[];
}

const SPECS: readonly ReduceSpec[] = [
  { name: 'sum', op: sum, ref: sumOf, values: X3 },
  { name: 'mean', op: mean, ref: meanOf, values: X3 },
  { name: 'max', op: max, ref: maxOf, values: X3 },
  { name: 'min', op: min, ref: minOf, values: X3 },
  // Values near 1 keep the product of 24 of them in float32 range and precision.
  { name: 'prod', op: prod, ref: prodOf, values: X3.map((v) => 1 + v / 8) },
];

function reduceCase(spec: ReduceSpec): ConformanceCase {
  return {
    name: `reduce: ${spec.name} over axes`,
    run: async (t) => {
      const shape = [2, 3, 4];
      const x = t.input([...spec.values], shape);
      for (const axis of AXES) {
        for (const keepDims of [false, true]) {
          const axes = axis ?? [0, 1, 2];
          const { out, shape: outShape } =
            axes.length === 0
              ? { out: nest([...spec.values], shape), shape }
              : reduceRef(spec.values, shape, axes, spec.ref, keepDims);
          await t.expectValues(spec.op(x, { axis, keepDims }), out, {
            shape: outShape,
            dtype: 'float32',
            rtol: 1e-5,
            atol: 1e-5,
          });
        }
      }
      // A single number as the axis.
      const { out } = reduceRef(spec.values, shape, [1], spec.ref);
      await t.expectValues(spec.op(x, { axis: 1 }), out, { rtol: 1e-5, atol: 1e-5 });
    },
  };
}

function gradCase(
  name: string,
  f: (x: Tensor) => Tensor,
  shape: readonly number[],
  range: { min: number; max: number },
  seed: number,
): ConformanceCase {
  return {
    name: `reduce: ${name} gradient`,
    run: async (t) => {
      const x = t.rand(shape, { ...range, seed });
      await t.checkGrad((a) => f(a), [x]);
    },
  };
}

const R = { min: -2, max: 2 };
const POS = { min: 0.5, max: 2 };

export const REDUCE_CASES: ConformanceCase[] = [
  ...SPECS.map(reduceCase),
  {
    name: 'reduce: int32 and bool dtypes',
    run: async (t) => {
      const i = t.input(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [2, 3],
        'int32',
      );
      await t.expectValues(sum(i), 21, { dtype: 'int32', shape: [] });
      await t.expectValues(sum(i, { axis: 0 }), [5, 7, 9], { dtype: 'int32' });
      await t.expectValues(prod(i, { axis: 1 }), [6, 120], { dtype: 'int32' });
      await t.expectValues(max(i, { axis: 1 }), [3, 6], { dtype: 'int32' });
      await t.expectValues(min(i), 1, { dtype: 'int32', shape: [] });
      await t.expectValues(mean(i, { axis: 1 }), [2, 5], { dtype: 'float32' });
      await t.expectValues(mean(i), 3.5, { dtype: 'float32', shape: [] });
      const b = t.input([
        [true, false, true],
        [true, true, true],
      ]);
      await t.expectValues(sum(b), 5, { dtype: 'int32', shape: [] });
      await t.expectValues(sum(b, { axis: 1 }), [2, 3], { dtype: 'int32' });
      await t.expectValues(any(b, { axis: 1 }), [true, true], { dtype: 'bool' });
      await t.expectValues(all(b, { axis: 1 }), [false, true], { dtype: 'bool' });
      await t.expectValues(all(b, { axis: 0 }), [true, false, true], { dtype: 'bool' });
      await t.expectValues(any(b), true, { dtype: 'bool', shape: [] });
      await t.expectValues(all(b, { keepDims: true }), [[false]], { dtype: 'bool' });
    },
  },
  {
    name: 'reduce: any and all',
    run: async (t) => {
      const b = t.input([
        [false, false],
        [false, true],
      ]);
      await t.expectValues(any(b, { axis: 0 }), [false, true], { dtype: 'bool' });
      await t.expectValues(any(b, { axis: -1 }), [false, true], { dtype: 'bool' });
      await t.expectValues(all(b), false, { dtype: 'bool', shape: [] });
      const f = t.input([0, 0.5, -1]);
      await t.expectValues(any(f), true, { dtype: 'bool', shape: [] });
      await t.expectValues(all(f), false, { dtype: 'bool', shape: [] });
    },
  },
  {
    name: 'reduce: max and min propagate NaN',
    run: async (t) => {
      const x = t.input([
        [1, Number.NaN, 3],
        [4, 5, 6],
      ]);
      await t.expectValues(max(x, { axis: 1 }), [Number.NaN, 6]);
      await t.expectValues(min(x, { axis: 1 }), [Number.NaN, 4]);
      await t.expectValues(sum(x, { axis: 0 }), [5, Number.NaN, 9]);
      const inf = t.input([Number.NEGATIVE_INFINITY, -1]);
      await t.expectValues(max(inf), -1, { shape: [] });
      await t.expectValues(min(inf), Number.NEGATIVE_INFINITY, { shape: [] });
    },
  },
  {
    name: 'reduce: empty reductions',
    run: async (t) => {
      const e = t.input([], [0]);
      await t.expectValues(sum(e), 0, { shape: [], dtype: 'float32' });
      await t.expectValues(prod(e), 1, { shape: [] });
      await t.expectValues(mean(e), Number.NaN, { shape: [] });
      const e2 = t.input([], [2, 0]);
      await t.expectValues(sum(e2, { axis: 1 }), [0, 0]);
      await t.expectValues(sum(e2, { axis: 0 }), [], { shape: [0] });
      await t.expectValues(max(e2, { axis: 0 }), [], { shape: [0] });
      const eb = t.input([], [0], 'bool');
      await t.expectValues(any(eb), false, { shape: [], dtype: 'bool' });
      await t.expectValues(all(eb), true, { shape: [], dtype: 'bool' });
      await t.expectValues(sum(eb), 0, { shape: [], dtype: 'int32' });
      t.expectError(() => max(e), ShapeError, /max: cannot reduce over an empty axis, got x\.shape=\[0\]/);
      t.expectError(
        () => min(e2, { axis: 1 }),
        ShapeError,
        /min: cannot reduce over an empty axis, got x\.shape=\[2,0\] and axis=\[1\]/,
      );
      t.expectError(() => argMax(e), ShapeError, /argMax: cannot take argMax over an empty axis/);
    },
  },
  {
    name: 'reduce: rank-0 inputs',
    run: async (t) => {
      const s = t.input(2.5, []);
      await t.expectValues(sum(s), 2.5, { shape: [] });
      await t.expectValues(max(s, { keepDims: true }), 2.5, { shape: [] });
      await t.expectValues(mean(s), 2.5, { shape: [] });
      await t.expectValues(sum(3), 3, { shape: [] });
    },
  },
  {
    name: 'reduce: axis errors',
    run: async (t) => {
      const x = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      t.expectError(
        () => sum(x, { axis: 2 }),
        ArgumentError,
        /sum: expected axis in \[-2, 2\) for a tensor of rank 2, got 2/,
      );
      t.expectError(
        () => max(x, { axis: -3 }),
        ArgumentError,
        /max: expected axis in \[-2, 2\) for a tensor of rank 2, got -3/,
      );
      t.expectError(
        () => mean(x, { axis: [0, 5] }),
        ArgumentError,
        /mean: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 5/,
      );
      t.expectError(
        () => sum(x, { axis: [1, -1] }),
        ArgumentError,
        /sum: expected distinct axes for a tensor of rank 2, got repeated axis in \[1,-1\]/,
      );
      t.expectError(
        () => argMax(x, { axis: 2 }),
        ArgumentError,
        /argMax: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 2/,
      );
      t.expectError(
        () => cumsum(x, { axis: -3 }),
        ArgumentError,
        /cumsum: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got -3/,
      );
      t.expectError(
        () => softmax(x, 2),
        ArgumentError,
        /softmax: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 2/,
      );
    },
  },
  {
    name: 'reduce: argMax and argMin',
    run: async (t) => {
      const x = t.input([
        [1, 9, 3],
        [8, 2, 7],
      ]);
      await t.expectValues(argMax(x), 1, { shape: [], dtype: 'int32' });
      await t.expectValues(argMin(x), 0, { shape: [], dtype: 'int32' });
      await t.expectValues(argMax(x, { axis: 1 }), [1, 0], { dtype: 'int32' });
      await t.expectValues(argMax(x, { axis: 0 }), [1, 0, 1], { dtype: 'int32' });
      await t.expectValues(argMin(x, { axis: -1 }), [0, 1], { dtype: 'int32' });
      await t.expectValues(argMin(x, { axis: 0 }), [0, 1, 0], { dtype: 'int32' });
      // Ties go to the first index.
      const ties = t.input([3, 7, 7, 1, 1]);
      await t.expectValues(argMax(ties), 1, { shape: [], dtype: 'int32' });
      await t.expectValues(argMin(ties), 3, { shape: [], dtype: 'int32' });
      const same = t.input([
        [2, 2],
        [5, 5],
      ]);
      await t.expectValues(argMax(same, { axis: 1 }), [0, 0], { dtype: 'int32' });
      await t.expectValues(argMax(same), 2, { shape: [], dtype: 'int32' });
      const i = t.input([4, -2, 9, 9], [4], 'int32');
      await t.expectValues(argMax(i), 2, { shape: [], dtype: 'int32' });
      await t.expectValues(argMin(i), 1, { shape: [], dtype: 'int32' });
      const b = t.input([false, true, true]);
      await t.expectValues(argMax(b), 1, { shape: [], dtype: 'int32' });
      const x3 = t.input(X3, [2, 3, 4]);
      const flat = X3.indexOf(Math.max(...X3));
      await t.expectValues(argMax(x3), flat, { shape: [], dtype: 'int32' });
    },
  },
  {
    name: 'reduce: cumsum exclusive and reverse',
    run: async (t) => {
      const x = t.input([1, 2, 3, 4]);
      await t.expectValues(cumsum(x), [1, 3, 6, 10], { dtype: 'float32' });
      await t.expectValues(cumsum(x, { exclusive: true }), [0, 1, 3, 6]);
      await t.expectValues(cumsum(x, { reverse: true }), [10, 9, 7, 4]);
      await t.expectValues(cumsum(x, { exclusive: true, reverse: true }), [9, 7, 4, 0]);
      const m = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await t.expectValues(cumsum(m), [
        [1, 2, 3],
        [5, 7, 9],
      ]);
      await t.expectValues(cumsum(m, { axis: 1 }), [
        [1, 3, 6],
        [4, 9, 15],
      ]);
      await t.expectValues(cumsum(m, { axis: -1, reverse: true }), [
        [6, 5, 3],
        [15, 11, 6],
      ]);
      const i = t.input([1, 2, 3], [3], 'int32');
      await t.expectValues(cumsum(i), [1, 3, 6], { dtype: 'int32' });
      const b = t.input([true, false, true]);
      await t.expectValues(cumsum(b), [1, 1, 2], { dtype: 'int32' });
      const e = t.input([], [0, 2]);
      await t.expectValues(cumsum(e, { axis: 0 }), [], { shape: [0, 2] });
    },
  },
  {
    name: 'reduce: cumprod exclusive and reverse',
    run: async (t) => {
      const x = t.input([1, 2, 3, 4]);
      await t.expectValues(cumprod(x), [1, 2, 6, 24], { dtype: 'float32' });
      await t.expectValues(cumprod(x, { exclusive: true }), [1, 1, 2, 6]);
      await t.expectValues(cumprod(x, { reverse: true }), [24, 24, 12, 4]);
      await t.expectValues(cumprod(x, { exclusive: true, reverse: true }), [24, 12, 4, 1]);
      const m = t.input([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      await t.expectValues(cumprod(m, { axis: 0 }), [
        [1, 2],
        [3, 8],
        [15, 48],
      ]);
      await t.expectValues(cumprod(m, { axis: 1, exclusive: true }), [
        [1, 1],
        [1, 3],
        [1, 5],
      ]);
      const i = t.input([2, -3, 4], [3], 'int32');
      await t.expectValues(cumprod(i), [2, -6, -24], { dtype: 'int32' });
    },
  },
  {
    name: 'reduce: logSumExp is stable',
    run: async (t) => {
      const big = t.input([1000, 1000]);
      await t.expectValues(logSumExp(big), 1000 + Math.LN2, { shape: [], dtype: 'float32' });
      const small = t.input([-1000, -1000, -1000]);
      await t.expectValues(logSumExp(small), -1000 + Math.log(3), { shape: [] });
      const m = t.input([
        [0, 0],
        [1000, 1000],
        [1, 2],
      ]);
      const row = Math.log(Math.exp(1) + Math.exp(2));
      await t.expectValues(logSumExp(m, { axis: 1 }), [Math.LN2, 1000 + Math.LN2, row]);
      await t.expectValues(logSumExp(m, { axis: -1, keepDims: true }), [
        [Math.LN2],
        [1000 + Math.LN2],
        [row],
      ]);
      await t.expectValues(logSumExp(m, { axis: 0 }), [1000, 1000]);
      const inf = t.input([
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [Number.NEGATIVE_INFINITY, 0],
      ]);
      await t.expectValues(logSumExp(inf, { axis: 1 }), [Number.NEGATIVE_INFINITY, 0]);
    },
  },
  {
    // 21 columns: a backend's unrolled vector loop, a single vector and a scalar tail.
    name: 'reduce: softmax over wide rows: NaN in any position or an infinite maximum makes the row NaN; −∞ gives 0',
    run: async (t) => {
      const cols = 21;
      const base = Array.from({ length: cols }, (_, j) => Math.fround(Math.sin(j * 1.7) * 4));
      const withAt = (at: readonly number[], v: number) => base.map((x, j) => (at.includes(j) ? v : x));
      const rows = [
        base,
        withAt([9], Number.NaN),
        withAt([17], Number.NaN),
        withAt([20], Number.NaN),
        withAt([5], Number.POSITIVE_INFINITY),
        withAt([0, 13, 20], Number.NEGATIVE_INFINITY),
        withAt([19], 50),
      ];
      const reference = (row: readonly number[]) => {
        if (row.some(Number.isNaN) || row.includes(Number.POSITIVE_INFINITY))
          return row.map(() => Number.NaN);
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp(x - m));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / z);
      };
      await t.expectValues(softmax(t.input(rows)), rows.map(reference), { rtol: 1e-5, atol: 1e-7 });
    },
  },
  {
    name: 'reduce: softmax and logSoftmax',
    run: async (t) => {
      const x = t.input([
        [1, 2, 3],
        [1000, 1000, 1000],
        [-1000, 0, 1000],
      ]);
      const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
      const z = e[0]! + e[1]! + e[2]!;
      await t.expectValues(softmax(x), [e.map((v) => v / z), [1 / 3, 1 / 3, 1 / 3], [0, 0, 1]], {
        dtype: 'float32',
      });
      const lz = Math.log(z);
      await t.expectValues(
        logSoftmax(x),
        [
          [1 - lz, 2 - lz, 3 - lz],
          [-Math.log(3), -Math.log(3), -Math.log(3)],
          [-2000, -1000, 0],
        ],
        {
          rtol: 1e-5,
          atol: 1e-5,
        },
      );
      const s = softmax(x, 0);
      t.own(s);
      await t.expectValues(sum(s, { axis: 0 }), [1, 1, 1]);
      const r = t.rand([4, 5], { min: -30, max: 30, seed: 61 });
      await t.expectValues(sum(t.own(softmax(r)), { axis: -1 }), [1, 1, 1, 1]);
    },
  },
  {
    name: 'reduce: variance and moments',
    run: async (t) => {
      const x = t.input([1, 2, 3, 4]);
      await t.expectValues(variance(x), 1.25, { shape: [], dtype: 'float32' });
      await t.expectValues(variance(x, { ddof: 1 }), 5 / 3, { shape: [] });
      const m = t.input([
        [1, 2],
        [3, 4],
        [5, 9],
      ]);
      const { mean: mu, variance: v } = moments(m, { axis: 0 });
      await t.expectValues(mu, [3, 5]);
      await t.expectValues(v, [8 / 3, 26 / 3]);
      const k = moments(m, { axis: 1, keepDims: true });
      await t.expectValues(k.mean, [[1.5], [3.5], [7]]);
      await t.expectValues(k.variance, [[0.25], [0.25], [4]]);
      const i = t.input([1, 3], [2], 'int32');
      await t.expectValues(variance(i), 1, { shape: [], dtype: 'float32' });
    },
  },
  {
    name: 'reduce: norm',
    run: async (t) => {
      const x = t.input([3, -4]);
      await t.expectValues(norm(x), 5, { shape: [], dtype: 'float32' });
      await t.expectValues(norm(x, { ord: 'euclidean' }), 5, { shape: [] });
      await t.expectValues(norm(x, { ord: 2 }), 5, { shape: [] });
      await t.expectValues(norm(x, { ord: 1 }), 7, { shape: [] });
      await t.expectValues(norm(x, { ord: Number.POSITIVE_INFINITY }), 4, { shape: [] });
      await t.expectValues(norm(x, { ord: Number.NEGATIVE_INFINITY }), 3, { shape: [] });
      await t.expectValues(norm(x, { ord: 3 }), Math.cbrt(27 + 64), { shape: [] });
      const m = t.input([
        [3, 4],
        [-6, 8],
      ]);
      await t.expectValues(norm(m, { axis: 1 }), [5, 10]);
      await t.expectValues(norm(m, { axis: 0, ord: 1, keepDims: true }), [[9, 12]]);
      await t.expectValues(norm(m, { ord: 'fro' }), Math.sqrt(125), { shape: [] });
      const i = t.input([3, 4], [2], 'int32');
      await t.expectValues(norm(i), 5, { shape: [], dtype: 'float32' });
      t.expectError(
        () => norm(x, { ord: -1 }),
        ArgumentError,
        /norm: expected options.ord to be 'euclidean', 'fro', Infinity, -Infinity or a number > 0, got number -1/,
      );
    },
  },
  {
    name: 'reduce: gradient of norm at the zero vector is 0, as in PyTorch',
    run: async (t) => {
      const z = t.input([0, 0, 0]);
      await t.expectValues(grad((v) => norm(v))(z), [0, 0, 0]);
      await t.expectValues(grad((v) => norm(v, { ord: 3 }))(z), [0, 0, 0]);
      await t.expectValues(grad((v) => norm(v, { ord: 1 }))(z), [0, 0, 0]);
      await t.expectValues(grad((v) => norm(v, { ord: Number.POSITIVE_INFINITY }))(z), [0, 0, 0]);
      // A zero row among nonzero ones: its gradient is 0, the other row's is x / ‖x‖.
      const m = t.input([
        [0, 0],
        [3, 4],
      ]);
      await t.expectValues(grad((v) => sum(norm(v, { axis: 1 })))(m), [
        [0, 0],
        [0.6, 0.8],
      ]);
    },
  },
  gradCase('sum', (x) => sum(x), [2, 3], R, 70),
  gradCase('sum over axes', (x) => sum(x, { axis: [0, 2] }), [2, 3, 4], R, 71),
  gradCase('sum keepDims', (x) => sum(x, { axis: -1, keepDims: true }), [3, 4], R, 72),
  gradCase('mean', (x) => mean(x, { axis: [1] }), [2, 3, 4], R, 73),
  gradCase('max', (x) => max(x, { axis: 1 }), [3, 4], R, 74),
  gradCase('max over all axes', (x) => max(x), [2, 3, 2], R, 75),
  gradCase('min', (x) => min(x, { axis: [0, 2] }), [2, 3, 2], R, 76),
  gradCase('prod', (x) => prod(x, { axis: 1 }), [3, 4], R, 77),
  gradCase('prod over several axes', (x) => prod(x, { axis: [0, 2] }), [2, 2, 3], POS, 78),
  {
    name: 'reduce: prod gradient with a zero entry',
    run: async (t) => {
      const x = t.input([
        [2, 0, 3],
        [1.5, -1, 0.5],
      ]);
      await t.checkGrad((a) => prod(a, { axis: 1 }), [x]);
      await t.checkGrad((a) => prod(a), [x]);
      const two = t.input([0, 0, 2]);
      await t.checkGrad((a) => prod(a), [two]);
    },
  },
  gradCase('cumsum', (x) => cumsum(x, { axis: 1 }), [2, 4], R, 79),
  gradCase(
    'cumsum exclusive reverse',
    (x) => cumsum(x, { axis: 0, exclusive: true, reverse: true }),
    [3, 2],
    R,
    80,
  ),
  gradCase('cumprod', (x) => cumprod(x, { axis: 1 }), [2, 4], POS, 81),
  gradCase(
    'cumprod exclusive reverse',
    (x) => cumprod(x, { axis: 0, exclusive: true, reverse: true }),
    [4, 2],
    POS,
    82,
  ),
  {
    name: 'reduce: cumprod gradient with negative entries',
    run: async (t) => {
      const x = t.input([[1.5, -0.5, 2, -1.2]]);
      await t.checkGrad((a) => cumprod(a, { axis: 1 }), [x]);
    },
  },
  gradCase('logSumExp', (x) => logSumExp(x, { axis: 1 }), [3, 4], { min: -5, max: 5 }, 83),
  gradCase('logSumExp over all axes', (x) => logSumExp(x), [2, 3], { min: -5, max: 5 }, 84),
  gradCase('softmax', (x) => softmax(x), [3, 4], { min: -3, max: 3 }, 85),
  gradCase('softmax axis 0', (x) => softmax(x, 0), [3, 4], { min: -3, max: 3 }, 86),
  gradCase('logSoftmax', (x) => logSoftmax(x), [3, 4], { min: -3, max: 3 }, 87),
  gradCase('variance', (x) => variance(x, { axis: 0 }), [4, 3], R, 88),
  gradCase('variance over all axes', (x) => variance(x, { ddof: 1 }), [2, 3], R, 89),
  gradCase('norm', (x) => norm(x, { axis: 1 }), [3, 4], R, 90),
  gradCase('norm ord 1', (x) => norm(x, { ord: 1 }), [2, 3], R, 91),
  gradCase('norm ord Infinity', (x) => norm(x, { ord: Number.POSITIVE_INFINITY, axis: 0 }), [3, 2], R, 92),
  gradCase('norm ord 3', (x) => norm(x, { ord: 3 }), [2, 3], R, 93),
];

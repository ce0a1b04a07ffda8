// Conformance cases: selection (ops/sort.ts), `topk` against a plain-JS reference (a stable sort
// of each row, NaN first), TensorFlow.js's tie and `sorted: false` rules, errors, and the
// gradient of the values.

import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { topk } from '../../ops/sort.js';
import type { ConformanceCase } from '../harness.js';

/** The k largest of each row of `rows × n` values, best first: values and indices. */
function refTopk(x: readonly number[], n: number, k: number): { values: number[]; indices: number[] } {
  const values: number[] = [];
  const indices: number[] = [];
  for (let r = 0; r < x.length / n; r++) {
    const row = x.slice(r * n, r * n + n).map((v, i) => ({ v, i }));
    // Array.prototype.sort is stable: equal values keep increasing index order.
    row.sort((a, b) =>
      Number.isNaN(a.v) ? (Number.isNaN(b.v) ? 0 : -1) : Number.isNaN(b.v) ? 1 : b.v - a.v,
    );
    for (const { v, i } of row.slice(0, k)) {
      values.push(v);
      indices.push(i);
    }
  }
  return { values, indices };
}

export const SORT_CASES: readonly ConformanceCase[] = [
  {
    name: 'sort: topk values and indices along the last axis',
    run: async (t) => {
      const x = t.input([
        [1, 5, 3, 5, -2],
        [0, -1, 7, 7, 7],
      ]);
      const top = topk(x, 3);
      await t.expectValues(top.values, [
        [5, 5, 3],
        [7, 7, 7],
      ]);
      await t.expectValues(
        top.indices,
        [
          [1, 3, 2],
          [2, 3, 4],
        ],
        { dtype: 'int32' },
      );
      const one = topk(t.input([4, 9, 2]));
      await t.expectValues(one.values, [9]);
      await t.expectValues(one.indices, [1], { dtype: 'int32' });
      const ints = topk(t.input([[3, 1, 2]], undefined, 'int32'), 2);
      await t.expectValues(ints.values, [[3, 2]], { dtype: 'int32' });
      await t.expectValues(ints.indices, [[0, 2]], { dtype: 'int32' });
      // Against the reference on rank 3, with NaN and infinities.
      const values = [0.5, Number.NaN, -Infinity, 2, 2, Infinity, -0.5, 1, 3, 0, 0, -3];
      const x3 = t.input(values, [2, 1, 6]);
      for (const k of [0, 1, 4, 6]) {
        const ref = refTopk(values, 6, k);
        const got = topk(x3, k);
        await t.expectValues(got.values, ref.values, { shape: [2, 1, k] });
        await t.expectValues(got.indices, ref.indices, { shape: [2, 1, k], dtype: 'int32' });
      }
    },
  },
  {
    name: 'sort: topk with sorted false gives the same entries in index order; empty shapes',
    run: async (t) => {
      const x = t.input([
        [1, 5, 3, 5, -2],
        [9, -1, 8, 0, 7],
      ]);
      const top = topk(x, 3, { sorted: false });
      await t.expectValues(
        top.indices,
        [
          [1, 2, 3],
          [0, 2, 4],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(top.values, [
        [5, 3, 5],
        [9, 8, 7],
      ]);
      const empty = topk(t.input([], [0, 4]), 2);
      await t.expectValues(empty.values, [], { shape: [0, 2] });
      await t.expectValues(empty.indices, [], { shape: [0, 2], dtype: 'int32' });
      const none = topk(t.input([], [3, 0]), 0);
      await t.expectValues(none.values, [], { shape: [3, 0] });
      await t.expectValues(none.indices, [], { shape: [3, 0], dtype: 'int32' });
    },
  },
  {
    name: 'sort: topk errors',
    run: async (t) => {
      const x = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const s = t.input(3);
      const b = t.input([true, false]);
      t.expectError(() => topk(s), ShapeError, 'topk: expected x of rank 1 or more, got x.shape=[]');
      t.expectError(
        () => topk(x, 4),
        ArgumentError,
        'topk: expected k <= 3 (the last axis of x), got k=4 and x.shape=[2,3]',
      );
      t.expectError(() => topk(x, -1), ArgumentError, /^topk: expected k to be an integer >= 0/);
      t.expectError(() => topk(x, 1.5), ArgumentError, /^topk: expected k/);
      t.expectError(() => topk(x, 1, { sort: true } as never), ArgumentError, /^topk: .*sort/);
      t.expectError(() => topk(x, 1, true as never), ArgumentError, /^topk: /);
      t.expectError(
        () => topk(b),
        DTypeError,
        'topk: expected x to have dtype float32 or float64 or float16 or int32, got bool',
      );
    },
  },
  {
    name: 'sort: gradient of topk values',
    run: async (t) => {
      // Distinct values keep the ranking away from ties under the finite-difference steps.
      const x = t.input(
        [0.3, -0.7, 0.9, 0.1, -0.2, 0.5, 0.8, -0.4, 0.05, 0.6, -0.9, 0.2],
        [2, 6],
        t.gradDType,
      );
      await t.checkGrad((a) => topk(a, 3).values, [x]);
      await t.checkGrad((a) => topk(a, 2, { sorted: false }).values, [x]);
    },
  },
];

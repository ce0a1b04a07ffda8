// Conformance cases: linalg. Forward values are checked against a naive triple loop written
// here (batch broadcasting and transposes included), errors by type and message, and
// gradients of matmul and dot against finite differences.

import { grad } from '../../autodiff.js';
import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { mul } from '../../ops/binary.js';
import { randomUniform } from '../../ops/creation.js';
import { dot, matmul, outer, tensordot } from '../../ops/linalg.js';
import type { Tensor } from '../../tensor.js';
import type { CaseTools, ConformanceCase } from '../harness.js';

interface Ref {
  values: number[];
  shape: number[];
}

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data(), Number);

/** Row-major offset of the batch index `idx` (over `batch`) in an operand with batch dims `own`. */
function batchOffset(idx: readonly number[], own: readonly number[], matrixSize: number): number {
  let offset = 0;
  let stride = matrixSize;
  for (let i = own.length - 1; i >= 0; i--) {
    const at = idx[idx.length - own.length + i]!;
    offset += (own[i] === 1 ? 0 : at) * stride;
    stride *= own[i]!;
  }
  return offset;
}

/** The naive batched matmul of rank >= 2 operands: C[i, j] = Σ_p Â[i, p] · B̂[p, j]. */
function refMatmul(
  a: number[],
  aShape: number[],
  b: number[],
  bShape: number[],
  tA = false,
  tB = false,
): Ref {
  const ar = aShape.length;
  const br = bShape.length;
  const m = aShape[tA ? ar - 1 : ar - 2]!;
  const k = aShape[tA ? ar - 2 : ar - 1]!;
  const n = bShape[tB ? br - 2 : br - 1]!;
  const ba = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => {
    const da = ba[ba.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
  const total = batch.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let flat = 0; flat < total; flat++) {
    const idx: number[] = [];
    let rem = flat;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i] = rem % batch[i]!;
      rem = Math.floor(rem / batch[i]!);
    }
    const ao = batchOffset(idx, ba, m * k);
    const bo = batchOffset(idx, bb, k * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++)
          s += a[ao + (tA ? p * m + i : i * k + p)]! * b[bo + (tB ? j * k + p : p * n + j)]!;
        out.push(s);
      }
    }
  }
  return { values: out, shape: [...batch, m, n] };
}

/** Checks matmul(a, b, flags) against the naive loop, for random operands of the given shapes. */
async function checkMatmul(
  t: CaseTools,
  aShape: number[],
  bShape: number[],
  tA = false,
  tB = false,
): Promise<void> {
  const a = t.rand(aShape, { seed: 11 });
  const b = t.rand(bShape, { seed: 12 });
  const ref = refMatmul(await values(a), aShape, await values(b), bShape, tA, tB);
  await t.expectValues(matmul(a, b, { transposeA: tA, transposeB: tB }), ref.values, {
    shape: ref.shape,
    atol: 1e-5,
  });
}

export const LINALG_CASES: ConformanceCase[] = [
  {
    name: 'linalg: matmul 2-D with all four transpose combinations',
    run: async (t) => {
      await checkMatmul(t, [3, 4], [4, 2]);
      await checkMatmul(t, [4, 3], [4, 2], true, false);
      await checkMatmul(t, [3, 4], [2, 4], false, true);
      await checkMatmul(t, [4, 3], [2, 4], true, true);
      await t.expectValues(
        matmul(
          t.input([
            [1, 2],
            [3, 4],
          ]),
          t.input([
            [5, 6],
            [7, 8],
          ]),
        ),
        [
          [19, 22],
          [43, 50],
        ],
      );
    },
  },
  {
    name: 'linalg: matmul batched and broadcast batch',
    run: async (t) => {
      await checkMatmul(t, [2, 3, 4], [2, 4, 5]);
      await checkMatmul(t, [2, 3, 4], [4, 5]);
      await checkMatmul(t, [3, 4], [2, 4, 5]);
      await checkMatmul(t, [1, 3, 4], [2, 4, 5], false, false);
      await checkMatmul(t, [2, 1, 4, 3], [3, 2, 4], true, true);
      await checkMatmul(t, [2, 1, 3, 4], [1, 3, 4, 2]);
      await checkMatmul(t, [3, 1, 2, 3], [2, 3, 2], false, false);
    },
  },
  {
    name: 'linalg: matmul with 1-D operands follows NumPy',
    run: async (t) => {
      const v = t.input([1, 2, 3]);
      const m = t.input([
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      await t.expectValues(matmul(v, m), [4, 5]);
      await t.expectValues(matmul(t.input([[1, 2, 3]]), v), [14]);
      await t.expectValues(matmul(v, v), 14);
      const batched = t.input([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]);
      await t.expectValues(matmul(batched, v), [
        [14, 32],
        [50, 68],
      ]);
      await t.expectValues(matmul(t.input([1, 1]), batched), [
        [5, 7, 9],
        [17, 19, 21],
      ]);
    },
  },
  {
    name: 'linalg: matmul on int32 is exact and promotes with float32',
    run: async (t) => {
      const a = t.input(
        [
          [100000, 3],
          [-7, 2],
        ],
        undefined,
        'int32',
      );
      const b = t.input(
        [
          [3, 1],
          [5, 10],
        ],
        undefined,
        'int32',
      );
      await t.expectValues(
        matmul(a, b),
        [
          [300015, 100030],
          [-11, 13],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(matmul(a, t.input([[0.5], [0.25]])), [[50000.75], [-3]], { dtype: 'float32' });
    },
  },
  {
    name: 'linalg: matmul with empty dimensions',
    run: async (t) => {
      await t.expectValues(matmul(t.input([], [2, 0]), t.input([], [0, 3])), [
        [0, 0, 0],
        [0, 0, 0],
      ]);
      await t.expectValues(matmul(t.input([], [0, 4]), t.rand([4, 3])), [], { shape: [0, 3] });
      await t.expectValues(matmul(t.input([], [0, 2, 4]), t.rand([4, 3])), [], { shape: [0, 2, 3] });
      await t.expectValues(
        matmul(t.input([], [2, 0, 2]), t.input([], [2, 0, 3]), { transposeA: true }),
        new Array(12).fill(0),
        { shape: [2, 2, 3] },
      );
    },
  },
  {
    name: 'linalg: matmul errors',
    run: async (t) => {
      const a = t.rand([2, 3]);
      const b = t.rand([4, 5]);
      const c = t.rand([2, 2, 3]);
      const d = t.rand([3, 3, 2]);
      const s = t.input(3);
      const flags = t.input([[true]]);
      t.expectError(
        () => matmul(a, b),
        ShapeError,
        'matmul: inner dimensions must match, got a.shape=[2,3] and b.shape=[4,5]',
      );
      t.expectError(
        () => matmul(a, b, { transposeA: true }),
        ShapeError,
        'matmul: inner dimensions must match, got a.shape=[2,3] and b.shape=[4,5] (transposeA)',
      );
      t.expectError(
        () => matmul(c, d),
        ShapeError,
        'matmul: batch dimensions must broadcast, got a.shape=[2,2,3] and b.shape=[3,3,2]',
      );
      t.expectError(
        () => matmul(s, a),
        ShapeError,
        'matmul: expected operands of rank >= 1, got a.shape=[] and b.shape=[2,3]',
      );
      t.expectError(() => matmul(flags, flags), DTypeError, /matmul: expected a to have dtype .*got bool/);
      t.expectError(() => matmul([[1, 2]], [[1], [2], [3]]), ShapeError, /inner dimensions must match/);
    },
  },
  {
    name: 'linalg: dot, tensordot and outer',
    run: async (t) => {
      await t.expectValues(dot(t.input([1, 2, 3]), t.input([4, 5, 6])), 32);
      await t.expectValues(dot(t.input(2), t.input([1, 2])), [2, 4]);
      for (const [aShape, bShape] of [
        [
          [2, 3],
          [3, 4],
        ],
        [
          [2, 3, 2, 4],
          [4, 3],
        ],
      ]) {
        const a = t.rand(aShape!, { seed: 3 });
        const b = t.rand(bShape!, { seed: 4 });
        const ref = refMatmul(await values(a), aShape!, await values(b), bShape!);
        await t.expectValues(dot(a, b), ref.values, { shape: ref.shape, atol: 1e-5 });
      }
      // N-D · M-D contracts a's last axis with b's second-to-last: (2,3)·(4,3,2) → (2,4,2).
      const a = t.rand([2, 3], { seed: 5 });
      const b = t.rand([4, 3, 2], { seed: 6 });
      const av = await values(a);
      const bv = await values(b);
      const want: number[] = [];
      for (let i = 0; i < 2; i++) {
        for (let k = 0; k < 4; k++) {
          for (let m = 0; m < 2; m++) {
            let s = 0;
            for (let j = 0; j < 3; j++) s += av[i * 3 + j]! * bv[(k * 3 + j) * 2 + m]!;
            want.push(s);
          }
        }
      }
      await t.expectValues(dot(a, b), want, { shape: [2, 4, 2], atol: 1e-5 });
      // tensordot contracting a's axes (1, 0) with b's (0, 1): out[k, l] = Σ_ij a[i,j,k] b[j,i,l].
      const c = t.rand([2, 3, 4], { seed: 7 });
      const d = t.rand([3, 2, 2], { seed: 8 });
      const cv = await values(c);
      const dv = await values(d);
      const td: number[] = [];
      for (let k = 0; k < 4; k++) {
        for (let l = 0; l < 2; l++) {
          let s = 0;
          for (let i = 0; i < 2; i++)
            for (let j = 0; j < 3; j++) s += cv[(i * 3 + j) * 4 + k]! * dv[(j * 2 + i) * 2 + l]!;
          td.push(s);
        }
      }
      await t.expectValues(
        tensordot(c, d, [
          [1, 0],
          [0, 1],
        ]),
        td,
        { shape: [4, 2], atol: 1e-5 },
      );
      // axes = 1 on [2,3]·[3,4] is the matrix product; axes = 0 is the outer product.
      const ref = refMatmul(await values(a), [2, 3], cv.slice(0, 12), [3, 4]);
      await t.expectValues(tensordot(a, t.input(cv.slice(0, 12), [3, 4]), 1), ref.values, {
        shape: [2, 4],
        atol: 1e-5,
      });
      await t.expectValues(tensordot(t.input([1, 2]), t.input([3, 4, 5]), 0), [
        [3, 4, 5],
        [6, 8, 10],
      ]);
      await t.expectValues(
        tensordot(
          t.input([
            [1, 2],
            [3, 4],
          ]),
          t.input([
            [1, 1],
            [1, 2],
          ]),
        ),
        14,
      );
      await t.expectValues(outer(t.input([1, 2]), t.input([1, 10, 100])), [
        [1, 10, 100],
        [2, 20, 200],
      ]);
    },
  },
  {
    name: 'linalg: dot and tensordot errors',
    run: async (t) => {
      const a = t.rand([2, 3]);
      const b = t.rand([3, 2]);
      const v4 = t.rand([4]);
      const v3 = t.rand([3]);
      const flags = t.input([true]);
      t.expectError(
        () => dot(a, a),
        ShapeError,
        'dot: expected a.shape[1] to match b.shape[0], got a.shape=[2,3] and b.shape=[2,3]',
      );
      t.expectError(
        () => dot(v4, v3),
        ShapeError,
        'dot: expected a.shape[0] to match b.shape[0], got a.shape=[4] and b.shape=[3]',
      );
      t.expectError(
        () => tensordot(a, b, [[0], [0]]),
        ShapeError,
        'tensordot: expected a.shape[0] to match b.shape[0], got a.shape=[2,3] and b.shape=[3,2]',
      );
      t.expectError(
        () => tensordot(a, b, 3),
        ArgumentError,
        /tensordot: expected axes to be an integer in \[0, 2\], got 3/,
      );
      t.expectError(
        () => tensordot(a, b, [[0, 1], [0]]),
        ArgumentError,
        'tensordot: expected as many axes of a as of b, got [0,1] and [0]',
      );
      t.expectError(
        () =>
          tensordot(a, b, [
            [0, 0],
            [0, 1],
          ]),
        ArgumentError,
        /tensordot: repeated axis/,
      );
      t.expectError(
        () => outer(flags, v3),
        DTypeError,
        'outer: expected a to have dtype float32 or float64 or float16 or int32, got bool',
      );
    },
  },
  {
    name: 'linalg: gradient of matmul, all transpose combinations',
    run: async (t) => {
      const a = t.rand([3, 4], { seed: 21 });
      const aT = t.rand([4, 3], { seed: 22 });
      const b = t.rand([4, 2], { seed: 23 });
      const bT = t.rand([2, 4], { seed: 24 });
      await t.checkGrad((x, y) => matmul(x, y), [a, b]);
      await t.checkGrad((x, y) => matmul(x, y, { transposeA: true }), [aT, b]);
      await t.checkGrad((x, y) => matmul(x, y, { transposeB: true }), [a, bT]);
      await t.checkGrad((x, y) => matmul(x, y, { transposeA: true, transposeB: true }), [aT, bT]);
    },
  },
  {
    name: 'linalg: gradient of batched matmul with a broadcast batch',
    run: async (t) => {
      await t.checkGrad(
        (x, y) => matmul(x, y),
        [t.rand([2, 3, 4], { seed: 31 }), t.rand([4, 2], { seed: 32 })],
      );
      await t.checkGrad(
        (x, y) => matmul(x, y, { transposeA: true }),
        [t.rand([1, 3, 2], { seed: 33 }), t.rand([2, 3, 2], { seed: 34 })],
      );
      await t.checkGrad(
        (x, y) => matmul(x, y, { transposeB: true }),
        [t.rand([2, 2, 3], { seed: 35 }), t.rand([1, 2, 3], { seed: 36 })],
      );
      await t.checkGrad((x, y) => matmul(x, y), [t.rand([3], { seed: 37 }), t.rand([2, 3, 2], { seed: 38 })]);
      // [2,1] against [3] batches is materialised with broadcastTo, whose gradient sums back.
      await t.checkGrad(
        (x, y) => matmul(x, y),
        [t.rand([2, 1, 2, 3], { seed: 39 }), t.rand([3, 3, 2], { seed: 40 })],
      );
    },
  },
  {
    name: 'linalg: gradient of dot and tensordot',
    run: async (t) => {
      await t.checkGrad((x, y) => dot(x, y), [t.rand([4], { seed: 41 }), t.rand([4], { seed: 42 })]);
      await t.checkGrad((x, y) => dot(x, y), [t.rand([2, 3], { seed: 43 }), t.rand([3, 2], { seed: 44 })]);
      await t.checkGrad((x, y) => dot(x, y), [t.rand([2, 2, 3], { seed: 45 }), t.rand([3, 2], { seed: 46 })]);
      await t.checkGrad(
        (x, y) =>
          tensordot(x, y, [
            [1, 0],
            [0, 2],
          ]),
        [t.rand([2, 3, 2], { seed: 47 }), t.rand([3, 2, 2], { seed: 48 })],
      );
    },
  },
  {
    name: 'linalg: second-order gradient through matmul',
    run: async (t) => {
      // f(x) = ∂/∂x Σ dy·(x·w)² = 2·((x·w)⊙dy)·wᵀ: the matmul rule applied to its own output.
      // w and dy are made inside f (seeded, so identical on every backend): a backend without
      // float64 checks gradients by re-running f on the reference backend, where a tensor
      // captured from outside f could not go.
      const f = (x: Tensor): Tensor => {
        const w = randomUniform([3, 2], { minval: -1, maxval: 1, seed: 51, dtype: x.dtype });
        const dy = randomUniform([2, 2], { minval: -1, maxval: 1, seed: 52, dtype: x.dtype });
        return grad((v) => {
          const y = matmul(v, w);
          return mul(y, y);
        })(x, dy);
      };
      await t.checkGrad(f, [t.rand([2, 3], { seed: 53 })]);
    },
  },
];

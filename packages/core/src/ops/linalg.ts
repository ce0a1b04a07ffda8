// Linear algebra: matmul (batched, NumPy-broadcast batch axes, transposes, 1-D operands), dot,
// tensordot and outer, and the VJP of the matmul primitive. Everything lowers to the rank-3
// matmul primitive, so a backend's GEMM also runs every backward pass, and transposes of the
// last two axes ride on the primitive's flags instead of being materialised.

import { assertDType, type DType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { matmulDims } from '../kernel-geometry.js';
import { tidy } from '../memory.js';
import { normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S } from './args.js';
import { mul } from './binary.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { broadcastTo, reshape, transpose } from './movement.js';
import { sum } from './reduce.js';

const MATMUL_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'int32'];

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Multiply by aᵀ (the last two axes of a swapped); ignored for a 1-D a. */
  transposeA?: boolean;
  /** Multiply by bᵀ (the last two axes of b swapped); ignored for a 1-D b. */
  transposeB?: boolean;
}

/**
 * The primitive: a `[ba, M, K]` (`[ba, K, M]` if tA), b `[bb, K, N]` (`[bb, N, K]` if tB), or two
 * plain matrices, whose product is then `[M, N]` (so a dense layer's product and its gradients
 * need no reshapes).
 */
function matmul3(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const { batch, m, n } = matmulDims(a.shape, b.shape, transposeA, transposeB);
  const shape = a.rank === 2 && b.rank === 2 ? [m, n] : [batch, m, n];
  return ENGINE.run('matmul', [a, b], { transposeA, transposeB }, shape, a.dtype);
}

/** The broadcast of two batch shapes, or null when they do not broadcast. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Brings an operand of logical shape `[...batchDims, r, c]` to `[batch, r, c]` for the
 * primitive. A batch of one broadcasts inside the kernel, and a batch of the full size is a
 * free reshape; any other broadcast (e.g. [2,1] against [3]) is materialised.
 */
function toRank3(t: Tensor, shape: readonly number[], batch: readonly number[]): Tensor {
  const batchDims = shape.slice(0, -2);
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const own = sizeOf(batchDims);
  if (own === 1 || own === sizeOf(batch)) return reshape(t, [own, r, c]);
  return reshape(broadcastTo(reshape(t, shape), [...batch, r, c]), [sizeOf(batch), r, c]);
}

/**
 * Matrix product over the last two axes, batched over the leading ones with NumPy
 * broadcasting. A 1-D operand is a row (a) or column (b) vector whose axis the result drops,
 * as in NumPy; int32 operands give int32, bool is rejected. Output `[...batch, M, N]`.
 * @example
 * matmul(ones([8, 2, 3]), ones([3, 4])); // shape [8, 2, 4]
 * matmul(a, b, { transposeB: true }); // a · bᵀ
 */
export const matmul = defineOp(
  'matmul',
  [
    req('a', S.tensor),
    req('b', S.tensor),
    opt(
      'options',
      S.object(
        { transposeA: S.boolean, transposeB: S.boolean },
        { positional: ['transposeA', 'transposeB'] },
      ),
    ),
  ],
  (a: TensorLike, b: TensorLike, options: MatmulOptions = {}): Tensor => {
    const { transposeA = false, transposeB = false } = options;
    return withArgs('matmul', ['a', 'b'], [a, b], ([x, y]) => {
      const ta = x!;
      const tb = y!;
      assertDType('matmul', 'a', ta.dtype, MATMUL_DTYPES);
      assertDType('matmul', 'b', tb.dtype, MATMUL_DTYPES);
      // Only formatted for an error.
      const shapes = () => `a.shape=${fmtShape(ta.shape)} and b.shape=${fmtShape(tb.shape)}`;
      if (ta.rank === 0 || tb.rank === 0) {
        throw new ShapeError(`matmul: expected operands of rank >= 1, got ${shapes()}`);
      }
      const aVec = ta.rank === 1;
      const bVec = tb.rank === 1;
      const aShape = aVec ? [1, ta.shape[0]!] : ta.shape;
      const bShape = bVec ? [tb.shape[0]!, 1] : tb.shape;
      const tA = transposeA && !aVec;
      const tB = transposeB && !bVec;
      const ar = aShape.length;
      const br = bShape.length;
      const m = aShape[tA ? ar - 1 : ar - 2]!;
      const k = aShape[tA ? ar - 2 : ar - 1]!;
      const kb = bShape[tB ? br - 1 : br - 2]!;
      const n = bShape[tB ? br - 2 : br - 1]!;
      if (k !== kb) {
        const flags = [tA ? 'transposeA' : '', tB ? 'transposeB' : ''].filter(Boolean).join(', ');
        throw new ShapeError(
          `matmul: inner dimensions must match, got ${shapes()}${flags ? ` (${flags})` : ''}`,
        );
      }
      // Two matrices of one dtype (a dense layer): the primitive takes them as they are.
      if (ta.rank === 2 && tb.rank === 2 && ta.dtype === tb.dtype) return matmul3(ta, tb, tA, tB);
      const batch = broadcastBatch(aShape.slice(0, -2), bShape.slice(0, -2));
      if (!batch) throw new ShapeError(`matmul: batch dimensions must broadcast, got ${shapes()}`);
      const outShape = [...batch, ...(aVec ? [] : [m]), ...(bVec ? [] : [n])];
      const dtype = resultType([ta, tb]);
      return tidy(() => {
        const a3 = toRank3(cast(ta, dtype), aShape, batch);
        const b3 = toRank3(cast(tb, dtype), bShape, batch);
        return reshape(matmul3(a3, b3, tA, tB), outShape);
      });
    });
  },
);

/**
 * The dot product with NumPy semantics: 1-D·1-D is the inner product (a scalar), 2-D·2-D the
 * matrix product, N-D·1-D contracts the last axis of a, and N-D·M-D contracts the last axis
 * of a with the second-to-last of b (`(a,b,c,d)·(d,e) → (a,b,c,e)`); a scalar multiplies.
 * @example
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6])); // 32
 * dot(ones([2, 3, 4]), ones([4, 5])); // shape [2, 3, 5]
 */
export const dot = defineOp(
  'dot',
  [req('a', S.tensor), req('b', S.tensor)],
  (a: TensorLike, b: TensorLike): Tensor =>
    withArgs('dot', ['a', 'b'], [a, b], ([x, y]) => {
      const ta = x!;
      const tb = y!;
      if (ta.rank === 0 || tb.rank === 0) return mul(ta, tb);
      assertDType('dot', 'a', ta.dtype, MATMUL_DTYPES);
      assertDType('dot', 'b', tb.dtype, MATMUL_DTYPES);
      const bAxis = tb.rank === 1 ? 0 : tb.rank - 2;
      if (ta.shape[ta.rank - 1] !== tb.shape[bAxis]) {
        throw new ShapeError(
          `dot: expected a.shape[${ta.rank - 1}] to match b.shape[${bAxis}], got a.shape=${fmtShape(ta.shape)} and b.shape=${fmtShape(tb.shape)}`,
        );
      }
      // A 1-D operand on either side is exactly matmul's vector rule.
      if (ta.rank === 1 || tb.rank === 1) return matmul(ta, tb);
      return tensordot(ta, tb, [[ta.rank - 1], [bAxis]]);
    }),
);

const isIdentity = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);

/** Normalises tensordot's `axes` to two equal-length lists of distinct axes. */
function contractedAxes(
  axes: number | readonly [readonly number[], readonly number[]],
  a: Tensor,
  b: Tensor,
): [number[], number[]] {
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > a.rank || axes > b.rank) {
      throw new ArgumentError(
        `tensordot: expected axes to be an integer in [0, ${Math.min(a.rank, b.rank)}], got ${axes} for a.shape=${fmtShape(a.shape)} and b.shape=${fmtShape(b.shape)}`,
      );
    }
    return [
      Array.from({ length: axes }, (_, i) => a.rank - axes + i),
      Array.from({ length: axes }, (_, i) => i),
    ];
  }
  const [la, lb] = axes;
  if (la.length !== lb.length) {
    throw new ArgumentError(
      `tensordot: expected as many axes of a as of b, got [${la.join(',')}] and [${lb.join(',')}]`,
    );
  }
  const na = la.map((ax) => normalizeAxis('tensordot', ax, a.rank));
  const nb = lb.map((ax) => normalizeAxis('tensordot', ax, b.rank));
  if (new Set(na).size !== na.length || new Set(nb).size !== nb.length) {
    throw new ArgumentError(`tensordot: repeated axis in [${la.join(',')}] or [${lb.join(',')}]`);
  }
  return [na, nb];
}

/**
 * Sums products over the given axes of a and b: the result's axes are a's free axes followed by
 * b's. `axes = n` contracts the last n axes of a with the first n of b (NumPy's default is 2).
 * @example
 * tensordot(ones([3, 4, 5]), ones([4, 3, 2]), [[1, 0], [0, 1]]); // shape [5, 2]
 * tensordot(ones([2]), ones([3]), 0); // the outer product, shape [2, 3]
 */
export const tensordot = defineOp(
  'tensordot',
  [
    req('a', S.tensor),
    req('b', S.tensor),
    opt('axes', S.oneOf(S.number({ integer: true, min: 0 }), S.list(S.list(S.integer), 2))),
  ],
  (
    a: TensorLike,
    b: TensorLike,
    axes: number | readonly [readonly number[], readonly number[]] = 2,
  ): Tensor =>
    withArgs('tensordot', ['a', 'b'], [a, b], ([x, y]) => {
      const ta = x!;
      const tb = y!;
      assertDType('tensordot', 'a', ta.dtype, MATMUL_DTYPES);
      assertDType('tensordot', 'b', tb.dtype, MATMUL_DTYPES);
      const [axA, axB] = contractedAxes(axes, ta, tb);
      axA.forEach((i, j) => {
        const ib = axB[j]!;
        if (ta.shape[i] !== tb.shape[ib]) {
          throw new ShapeError(
            `tensordot: expected a.shape[${i}] to match b.shape[${ib}], got a.shape=${fmtShape(ta.shape)} and b.shape=${fmtShape(tb.shape)}`,
          );
        }
      });
      const freeA = ta.shape.map((_, i) => i).filter((i) => !axA.includes(i));
      const freeB = tb.shape.map((_, i) => i).filter((i) => !axB.includes(i));
      const k = sizeOf(axA.map((i) => ta.shape[i]!));
      const fa = sizeOf(freeA.map((i) => ta.shape[i]!));
      const fb = sizeOf(freeB.map((i) => tb.shape[i]!));
      const outShape = [...freeA.map((i) => ta.shape[i]!), ...freeB.map((i) => tb.shape[i]!)];
      return tidy(() => {
        // a as [fa, K] (or its transpose [K, fa], free through transposeA); likewise b as [K, fb].
        let a2: Tensor;
        let transposeA = false;
        if (isIdentity([...freeA, ...axA])) a2 = reshape(ta, [fa, k]);
        else if (isIdentity([...axA, ...freeA])) {
          a2 = reshape(ta, [k, fa]);
          transposeA = true;
        } else a2 = reshape(transpose(ta, [...freeA, ...axA]), [fa, k]);
        let b2: Tensor;
        let transposeB = false;
        if (isIdentity([...axB, ...freeB])) b2 = reshape(tb, [k, fb]);
        else if (isIdentity([...freeB, ...axB])) {
          b2 = reshape(tb, [fb, k]);
          transposeB = true;
        } else b2 = reshape(transpose(tb, [...axB, ...freeB]), [k, fb]);
        return reshape(matmul(a2, b2, { transposeA, transposeB }), outShape);
      });
    }),
);

/**
 * The outer product `out[i, j] = a[i] · b[j]`; inputs of higher rank are flattened, as in NumPy.
 * @example
 * outer(tensor([1, 2]), tensor([1, 10, 100])); // [[1, 10, 100], [2, 20, 200]]
 */
export const outer = defineOp(
  'outer',
  [req('a', S.tensor), req('b', S.tensor)],
  (a: TensorLike, b: TensorLike): Tensor =>
    withArgs('outer', ['a', 'b'], [a, b], ([x, y]) => {
      assertDType('outer', 'a', x!.dtype, MATMUL_DTYPES);
      assertDType('outer', 'b', y!.dtype, MATMUL_DTYPES);
      return tidy(() => mul(reshape(x!, [x!.size, 1]), reshape(y!, [1, y!.size])));
    }),
);

/** Sums a batched gradient over the batch axis where the forward operand had a batch of one. */
function sumBatch(g: Tensor, like: Tensor): Tensor {
  return g.shape[0] === like.shape[0] ? g : sum(g, { axis: 0, keepDims: true });
}

/** VJP rules of matmul. */
export const LINALG_RULES: RuleTable<'matmul'> = {
  // C = Â·B̂ with Â = tA ? aᵀ : a, B̂ = tB ? bᵀ : b: dÂ = dy·B̂ᵀ, dB̂ = Âᵀ·dy, transposed back
  // where the operand was stored transposed (da = B̂·dyᵀ, db = dyᵀ·Â), summed over a batch of one.
  // Skipped for an operand that needs none (a network's input batch: the largest product).
  matmul: ({ inputs: [a, b], params: { transposeA: tA, transposeB: tB }, dy, needs }) => {
    const da = !needs[0] ? null : tA ? matmul3(b!, dy, tB, true) : matmul3(dy, b!, false, !tB);
    const db = !needs[1] ? null : tB ? matmul3(dy, a!, true, tA) : matmul3(a!, dy, !tA, false);
    return [da && sumBatch(da, a!), db && sumBatch(db, b!)];
  },
};

// Helpers every kernel module shares: reading the int32 parameter block that the JS side writes
// for each call, JavaScript's ToInt32 conversion, and the row walker for strided loops.
// A parameter block for a walk over k operands is laid out as
//   [rank, shape[rank], strides_0[rank] ... strides_{k-1}[rank], counters[rank], offsets[k]]
// with strides and offsets in elements; JS zeroes counters and offsets before the call.

/** Int32 number `k` of the parameter block at `p`. */
// @ts-ignore: decorator
@inline
export function param(p: usize, k: i32): i32 {
  return load<i32>(p + (<usize>k << 2));
}

// @ts-ignore: decorator
@inline
function setParam(p: usize, k: i32, v: i32): void {
  store<i32>(p + (<usize>k << 2), v);
}

/** JavaScript's ToInt32: truncate, wrap modulo 2^32, NaN and infinities give 0. */
// @ts-ignore: decorator
@inline
export function toInt32(v: f64): i32 {
  if (!isFinite<f64>(v)) return 0;
  return <i32>(<i64>(Math.trunc(v) % 4294967296.0));
}

/** Rows of a walk: the product of every axis but the last (1 for rank 1). */
export function walkRows(p: usize): i32 {
  const rank = param(p, 0);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= param(p, 1 + d);
  return rows;
}

/** Length of a walk's rows: its last axis. */
// @ts-ignore: decorator
@inline
export function walkLen(p: usize): i32 {
  return param(p, param(p, 0));
}

/** Innermost stride of operand `k`. */
// @ts-ignore: decorator
@inline
export function walkStride(p: usize, k: i32): i32 {
  const rank = param(p, 0);
  return param(p, rank * (2 + k));
}

/** Current row offset (in elements) of operand `k`. */
// @ts-ignore: decorator
@inline
export function walkOffset(p: usize, nOps: i32, k: i32): i32 {
  const rank = param(p, 0);
  return param(p, 1 + rank * (2 + nOps) + k);
}

/** Odometer step to the next row: bumps the innermost outer axis, carrying outwards. */
export function walkNext(p: usize, nOps: i32): void {
  const rank = param(p, 0);
  const counters = 1 + rank * (1 + nOps);
  const offsets = counters + rank;
  for (let d = rank - 2; d >= 0; d--) {
    const dim = param(p, 1 + d);
    const c = param(p, counters + d) + 1;
    if (c < dim) {
      setParam(p, counters + d, c);
      for (let k = 0; k < nOps; k++) {
        setParam(p, offsets + k, param(p, offsets + k) + param(p, 1 + rank * (1 + k) + d));
      }
      return;
    }
    setParam(p, counters + d, 0);
    for (let k = 0; k < nOps; k++) {
      const s = param(p, 1 + rank * (1 + k) + d);
      setParam(p, offsets + k, param(p, offsets + k) - s * (dim - 1));
    }
  }
}

/** Base address plus `i` elements of `bytes` each (negative `i` walks backwards). */
// @ts-ignore: decorator
@inline
export function at(base: usize, i: i32, shift: i32): usize {
  return base + <usize>(i << shift);
}

/**
 * a·b + c on four f32 lanes: one fused multiply-add (`f32x4.relaxed_madd`) in the relaxed-SIMD
 * builds, a multiply then an add elsewhere. The branch folds at compile time, so each build
 * holds one instruction sequence; relaxed_madd may round once or twice, both within f32
 * tolerances, and every thread of one backend runs the same build on the same CPU.
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Stores eight vectors (a register tile of 32 floats) at q, q + 16, …, q + 112. */
// @ts-ignore: decorator
@inline
export function store8(q: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  v128.store(q, a0);
  v128.store(q, a1, 16);
  v128.store(q, a2, 32);
  v128.store(q, a3, 48);
  v128.store(q, a4, 64);
  v128.store(q, a5, 80);
  v128.store(q, a6, 96);
  v128.store(q, a7, 112);
}

/** Adds four vectors (float32 lanes) into the 16 floats at q. */
// @ts-ignore: decorator
@inline
export function addStore4(q: usize, a0: v128, a1: v128, a2: v128, a3: v128): void {
  v128.store(q, f32x4.add(v128.load(q), a0));
  v128.store(q, f32x4.add(v128.load(q, 16), a1), 16);
  v128.store(q, f32x4.add(v128.load(q, 32), a2), 32);
  v128.store(q, f32x4.add(v128.load(q, 48), a3), 48);
}

/** Adds eight vectors (float32 lanes) into the 32 floats at q. */
// @ts-ignore: decorator
@inline
export function addStore8(q: usize, a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, a6: v128, a7: v128): void {
  store8(
    q,
    f32x4.add(v128.load(q), a0),
    f32x4.add(v128.load(q, 16), a1),
    f32x4.add(v128.load(q, 32), a2),
    f32x4.add(v128.load(q, 48), a3),
    f32x4.add(v128.load(q, 64), a4),
    f32x4.add(v128.load(q, 80), a5),
    f32x4.add(v128.load(q, 96), a6),
    f32x4.add(v128.load(q, 112), a7),
  );
}

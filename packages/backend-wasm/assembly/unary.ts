// Unary elementwise kernels. Op codes are the ABI's (src/abi.ts).
// Ops with a SIMD instruction (neg, abs, sqrt, rsqrt, floor, ceil, round, reciprocal, relu) run
// four lanes at a time, and so do exp and sigmoid (a polynomial exp, under 2 ulp); the other
// transcendental ops use the scalar float32 libm ports of Mathf (musl, under 1 ulp), and erf
// the double-precision series/continued fraction of the CPU backend.

import { at, madd } from './common';
import {
  UNARY_NEG as NEG,
  UNARY_ABS as ABS,
  UNARY_SIGN as SIGN,
  UNARY_EXP as EXP,
  UNARY_LOG as LOG,
  UNARY_LOG1P as LOG1P,
  UNARY_EXPM1 as EXPM1,
  UNARY_SQRT as SQRT,
  UNARY_RSQRT as RSQRT,
  UNARY_SIN as SIN,
  UNARY_COS as COS,
  UNARY_TAN as TAN,
  UNARY_TANH as TANH,
  UNARY_SIGMOID as SIGMOID,
  UNARY_ERF as ERF,
  UNARY_FLOOR as FLOOR,
  UNARY_CEIL as CEIL,
  UNARY_ROUND as ROUND,
  UNARY_RECIPROCAL as RECIPROCAL,
  UNARY_RELU as RELU,
} from '../src/abi';

/** 2 / √π and 1 / √π. */
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const ONE_OVER_SQRT_PI: f64 = 0.5641895835477563;

/** erf(x) to double precision: Maclaurin series below 2.5, erfc continued fraction above. */
function erf64(x: f64): f64 {
  if (isNaN<f64>(x)) return x;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  let y: f64;
  if (ax < 2.5) {
    const x2 = ax * ax;
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / <f64>(2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    y = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  } else {
    let tail = ax;
    for (let k = 60; k >= 1; k--) tail = ax + <f64>k / 2 / tail;
    y = 1 - (ONE_OVER_SQRT_PI * Math.exp(-ax * ax)) / tail;
  }
  return x < 0 ? -y : y;
}

/** σ(x), written as e^x / (1 + e^x) for x < 0 so that nothing overflows. */
// @ts-ignore: decorator
@inline
function sigmoid(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

/**
 * expSimd's constants, each splatted to four lanes, in memory. Written as `v128.const` in the
 * loop, each would be rebuilt by V8 from immediates at every use (about four instructions); read
 * from here they are one load each, which doubled the speed of exp over a long vector.
 * Offsets in bytes: lo, hi, log2e, ln2 high, ln2 low, the Taylor coefficients 1/7! … 1, and
 * 1.5·2^23 (rounds to an integer when added).
 */
const EXP_K: usize = memory.data<f32>(
  [
    -104.0, -104.0, -104.0, -104.0,
    89.0, 89.0, 89.0, 89.0,
    1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634,
    0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125,
    1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6,
    1.0 / 5040.0, 1.0 / 5040.0, 1.0 / 5040.0, 1.0 / 5040.0,
    1.0 / 720.0, 1.0 / 720.0, 1.0 / 720.0, 1.0 / 720.0,
    1.0 / 120.0, 1.0 / 120.0, 1.0 / 120.0, 1.0 / 120.0,
    1.0 / 24.0, 1.0 / 24.0, 1.0 / 24.0, 1.0 / 24.0,
    1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0, 1.0 / 6.0,
    0.5, 0.5, 0.5, 0.5,
    1.0, 1.0, 1.0, 1.0,
    12582912.0, 12582912.0, 12582912.0, 12582912.0,
  ],
  16,
);

/** r = x − n·ln2 in two steps (Cody–Waite: ln2 split so that n·ln2_hi is exact). */
// @ts-ignore: decorator
@inline
function minusNLn2(x: v128, n: v128, ln2Hi: v128, ln2Lo: v128): v128 {
  return f32x4.sub(f32x4.sub(x, f32x4.mul(n, ln2Hi)), f32x4.mul(n, ln2Lo));
}

/** The exponential polynomial's last two Horner steps, 1 + r·(1 + r·p) (`one` splatted 1). */
// @ts-ignore: decorator
@inline
function onePlusR(r: v128, p: v128, one: v128): v128 {
  return madd(r, madd(r, p, one), one);
}

/**
 * e^x on four lanes: x = n·ln2 + r with |r| <= ln2/2 (Cody–Waite, ln2 split so n·ln2_hi is
 * exact), e^r by its degree-7 Taylor polynomial (truncation error < 6e-9 relative), then 2^n
 * applied as two factors so that results down to the subnormals stay exact in the exponent.
 * Under 2 ulp; NaN propagates, overflow gives +Infinity and underflow 0.
 */
// @ts-ignore: decorator
@inline
export function expSimd(v: v128): v128 {
  const k = EXP_K;
  // The clamp as pseudo-max/min (one instruction each, where f32x4.max/min take about seven for
  // their NaN and signed-zero rules): pmax(v, lo) = v < lo ? lo : v keeps a NaN v (the compare is
  // false), and so does pmin(x, hi) = hi < x ? hi : x; the clamp bounds are not zeros.
  const x = f32x4.pmin(f32x4.pmax(v, v128.load(k)), v128.load(k, 16));
  // n = nearest(x·log2e): adding 1.5·2^23 rounds to an integer (ties to even, as `nearest`),
  // which then sits in the low bits of the sum; exact for |x·log2e| < 2^22.
  const magic = v128.load(k, 192);
  const t = f32x4.add(f32x4.mul(x, v128.load(k, 32)), magic);
  const n = f32x4.sub(t, magic);
  const r = minusNLn2(x, n, v128.load(k, 48), v128.load(k, 64));
  // Horner's steps as multiply-adds: fused (one rounding) in the relaxed builds.
  let p = madd(r, v128.load(k, 80), v128.load(k, 96));
  p = madd(r, p, v128.load(k, 112));
  p = madd(r, p, v128.load(k, 128));
  p = madd(r, p, v128.load(k, 144));
  p = onePlusR(r, madd(r, p, v128.load(k, 160)), v128.load(k, 176));
  const ni = i32x4.sub(t, magic);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/**
 * expShiftedSimd's own constants, splatted to four lanes (offsets in bytes): the polynomial's
 * coefficients c6, c5, c4, c3, c2, then 1.5·2^23 + 127; log2e, ln2's two parts and 1 come from
 * EXP_K. c2…c6 were fitted here (Lawson's iteration on the relative error of
 * 1 + r + c2·r² + … + c6·r⁶ against e^r over |r| <= ln2/2): at most 3.1e-9 relative.
 */
const EXP_SHIFTED_K: usize = memory.data<f32>(
  [
    0.0013814593032601217, 0.0013814593032601217, 0.0013814593032601217, 0.0013814593032601217,
    0.00836870836249096, 0.00836870836249096, 0.00836870836249096, 0.00836870836249096,
    0.04166838752427761, 0.04166838752427761, 0.04166838752427761, 0.04166838752427761,
    0.16666520702233695, 0.16666520702233695, 0.16666520702233695, 0.16666520702233695,
    0.499999934517525, 0.499999934517525, 0.499999934517525, 0.499999934517525,
    12583039.0, 12583039.0, 12583039.0, 12583039.0,
  ],
  16,
);

/**
 * The lowest x whose e^x expShiftedSimd takes: −126·ln2 rounded up, so that 2^n (n =
 * nearest(x·log2e) >= −126) is a normal float. Below it e^x is subnormal or 0.
 */
export const EXP_SHIFTED_LO: f32 = -87.3365;

/**
 * e^x on four lanes for x in [EXP_SHIFTED_LO, 0] (softmax's x − max), in about half the
 * instructions of expSimd: no clamp, a degree-6 polynomial, and 2^n as one factor built from
 * the rounding constant's low bits (1.5·2^23 + 127 leaves n + 127 there). Under 2 ulp there;
 * NaN propagates; outside that range the result is wrong, so callers check the range first.
 */
// @ts-ignore: decorator
@inline
export function expShiftedSimd(x: v128): v128 {
  const k = EXP_SHIFTED_K;
  const magic = v128.load(k, 80);
  const t = madd(x, v128.load(EXP_K, 32), magic);
  const r = minusNLn2(x, f32x4.sub(t, magic), v128.load(EXP_K, 48), v128.load(EXP_K, 64));
  let p = madd(r, v128.load(k), v128.load(k, 16));
  p = madd(r, p, v128.load(k, 32));
  p = madd(r, p, v128.load(k, 48));
  p = onePlusR(r, madd(r, p, v128.load(k, 64)), v128.load(EXP_K, 176));
  return f32x4.mul(p, i32x4.shl(t, 23));
}

/**
 * max(v, 0) on four lanes as f32x4.max gives it (NaN stays NaN, relu(−0) is +0, as in the CPU
 * backend), in two instructions where f32x4.max takes about eight: the pseudo-maximum
 * pmax(v, 0) = v < 0 ? 0 : v keeps a NaN (the compare is false) and −0, and adding +0 turns −0
 * into +0 and changes nothing else.
 */
// @ts-ignore: decorator
@inline
export function reluSimd(v: v128): v128 {
  const zero = f32x4.splat(0);
  return f32x4.add(f32x4.pmax(v, zero), zero);
}

/** σ(x) on four lanes from e = e^(−|x|): 1 / (1 + e) for x >= 0, e / (1 + e) below. */
// @ts-ignore: decorator
@inline
export function sigmoidSimd(v: v128): v128 {
  const e = expSimd(f32x4.neg(f32x4.abs(v)));
  const r = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(v, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline
export function unaryScalar(op: i32, x: f32): f32 {
  switch (op) {
    case NEG:
      return -x;
    case ABS:
      return Mathf.abs(x);
    case SIGN:
      return x > 0 ? 1 : x < 0 ? -1 : x;
    case EXP:
      return Mathf.exp(x);
    case LOG:
      return Mathf.log(x);
    case LOG1P:
      return Mathf.log1p(x);
    case EXPM1:
      return Mathf.expm1(x);
    case SQRT:
      return Mathf.sqrt(x);
    case RSQRT:
      return 1 / Mathf.sqrt(x);
    case SIN:
      return Mathf.sin(x);
    case COS:
      return Mathf.cos(x);
    case TAN:
      return Mathf.tan(x);
    case TANH:
      return Mathf.tanh(x);
    case SIGMOID:
      return sigmoid(x);
    case ERF:
      return <f32>erf64(<f64>x);
    case FLOOR:
      return Mathf.floor(x);
    case CEIL:
      return Mathf.ceil(x);
    case ROUND:
      return nearest<f32>(x);
    case RECIPROCAL:
      return 1 / x;
    case RELU:
      // NaN stays NaN, like NumPy's maximum(x, 0).
      return x > 0 || x != x ? x : 0;
  }
  return x;
}

// @ts-ignore: decorator
@inline
export function hasSimd(op: i32): bool {
  return (
    op == NEG ||
    op == ABS ||
    op == EXP ||
    op == SIGMOID ||
    op == SQRT ||
    op == RSQRT ||
    op == FLOOR ||
    op == CEIL ||
    op == ROUND ||
    op == RECIPROCAL ||
    op == RELU
  );
}

// @ts-ignore: decorator
@inline
export function unarySimd(op: i32, v: v128): v128 {
  switch (op) {
    case NEG:
      return f32x4.neg(v);
    case ABS:
      return f32x4.abs(v);
    case EXP:
      return expSimd(v);
    case SIGMOID:
      return sigmoidSimd(v);
    case SQRT:
      return f32x4.sqrt(v);
    case RSQRT:
      return f32x4.div(f32x4.splat(1), f32x4.sqrt(v));
    case FLOOR:
      return f32x4.floor(v);
    case CEIL:
      return f32x4.ceil(v);
    case ROUND:
      return f32x4.nearest(v);
    case RECIPROCAL:
      return f32x4.div(f32x4.splat(1), v);
    case RELU:
      return reluSimd(v);
  }
  return v;
}

// @ts-ignore: decorator
@inline
function unaryLoop(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (hasSimd(op)) {
    // Two vectors a step: exp's polynomial is a long chain of dependent steps, and two
    // independent chains keep the core busy.
    for (; i + 8 <= n; i += 8) {
      const a = unarySimd(op, v128.load(at(x, i, 2)));
      const b = unarySimd(op, v128.load(at(x, i, 2), 16));
      v128.store(at(y, i, 2), a);
      v128.store(at(y, i, 2), b, 16);
    }
    for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), unarySimd(op, v128.load(at(x, i, 2))));
  }
  for (; i < n; i++) store<f32>(at(y, i, 2), unaryScalar(op, load<f32>(at(x, i, 2))));
}

/** y[i] = op(x[i]) over n float32 values. */
export function unaryF32(op: i32, x: usize, y: usize, n: i32): void {
  // One case per op so that each loop is specialised (the switch inside folds away).
  switch (op) {
    case NEG: unaryLoop(NEG, x, y, n); break;
    case ABS: unaryLoop(ABS, x, y, n); break;
    case SIGN: unaryLoop(SIGN, x, y, n); break;
    case EXP: unaryLoop(EXP, x, y, n); break;
    case LOG: unaryLoop(LOG, x, y, n); break;
    case LOG1P: unaryLoop(LOG1P, x, y, n); break;
    case EXPM1: unaryLoop(EXPM1, x, y, n); break;
    case SQRT: unaryLoop(SQRT, x, y, n); break;
    case RSQRT: unaryLoop(RSQRT, x, y, n); break;
    case SIN: unaryLoop(SIN, x, y, n); break;
    case COS: unaryLoop(COS, x, y, n); break;
    case TAN: unaryLoop(TAN, x, y, n); break;
    case TANH: unaryLoop(TANH, x, y, n); break;
    case SIGMOID: unaryLoop(SIGMOID, x, y, n); break;
    case ERF: unaryLoop(ERF, x, y, n); break;
    case FLOOR: unaryLoop(FLOOR, x, y, n); break;
    case CEIL: unaryLoop(CEIL, x, y, n); break;
    case ROUND: unaryLoop(ROUND, x, y, n); break;
    case RECIPROCAL: unaryLoop(RECIPROCAL, x, y, n); break;
    case RELU: unaryLoop(RELU, x, y, n); break;
  }
}

/** y[i] = op(x[i]) over n int32 values, for the ops that keep int32 (the rest never get here). */
export function unaryI32(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (op == NEG) {
    for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), i32x4.neg(v128.load(at(x, i, 2))));
    for (; i < n; i++) store<i32>(at(y, i, 2), -load<i32>(at(x, i, 2)));
  } else if (op == ABS) {
    for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), i32x4.abs(v128.load(at(x, i, 2))));
    for (; i < n; i++) store<i32>(at(y, i, 2), abs<i32>(load<i32>(at(x, i, 2))));
  } else if (op == SIGN) {
    for (; i < n; i++) {
      const v = load<i32>(at(x, i, 2));
      store<i32>(at(y, i, 2), v > 0 ? 1 : v < 0 ? -1 : 0);
    }
  } else if (op == RELU) {
    const zero = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), i32x4.max_s(v128.load(at(x, i, 2)), zero));
    for (; i < n; i++) store<i32>(at(y, i, 2), max<i32>(load<i32>(at(x, i, 2)), 0));
  } else {
    // floor, ceil and round of an integer are the integer.
    memory.copy(y, x, <usize>n << 2);
  }
}

/** isNaN (kind 0) or isFinite (kind 1) of n float32 values, as bools. */
export function floatPredicate(kind: i32, x: usize, y: usize, n: i32): void {
  if (kind == 0) {
    for (let i = 0; i < n; i++) {
      const v = load<f32>(at(x, i, 2));
      store<u8>(y + <usize>i, v != v ? 1 : 0);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = load<f32>(at(x, i, 2));
      store<u8>(y + <usize>i, v - v == 0 ? 1 : 0);
    }
  }
}

/** logicalNot of n bools (each 0 or 1). */
export function logicalNot(x: usize, y: usize, n: i32): void {
  let i = 0;
  const one = i8x16.splat(1);
  const zero = i8x16.splat(0);
  for (; i + 16 <= n; i += 16) {
    v128.store(y + <usize>i, v128.and(i8x16.eq(v128.load(x + <usize>i), zero), one));
  }
  for (; i < n; i++) store<u8>(y + <usize>i, load<u8>(x + <usize>i) == 0 ? 1 : 0);
}

// Unary elementwise kernels: one WGSL expression per primitive over f32 (ints where the
// primitive keeps them exact: neg, abs, sign, relu, floor, ceil, round). Where WGSL's builtins
// differ from JavaScript's Math (NaN through min/max/clamp, tanh and exp at large |x|,
// log1p/expm1, erf), the expressions are written out.

import type { Kernel, UnaryPrim } from '@nabla/core/internal';
import { type ElementwiseBody, type Operand, runElementwise } from '../elementwise.js';
import type { GpuContext } from '../gpu-context.js';
import { convert } from '../wgsl.js';

const HELPERS = /* wgsl */ `
fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tanh_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  // tanh(±9) is ±1 in f32; clamping keeps exp from overflowing inside the builtin.
  return tanh(clamp(x, -9.0, 9.0));
}
// log(1 + x) = 2·atanh(s), s = x / (2 + x): no 1 + x - 1 for a compiler to fold away (Mesa's
// GLSL compiler does). For x in [√½ - 1, √2 - 1], |s| <= 0.1716 and the series to s¹³ is exact
// to f32; elsewhere 1 + x loses nothing that matters and log is the builtin's.
fn log1p_f(x: f32) -> f32 {
  if (x < -0.29289 || x > 0.41421) { return log(1.0 + x); }
  let s = x / (2.0 + x);
  let z = s * s;
  return 2.0 * s * (1.0 + z * (1.0 / 3.0 + z * (0.2 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0 + z / 13.0))))));
}
fn expm1_f(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  return exp(x) - 1.0;
}
// erf to ~1e-7 (Abramowitz and Stegun 7.1.26 is 1.5e-7): the W. J. Cody style rational is
// overkill here; this is the A&S form with the sign restored.
fn erf_f(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return select(r, -r, x < 0.0);
}
fn round_f(x: f32) -> f32 { return round(x); }
// sin and cos to float32 accuracy at any argument (software GPUs' builtins lose 1e-4 at |x| ~ 3):
// x = k·π/2 + r with π/2 split in three (Cody-Waite), |r| <= π/4, then Cephes' polynomials.
// Past |x| = 2^13, k·1.5703125 is no longer exact: Payne-Hanek instead (quadrant_large).
fn quadrant(x: f32) -> vec2<f32> {
  if (abs(x) >= 8192.0) { return quadrant_large(x); }
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.549789948768648e-8;
  return vec2<f32>(k, r);
}
// Payne-Hanek: x = m·2^e (m a 24-bit integer) times the 96 bits of 2/π that matter at e gives
// x·2/π mod 4 (the quadrant) and its fraction to ~70 bits, in 12-bit limbs so that every
// product and carry fits a u32. Bits of 2/π above the window only add multiples of 4.
fn limbs24(p: ptr<function, array<u32, 12>>, pos: u32) -> u32 {
  let a = pos / 12u;
  let o = pos % 12u;
  return (((*p)[a] >> o) | ((*p)[a + 1u] << (12u - o)) | ((*p)[a + 2u] << (24u - o))) & 0xffffffu;
}
fn quadrant_large(x: f32) -> vec2<f32> {
  var t = array<u32, 8>(0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu, 0xdebbc561u);
  let bits = bitcast<u32>(x);
  let m = (bits & 0x7fffffu) | 0x800000u;
  let e = i32((bits >> 23u) & 0xffu) - 150;
  // The first bit of 2/π (bit i weighs 2^-i) that adds less than 4 to m·2^e·2/π.
  let s = max(e - 1, 1);
  let sh = u32(s + 95 - e);
  let qi = u32(s - 1) >> 5u;
  let o = u32(s - 1) & 31u;
  var w: array<u32, 3>;
  for (var k = 0u; k < 3u; k++) {
    w[k] = select((t[qi + k] << o) | (t[qi + k + 1u] >> (32u - o)), t[qi + k], o == 0u);
  }
  var l = array<u32, 8>(
    w[2] & 0xfffu, (w[2] >> 12u) & 0xfffu, ((w[2] >> 24u) | (w[1] << 8u)) & 0xfffu, (w[1] >> 4u) & 0xfffu,
    (w[1] >> 16u) & 0xfffu, ((w[1] >> 28u) | (w[0] << 4u)) & 0xfffu, (w[0] >> 8u) & 0xfffu, (w[0] >> 20u) & 0xfffu,
  );
  let m0 = m & 0xfffu;
  let m1 = m >> 12u;
  var p: array<u32, 12>;
  var carry = 0u;
  for (var k = 0u; k < 10u; k++) {
    var acc = carry;
    if (k < 8u) { acc += m0 * l[k]; }
    if (k >= 1u && k <= 8u) { acc += m1 * l[k - 1u]; }
    p[k] = acc & 0xfffu;
    carry = acc >> 12u;
  }
  var q = limbs24(&p, sh) & 3u;
  var f = f32(limbs24(&p, sh - 24u)) * 5.9604644775390625e-8 + f32(limbs24(&p, sh - 48u)) * 3.552713678800501e-15;
  if (f >= 0.5) {
    f -= 1.0;
    q += 1u;
  }
  var r = f * 1.5707963267948966;
  if (x < 0.0) {
    q = 4u - (q & 3u);
    r = -r;
  }
  return vec2<f32>(f32(q & 3u), r);
}
fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
fn sin_f(x: f32) -> f32 {
  if (is_inf(x)) { return nan(); }
  let q = quadrant(x);
  let n = i32(q.x) & 3;
  let s = select(sin_poly(q.y), cos_poly(q.y), (n & 1) == 1);
  return select(s, -s, n >= 2);
}
fn cos_f(x: f32) -> f32 {
  if (is_inf(x)) { return nan(); }
  let q = quadrant(x);
  let n = (i32(q.x) + 1) & 3;
  let s = select(sin_poly(q.y), cos_poly(q.y), (n & 1) == 1);
  return select(s, -s, n >= 2);
}
// NaN stays NaN: llvmpipe takes NaN <= 0 as true.
fn relu_f(x: f32) -> f32 { if (is_nan(x)) { return x; } return select(x, 0.0, x <= 0.0); }
`;

/** Float math; NaN in gives NaN out (software GPUs' exp and log do not keep NaN). */
const f =
  (e: (x: string) => string) =>
  (x: Operand): Operand => {
    const v = convert(x.expr, x.type, 'f32');
    return { expr: `select(${e(v)}, ${v}, is_nan(${v}))`, type: 'f32' };
  };
/** Keeps int32 as int32 with `i`, floats through `fl`. */
const intOrFloat =
  (i: (x: string) => string, fl: (x: string) => string) =>
  (x: Operand): Operand =>
    x.type === 'i32'
      ? { expr: i(x.expr), type: 'i32' }
      : { expr: fl(convert(x.expr, x.type, 'f32')), type: 'f32' };
const predicate =
  (e: (x: string) => string) =>
  (x: Operand): Operand =>
    x.type === 'f32' ? { expr: e(x.expr), type: 'bool' } : { expr: 'true', type: 'bool' };

const UNARY: Record<UnaryPrim, (x: Operand) => Operand> = {
  neg: intOrFloat(
    (x) => `-${x}`,
    (x) => `-${x}`,
  ),
  abs: intOrFloat(
    (x) => `abs(${x})`,
    (x) => `abs(${x})`,
  ),
  sign: intOrFloat(
    (x) => `sign(${x})`,
    (x) => `select(sign(${x}), ${x}, is_nan(${x}))`,
  ),
  exp: f((x) => `exp(${x})`),
  log: f((x) => `select(select(log(${x}), nan(), ${x} < 0.0), -inf(), ${x} == 0.0)`),
  log1p: f((x) => `select(select(log1p_f(${x}), nan(), ${x} < -1.0), -inf(), ${x} == -1.0)`),
  expm1: f((x) => `expm1_f(${x})`),
  sqrt: f((x) => `select(sqrt(${x}), nan(), ${x} < 0.0)`),
  // 1/√±0 = ±Infinity: the sign bit picks it.
  rsqrt: f(
    (x) =>
      `select(select(1.0 / sqrt(${x}), nan(), ${x} < 0.0), select(inf(), -inf(), (bitcast<u32>(${x}) & 0x80000000u) != 0u), ${x} == 0.0)`,
  ),
  sin: f((x) => `sin_f(${x})`),
  cos: f((x) => `cos_f(${x})`),
  tan: f((x) => `sin_f(${x}) / cos_f(${x})`),
  tanh: f((x) => `tanh_f(${x})`),
  sigmoid: f((x) => `sigmoid_f(${x})`),
  erf: f((x) => `erf_f(${x})`),
  floor: intOrFloat(
    (x) => x,
    (x) => `floor(${x})`,
  ),
  ceil: intOrFloat(
    (x) => x,
    (x) => `ceil(${x})`,
  ),
  round: intOrFloat(
    (x) => x,
    (x) => `round_f(${x})`,
  ),
  reciprocal: f((x) => `1.0 / ${x}`),
  relu: intOrFloat(
    (x) => `max(${x}, 0)`,
    (x) => `relu_f(${x})`,
  ),
  isNaN: (x) =>
    x.type === 'f32' ? { expr: `is_nan(${x.expr})`, type: 'bool' } : { expr: 'false', type: 'bool' },
  isFinite: predicate((x) => `!(is_nan(${x}) || is_inf(${x}))`),
  logicalNot: (x) => ({ expr: `!${convert(x.expr, x.type, 'bool')}`, type: 'bool' }),
};

/** The elementwise body of a unary primitive. */
export function unaryBody(prim: UnaryPrim): ElementwiseBody {
  const fn = UNARY[prim];
  return { key: prim, helpers: HELPERS, compute: ([x]) => fn(x!) };
}

/**
 * The kernel of one unary primitive.
 * @example
 * const exp = unaryKernel(ctx, 'exp');
 */
export function unaryKernel<P extends UnaryPrim>(ctx: GpuContext, prim: P): Kernel<P> {
  const body = unaryBody(prim);
  return (inputs, _params, out) => runElementwise(ctx, prim, body, inputs, out);
}

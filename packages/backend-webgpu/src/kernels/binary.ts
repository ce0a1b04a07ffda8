// Binary elementwise kernels (two broadcasting inputs) and `where` (three). int32 arithmetic
// wraps as JavaScript's writes into an Int32Array do; division and modulo by an int zero give 0
// (JavaScript's NaN stored as int32); float max/min propagate NaN as Math.max does; pow follows
// Math.pow for negative bases and zero exponents, where WGSL's pow is undefined.

import type { BinaryPrim, Kernel } from '@nabla/core/internal';
import { type ElementwiseBody, type Operand, runElementwise } from '../elementwise.js';
import type { GpuContext } from '../gpu-context.js';
import { convert, type Scalar, scalarOf } from '../wgsl.js';

const HELPERS = /* wgsl */ `
fn max_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan(); }
  return max(a, b);
}
fn min_f(a: f32, b: f32) -> f32 {
  if (is_nan(a) || is_nan(b)) { return nan(); }
  return min(a, b);
}
fn pow_f(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (is_nan(a) || is_nan(b)) { return nan(); }
  // Math.pow: (±1)^(±Infinity) is NaN.
  if (abs(a) == 1.0 && is_inf(b)) { return nan(); }
  // A negative base (-0 and -Infinity included) to an odd integer power keeps the sign.
  let odd = abs(b) < 16777216.0 && trunc(b) == b && (i32(abs(b)) & 1) == 1;
  let negative = (bitcast<u32>(a) & 0x80000000u) != 0u;
  if (a == 0.0 || is_inf(a)) {
    let m = select(0.0, inf(), (b < 0.0) == (a == 0.0));
    return select(m, -m, negative && odd);
  }
  let m = pow(abs(a), b);
  if (a > 0.0 || is_inf(b)) { return m; }
  if (trunc(b) != b) { return nan(); }
  return select(m, -m, odd);
}
fn mod_f(a: f32, b: f32) -> f32 {
  // x % ±Infinity is x for finite x; a - b·trunc(a/b) would give NaN there.
  var r = a;
  if (!is_inf(b) || is_inf(a)) { r = a - b * trunc(a / b); }
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { return r + b; }
  return r;
}
fn div_i(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  if (b == -1) { return 0 - a; }
  return a / b;
}
fn mod_i(a: i32, b: i32) -> i32 {
  if (b == 0 || b == -1) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
fn pow_i(a: i32, b: i32) -> i32 {
  if (b < 0) { return f2i(pow_f(f32(a), f32(b))); }
  var result = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { result = result * base; }
    base = base * base;
    e = e >> 1u;
  }
  return result;
}
`;

/** The scalar type two operands are computed in: f32 if either is float, else i32. */
function common(a: Operand, b: Operand): Scalar {
  return a.type === 'f32' || b.type === 'f32' ? 'f32' : 'i32';
}

type Rule = (a: string, b: string, t: Scalar) => Operand;

const arith =
  (fl: (a: string, b: string) => string, int: (a: string, b: string) => string): Rule =>
  (a, b, t) => ({ expr: t === 'f32' ? fl(a, b) : int(a, b), type: t });
/** Float comparisons spelled out for NaN: software GPUs fold them as if NaN could not occur. */
const compare =
  (op: string): Rule =>
  (a, b, t) => {
    if (t !== 'f32') return { expr: `(${a} ${op} ${b})`, type: 'bool' };
    const nan = `(is_nan(${a}) || is_nan(${b}))`;
    return { expr: op === '!=' ? `(${nan} || ${a} != ${b})` : `(!${nan} && ${a} ${op} ${b})`, type: 'bool' };
  };

const BINARY: Record<BinaryPrim, Rule> = {
  add: arith(
    (a, b) => `(${a} + ${b})`,
    (a, b) => `(${a} + ${b})`,
  ),
  sub: arith(
    (a, b) => `(${a} - ${b})`,
    (a, b) => `(${a} - ${b})`,
  ),
  mul: arith(
    (a, b) => `(${a} * ${b})`,
    (a, b) => `(${a} * ${b})`,
  ),
  div: arith(
    (a, b) => `(${a} / ${b})`,
    (a, b) => `div_i(${a}, ${b})`,
  ),
  pow: arith(
    (a, b) => `pow_f(${a}, ${b})`,
    (a, b) => `pow_i(${a}, ${b})`,
  ),
  maximum: arith(
    (a, b) => `max_f(${a}, ${b})`,
    (a, b) => `max(${a}, ${b})`,
  ),
  minimum: arith(
    (a, b) => `min_f(${a}, ${b})`,
    (a, b) => `min(${a}, ${b})`,
  ),
  mod: arith(
    (a, b) => `mod_f(${a}, ${b})`,
    (a, b) => `mod_i(${a}, ${b})`,
  ),
  equal: compare('=='),
  notEqual: compare('!='),
  less: compare('<'),
  lessEqual: compare('<='),
  greater: compare('>'),
  greaterEqual: compare('>='),
  logicalAnd: (a, b) => ({ expr: `(${a} && ${b})`, type: 'bool' }),
  logicalOr: (a, b) => ({ expr: `(${a} || ${b})`, type: 'bool' }),
};

const LOGICAL = new Set<BinaryPrim>(['logicalAnd', 'logicalOr']);

/** The elementwise body of a binary primitive. */
export function binaryBody(prim: BinaryPrim): ElementwiseBody {
  const rule = BINARY[prim];
  return {
    key: prim,
    helpers: HELPERS,
    compute: ([a, b]) => {
      const t: Scalar = LOGICAL.has(prim) ? 'bool' : common(a!, b!);
      return rule(convert(a!.expr, a!.type, t), convert(b!.expr, b!.type, t), t);
    },
  };
}

/**
 * The kernel of one binary primitive.
 * @example
 * const add = binaryKernel(ctx, 'add');
 */
export function binaryKernel<P extends BinaryPrim>(ctx: GpuContext, prim: P): Kernel<P> {
  const body = binaryBody(prim);
  return (inputs, _params, out) => runElementwise(ctx, prim, body, inputs, out);
}

/** `where(cond, a, b)`: a where cond is true, else b, in the output's dtype. */
const WHERE: ElementwiseBody = {
  key: 'where',
  compute: ([c, a, b], out) => {
    const t = scalarOf(out);
    return {
      expr: `select(${convert(b!.expr, b!.type, t)}, ${convert(a!.expr, a!.type, t)}, ${convert(c!.expr, c!.type, 'bool')})`,
      type: t,
    };
  },
};

/**
 * The `where` kernel.
 * @example
 * const where = whereKernel(ctx);
 */
export function whereKernel(ctx: GpuContext): Kernel<'where'> {
  return (inputs, _params, out) => runElementwise(ctx, 'where', WHERE, inputs, out);
}

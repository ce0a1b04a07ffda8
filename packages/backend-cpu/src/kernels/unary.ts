// Elementwise unary kernels and cast. Every op is computed in JS doubles and stored into the
// output's typed array, whose dtype core decided (bool for predicates, float32 for sqrt of an
// int32, ...); the typed-array store does the final rounding or truncation.

import type { Kernel, UnaryPrim } from '@nabla/core';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { erf } from './erf.js';

/** Scalar form of each unary primitive; a `Record` so a new primitive without one fails to compile. */
const UNARY_FNS: Record<UnaryPrim, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid,
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  reciprocal: (x) => 1 / x,
  // NaN stays NaN (like NumPy's maximum(x, 0)).
  relu: (x) => (x > 0 || Number.isNaN(x) ? x : 0),
  isNaN: (x) => (Number.isNaN(x) ? 1 : 0),
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  logicalNot: (x) => (x === 0 ? 1 : 0),
};

/**
 * σ(x) = 1 / (1 + e^(−x)), written as e^x / (1 + e^x) for x < 0 so that e^(−x) never
 * overflows: both branches stay finite and exact to rounding for any |x|.
 * @example
 * sigmoid(-1000); // 0, not NaN
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Rounds to the nearest integer, ties to even (NumPy, TensorFlow): 0.5 → 0, 1.5 → 2, −2.5 → −2.
 * @example
 * roundHalfEven(2.5); // 2
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends ties up; a tie that landed on an odd integer moves down to the even one.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * A kernel applying one unary primitive elementwise.
 * @example
 * const exp = unaryKernel(ctx, 'exp');
 * exp([x], {}, out);
 */
export function unaryKernel<P extends UnaryPrim>(ctx: CpuContext, prim: P): Kernel<P> {
  const fn = UNARY_FNS[prim];
  return (inputs, _params, out) => {
    const x = valuesOf(inputs[0], prim);
    const y = ctx.alloc(out);
    const yv = y.values;
    for (let i = 0; i < x.length; i++) yv[i] = fn(x[i]);
    return y;
  };
}

/**
 * The `cast` kernel: to bool is `x != 0` (so NaN → true, as in NumPy); float to int32
 * truncates toward zero with NaN → 0 (the Int32Array store does exactly that).
 * @example
 * castKernel(ctx)([x], {}, { shape: x.shape, dtype: 'int32', size: x.size });
 */
export function castKernel(ctx: CpuContext): Kernel<'cast'> {
  return (inputs, _params, out) => {
    const x = valuesOf(inputs[0], 'cast');
    const y = ctx.alloc(out);
    const yv = y.values;
    if (out.dtype === 'bool') {
      for (let i = 0; i < x.length; i++) yv[i] = x[i] !== 0 ? 1 : 0;
    } else {
      yv.set(x);
    }
    return y;
  };
}

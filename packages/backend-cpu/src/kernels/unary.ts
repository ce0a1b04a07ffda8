// Elementwise unary kernels. Every op is computed in JS doubles and stored into the
// output's typed array, whose dtype core decided (bool for predicates, float32 for sqrt of an
// int32, ...); the typed-array store does the final rounding or truncation.

import type { TypedArray } from '@nabla/core';
import type { Kernel, UnaryPrim } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { erf } from './erf.js';

/** Applies one primitive to every element of `x`, writing `y` (same length). */
type UnaryLoop = (x: TypedArray, y: TypedArray) => void;

// Each primitive gets its own copy of the loop, written out. A shared loop calling a per-op
// function (or loops stamped out by one generator, whose closures share V8's feedback) makes
// that call megamorphic, so it is never inlined: 5–6× slower on 1M elements.
/** The loop of each unary primitive; a `Record` so a new primitive without one fails to compile. */
const UNARY_LOOPS: Record<UnaryPrim, UnaryLoop> = {
  neg: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = -x[i];
  },
  abs: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
  },
  sign: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sign(x[i]);
  },
  exp: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  },
  log: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]);
  },
  log1p: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.log1p(x[i]);
  },
  expm1: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.expm1(x[i]);
  },
  sqrt: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]);
  },
  rsqrt: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = 1 / Math.sqrt(x[i]);
  },
  sin: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]);
  },
  cos: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.cos(x[i]);
  },
  tan: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.tan(x[i]);
  },
  tanh: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },
  sigmoid: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = sigmoid(x[i]);
  },
  erf: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = erf(x[i]);
  },
  floor: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.floor(x[i]);
  },
  ceil: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.ceil(x[i]);
  },
  round: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = roundHalfEven(x[i]);
  },
  reciprocal: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = 1 / x[i];
  },
  relu: (x, y) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // One comparison: NaN fails it and stays NaN (like NumPy's maximum(x, 0)), −0 becomes 0.
      y[i] = v <= 0 ? 0 : v;
    }
  },
  isNaN: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Number.isNaN(x[i]) ? 1 : 0;
  },
  isFinite: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = Number.isFinite(x[i]) ? 1 : 0;
  },
  logicalNot: (x, y) => {
    for (let i = 0; i < x.length; i++) y[i] = x[i] === 0 ? 1 : 0;
  },
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
  const loop = UNARY_LOOPS[prim];
  return (inputs, _params, out) => {
    const y = ctx.alloc(out);
    loop(valuesOf(inputs[0], prim), y.values);
    return y;
  };
}

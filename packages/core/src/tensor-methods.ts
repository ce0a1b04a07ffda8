// Chaining: every op below is also a method, `x.add(y)` being `add(x, y)`. The method types
// are derived from the functions, so the two can never disagree.

import { toBackend } from './backend-registry.js';
import * as ops from './ops/index.js';
import { Tensor } from './tensor.js';

// The emitted dist/tensor-methods.d.ts spells METHODS' inferred type with `Tensor`, but
// TypeScript drops this file's import of it from the declarations (the value import is only
// used at run time here); re-exporting the type keeps the import there, so a consumer's tsc
// (without skipLibCheck) sees typed methods instead of errors, or of `any` with skipLibCheck.
export type { Tensor };

// `Symbol.dispose` (Tensor's and Layer's `using` support) is declared by TypeScript's
// `esnext.disposable` lib and by @types/node; this declares it for projects that have neither
// (e.g. lib ["ES2022", "DOM"]). Merging with either declaration is allowed: the same property.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

const METHODS = {
  // elementwise
  add: ops.add,
  sub: ops.sub,
  mul: ops.mul,
  div: ops.div,
  pow: ops.pow,
  maximum: ops.maximum,
  minimum: ops.minimum,
  mod: ops.mod,
  floorDiv: ops.floorDiv,
  squaredDifference: ops.squaredDifference,
  neg: ops.neg,
  abs: ops.abs,
  sign: ops.sign,
  exp: ops.exp,
  log: ops.log,
  log1p: ops.log1p,
  expm1: ops.expm1,
  sqrt: ops.sqrt,
  rsqrt: ops.rsqrt,
  square: ops.square,
  reciprocal: ops.reciprocal,
  sin: ops.sin,
  cos: ops.cos,
  tan: ops.tan,
  tanh: ops.tanh,
  sigmoid: ops.sigmoid,
  relu: ops.relu,
  relu6: ops.relu6,
  leakyRelu: ops.leakyRelu,
  elu: ops.elu,
  selu: ops.selu,
  gelu: ops.gelu,
  silu: ops.silu,
  softplus: ops.softplus,
  logSigmoid: ops.logSigmoid,
  erf: ops.erf,
  floor: ops.floor,
  ceil: ops.ceil,
  round: ops.round,
  clip: ops.clip,
  isNaN: ops.isNaN,
  isFinite: ops.isFinite,
  equal: ops.equal,
  notEqual: ops.notEqual,
  less: ops.less,
  lessEqual: ops.lessEqual,
  greater: ops.greater,
  greaterEqual: ops.greaterEqual,
  logicalAnd: ops.logicalAnd,
  logicalOr: ops.logicalOr,
  logicalNot: ops.logicalNot,
  logicalXor: ops.logicalXor,
  cast: ops.cast,
  // reductions
  sum: ops.sum,
  mean: ops.mean,
  max: ops.max,
  min: ops.min,
  prod: ops.prod,
  argMax: ops.argMax,
  argMin: ops.argMin,
  any: ops.any,
  all: ops.all,
  logSumExp: ops.logSumExp,
  variance: ops.variance,
  moments: ops.moments,
  cumsum: ops.cumsum,
  cumprod: ops.cumprod,
  softmax: ops.softmax,
  logSoftmax: ops.logSoftmax,
  norm: ops.norm,
  // linear algebra
  matmul: ops.matmul,
  dot: ops.dot,
  // movement
  reshape: ops.reshape,
  transpose: ops.transpose,
  expandDims: ops.expandDims,
  squeeze: ops.squeeze,
  flatten: ops.flatten,
  slice: ops.slice,
  tile: ops.tile,
  pad: ops.pad,
  reverse: ops.reverse,
  broadcastTo: ops.broadcastTo,
  gather: ops.gather,
  split: ops.split,
  unstack: ops.unstack,
  oneHot: ops.oneHot,
  clone: ops.clone,
  toBackend,
};

type Rest<F> = F extends (x: never, ...rest: infer R) => infer O ? (...rest: R) => O : never;
type TensorMethods = { [K in keyof typeof METHODS]: Rest<(typeof METHODS)[K]> };

declare module './tensor.js' {
  interface Tensor extends TensorMethods {}
}

for (const [name, fn] of Object.entries(METHODS)) {
  const call = fn as (self: Tensor, ...args: unknown[]) => unknown;
  Object.defineProperty(Tensor.prototype, name, {
    value(this: Tensor, ...args: unknown[]) {
      return call(this, ...args);
    },
    writable: true,
    configurable: true,
  });
}

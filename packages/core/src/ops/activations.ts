// Activation functions (and square). Each is an elementwise chain (chain.ts): one kernel on a
// backend with the fused `elementwise` primitive, the same steps as ordinary ops elsewhere, and
// gradients from the primitives' rules either way. Branches use safe inputs so that the branch
// a `select` does not pick still has a finite gradient (0 · ∞ would give NaN).

import { isFloat } from '../dtype.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { greaterEqual, mul } from './binary.js';
import { cast } from './cast.js';
import { type ChainBuilder, type ChainValue, chain } from './chain.js';
import { type TensorLike, withArgs } from './convert.js';
import { relu } from './unary.js';
import { where } from './where.js';

const X = [req('x', S.tensor)] as const;

const one = <T>(op: string, x: TensorLike, fn: (t: Tensor) => T): T =>
  withArgs(op, ['x'], [x], ([t]) => tidy(() => fn(t)));

/** An activation as a chain over its one input. */
const act = (op: string, x: TensorLike, body: (b: ChainBuilder, x: ChainValue) => ChainValue): Tensor =>
  one(op, x, (t) => chain([t], (b, [v]) => body(b, v!)));

/** elu's steps: x for x > 0, alpha·(e^min(x, 0) - 1) otherwise. */
const eluSteps = (b: ChainBuilder, x: ChainValue, alpha: number): ChainValue =>
  b.select(b.binary('greater', x, 0), x, b.mul(b.unary('expm1', b.binary('minimum', x, 0)), alpha));

/** softplus's steps: max(x, 0) + log1p(e^(-|x|)). */
const softplusSteps = (b: ChainBuilder, x: ChainValue): ChainValue =>
  b.add(b.unary('relu', x), b.unary('log1p', b.unary('exp', b.mul(b.unary('abs', x), -1))));

/** x². @example square(tensor([3])); // [9] */
export const square = defineOp('square', X, (x: TensorLike): Tensor => one('square', x, (t) => mul(t, t)));

/** min(max(x, 0), 6). @example relu6(tensor([-1, 3, 9])); // [0, 3, 6] */
export const relu6 = defineOp(
  'relu6',
  X,
  // where(r >= 6, 6, r) rather than minimum(r, 6): the gradient is [0 < x < 6]·dy, 0 at both
  // kinks as in PyTorch and TensorFlow (minimum would pass half of dy at x = 6); NaN propagates.
  // Integers stay integers (a chain computes in a float dtype).
  (x: TensorLike): Tensor =>
    one('relu6', x, (t) => {
      if (isFloat(t.dtype)) {
        return chain([t], (b, [v]) => {
          const r = b.unary('relu', v!);
          return b.select(b.binary('greaterEqual', r, 6), 6, r);
        });
      }
      const r = relu(t);
      return where(greaterEqual(r, 6), cast(6, r.dtype), r);
    }),
);

/** x for x > 0, alpha·x otherwise (alpha defaults to 0.2, as in TensorFlow.js). @example leakyRelu(tensor([-1]), 0.1); */
export const leakyRelu = defineOp(
  'leakyRelu',
  [req('x', S.tensor), opt('alpha', S.finite)],
  (x: TensorLike, alpha: number = 0.2): Tensor =>
    act('leakyRelu', x, (b, v) => b.select(b.binary('greater', v, 0), v, b.mul(v, alpha))),
);

/** x for x > 0, alpha·(eˣ - 1) otherwise. @example elu(tensor([-1, 1])); */
export const elu = defineOp(
  'elu',
  [req('x', S.tensor), opt('alpha', S.finite)],
  (x: TensorLike, alpha: number = 1): Tensor => act('elu', x, (b, v) => eluSteps(b, v, alpha)),
);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scaled ELU with the self-normalising constants. @example selu(tensor([-1, 1])); */
export const selu = defineOp(
  'selu',
  X,
  (x: TensorLike): Tensor => act('selu', x, (b, v) => b.mul(eluSteps(b, v, SELU_ALPHA), SELU_SCALE)),
);

/**
 * Gaussian error linear unit: x·Φ(x) exactly (erf), or the tanh approximation.
 * @example
 * gelu(tensor([1])); gelu(tensor([1]), { approximate: true });
 */
export const gelu = defineOp(
  'gelu',
  [req('x', S.tensor), opt('options', S.object({ approximate: S.boolean }, { positional: ['approximate'] }))],
  (x: TensorLike, options: { approximate?: boolean } = {}): Tensor =>
    act('gelu', x, (b, v) => {
      if (options.approximate) {
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const inner = b.mul(b.add(v, b.mul(b.mul(b.mul(v, v), v), 0.044715)), Math.sqrt(2 / Math.PI));
        return b.mul(b.mul(v, 0.5), b.add(b.unary('tanh', inner), 1));
      }
      return b.mul(b.mul(v, 0.5), b.add(b.unary('erf', b.mul(v, Math.SQRT1_2)), 1));
    }),
);

/** log(1 + eˣ), stable: max(x, 0) + log1p(e^(-|x|)). @example softplus(tensor([0])); // [0.693] */
export const softplus = defineOp('softplus', X, (x: TensorLike): Tensor => act('softplus', x, softplusSteps));

/** log σ(x) = -softplus(-x). @example logSigmoid(tensor([0])); // [-0.693] */
export const logSigmoid = defineOp(
  'logSigmoid',
  X,
  (x: TensorLike): Tensor => act('logSigmoid', x, (b, v) => b.mul(softplusSteps(b, b.mul(v, -1)), -1)),
);

/** x·σ(x) (swish). @example silu(tensor([1])); */
export const silu = defineOp(
  'silu',
  X,
  (x: TensorLike): Tensor => act('silu', x, (b, v) => b.mul(v, b.unary('sigmoid', v))),
);

/**
 * min(max(0.2·x + 0.5, 0), 1), Keras 2's and TensorFlow.js's hard sigmoid (the gradient is
 * 0.2 inside (−2.5, 2.5) and at its ends, 0 outside). @example hardSigmoid(tensor([-3, 0, 1])); // [0, 0.5, 0.7]
 */
export const hardSigmoid = defineOp(
  'hardSigmoid',
  X,
  (x: TensorLike): Tensor =>
    act('hardSigmoid', x, (b, v) => {
      const z = b.add(b.mul(v, 0.2), 0.5);
      return b.select(b.binary('greater', z, 1), 1, b.select(b.binary('less', z, 0), 0, z));
    }),
);

/** x / (1 + |x|). @example softsign(tensor([-1, 3])); // [-0.5, 0.75] */
export const softsign = defineOp(
  'softsign',
  X,
  (x: TensorLike): Tensor => act('softsign', x, (b, v) => b.div(v, b.add(b.unary('abs', v), 1))),
);

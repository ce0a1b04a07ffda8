// Activation functions (and square), written with primitives so their gradients come from the
// primitives' rules. Branches use safe inputs so that the branch `where` does not pick still
// has a finite gradient (0 · ∞ would give NaN).

import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { add, greater, greaterEqual, minimum, mul } from './binary.js';
import { cast } from './cast.js';
import { type TensorLike, withArgs } from './convert.js';
import { abs, erf, exp, expm1, log1p, relu, sigmoid, tanh } from './unary.js';
import { where } from './where.js';

const X = [req('x', S.tensor)] as const;

const one = <T>(op: string, x: TensorLike, fn: (t: Tensor) => T): T =>
  withArgs(op, ['x'], [x], ([t]) => tidy(() => fn(t)));

/** x². @example square(tensor([3])); // [9] */
export const square = defineOp('square', X, (x: TensorLike): Tensor => one('square', x, (t) => mul(t, t)));

/** min(max(x, 0), 6). @example relu6(tensor([-1, 3, 9])); // [0, 3, 6] */
export const relu6 = defineOp(
  'relu6',
  X,
  // where(r >= 6, 6, r) rather than minimum(r, 6): the gradient is [0 < x < 6]·dy, 0 at both
  // kinks as in PyTorch and TensorFlow (minimum would pass half of dy at x = 6); NaN propagates.
  (x: TensorLike): Tensor =>
    one('relu6', x, (t) => {
      const r = relu(t);
      return where(greaterEqual(r, 6), cast(6, r.dtype), r);
    }),
);

/** x for x > 0, alpha·x otherwise (alpha defaults to 0.2, as in TensorFlow.js). @example leakyRelu(tensor([-1]), 0.1); */
export const leakyRelu = defineOp(
  'leakyRelu',
  [req('x', S.tensor), opt('alpha', S.finite)],
  (x: TensorLike, alpha: number = 0.2): Tensor =>
    one('leakyRelu', x, (t) => where(greater(t, 0), t, mul(t, alpha))),
);

/** x for x > 0, alpha·(eˣ - 1) otherwise. @example elu(tensor([-1, 1])); */
export const elu = defineOp(
  'elu',
  [req('x', S.tensor), opt('alpha', S.finite)],
  (x: TensorLike, alpha: number = 1): Tensor =>
    one('elu', x, (t) => where(greater(t, 0), t, mul(expm1(minimum(t, 0)), alpha))),
);

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scaled ELU with the self-normalising constants. @example selu(tensor([-1, 1])); */
export const selu = defineOp(
  'selu',
  X,
  (x: TensorLike): Tensor => one('selu', x, (t) => mul(elu(t, SELU_ALPHA), SELU_SCALE)),
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
    one('gelu', x, (t) => {
      if (options.approximate) {
        // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        const inner = mul(add(t, mul(mul(mul(t, t), t), 0.044715)), Math.sqrt(2 / Math.PI));
        return mul(mul(t, 0.5), add(tanh(inner), 1));
      }
      return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
    }),
);

/** log(1 + eˣ), stable: max(x, 0) + log1p(e^(-|x|)). @example softplus(tensor([0])); // [0.693] */
export const softplus = defineOp(
  'softplus',
  X,
  (x: TensorLike): Tensor => one('softplus', x, (t) => add(relu(t), log1p(exp(mul(abs(t), -1))))),
);

/** log σ(x) = -softplus(-x). @example logSigmoid(tensor([0])); // [-0.693] */
export const logSigmoid = defineOp(
  'logSigmoid',
  X,
  (x: TensorLike): Tensor => one('logSigmoid', x, (t) => mul(softplus(mul(t, -1)), -1)),
);

/** x·σ(x) (swish). @example silu(tensor([1])); */
export const silu = defineOp('silu', X, (x: TensorLike): Tensor => one('silu', x, (t) => mul(t, sigmoid(t))));

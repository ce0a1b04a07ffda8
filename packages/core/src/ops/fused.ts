// Ops over the optional fused primitives (fused-prims.ts): fusedMatmul, softmaxCrossEntropy, sgdStep
// and adamStep. Each validates once, then runs the backend's fused kernel when it has one and
// the composite of ordinary ops otherwise; the two give the same values, and the composite
// is also the definition the VJP rules below differentiate. Optimizer steps never record on
// a tape: they are updates, not functions to differentiate.

import { customGrad } from '../autodiff.js';
import { type DType, isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import {
  type ConvActivation,
  FUSED_ACTIVATIONS,
  type FusedActivation,
  type FusedParams,
  type FusedPrim,
} from '../fused-prims.js';
import { tidy } from '../memory.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { VjpRule } from '../vjp-rule.js';
import { relu6 } from './activations.js';
import { defineOp, opt, req, S } from './args.js';
import { add, div, maximum, mul, sub, sumTo } from './binary.js';
import { cast } from './cast.js';
import { type ChainBuilder, type ChainValue, chain, ELEMENTWISE_RULE } from './chain.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { oneHot } from './creation.js';
import { matmul } from './linalg.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';
import { logSoftmax, softmax } from './softmax.js';
import { neg, relu, sigmoid, sqrt, tanh } from './unary.js';

/** Options of `fusedMatmul`. */
export interface FusedMatmulOptions {
  /** Added to every row of the product; shape `[N]`. */
  bias?: TensorLike | null;
  /** Applied last (default 'linear'). */
  activation?: FusedActivation;
  /** Multiply by aᵀ (a is `[K, M]`). */
  transposeA?: boolean;
  /** Multiply by bᵀ (b is `[N, K]`). */
  transposeB?: boolean;
}

const ACTIVATION_FNS: Record<FusedActivation, (z: Tensor) => Tensor> = {
  linear: (z) => z,
  relu: (z) => relu(z),
  relu6: (z) => relu6(z),
  sigmoid: (z) => sigmoid(z),
  tanh: (z) => tanh(z),
};

/**
 * act(a·b + bias) for 2-D a and b, as one kernel where the backend has it (the dense layer's
 * forward pass). Operands are promoted to one float dtype (float32 for integers).
 * @example
 * fusedMatmul(x, w, { bias: b, activation: 'relu' }); // relu(x·w + b), shape [M, N]
 * fusedMatmul(x, w, { transposeB: true }); // x·wᵀ
 */
export const fusedMatmul = defineOp(
  'fusedMatmul',
  [
    req('a', S.tensor),
    req('b', S.tensor),
    opt(
      'options',
      S.object({
        bias: S.oneOf(S.tensor, S.null),
        activation: S.enum(...FUSED_ACTIVATIONS),
        transposeA: S.boolean,
        transposeB: S.boolean,
      }),
    ),
  ],
  (a: TensorLike, b: TensorLike, options: FusedMatmulOptions = {}): Tensor => {
    const { bias = null, activation = 'linear', transposeA = false, transposeB = false } = options;
    const run = ([ta, tb, tbias]: readonly [Tensor, Tensor, Tensor?]): Tensor => {
      // Only formatted for an error: this runs once per dense layer call.
      const shapes = () => `a.shape=${fmtShape(ta.shape)} and b.shape=${fmtShape(tb.shape)}`;
      if (ta.rank !== 2 || tb.rank !== 2) {
        throw new ShapeError(`fusedMatmul: expected 2-D operands, got ${shapes()}`);
      }
      const [m, k] = transposeA ? [ta.shape[1]!, ta.shape[0]!] : [ta.shape[0]!, ta.shape[1]!];
      const [kb, n] = transposeB ? [tb.shape[1]!, tb.shape[0]!] : [tb.shape[0]!, tb.shape[1]!];
      if (k !== kb) throw new ShapeError(`fusedMatmul: inner dimensions must match, got ${shapes()}`);
      if (tbias && (tbias.rank !== 1 || tbias.shape[0] !== n)) {
        throw new ShapeError(
          `fusedMatmul: expected bias of shape ${fmtShape([n])} for ${shapes()}, got bias.shape=${fmtShape(tbias.shape)}`,
        );
      }
      const operands = tbias ? [ta, tb, tbias] : [ta, tb];
      if (operands.some((t) => t.dtype === 'bool')) {
        throw new DTypeError(`fusedMatmul: expected numeric operands, got bool`);
      }
      const same = ta.dtype === tb.dtype && (!tbias || tbias.dtype === ta.dtype);
      const promoted = same ? ta.dtype : resultType(operands);
      const dtype: DType = isFloat(promoted) ? promoted : 'float32';
      // The kernel where the backend has one, else the composite (whose intermediates need a scope).
      const apply = (xs: readonly Tensor[]): Tensor => {
        const kernel = ENGINE.fusedKernel('fusedMatmul', xs);
        if (kernel && m * n > 0 && k > 0) {
          const params = { transposeA, transposeB, hasBias: tbias !== undefined, activation };
          return ENGINE.runFused('fusedMatmul', kernel, xs, params, [{ shape: [m, n], dtype }])[0]!;
        }
        return tidy(() => {
          const z = matmul(xs[0]!, xs[1]!, { transposeA, transposeB });
          return ACTIVATION_FNS[activation](xs[2] ? add(z, xs[2]) : z);
        });
      };
      // Nothing to cast (the usual case): no scope around the kernel.
      if (same && promoted === dtype) return apply(operands);
      return tidy(() => apply(operands.map((t) => cast(t, dtype))));
    };
    return bias === null
      ? withArgs('fusedMatmul', ['a', 'b'], [a, b], run)
      : withArgs('fusedMatmul', ['a', 'b', 'bias'], [a, b, bias], run);
  },
);

/** Options of `softmaxCrossEntropy`. */
export interface SoftmaxCrossEntropyOptions {
  /**
   * Labels are class indices `[N]` (default when labels have one axis fewer than logits)
   * rather than per-class weights `[N, C]`.
   */
  sparse?: boolean;
}

/**
 * Per-sample cross-entropy of softmax(logits) against labels, computed from logits without
 * forming the probabilities: Σ_c y_c·(logSumExp(x) - x_c), stable for logits of any size.
 * Sparse labels (class indices) outside [0, C) give a loss of 0.
 * @example
 * softmaxCrossEntropy(tensor([[2, 1, 0]]), tensor([0], [1], 'int32')); // [0.4076]
 * softmaxCrossEntropy(logits, oneHotLabels); // shape [N]
 */
export const softmaxCrossEntropy = defineOp(
  'softmaxCrossEntropy',
  [req('logits', S.tensor), req('labels', S.tensor), opt('options', S.object({ sparse: S.boolean }))],
  (logits: TensorLike, labels: TensorLike, options: SoftmaxCrossEntropyOptions = {}): Tensor =>
    withArgs('softmaxCrossEntropy', ['logits', 'labels'], [logits, labels], ([x, y]) => {
      const sparse = options.sparse ?? y.rank === x.rank - 1;
      const shapes = `logits.shape=${fmtShape(x.shape)} and labels.shape=${fmtShape(y.shape)}`;
      if (x.rank !== 2) throw new ShapeError(`softmaxCrossEntropy: expected 2-D logits, got ${shapes}`);
      const [rows, classes] = [x.shape[0]!, x.shape[1]!];
      const want = sparse ? [rows] : [rows, classes];
      if (!shapesEqual(y.shape, want)) {
        throw new ShapeError(
          `softmaxCrossEntropy: expected ${sparse ? 'sparse' : 'dense'} labels of shape ${fmtShape(want)}, got ${shapes}`,
        );
      }
      if (x.dtype === 'bool' || y.dtype === 'bool') {
        throw new DTypeError(`softmaxCrossEntropy: expected numeric logits and labels, got bool`);
      }
      const dtype: DType = isFloat(x.dtype) ? x.dtype : 'float32';
      return tidy(() => {
        const xs = [cast(x, dtype), cast(y, sparse ? 'int32' : dtype)];
        const kernel = ENGINE.fusedKernel('softmaxCrossEntropy', xs);
        if (kernel && rows * classes > 0) {
          const out = [{ shape: [rows], dtype }];
          return ENGINE.runFused('softmaxCrossEntropy', kernel, xs, { sparse }, out)[0]!;
        }
        return neg(
          sum(mul(labelWeights(xs[1]!, classes, sparse, dtype), logSoftmax(xs[0]!, -1)), { axis: -1 }),
        );
      });
    }),
);

/** Labels as per-class weights `[N, C]`: one-hot rows for sparse labels (zeros out of range). */
function labelWeights(labels: Tensor, classes: number, sparse: boolean, dtype: DType): Tensor {
  return sparse ? oneHot(labels, classes, { dtype }) : labels;
}

/** Checks that optimizer state tensors match the parameter in shape and float dtype. */
function checkState(op: string, param: Tensor, named: Readonly<Record<string, Tensor | undefined>>): void {
  if (!isFloat(param.dtype)) throw new DTypeError(`${op}: expected a float param, got ${param.dtype}`);
  for (const [name, t] of Object.entries(named)) {
    if (t === undefined) continue;
    t.assertAlive(op);
    if (!shapesEqual(t.shape, param.shape) || t.dtype !== param.dtype) {
      throw new ShapeError(
        `${op}: expected ${name} to match param.shape=${fmtShape(param.shape)} (${param.dtype}), got ${name}.shape=${fmtShape(t.shape)} (${t.dtype})`,
      );
    }
  }
}

/** Runs an update's fused kernel when there is one and nothing is empty, else `composite`. */
function runUpdate<F extends 'sgdUpdate' | 'adamUpdate'>(
  prim: F,
  inputs: readonly Tensor[],
  params: FusedParams[F],
  outputs: number,
  composite: () => Tensor[],
): Tensor[] {
  return ENGINE.untaped(() =>
    tidy(() => {
      const kernel = ENGINE.fusedKernel(prim, inputs);
      const param = inputs[0]!;
      if (!kernel || param.size === 0) return composite();
      const outs = Array.from({ length: outputs }, () => ({ shape: param.shape, dtype: param.dtype }));
      return ENGINE.runFused(prim, kernel, inputs, params, outs);
    }),
  );
}

/** Options of `sgdStep`. */
export interface SgdStepOptions {
  learningRate: number;
  /** μ; with μ > 0 the state needs a `velocity` (default 0). */
  momentum?: number;
  nesterov?: boolean;
}

/**
 * One SGD update in Keras's form, as one kernel where the backend has it: v ← μ·v - lr·g,
 * w ← w + v (Nesterov: w ← w + μ·v - lr·g); without momentum w ← w - lr·g. Returns new
 * tensors (assign them to the variables); never recorded on a gradient tape.
 * @example
 * const next = sgdStep({ param: w, grad: g, velocity: v }, { learningRate: 0.1, momentum: 0.9 });
 * w.assign(next.param); v.assign(next.velocity!);
 */
export const sgdStep = defineOp(
  'sgdStep',
  [
    req(
      'state',
      S.object(
        { param: S.tensorInstance, grad: S.tensorInstance, velocity: S.oneOf(S.tensorInstance, S.null) },
        { required: ['param', 'grad'] },
      ),
    ),
    req(
      'options',
      S.object(
        { learningRate: S.finite, momentum: S.number({ finite: true, min: 0 }), nesterov: S.boolean },
        { required: ['learningRate'] },
      ),
    ),
  ],
  (
    state: { param: Tensor; grad: Tensor; velocity?: Tensor | null },
    options: SgdStepOptions,
  ): { param: Tensor; velocity: Tensor | null } => {
    const { param, grad } = state;
    const { learningRate: lr, momentum = 0, nesterov = false } = options;
    param.assertAlive('sgdStep');
    const velocity = momentum > 0 ? state.velocity : undefined;
    if (momentum > 0 && !velocity) {
      throw new ArgumentError(`sgdStep: momentum=${momentum} needs a velocity tensor in the state`);
    }
    checkState('sgdStep', param, { grad, velocity: velocity ?? undefined });
    const inputs = velocity ? [param, grad, velocity] : [param, grad];
    const [w, v] = runUpdate(
      'sgdUpdate',
      inputs,
      { learningRate: lr, momentum, nesterov },
      inputs.length - 1,
      () => {
        // w ← w - lr·g
        if (!velocity) return [sub(param, mul(grad, lr))];
        // v ← μ·v - lr·g
        const next = sub(mul(velocity, momentum), mul(grad, lr));
        // Nesterov: w ← w + μ·v - lr·g; classic: w ← w + v
        return [nesterov ? sub(add(param, mul(next, momentum)), mul(grad, lr)) : add(param, next), next];
      },
    );
    return { param: w!, velocity: v ?? null };
  },
);

/** β in [0, 1): β = 1 makes the bias correction 1 - βᵗ zero. */
const UNIT_INTERVAL = S.number({ min: 0, max: 1, maxExclusive: true });

/** Options of `adamStep`. */
export interface AdamStepOptions {
  learningRate: number;
  /** The 1-based step number t, for the bias corrections. */
  step: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * One Adam update in Keras's form, as one kernel where the backend has it: m ← m + (1-β1)(g - m);
 * v ← v + (1-β2)(g² - v); with `vhat` (AMSGrad) v̂ ← max(v̂, v) is used for v; α =
 * lr·√(1-β2ᵗ)/(1-β1ᵗ); w ← w - α·m/(√v + ε). Returns new tensors; never recorded on a tape.
 * @example
 * const next = adamStep({ param: w, grad: g, m, v }, { learningRate: 1e-3, step: 1 });
 * w.assign(next.param); m.assign(next.m); v.assign(next.v);
 */
export const adamStep = defineOp(
  'adamStep',
  [
    req(
      'state',
      S.object(
        {
          param: S.tensorInstance,
          grad: S.tensorInstance,
          m: S.tensorInstance,
          v: S.tensorInstance,
          vhat: S.oneOf(S.tensorInstance, S.null),
        },
        { required: ['param', 'grad', 'm', 'v'] },
      ),
    ),
    req(
      'options',
      S.object(
        {
          learningRate: S.finite,
          step: S.number({ integer: true, min: 1 }),
          beta1: UNIT_INTERVAL,
          beta2: UNIT_INTERVAL,
          // ε = 0 divides 0 by 0 on a zero gradient and turns weights into NaN.
          epsilon: S.number({ finite: true, min: 0, minExclusive: true }),
        },
        { required: ['learningRate', 'step'] },
      ),
    ),
  ],
  (
    state: { param: Tensor; grad: Tensor; m: Tensor; v: Tensor; vhat?: Tensor | null },
    options: AdamStepOptions,
  ): { param: Tensor; m: Tensor; v: Tensor; vhat: Tensor | null } => {
    const { param, grad, m, v } = state;
    const vhat = state.vhat ?? undefined;
    const { learningRate: lr, step: t, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = options;
    param.assertAlive('adamStep');
    if (!(Number.isInteger(t) && t >= 1)) {
      throw new ArgumentError(`adamStep: expected step to be an integer >= 1, got ${t}`);
    }
    checkState('adamStep', param, { grad, m, v, vhat });
    // α = lr·√(1-β2ᵗ)/(1-β1ᵗ)
    const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const params = { alpha, beta1, beta2, epsilon, amsgrad: vhat !== undefined };
    const inputs = vhat ? [param, grad, m, v, vhat] : [param, grad, m, v];
    const [w, mNext, vNext, vhatNext] = runUpdate('adamUpdate', inputs, params, inputs.length - 1, () => {
      // m ← m + (1-β1)(g - m)
      const mn = add(m, mul(sub(grad, m), 1 - beta1));
      // v ← v + (1-β2)(g² - v)
      const vn = add(v, mul(sub(mul(grad, grad), v), 1 - beta2));
      // v̂ ← max(v̂, v), used in place of v
      const vh = vhat ? maximum(vhat, vn) : undefined;
      // w ← w - α·m/(√v + ε)
      const wn = sub(param, div(mul(mn, alpha), add(sqrt(vh ?? vn), epsilon)));
      return vh ? [wn, mn, vn, vh] : [wn, mn, vn];
    });
    return { param: w!, m: mNext!, v: vNext!, vhat: vhatNext ?? null };
  },
);

/**
 * dz = dy ⊙ act'(z), written with the output y = act(z) so that z need not be kept; one chain
 * (one kernel where the backend fuses chains) per activation.
 */
function activationGrad(activation: FusedActivation, y: Tensor, dy: Tensor): Tensor {
  switch (activation) {
    case 'linear':
      return dy;
    // d relu = [y > 0]·dy
    case 'relu':
      return chain([dy, y], (b, [d, v]) => b.mul(d!, b.binary('greater', v!, 0)));
    // d relu6 = [0 < y < 6]·dy
    case 'relu6':
      return chain([dy, y], (b, [d, v]) =>
        b.mul(d!, b.mul(b.binary('greater', v!, 0), b.binary('less', v!, 6))),
      );
    // dσ = σ(1 - σ)·dy
    case 'sigmoid':
      return chain([dy, y], (b, [d, v]) => b.mul(d!, b.mul(v!, b.sub(1, v!))));
    // d tanh = (1 - tanh²)·dy
    case 'tanh':
      return chain([dy, y], (b, [d, v]) => b.mul(d!, b.sub(1, b.mul(v!, v!))));
    default:
      return activation satisfies never;
  }
}

/** VJP rules of the fused primitives; the optimizer updates are never differentiated. */
export const FUSED_RULES: { readonly [F in FusedPrim]: VjpRule<FusedParams[F]> | 'nondiff' } = {
  elementwise: ELEMENTWISE_RULE,
  // The chain's rule with dy of the reduced shape: it broadcasts back within the gradient chain.
  elementwiseSum: ELEMENTWISE_RULE,
  // y = act(z), z = Â·B̂ + bias: dz = dy ⊙ act'(z); dÂ = dz·B̂ᵀ, dB̂ = Âᵀ·dz (transposed back
  // where stored transposed: da = B̂·dzᵀ, db = dzᵀ·Â); dbias = Σ_rows dz. Each is skipped where
  // not needed (a network's input batch needs none: its product is the layer's largest).
  fusedMatmul: ({ inputs: [a, b], output, params, dy, needs }) => {
    const { transposeA: tA, transposeB: tB } = params;
    const dz = activationGrad(params.activation, output, dy);
    let da: Tensor | null = null;
    if (needs[0]) {
      da = tA ? matmul(b!, dz, { transposeA: tB, transposeB: true }) : matmul(dz, b!, { transposeB: !tB });
    }
    let db: Tensor | null = null;
    if (needs[1]) {
      db = tB ? matmul(dz, a!, { transposeA: true, transposeB: tA }) : matmul(a!, dz, { transposeA: !tA });
    }
    if (!params.hasBias) return [da, db];
    return [da, db, needs[2] ? sum(dz, { axis: 0 }) : null];
  },
  // y = act(C(x, w) + bias): g = dy ⊙ act'(·) from y; dx = Bi(g, w), dw = Bf(x, g) (the conv2d
  // rule's backward convolutions), dbias = Σ g over N, H and W; each only where needed.
  fusedConv2d: ({ inputs: [x, w], output, params, dy, needs }) => {
    const { hasBias, activation, ...conv } = params;
    const g = outputGrad(activation, dy, output);
    const dx = needs[0] ? ENGINE.run('conv2dBackpropInput', [g, w!], conv, x!.shape, g.dtype) : null;
    const dw = needs[1] ? ENGINE.run('conv2dBackpropFilter', [x!, g], conv, w!.shape, g.dtype) : null;
    if (!hasBias) return [dx, dw];
    return [dx, dw, needs[2] ? sumTo(g, [g.shape[3]!]) : null];
  },
  // l = Σ_c y_c·(lse(x) - x_c): dx = (softmax(x)·Σ_c y_c - y)·dy; dy_labels = -logSoftmax(x)·dy
  softmaxCrossEntropy: ({ inputs: [x, labels], params: { sparse }, dy, needs }) => {
    const classes = x!.shape[1]!;
    const y = labelWeights(labels!, classes, sparse, x!.dtype);
    const col = reshape(dy, [dy.size, 1]);
    const total = sum(y, { axis: -1, keepDims: true });
    const dx = mul(sub(mul(softmax(x!, -1), total), y), col);
    return [dx, sparse || !needs[1] ? null : mul(neg(logSoftmax(x!, -1)), col)];
  },
  // y = softmax(x) per row: dx = y ⊙ (dy − Σ_c dy ⊙ y)
  softmax: ({ output: y, dy }) => [mul(y, sub(dy, sum(mul(dy, y), { axis: -1, keepDims: true })))],
  sgdUpdate: 'nondiff',
  adamUpdate: 'nondiff',
};

/** act'(·) · d written with the activation's output z, for `biasActivation`'s and `fusedConv2d`'s gradients. */
const BIAS_ACTIVATION_GRADS: Record<
  ConvActivation,
  ((b: ChainBuilder, d: ChainValue, z: ChainValue) => ChainValue) | null
> = {
  linear: null,
  relu: (b, d, z) => b.mul(d, b.binary('greater', z, 0)),
  sigmoid: (b, d, z) => b.mul(d, b.mul(z, b.sub(1, z))),
  tanh: (b, d, z) => b.mul(d, b.sub(1, b.mul(z, z))),
};

/** The activations `biasActivation` fuses (their derivatives follow from the output alone). */
export type BiasActivation = ConvActivation;

/** dz · act'(z) from the output z (one chain; dz itself for 'linear'). */
function outputGrad(activation: ConvActivation, dz: Tensor, z: Tensor): Tensor {
  const grad = BIAS_ACTIVATION_GRADS[activation];
  return grad ? chain([dz, z], (c, [d, v]) => grad(c, d!, v!)) : dz;
}

/**
 * Throws unless `activation` is one `biasActivation` fuses, y (of `shape` and `dtype`) is float,
 * and `bias` is `[C]` for y's last axis in y's dtype (or null); `op` starts the message.
 * @example
 * checkBiasActivation('biasActivation', [2, 5], 'float32', bias, 'relu');
 */
export function checkBiasActivation(
  op: string,
  shape: readonly number[],
  dtype: DType,
  bias: Tensor | null,
  activation: string,
): void {
  if (!Object.hasOwn(BIAS_ACTIVATION_GRADS, activation)) {
    throw new ArgumentError(
      `${op}: expected activation to be one of ${Object.keys(BIAS_ACTIVATION_GRADS).join(', ')}, got ${String(activation)}`,
    );
  }
  if (!isFloat(dtype) || (bias && bias.dtype !== dtype)) {
    throw new DTypeError(
      `${op}: expected a float y and a bias of its dtype, got y.dtype=${dtype}${bias ? ` and bias.dtype=${bias.dtype}` : ''}`,
    );
  }
  if (bias && (bias.rank !== 1 || shape.length === 0 || bias.shape[0] !== shape[shape.length - 1])) {
    throw new ShapeError(
      `${op}: expected bias of shape [C] for the last axis of y.shape=${fmtShape(shape)}, got bias.shape=${fmtShape(bias.shape)}`,
    );
  }
}

/**
 * act(y + bias), bias `[C]` along y's last axis (a convolution's epilogue), as one chain whose
 * gradient comes from the output: g = dz·act'(z), dbias = Σ g over the other axes. The
 * composite (an add, then the activation op) makes two passes forward and keeps y + bias for
 * the backward pass.
 * @example
 * const z = biasActivation(conv2d(x, w), b, 'relu');
 */
export function biasActivation(y: Tensor, bias: Tensor | null, activation: BiasActivation): Tensor {
  checkBiasActivation('biasActivation', y.shape, y.dtype, bias, activation);
  const f = customGrad((x, ...rest) => {
    const b = rest[0];
    const value = chain(b ? [x!, b] : [x!], (c, [v, o]) => {
      const s = o ? c.add(v!, o) : v!;
      return activation === 'linear' ? s : c.unary(activation, s);
    });
    return {
      value,
      save: [value],
      gradFunc: (dz: Tensor) => {
        const g = outputGrad(activation, dz, value);
        return b ? [g, sumTo(g, b.shape)] : [g];
      },
    };
  });
  return bias ? f(y, bias) : f(y);
}

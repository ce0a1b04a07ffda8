// The optional fused primitives: a few hot compositions a backend may run as one kernel
// (matmul or convolution + bias + activation, softmax cross-entropy, the SGD and Adam updates). Unlike the
// closed set of prims.ts, a backend lists only the ones it has (`Backend.fused`); core runs the
// composite of ordinary ops where a kernel is missing, and the conformance suite holds both
// paths to the same values and gradients (testing/cases/fused.ts).

import type { Conv2DParams } from './prims.js';

/** Unary operations an elementwise chain can apply (the unary primitives of the same names). */
export const CHAIN_UNARY = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'tanh',
  'sigmoid',
  'erf',
  'relu',
] as const;

/**
 * Binary operations an elementwise chain can apply. Comparisons give 1 or 0 in the chain's
 * float dtype (every value of a chain has that dtype).
 */
export const CHAIN_BINARY = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
  'equal',
] as const;

export type ChainUnary = (typeof CHAIN_UNARY)[number];
export type ChainBinary = (typeof CHAIN_BINARY)[number];

/**
 * One step of an elementwise chain. Operands index the chain's values: the inputs first
 * (0 … inputs-1), then the steps in order. `select` takes `x` where `c` is nonzero, else `y`.
 * Constants are part of the program (a backend may bake them into its code).
 */
export type ChainStep =
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: ChainUnary; readonly x: number }
  | { readonly op: ChainBinary; readonly x: number; readonly y: number }
  | { readonly op: 'select'; readonly c: number; readonly x: number; readonly y: number };

/** The most inputs core hands the `elementwise` kernel; longer chains run as ordinary ops. */
export const MAX_CHAIN_INPUTS = 6;

/** Activations `fusedMatmul` applies in its epilogue. */
export const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'sigmoid', 'tanh'] as const;

/** An activation `fusedMatmul` applies in its epilogue. */
export type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

/**
 * An activation `fusedConv2d` applies in its epilogue: one whose derivative follows from the
 * output alone, so the backward pass keeps only the output.
 */
export type ConvActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/**
 * Every fused primitive and its parameters. Inputs are in the comments; core validates
 * shapes and dtypes before dispatch and hands kernels float inputs of one dtype (the
 * backend's float32, or float64 where it has it), except for sparse labels (int32).
 */
export interface FusedParams {
  /**
   * Inputs: 1 to `MAX_CHAIN_INPUTS` float tensors of one dtype that broadcast together (so a
   * GPU kernel fits 8 storage buffers with its output). One output of
   * the broadcast shape: the value of the program's last step, computed per element in that
   * dtype (the activations, batch normalization and their gradients, as one kernel each).
   */
  elementwise: { readonly program: readonly ChainStep[] };
  /**
   * Inputs as `elementwise`, whose broadcast shape has rank >= 2. One output of that shape with
   * every axis but the last reduced to 1: the sum, per last-axis index, of the program's value
   * over all the other axes (a batch statistic over NHWC's N, H and W), without writing the
   * chain's value out.
   */
  elementwiseSum: { readonly program: readonly ChainStep[] };
  /**
   * Inputs: a `[M, K]` (`[K, M]` if transposeA), b `[K, N]` (`[N, K]` if transposeB), then
   * bias `[N]` when `hasBias`. One output `[M, N]`: act(a·b + bias).
   */
  fusedMatmul: {
    readonly transposeA: boolean;
    readonly transposeB: boolean;
    readonly hasBias: boolean;
    readonly activation: FusedActivation;
  };
  /**
   * Inputs: x `[N, H, W, C]`, filter `[fh, fw, C / groups, outC]`, then bias `[outC]` when
   * `hasBias`. One output `[N, outH, outW, outC]`: act(conv2d(x, filter) + bias), the
   * convolution being that of the `conv2d` primitive with the same geometry parameters.
   */
  fusedConv2d: Conv2DParams & { readonly hasBias: boolean; readonly activation: ConvActivation };
  /**
   * Inputs: logits `[N, C]`, labels: int32 `[N]` when `sparse` (a label outside [0, C) gives
   * 0), else weights `[N, C]` (one-hot or probabilities). One output `[N]`:
   * loss = Σ_c y_c·(logSumExp(x) - x_c), from a max-shifted logSumExp.
   */
  softmaxCrossEntropy: { readonly sparse: boolean };
  /**
   * Input: x `[rows, cols]`. One output of the same shape: softmax over each row, e^(x − m) / Σ
   * with m the row's maximum (NaN anywhere in a row, or an infinite maximum, gives NaN as the
   * composite does).
   */
  softmax: Readonly<Record<string, never>>;
  /**
   * Inputs: param, grad, then the momentum slot when `momentum > 0`. Outputs: the new param,
   * then the new momentum. m ← μ·m - lr·g; w ← w + m (Nesterov: w ← w + μ·m - lr·g); without
   * momentum w ← w - lr·g.
   */
  sgdUpdate: { readonly learningRate: number; readonly momentum: number; readonly nesterov: boolean };
  /**
   * Inputs: param, grad, m, v, then v̂ when `amsgrad`. Outputs: the new param, m, v (and v̂).
   * m ← m + (1-β1)(g - m); v ← v + (1-β2)(g² - v); v̂ ← max(v̂, v) replaces v below;
   * w ← w - α·m/(√v + ε), with the bias corrections already folded into α.
   */
  adamUpdate: {
    readonly alpha: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly epsilon: number;
    readonly amsgrad: boolean;
  };
}

/** The names of the fused primitives. */
export type FusedPrim = keyof FusedParams;

/** Every fused primitive, as a list (checked against `FusedParams` by its type). */
export const FUSED_PRIMS: readonly FusedPrim[] = Object.keys({
  elementwise: true,
  elementwiseSum: true,
  fusedMatmul: true,
  fusedConv2d: true,
  softmaxCrossEntropy: true,
  softmax: true,
  sgdUpdate: true,
  adamUpdate: true,
} satisfies Record<FusedPrim, true>) as FusedPrim[];

/** True for the names of fused primitives. */
export function isFusedPrim(name: string): name is FusedPrim {
  return (FUSED_PRIMS as readonly string[]).includes(name);
}

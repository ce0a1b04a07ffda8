// The closed set of primitives every backend implements, with each one's parameters.
// Public ops are either one of these or a composite of them (see ops/). Core validates shapes
// and dtypes and computes the output shape and dtype before dispatch, so kernels trust inputs.
// Broadcasting binary primitives receive inputs in their own shapes and index them with stride 0
// on broadcast axes (see `broadcastStrides` in shape.ts); they are never materialised.

import type { DType } from './dtype.js';

// The geometry kernels derive from these params and their shapes, written once for every backend.
export * from './kernel-geometry.js';

type NoParams = Record<string, never>;

/** Convolution parameters (NHWC input, filter `[fh, fw, inC / groups, outC]`). */
export interface Conv2DParams {
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** Explicit zero padding: top, bottom, left, right. */
  readonly pad: readonly [number, number, number, number];
  /** Grouped convolution; `groups === inC` with `outC = inC * multiplier` is depthwise. */
  readonly groups: number;
}

/** Pooling parameters (NHWC). Padded positions are ignored (max) or not counted (average). */
export interface Pool2DParams {
  readonly filter: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pad: readonly [number, number, number, number];
}

/**
 * Image resize parameters (NHWC), with TensorFlow's coordinate rules: the source coordinate of
 * each output row and column comes from `resizeAxis` in kernel-geometry.ts.
 */
export interface ResizeParams {
  /** `bilinear` blends the four nearest pixels; `nearest` copies the one `resizeAxis` picks. */
  readonly method: 'bilinear' | 'nearest';
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

export interface ReduceParams {
  /** Sorted, unique, non-negative axes to reduce. The output keeps them with size 1. */
  readonly axes: readonly number[];
}

export interface CumulativeParams {
  readonly axis: number;
  readonly exclusive: boolean;
  readonly reverse: boolean;
}

export interface SliceParams {
  /** Output element `i` along axis `d` reads input index `begin[d] + i * strides[d]`. */
  readonly begin: readonly number[];
  /** Nonzero; negative strides walk backwards. */
  readonly strides: readonly number[];
}

/** Unary elementwise primitives: one input, output of the same shape. */
export const UNARY_PRIMS = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
  'floor',
  'ceil',
  'round',
  'reciprocal',
  'relu',
  'isNaN',
  'isFinite',
  'logicalNot',
] as const;

/** Binary elementwise primitives: two broadcasting inputs. */
export const BINARY_PRIMS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'mod',
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
] as const;

export const REDUCE_PRIMS = ['sum', 'prod', 'max', 'min', 'any', 'all'] as const;

export type UnaryPrim = (typeof UNARY_PRIMS)[number];
export type BinaryPrim = (typeof BINARY_PRIMS)[number];
export type ReducePrim = (typeof REDUCE_PRIMS)[number];

/**
 * Every primitive and its parameters. Inputs, in order, are in the comment when there is more
 * than one; the output shape and dtype are always given to the kernel by core.
 */
export interface PrimParams
  extends Record<UnaryPrim, NoParams>,
    Record<BinaryPrim, NoParams>,
    Record<ReducePrim, ReduceParams> {
  /** Inputs: condition (bool), a, b; all three broadcast. */
  where: NoParams;
  /** Converts to `out.dtype` (float → int truncates toward zero; bool is `x != 0`). */
  cast: NoParams;
  /** Index (int32) of the first maximum along `axis`; the output drops `axis`. */
  argMax: { readonly axis: number };
  argMin: { readonly axis: number };
  /**
   * Input: x `[..., n]` (float or int32). Output (int32) `[..., k]`: the indices of the k largest
   * of each last-axis row, best first (NaN ranks above every number; ties go to the lower index)
   * when `sorted`, in increasing index order otherwise.
   */
  topkIndices: { readonly k: number; readonly sorted: boolean };
  cumsum: CumulativeParams;
  cumprod: CumulativeParams;
  /**
   * Core passes rank 3, or rank 2 for two plain matrices (a batch of one, output `[M, N]`);
   * kernels may accept any rank >= 2 with leading batch dims.
   * Inputs: a `[batchA, M, K]` (`[batchA, K, M]` if transposeA), b `[batchB, K, N]`
   * (`[batchB, N, K]` if transposeB); batchA and batchB are equal or one of them is 1.
   */
  matmul: { readonly transposeA: boolean; readonly transposeB: boolean };
  /** Inputs: x `[N, H, W, C]`, filter `[fh, fw, C / groups, outC]`. */
  conv2d: Conv2DParams;
  /** Inputs: dy `[N, outH, outW, outC]`, filter. Output: dx of the forward input's shape. */
  conv2dBackpropInput: Conv2DParams;
  /** Inputs: x, dy. Output: dfilter of the filter's shape. */
  conv2dBackpropFilter: Conv2DParams;
  maxPool2d: Pool2DParams;
  /** Inputs: x, dy. Routes each dy to the first maximum of its window. */
  maxPool2dBackward: Pool2DParams;
  avgPool2d: Pool2DParams;
  /** Inputs: dy. Output: dx of the forward input's shape. */
  avgPool2dBackward: Pool2DParams;
  /**
   * Inputs: x, indices (int32). Output shape: `x.shape[:axis] + indices.shape + x.shape[axis+1:]`.
   * Core cannot check tensor indices without reading them, so an out-of-range index gives 0.
   */
  gather: { readonly axis: number };
  /** Input: images `[N, H, W, C]` (H, W > 0); output `[N, newH, newW, C]` given by `out.shape`. */
  resize: ResizeParams;
  /**
   * Inputs: dy `[N, newH, newW, C]`. Output: zeros of the images' shape (`out.shape`) with each
   * dy added back into the pixels `resize` read, times the weight it read them with: its adjoint.
   */
  resizeGrad: ResizeParams;
  /**
   * Inputs: updates, indices. Adds updates into zeros of `out.shape`: the adjoint of gather.
   * Out-of-range indices are skipped.
   */
  scatterAdd: { readonly axis: number };
  transpose: { readonly perm: readonly number[] };
  slice: SliceParams;
  /** Inputs: dy. Zeros of `out.shape` with dy written where `slice` read: its adjoint. */
  sliceGrad: SliceParams;
  /** Constant padding; `paddings[d] = [before, after]`, both >= 0. */
  pad: { readonly paddings: readonly (readonly [number, number])[]; readonly value: number };
  /** Inputs: any number (>= 1) of tensors with equal shapes except on `axis`. */
  concat: { readonly axis: number };
  tile: { readonly reps: readonly number[] };
  reverse: { readonly axes: readonly number[] };
  /** Materialises a broadcast to `out.shape` (used by gradients and batched matmul). */
  broadcastTo: NoParams;
  /** No inputs. Uniform [0, 1) floats from `uniformAt(seed, index)` in random.ts. */
  randomUniform: { readonly seed: number };
}

/** The closed set of primitive names. */
export type Prim = keyof PrimParams;

/** Output description core hands to every kernel. */
export interface OutInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

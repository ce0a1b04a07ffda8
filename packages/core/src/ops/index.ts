// Every public op, by family and by name: what `@nabla/core` re-exports, what Tensor methods
// are built from (tensor-methods.ts) and what the hostile suite calls. The helpers the op
// files share (argument conversion, primitive dispatch, gradient-rule tables) stay out.

export {
  elu,
  gelu,
  hardSigmoid,
  leakyRelu,
  logSigmoid,
  relu6,
  selu,
  silu,
  softplus,
  softsign,
  square,
} from './activations.js';
export {
  type BatchNormOptions,
  batchNorm,
  type FusedBatchNormOptions,
  type FusedBatchNormResult,
  fusedBatchNorm,
} from './batch-norm.js';
export {
  add,
  div,
  equal,
  floorDiv,
  greater,
  greaterEqual,
  less,
  lessEqual,
  logicalAnd,
  logicalOr,
  logicalXor,
  maximum,
  minimum,
  mod,
  mul,
  notEqual,
  pow,
  squaredDifference,
  sub,
} from './binary.js';
export { browser, fromPixels, toPixels } from './browser.js';
export { cast } from './cast.js';
export {
  type Conv2DOptions,
  type Conv2DTransposeOptions,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
} from './conv.js';
export type { NestedInput, TensorLike } from './convert.js';
export {
  arange,
  clone,
  eye,
  full,
  linspace,
  type OneHotOptions,
  oneHot,
  ones,
  onesLike,
  type RandomOptions,
  randomNormal,
  randomUniform,
  scalar,
  tensor,
  tensor1d,
  tensor2d,
  tensor3d,
  tensor4d,
  tensor5d,
  tensor6d,
  truncatedNormal,
  type VariableOptions,
  variable,
  zeros,
  zerosLike,
} from './creation.js';
export {
  type AdamStepOptions,
  adamStep,
  type FusedMatmulOptions,
  fusedMatmul,
  type SgdStepOptions,
  type SoftmaxCrossEntropyOptions,
  sgdStep,
  softmaxCrossEntropy,
} from './fused.js';
export { gather } from './gather.js';
export { image, type ResizeOptions, resizeBilinear, resizeNearestNeighbor } from './image.js';
export { dot, type MatmulOptions, matmul, outer, tensordot } from './linalg.js';
export {
  broadcastTo,
  concat,
  expandDims,
  type FlattenOptions,
  flatten,
  pad,
  reshape,
  reverse,
  split,
  squeeze,
  stack,
  tile,
  transpose,
  unstack,
} from './movement.js';
export { type NormOptions, norm } from './norm.js';
export type {
  CanvasLike,
  ImageBitmapLike,
  ImageDataLike,
  ImageElementLike,
  PixelSource,
  VideoElementLike,
} from './pixel-source.js';
export { avgPool2d, maxPool2d, type Pool2DOptions } from './pool.js';
export {
  type ArgOptions,
  all,
  any,
  argMax,
  argMin,
  type CumulativeOptions,
  cumprod,
  cumsum,
  max,
  mean,
  min,
  moments,
  prod,
  type ReduceOptions,
  sum,
  type VarianceOptions,
  variance,
} from './reduce.js';
export { type SliceEntry, type SliceRange, type SliceSpec, slice, sliceRange } from './slice.js';
export { logSoftmax, logSumExp, softmax } from './softmax.js';
export { type TopkOptions, type TopkResult, topk } from './sort.js';
export {
  abs,
  ceil,
  clip,
  cos,
  erf,
  exp,
  expm1,
  floor,
  isFinite,
  isNaN,
  log,
  log1p,
  logicalNot,
  neg,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  tan,
  tanh,
} from './unary.js';
export { where } from './where.js';
export type { Padding, Size2 } from './window.js';

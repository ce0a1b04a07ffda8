// @nabla/core: tensors, dtypes, ops, reverse-mode autodiff, memory and backend selection. Every
// export is named here, so the public API is this file and nothing an op file happens to
// export. What backends need beyond it (the Backend contract, primitives, kernel geometry) is
// `@nabla/core/internal`; exports.test.ts snapshots both lists. Each group comment is followed
// by a blank line so that biome sorts within a group, never across groups.

import './tensor-methods.js';

// Tensors and the values they are made from

export type { NestedInput, TensorLike } from './ops/index.js';
export type { Shape } from './shape.js';
export { type NestedArray, Tensor, Variable } from './tensor.js';

// Dtypes

export {
  type DataFor,
  DTYPES,
  type DType,
  type DTypeArrayMap,
  isDType,
  isFloat,
  promoteTypes,
  type TypedArray,
} from './dtype.js';

// Errors

export {
  ArgumentError,
  BackendError,
  DTypeError,
  NablaError,
  ShapeError,
  UnsupportedError,
} from './errors.js';

// Choosing a backend

export {
  activeBackend,
  getBackend,
  ready,
  registerBackend,
  registeredBackends,
  removeBackend,
  setBackend,
  setRandomSeed,
  skippedBackends,
  toBackend,
} from './backend-registry.js';
export type { LiveTensorInfo, MemoryInfo, SkippedBackend } from './engine.js';

// Memory

export { dispose, keep, liveTensors, memory, setDebugMode, tidy } from './memory.js';

// Autodiff

export {
  type CustomGradResult,
  type CustomVjp,
  customGrad,
  grad,
  grads,
  jacobian,
  stopGradient,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  vjp,
} from './autodiff.js';

// Ops: creation

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
} from './ops/index.js';

// Ops: elementwise (math, comparison, logic, activations), cast and where

export {
  abs,
  add,
  type BatchNormOptions,
  batchNorm,
  cast,
  ceil,
  clip,
  cos,
  div,
  elu,
  equal,
  erf,
  exp,
  expm1,
  type FusedBatchNormOptions,
  type FusedBatchNormResult,
  floor,
  floorDiv,
  fusedBatchNorm,
  gelu,
  greater,
  greaterEqual,
  hardSigmoid,
  isFinite,
  isNaN,
  leakyRelu,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  logSigmoid,
  maximum,
  minimum,
  mod,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  relu,
  relu6,
  round,
  rsqrt,
  selu,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  softsign,
  sqrt,
  square,
  squaredDifference,
  sub,
  tan,
  tanh,
  where,
} from './ops/index.js';

// Ops: reductions, softmax and norms

export {
  type ArgOptions,
  all,
  any,
  argMax,
  argMin,
  type CumulativeOptions,
  cumprod,
  cumsum,
  logSoftmax,
  logSumExp,
  max,
  mean,
  min,
  moments,
  type NormOptions,
  norm,
  prod,
  type ReduceOptions,
  softmax,
  sum,
  type VarianceOptions,
  variance,
} from './ops/index.js';

// Ops: movement, slicing and gathering

export {
  broadcastTo,
  concat,
  expandDims,
  type FlattenOptions,
  flatten,
  gather,
  pad,
  reshape,
  reverse,
  type SliceEntry,
  type SliceRange,
  type SliceSpec,
  slice,
  sliceRange,
  split,
  squeeze,
  stack,
  tile,
  transpose,
  unstack,
} from './ops/index.js';

// Ops: linear algebra, convolution and pooling

export {
  avgPool2d,
  type Conv2DOptions,
  type Conv2DTransposeOptions,
  conv2d,
  conv2dTranspose,
  depthwiseConv2d,
  dot,
  type MatmulOptions,
  matmul,
  maxPool2d,
  outer,
  type Padding,
  type Pool2DOptions,
  type Size2,
  tensordot,
} from './ops/index.js';

// Ops: selection

export { type TopkOptions, type TopkResult, topk } from './ops/index.js';

// Ops: images (also under TensorFlow.js's namespace, `image.resizeBilinear`)

export { image, type ResizeOptions, resizeBilinear, resizeNearestNeighbor } from './ops/index.js';

// Ops: pixels in and out (also under TensorFlow.js's namespace, `browser.fromPixels`)

export {
  browser,
  type CanvasLike,
  fromPixels,
  type ImageBitmapLike,
  type ImageDataLike,
  type ImageElementLike,
  type PixelSource,
  toPixels,
  type VideoElementLike,
} from './ops/index.js';

// Ops: fused (one kernel where the backend has it, the composite otherwise)

export { FUSED_ACTIVATIONS, type FusedActivation } from './fused-prims.js';
export {
  type AdamStepOptions,
  adamStep,
  type FusedMatmulOptions,
  fusedMatmul,
  type SgdStepOptions,
  type SoftmaxCrossEntropyOptions,
  sgdStep,
  softmaxCrossEntropy,
} from './ops/index.js';

// @nabla/core/internal: what a backend needs beyond the public API: the Backend contract and
// kernel tables, the primitives and their params, kernel geometry, shape and typed-array
// helpers and the counter-based random generator. Not for models or user code: these change
// with the primitive set. The same module instances as `@nabla/core`, so one engine serves both.

import './tensor-methods.js';

// The Backend contract and kernel tables

export type {
  Backend,
  BackendFactory,
  BackendMemory,
  DataHandle,
  FusedKernel,
  FusedKernelTable,
  Kernel,
  KernelTable,
  TensorInfo,
  Unsupported,
} from './backend-interface.js';
export { unsupported } from './backend-interface.js';

// Primitives, their params and the output a kernel writes

export {
  CHAIN_BINARY,
  CHAIN_UNARY,
  type ChainBinary,
  type ChainStep,
  type ChainUnary,
  type ConvActivation,
  FUSED_PRIMS,
  type FusedParams,
  type FusedPrim,
  isFusedPrim,
} from './fused-prims.js';
export {
  BINARY_PRIMS,
  type BinaryPrim,
  type Conv2DParams,
  type CumulativeParams,
  type OutInfo,
  type Pool2DParams,
  type Prim,
  type PrimParams,
  REDUCE_PRIMS,
  type ReduceParams,
  type ReducePrim,
  type ResizeParams,
  type SliceParams,
  UNARY_PRIMS,
  type UnaryPrim,
} from './prims.js';

// Kernel geometry, computed once in core for every backend

export {
  aroundAxis,
  type Conv2DGeometry,
  conv2dGeometry,
  type MatmulDims,
  matmulDims,
  mergeAxes,
  type Pool2DGeometry,
  pool2dGeometry,
  type ReductionRuns,
  type ResizeAxis,
  reductionRuns,
  resizeAxis,
  type StridedView,
  tileView,
} from './kernel-geometry.js';

// Shapes and strides

export {
  assertShape,
  broadcastShapes,
  broadcastStrides,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
} from './shape.js';

// Typed arrays

export { allocArray, bytesPerElement, toTypedArray } from './dtype.js';

// Half-precision bits (float16 storage, F16 files)

export { halfBits, halfValue } from './half.js';

// The counter-based random generator (random kernels must match it value for value)

export { deriveSeed, fmix32, hashAt, uniformAt } from './random.js';

// Error-message helpers and name lookups, shared with @nabla/nn (its layers and registries)

export { checkBackendOptions, type OptionCheck, optionChecks } from './backend-options.js';
export { checkArgCount, describeValue, fmtShape } from './errors.js';
export { closestName, lookupName } from './names.js';
// Elementwise chains, one fused kernel where the backend has it (@nabla/nn's losses use them),
// and the bias + activation ops (the second with the convolution, @nabla/nn's conv layer)
export { type ChainArg, type ChainBuilder, type ChainValue, chain, chainSum } from './ops/chain.js';
export { conv2dBiasActivation } from './ops/conv.js';
export { type BiasActivation, biasActivation } from './ops/fused.js';

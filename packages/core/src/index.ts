// @nabla/core: tensors, dtypes, ops, reverse-mode autodiff, memory and the backend contract.

import './tensor-methods.js';

export * from './autodiff.js';
export * from './backend-interface.js';
export * from './backend-registry.js';
export * from './dtype.js';
export type { LiveTensorInfo, MemoryInfo, SkippedBackend } from './engine.js';
export * from './errors.js';
export * from './fused-prims.js';
export * from './memory.js';
export * from './names.js';
export * from './ops/index.js';
export * from './prims.js';
export * from './random.js';
export * from './shape.js';
export { type NestedArray, Tensor, Variable } from './tensor.js';

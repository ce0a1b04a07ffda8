// Every public op, by family.

export * from './activations.js';
export * from './binary.js';
export * from './cast.js';
export * from './conv.js';
export * from './convert.js';
export * from './creation.js';
export * from './fused.js';
export { gather } from './gather.js';
export * from './linalg.js';
export * from './movement.js';
export * from './norm.js';
export { avgPool2d, maxPool2d, type Pool2DOptions } from './pool.js';
export * from './reduce.js';
export { type SliceEntry, type SliceRange, type SliceSpec, slice, sliceRange } from './slice.js';
export * from './softmax.js';
export * from './unary.js';
export * from './where.js';

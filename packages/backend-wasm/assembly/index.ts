// Entry point of the wasm binary: re-exports every kernel module so that `asc` compiles one
// module. There is one file per kernel family, named as its JS glue in src/kernels (unary,
// binary, cast, reduce, movement, gather, random, matmul, conv, pool, image, fused; the README has the
// map); common.ts holds the parameter-block readers they share.

export * from './binary';
export * from './cast';
export * from './chain';
export * from './conv';
export * from './fused';
export * from './gather';
export * from './image';
// Not gemmBlocked, which takes a function (conv.ts calls it).
export { igemm, sgemm, sgemmScratchBytes } from './matmul';
export * from './movement';
export * from './pool';
export * from './random';
export * from './reduce';
export * from './unary';

/** First byte past the binary's static data: the JS allocator's heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}

// Entry point of the wasm binary: re-exports every kernel module so that `asc` compiles one
// module. binary, movement, random, reduce and unary are the elementwise/movement foundation;
// gemm.ts, conv.ts and pool.ts are the SIMD GEMM, convolution and pooling kernels (their JS glue
// is src/kernels/matmul.ts, conv.ts and pool.ts); fused.ts holds the optional fused kernels
// (glue in src/kernels/fused.ts).

export * from './binary';
export * from './conv';
export * from './fused';
export * from './gemm';
export * from './movement';
export * from './pool';
export * from './random';
export * from './reduce';
export * from './unary';

/** First byte past the binary's static data: the JS allocator's heap starts here. */
export function heapBase(): usize {
  return __heap_base;
}

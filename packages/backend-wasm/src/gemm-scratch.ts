// The GEMM's per-thread packing buffers while a worker pool runs: each thread packs its panels of
// A and B into its own block, allocated once at the GEMM's largest size and kept, since
// allocating per call would churn the heap on every split matmul.

import type { WasmHeap } from './heap.js';
import type { KernelExports } from './wasm-module.js';

/**
 * One packing block per thread, made on first use and freed by `release`.
 * @example
 * const scratch = new GemmScratch(heap, exports);
 * exports.sgemm(..., scratch.block(t));
 */
export class GemmScratch {
  readonly #heap: WasmHeap;
  readonly #exports: KernelExports;
  readonly #blocks: (number | undefined)[] = [];

  constructor(heap: WasmHeap, exports: KernelExports) {
    this.#heap = heap;
    this.#exports = exports;
  }

  /** The packing block of thread `t`. */
  block(t: number): number {
    let ptr = this.#blocks[t];
    if (ptr === undefined) {
      const big = 1 << 20;
      ptr = this.#heap.alloc(this.#exports.sgemmScratchBytes(big, big, big));
      this.#blocks[t] = ptr;
    }
    return ptr;
  }

  /** Frees every block (the pool calls this after holding the heap's frees while workers stop). */
  release(): void {
    for (const ptr of this.#blocks) if (ptr !== undefined) this.#heap.free(ptr);
    this.#blocks.length = 0;
  }
}

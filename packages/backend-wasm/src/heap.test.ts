// Unit tests of the wasm heap allocator: alignment, reuse and coalescing of freed blocks, a
// bounded heap under a long mixed alloc/free loop, and growth that keeps existing data.

import { BackendError } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { ALIGN, WasmHeap } from './heap.js';

const PAGE = 65536;

function makeHeap(initialPages = 1, maximumPages = 1024): WasmHeap {
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages });
  return new WasmHeap(memory, 100, maximumPages * PAGE);
}

/** A tiny deterministic generator (mulberry32) so the loops are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('WasmHeap', () => {
  it('returns 16-byte aligned, non-overlapping blocks starting past the base', () => {
    const heap = makeHeap();
    const blocks: [number, number][] = [];
    for (const size of [1, 3, 16, 17, 100, 4096, 5, 33]) {
      const ptr = heap.alloc(size);
      expect(ptr % ALIGN).toBe(0);
      expect(ptr).toBeGreaterThanOrEqual(100);
      blocks.push([ptr, size]);
    }
    blocks.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < blocks.length; i++) {
      expect(blocks[i]![0]).toBeGreaterThanOrEqual(blocks[i - 1]![0] + blocks[i - 1]![1]);
    }
  });

  it('reuses a freed block for an allocation of the same size', () => {
    const heap = makeHeap();
    const a = heap.alloc(1000);
    heap.alloc(64);
    heap.free(a);
    expect(heap.alloc(1000)).toBe(a);
    expect(heap.alloc(500)).not.toBe(a);
  });

  it('coalesces neighbouring free blocks and lowers the top when the last block is freed', () => {
    const heap = makeHeap();
    // Blocks above the quick stacks' 1 KiB, which coalesce on free.
    const a = heap.alloc(2048);
    const b = heap.alloc(2048);
    const c = heap.alloc(2048);
    const guard = heap.alloc(2048);
    heap.free(a);
    heap.free(c);
    heap.free(b);
    expect(heap.bytesFree).toBe(6144);
    // One 6144-byte block now: a 5000-byte request fits at a.
    expect(heap.alloc(5000)).toBe(a);
    const top = heap.top;
    heap.free(guard);
    expect(heap.top).toBeLessThan(top);
  });

  it('keeps bytesReserved bounded over 1,000 iterations of mixed-size alloc and free', () => {
    const heap = makeHeap();
    const next = rng(7);
    const live: number[] = [];
    let maxLive = 0;
    for (let i = 0; i < 1000; i++) {
      // Sizes from 1 byte to 256 KiB, skewed small, with up to 32 blocks live at once.
      const size = Math.floor(next() ** 3 * 262144) + 1;
      live.push(heap.alloc(size));
      while (live.length > 32 || (live.length > 0 && next() < 0.45)) {
        heap.free(live.splice(Math.floor(next() * live.length), 1)[0]!);
      }
      maxLive = Math.max(maxLive, heap.bytesInUse);
    }
    for (const ptr of live) heap.free(ptr);
    expect(heap.bytesInUse).toBe(0);
    heap.trim();
    expect(heap.bytesFree).toBe(0);
    // Fragmentation may cost some headroom, but the heap stays within a small multiple of the peak.
    expect(heap.bytesReserved).toBeLessThanOrEqual(3 * maxLive + 2 * PAGE);
  });

  it('hands a freed small block back to the next request of its size, and trims before growing', () => {
    const heap = makeHeap();
    const a = heap.alloc(4);
    const b = heap.alloc(60);
    heap.free(a);
    heap.free(b);
    expect(heap.bytesInUse).toBe(0);
    expect(heap.bytesFree).toBe(80);
    expect(heap.alloc(16)).toBe(a);
    expect(heap.alloc(49)).toBe(b);
    expect(() => heap.free(a + 8)).toThrow(BackendError);
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/unknown block/);
    // Fill the memory's first size with small blocks, free them, then ask for one large block:
    // the quick stacks go back to the heap and coalesce, so the memory does not grow.
    const reserved = heap.bytesReserved;
    const small: number[] = [];
    while (heap.top + 64 <= reserved) small.push(heap.alloc(64));
    for (const p of small) heap.free(p);
    heap.free(b);
    const big = heap.alloc(small.length * 64);
    expect(heap.bytesReserved).toBe(reserved);
    heap.free(big);
    heap.trim();
    expect(heap.bytesFree).toBe(0);
  });

  it('reaches a steady heap when every step allocates the same sizes', () => {
    const heap = makeHeap();
    const sizes = [4096, 12, 40000, 784 * 4 * 128, 256 * 4, 512, 40000, 3];
    const step = (): void => {
      const ptrs = sizes.map((s) => heap.alloc(s));
      // Free in a different order than allocated, as tensors die out of order.
      for (const i of [3, 0, 6, 1, 7, 2, 5, 4]) heap.free(ptrs[i]!);
    };
    step();
    const reserved = heap.bytesReserved;
    const top = heap.top;
    for (let i = 0; i < 1000; i++) step();
    expect(heap.bytesReserved).toBe(reserved);
    expect(heap.top).toBe(top);
  });

  it('grows the memory when needed and keeps existing data, with fresh views', () => {
    const heap = makeHeap(1);
    const a = heap.alloc(1024);
    heap.f32.set(
      Float32Array.from({ length: 256 }, (_, i) => i * 0.5),
      a >> 2,
    );
    const before = heap.bytesReserved;
    const big = heap.alloc(3 * PAGE);
    expect(heap.bytesReserved).toBeGreaterThan(before);
    expect(heap.u8.buffer).toBe(heap.memory.buffer);
    expect(Array.from(heap.f32.subarray(a >> 2, (a >> 2) + 4))).toEqual([0, 0.5, 1, 1.5]);
    expect(heap.f32[(a >> 2) + 255]).toBe(127.5);
    heap.u8.fill(7, big, big + 3 * PAGE);
    expect(heap.u8[big + 3 * PAGE - 1]).toBe(7);
  });

  it('fails with a BackendError past the maximum, and rejects unknown frees', () => {
    const heap = makeHeap(1, 2);
    expect(() => heap.alloc(3 * PAGE)).toThrow(BackendError);
    expect(() => heap.free(12345)).toThrow(/unknown block/);
  });

  it('rejects sizes that are not byte counts, or past the maximum, and stays usable', () => {
    const heap = makeHeap(1, 4);
    const a = heap.alloc(64);
    const state = [heap.top, heap.bytesInUse, heap.bytesFree];
    for (const bytes of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY, 2 ** 32 + 16, 2 ** 53]) {
      expect(() => heap.alloc(bytes), `alloc(${bytes})`).toThrow(BackendError);
      expect([heap.top, heap.bytesInUse, heap.bytesFree], `alloc(${bytes}) changed nothing`).toEqual(state);
    }
    const b = heap.alloc(32);
    expect(b).toBeGreaterThanOrEqual(a + 64);
    expect(() => heap.free(a + 1)).toThrow(/unknown block/);
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/unknown block/);
  });

  it('turns a failed memory.grow into a BackendError and stays consistent', () => {
    // The heap believes it may grow to 16 pages; the memory itself stops at 2, as when the host
    // cannot reserve more.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new WasmHeap(memory, 100, 16 * PAGE);
    const a = heap.alloc(1000);
    const state = [heap.top, heap.bytesInUse];
    expect(() => heap.alloc(4 * PAGE)).toThrow(BackendError);
    expect(() => heap.alloc(4 * PAGE)).toThrow(/could not grow/);
    expect([heap.top, heap.bytesInUse]).toEqual(state);
    heap.free(a);
    expect(heap.bytesInUse).toBe(0);
  });

  it('keeps blocks freed while frees are held until the hold settles', async () => {
    const heap = makeHeap();
    const a = heap.alloc(256);
    let release = (): void => undefined;
    heap.holdFrees(
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    heap.free(a);
    expect(() => heap.free(a)).toThrow(/unknown block/);
    // A block a stopped worker may still write is never handed out again before it has stopped.
    const b = heap.alloc(256);
    expect(b).not.toBe(a);
    expect(heap.bytesInUse).toBe(512);
    release();
    await Promise.resolve();
    await Promise.resolve();
    expect(heap.bytesInUse).toBe(256);
    expect(heap.alloc(256)).toBe(a);
  });
});

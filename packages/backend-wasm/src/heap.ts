// The allocator of the wasm heap, kept in JS: every block is 16-byte aligned (for v128 loads),
// freed blocks are coalesced with free neighbours and kept in power-of-two size bins for reuse,
// and a free block that reaches the top of the heap lowers the top instead. The memory grows
// (by at least a quarter of its size) only when no free block fits, so a training loop that
// allocates the same sizes every step reaches a steady heap. Typed-array views are re-created
// after a grow, which detaches the old buffer. Blocks of at most 1 KiB (scalars, biases, per-channel
// statistics, a batch-1 layer's activations: most of the tensors of a step's bookkeeping) skip the
// coalescing on free: they wait in a stack per size, which the next request of that size pops, and go back to the coalescing heap
// (`trim`) before the memory would grow. Sizes are checked as exact byte counts (JS
// numbers, never 32-bit arithmetic), so a request the heap cannot hold fails before any write.

import { BackendError } from '@nabla/core';
import { BlockTable } from './block-table.js';

/** Block alignment and size granularity in bytes: one v128. */
export const ALIGN = 16;
const PAGE = 65536;
/** Largest block (bytes) kept in the quick stacks. */
const QUICK_MAX = 1024;
/** Most bytes one quick stack keeps (4096 blocks of 64 bytes, 256 of 1 KiB). */
const QUICK_STACK_BYTES = 262144;

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** The bin of a free block of `size` bytes: floor(log2(size)). */
function binOf(size: number): number {
  return 31 - Math.clz32(size);
}

/**
 * A first-fit-per-bin allocator over one `WebAssembly.Memory`, from `base` upwards.
 * @example
 * const heap = new WasmHeap(new WebAssembly.Memory({ initial: 16, maximum: 1024 }), 1024);
 * const p = heap.alloc(100); heap.free(p);
 */
export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly #base: number;
  readonly #maximumBytes: number;
  #top: number;
  readonly #live = new BlockTable();
  // Free blocks by start (→ size) and by end (→ start), and per bin an unordered list of starts
  // with each start's place in it: open-addressing tables, not Maps and Sets, whose ordered
  // tables rehash again and again under a training step's churn (see block-table.ts).
  readonly #freeByStart = new BlockTable();
  readonly #freeByEnd = new BlockTable();
  readonly #bins: number[][] = [];
  readonly #binSlot = new BlockTable();
  #freeBytes = 0;
  #bytesInUse = 0;
  /** Freed blocks of 16, 32, ..., 1024 bytes, by size / 16 (see the header). */
  readonly #quick: number[][] = Array.from({ length: QUICK_MAX / ALIGN + 1 }, () => []);
  #quickBytes = 0;
  /** Holds in force (see `holdFrees`) and the blocks freed under them. */
  #holds = 0;
  readonly #held = new Map<number, number>();
  #u8: Uint8Array;
  #i32: Int32Array;
  #f32: Float32Array;

  /** `maximumBytes` is the memory's maximum (growth past it fails with a BackendError). */
  constructor(memory: WebAssembly.Memory, base: number, maximumBytes = 2 ** 32) {
    this.memory = memory;
    // Never 0: the kernels take pointer 0 as "none", and the block table cannot store it.
    this.#base = Math.max(ALIGN, roundUp(base, ALIGN));
    this.#top = this.#base;
    this.#maximumBytes = maximumBytes;
    this.#u8 = new Uint8Array(memory.buffer);
    this.#i32 = new Int32Array(memory.buffer);
    this.#f32 = new Float32Array(memory.buffer);
  }

  /** A 16-byte-aligned block of at least `bytes` bytes (contents unspecified). */
  alloc(bytes: number): number {
    if (bytes > 0 && bytes <= QUICK_MAX && (bytes | 0) === bytes) {
      // The quick path first: most requests of a step's bookkeeping are this small.
      const size = (bytes + ALIGN - 1) & -ALIGN;
      const ptr = this.#quick[size >>> 4]!.pop();
      if (ptr !== undefined) {
        this.#quickBytes -= size;
        this.#live.set(ptr, size);
        this.#bytesInUse += size;
        return ptr;
      }
    }
    if (!(Number.isSafeInteger(bytes) && bytes >= 0)) {
      throw new BackendError(`wasm heap: expected a byte count, got ${bytes}`);
    }
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    if (size > this.#maximumBytes - this.#base) {
      throw new BackendError(
        `wasm heap: out of memory: a block of ${bytes} bytes is larger than the heap's maximum of ${this.#maximumBytes} bytes`,
      );
    }
    let ptr = this.#takeFree(size);
    if (ptr < 0 && this.#quickBytes > 0 && this.#top + size > this.memory.buffer.byteLength) {
      // About to grow: the quick stacks' blocks may coalesce into room first.
      this.trim();
      ptr = this.#takeFree(size);
    }
    if (ptr < 0) {
      ptr = this.#top;
      this.#ensure(ptr + size);
      this.#top = ptr + size;
    }
    this.#live.set(ptr, size);
    this.#bytesInUse += size;
    return ptr;
  }

  /** Returns a block to the heap (later, while a hold is in force: see `holdFrees`). */
  free(ptr: number): void {
    const size = this.#live.get(ptr);
    if (size === undefined) throw new BackendError(`wasm heap: free of an unknown block at ${ptr}`);
    this.#live.delete(ptr);
    if (this.#holds > 0) {
      // Still occupied, so never handed out again, but no longer freeable by its owner.
      this.#held.set(ptr, size);
      return;
    }
    if (size <= QUICK_MAX) {
      const stack = this.#quick[size >>> 4]!;
      if (stack.length * size < QUICK_STACK_BYTES) {
        stack.push(ptr);
        this.#quickBytes += size;
        this.#bytesInUse -= size;
        return;
      }
    }
    this.#release(ptr, size);
  }

  /** Returns the blocks waiting in the quick stacks to the coalescing heap. */
  trim(): void {
    for (let k = 1; k < this.#quick.length; k++) {
      const stack = this.#quick[k]!;
      const size = k << 4;
      for (const ptr of stack) {
        // #release books the block out of bytesInUse, where a quick block no longer is.
        this.#bytesInUse += size;
        this.#release(ptr, size);
      }
      stack.length = 0;
    }
    this.#quickBytes = 0;
  }

  /**
   * Until `until` settles, freed blocks stay occupied; then they are freed. The thread pool holds
   * frees while it stops a worker that may still be writing into the blocks of a failed job.
   */
  holdFrees(until: Promise<unknown>): void {
    this.#holds++;
    const settle = (): void => {
      this.#holds--;
      if (this.#holds > 0) return;
      for (const [ptr, size] of this.#held) this.#release(ptr, size);
      this.#held.clear();
    };
    until.then(settle, settle);
  }

  #release(ptr: number, size: number): void {
    this.#bytesInUse -= size;
    let start = ptr;
    let length = size;
    const before = this.#freeByEnd.get(start);
    if (before !== undefined) {
      length += this.#freeByStart.get(before)!;
      this.#removeFree(before);
      start = before;
    }
    const after = this.#freeByStart.get(start + length);
    if (after !== undefined) {
      this.#removeFree(start + length);
      length += after;
    }
    if (start + length === this.#top) this.#top = start;
    else this.#addFree(start, length);
  }

  /** Bytes of live blocks (after rounding to 16). */
  get bytesInUse(): number {
    return this.#bytesInUse;
  }

  /** Bytes the memory holds (it never shrinks). */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength;
  }

  /** The first byte past the highest block ever in use now (the heap's high-water mark). */
  get top(): number {
    return this.#top;
  }

  /** Bytes in free blocks below the top (those in the quick stacks included). */
  get bytesFree(): number {
    return this.#quickBytes + this.#freeBytes;
  }

  /** Views over the current buffer (re-created after the memory grew). */
  get u8(): Uint8Array {
    this.#refresh();
    return this.#u8;
  }

  get i32(): Int32Array {
    this.#refresh();
    return this.#i32;
  }

  get f32(): Float32Array {
    this.#refresh();
    return this.#f32;
  }

  /**
   * Re-creates the views when the buffer changed. Only this heap grows the memory (the kernels
   * never run `memory.grow`), and it refreshes right after, so the views are stale only if
   * someone else grew it; a non-shared buffer then reads as detached (length 0), which this
   * catches without the costly `memory.buffer` lookup on every access.
   */
  #refresh(): void {
    if (this.#u8.byteLength !== 0) return;
    this.#renew();
  }

  #renew(): void {
    const buffer = this.memory.buffer;
    if (this.#u8.buffer === buffer) return;
    this.#u8 = new Uint8Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#f32 = new Float32Array(buffer);
  }

  /** Grows the memory so that `end` bytes exist, by at least a quarter of its size. */
  #ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.#maximumBytes) {
      throw new BackendError(
        `wasm heap: out of memory: needs ${end} bytes of heap, the maximum is ${this.#maximumBytes} bytes`,
      );
    }
    const needed = Math.ceil((end - have) / PAGE);
    const room = Math.floor((this.#maximumBytes - have) / PAGE);
    const pages = Math.min(Math.max(needed, Math.ceil(have / PAGE / 4)), room);
    try {
      this.memory.grow(pages);
      this.#renew();
    } catch (err) {
      // The host may refuse (no address space, or a memory whose own maximum is lower): nothing
      // has changed yet, so the heap stays as it was.
      throw new BackendError(
        `wasm heap: out of memory: could not grow the memory from ${have} to ${have + pages * PAGE} bytes (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }

  /** Best fit in the lowest bin that has a fitting block; splits off the remainder. */
  #takeFree(size: number): number {
    for (let k = binOf(size); k < this.#bins.length; k++) {
      const bin = this.#bins[k];
      if (!bin || bin.length === 0) continue;
      let best = -1;
      let bestSize = Number.POSITIVE_INFINITY;
      for (let i = 0; i < bin.length; i++) {
        const start = bin[i]!;
        const s = this.#freeByStart.get(start)!;
        if (s >= size && s < bestSize) {
          best = start;
          bestSize = s;
          if (s === size) break;
        }
      }
      if (best < 0) continue;
      this.#removeFree(best);
      if (bestSize > size) this.#addFree(best + size, bestSize - size);
      return best;
    }
    return -1;
  }

  #addFree(start: number, size: number): void {
    this.#freeByStart.set(start, size);
    this.#freeByEnd.set(start + size, start);
    this.#freeBytes += size;
    const k = binOf(size);
    let bin = this.#bins[k];
    if (!bin) {
      for (let i = this.#bins.length; i <= k; i++) this.#bins[i] ??= [];
      bin = this.#bins[k]!;
    }
    this.#binSlot.set(start, bin.length);
    bin.push(start);
  }

  #removeFree(start: number): void {
    const size = this.#freeByStart.get(start)!;
    this.#freeByStart.delete(start);
    this.#freeByEnd.delete(start + size);
    this.#freeBytes -= size;
    // The bin's last start takes this one's place.
    const bin = this.#bins[binOf(size)]!;
    const slot = this.#binSlot.get(start)!;
    const last = bin.pop()!;
    if (last !== start) {
      bin[slot] = last;
      this.#binSlot.set(last, slot);
    }
    this.#binSlot.delete(start);
  }
}

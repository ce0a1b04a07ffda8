// Mini-batches of paired tensors for custom training loops: iterate synchronously or with
// `for await`; each pass reshuffles with a seed derived from the pass number. Every batch is
// new tensors owned by the loop body: dispose it, or write `for (using batch of ...)`.

import { ArgumentError, gather, sliceRange, type Tensor } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { checkBoolean, checkNumber, checkOptions, readOnce } from '../engine/options.js';
import { randomSeed, shuffleIndices } from './random.js';
import { sampleCount } from './split.js';

/** Options of {@link batches}. */
export interface BatchesOptions {
  /** Samples per batch; the last batch may be smaller unless `dropRemainder`. */
  batchSize: number;
  /** Shuffle the samples on each pass (default false). */
  shuffle?: boolean;
  /** Seed of the shuffles: pass k uses `seed + k` (default: a random seed). */
  seed?: number;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropRemainder?: boolean;
}

/** One batch: new tensors the receiver owns; `dispose()` (or `using`) frees both. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Iterable (sync and async) over the batches of one pass; each iteration is a new pass.
 * @example
 * const epochBatches = batches(x, y, { batchSize: 64, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 3; epoch++) for (using b of epochBatches) step(b.x, b.y);
 */
export class Batches implements Iterable<Batch>, AsyncIterable<Batch> {
  readonly #x: Tensor;
  readonly #y: Tensor;
  readonly #batchSize: number;
  readonly #shuffle: boolean;
  readonly #seed: number;
  readonly #samples: number;
  #passes = 0;
  /** Batches in one pass. */
  readonly length: number;

  constructor(x: Tensor, y: Tensor, options: BatchesOptions) {
    options = readOnce(options);
    checkOptions('batches', options, ['batchSize', 'shuffle', 'seed', 'dropRemainder']);
    checkBoolean('batches', 'shuffle', options.shuffle);
    checkBoolean('batches', 'dropRemainder', options.dropRemainder);
    checkNumber('batches', 'seed', options.seed);
    const { batchSize, shuffle = false, dropRemainder = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ArgumentError(`batches: expected batchSize to be a positive integer, got ${batchSize}`);
    }
    this.#x = x;
    this.#y = y;
    this.#batchSize = batchSize;
    this.#shuffle = shuffle;
    this.#seed = options.seed ?? randomSeed();
    const n = sampleCount('batches', x, y);
    this.#samples = dropRemainder ? n - (n % batchSize) : n;
    this.length = Math.ceil(this.#samples / batchSize);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.#shuffle ? shuffleIndices(this.#x.shape[0]!, this.#seed + this.#passes) : undefined;
    this.#passes++;
    for (let start = 0; start < this.#samples; start += this.#batchSize) {
      const size = Math.min(this.#batchSize, this.#samples - start);
      if (order) {
        const picked = order.subarray(start, start + size);
        yield makeBatch(gather(this.#x, picked), gather(this.#y, picked));
      } else {
        yield makeBatch(sliceRange(this.#x, start, size), sliceRange(this.#y, start, size));
      }
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (const batch of this) yield batch;
  }
}

function makeBatch(x: Tensor, y: Tensor): Batch {
  const dispose = () => {
    x.dispose();
    y.dispose();
  };
  return { x, y, dispose, [Symbol.dispose]: dispose };
}

/**
 * Mini-batches of x and y (same length on axis 0), covering every sample once per pass. The
 * inputs stay owned by the caller; each batch is owned by the loop body, which disposes it.
 * @example
 * for (using batch of batches(x, y, { batchSize: 32, shuffle: true, seed: 1 })) trainStep(batch.x, batch.y);
 * for await (const { x: bx, y: by, dispose } of batches(x, y, { batchSize: 32 })) { await step(bx, by); dispose(); }
 */
export function batches(x: Tensor, y: Tensor, options: BatchesOptions): Batches {
  checkArgCount('batches', arguments.length, 3, 'batches(x, y, { batchSize })');
  return new Batches(x, y, options);
}

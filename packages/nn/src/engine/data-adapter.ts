// Turns what `fit`/`evaluate`/`predict` are given into batches: tensors (one per model input or
// output) are split for validation, and each epoch cut into batches by a seeded permutation
// (gather) or contiguous slices; iterables of `{ x, y }` batches pass through.

import { ArgumentError, fmtShape, gather, ShapeError, sliceRange, type Tensor } from '@nabla/core';
import { shuffleIndices } from '../data/random.js';

/** One tensor, or one per model input/output. */
export type TensorOrList = Tensor | readonly Tensor[];

/** A batch of a dataset: inputs, targets and optional per-sample weights. */
export interface DatasetBatch {
  readonly x: TensorOrList;
  readonly y: TensorOrList;
  readonly sampleWeight?: Tensor;
  /** When present, called after the batch is used (instead of disposing x and y). */
  dispose?(): void;
}

/** Batches to train on: an async or sync iterable; each epoch iterates it again. */
export type Dataset = AsyncIterable<DatasetBatch> | Iterable<DatasetBatch>;

/**
 * The list form of a tensor-or-list.
 * @example
 * toList(x); // [x]
 * toList([a, b]); // [a, b]
 */
export function toList(value: TensorOrList): Tensor[] {
  return Array.isArray(value) ? [...value] : [value as Tensor];
}

/**
 * Number of samples (axis 0), checked equal across all the tensors.
 * @example
 * sampleCount('fit', { x: [x], y: [y] }); // x.shape[0]
 * sampleCount('fit', { x: [ones([3, 2])], y: [ones([4])] }); // throws ShapeError
 */
export function sampleCount(op: string, groups: Record<string, readonly Tensor[]>): number {
  let n: number | undefined;
  let firstName = '';
  for (const [name, list] of Object.entries(groups)) {
    list.forEach((t, i) => {
      const label = list.length > 1 ? `${name}[${i}]` : name;
      if (t.rank === 0) throw new ShapeError(`${op}: expected ${label} to have a batch axis, got shape []`);
      if (n === undefined) {
        n = t.shape[0]!;
        firstName = label;
      } else if (t.shape[0] !== n) {
        throw new ShapeError(
          `${op}: expected ${label} to have ${n} samples like ${firstName}, got shape ${fmtShape(t.shape)}`,
        );
      }
    });
  }
  if (n === undefined) throw new ArgumentError(`${op}: no input tensors given`);
  return n;
}

/**
 * Rows [start, start + size) of each tensor.
 * @example
 * const [head] = sliceRows([x], 0, 10);
 * head.shape[0]; // 10
 */
export function sliceRows(list: readonly Tensor[], start: number, size: number): Tensor[] {
  return list.map((t) => sliceRange(t, start, size));
}

/** One batch of tensors, owned by the receiver. */
export interface ArrayBatch {
  readonly xs: Tensor[];
  readonly ys: Tensor[];
  readonly sampleWeight?: Tensor;
  readonly size: number;
}

/** Options of `arrayBatches`. */
export interface ArrayBatchOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
}

/**
 * The batches of one epoch over tensors with `n` samples; shuffled epochs gather rows by a
 * permutation seeded with `seed`.
 * @example
 * for (const b of arrayBatches([x], [y], undefined, { batchSize: 32, shuffle: true, seed: 1 })) {}
 */
export function* arrayBatches(
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  sampleWeight: Tensor | undefined,
  options: ArrayBatchOptions,
): Generator<ArrayBatch> {
  const n = xs[0]?.shape[0] ?? ys[0]?.shape[0] ?? 0;
  const order = options.shuffle ? shuffleIndices(n, options.seed) : undefined;
  for (let start = 0; start < n; start += options.batchSize) {
    const size = Math.min(options.batchSize, n - start);
    if (order) {
      const picked = order.subarray(start, start + size);
      yield {
        xs: xs.map((t) => gather(t, picked)),
        ys: ys.map((t) => gather(t, picked)),
        sampleWeight: sampleWeight ? gather(sampleWeight, picked) : undefined,
        size,
      };
    } else {
      yield {
        xs: sliceRows(xs, start, size),
        ys: sliceRows(ys, start, size),
        sampleWeight: sampleWeight ? sliceRange(sampleWeight, start, size) : undefined,
        size,
      };
    }
  }
}

/**
 * Frees a batch made by `arrayBatches`.
 * @example
 * for (const b of arrayBatches([x], [y], undefined, options)) disposeBatch(b);
 * // frees b.xs, b.ys and b.sampleWeight
 */
export function disposeBatch(batch: ArrayBatch): void {
  for (const t of [...batch.xs, ...batch.ys]) t.dispose();
  batch.sampleWeight?.dispose();
}

/**
 * An iterator over a dataset, async or not.
 * @example
 * const it = datasetIterator(batches(x, y, { batchSize: 32 }));
 * const first = await it.next();
 */
export function datasetIterator(dataset: Dataset): AsyncIterator<DatasetBatch> | Iterator<DatasetBatch> {
  if (Symbol.asyncIterator in dataset) return dataset[Symbol.asyncIterator]();
  if (Symbol.iterator in dataset) return dataset[Symbol.iterator]();
  throw new ArgumentError('fit: expected tensors or an iterable of { x, y } batches');
}

/**
 * Checks a batch size option.
 * @example
 * checkBatchSize('fit', 32); // ok
 * checkBatchSize('fit', 0); // throws ArgumentError
 */
export function checkBatchSize(op: string, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ArgumentError(`${op}: expected batchSize to be a positive integer, got ${batchSize}`);
  }
}

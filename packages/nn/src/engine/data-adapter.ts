// Turns what `fit`/`evaluate`/`predict` are given into batches: tensors (one per model input or
// output) are split for validation, and each epoch cut into batches by a seeded permutation
// (gather) or contiguous slices; iterables of `{ x, y }` batches pass through.

import { ArgumentError, gather, ShapeError, sliceRange, Tensor } from '@nabla/core';
import { describeValue, fmtShape } from '@nabla/core/internal';
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

/** How garbage reads in a data error: tensors by shape, small arrays by their entries' kinds. */
function describeData(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (value instanceof Tensor) return `a tensor of shape ${fmtShape(value.shape)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value) && value.length > 0) {
    const kinds = [...new Set(value.slice(0, 8).map((v) => (Array.isArray(v) ? 'array' : typeof v)))];
    return `an array of length ${value.length} holding ${kinds.join(', ')}`;
  }
  return describeValue(value);
}

/**
 * Throws unless `value` is a live tensor or a non-empty array of live tensors; `where` names the
 * call (`'seq_1: predict'`) and `label` the argument.
 * @example
 * checkTensors('m: predict', 'x', x); // ok
 * checkTensors('m: predict', 'x', [[1, 2]]); // throws: expected x to be a tensor or a non-empty array of tensors
 */
export function checkTensors(where: string, label: string, value: unknown): asserts value is TensorOrList {
  const list = Array.isArray(value) ? value : [value];
  if (list.length > 0 && list.every((t) => t instanceof Tensor)) {
    for (const t of list as Tensor[]) t.assertAlive(where);
    return;
  }
  throw new ArgumentError(
    `${where}: expected ${label} to be a tensor or a non-empty array of tensors, got ${describeData(value)}${rawHint(value)}`,
  );
}

/** Plain numbers where tensors belong: say how to make one. */
function rawHint(value: unknown): string {
  const raw =
    ArrayBuffer.isView(value) ||
    (Array.isArray(value) && value.some((v) => typeof v === 'number' || Array.isArray(v)));
  return raw ? ' (make one with tensor(...) first)' : '';
}

/**
 * What the data argument of fit/evaluate is: tensors (a tensor or an array of tensors), a
 * dataset (an iterable of `{ x, y }` batches, an array of them included), or neither (throws
 * naming `where`). Strings are iterable but never data.
 * @example
 * dataKind('m: fit', x); // 'tensors'
 * dataKind('m: fit', [{ x, y }]); // 'dataset'
 */
export function dataKind(where: string, value: unknown): 'tensors' | 'dataset' {
  if (value instanceof Tensor) return 'tensors';
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((t) => t instanceof Tensor)) return 'tensors';
    const batch = (b: unknown) =>
      typeof b === 'object' && b !== null && !Array.isArray(b) && !(b instanceof Tensor);
    if (value.length > 0 && value.every(batch)) return 'dataset';
  } else if (
    typeof value === 'object' &&
    value !== null &&
    // A typed array is iterable, but of numbers: raw data, not batches.
    !ArrayBuffer.isView(value) &&
    (Symbol.iterator in value || Symbol.asyncIterator in value)
  ) {
    return 'dataset';
  }
  throw new ArgumentError(
    `${where}: expected x and y tensors, or a dataset (an iterable of { x, y } batches), got ${describeData(value)}${rawHint(value)}`,
  );
}

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
    throw new ArgumentError(
      `${op}: expected batchSize to be a positive integer, got ${describeData(batchSize)}`,
    );
  }
}

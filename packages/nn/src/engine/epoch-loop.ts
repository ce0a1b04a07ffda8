// The batch loop that fit, evaluate and trainOnBatch share: checks of callbacks and sample
// weights, running epoch logs, dataset and tensor batches, building a model on its first batch,
// and the test loop (evaluate, and fit's validation). Each batch is read once (`await data()` of
// a small vector of losses and metrics), so all of it works on async-only backends.

import { ArgumentError, Tensor, tidy } from '@nabla/core';
import type { CallbackList, Logs } from '../callbacks/callback.js';
import {
  type ArrayBatch,
  arrayBatches,
  checkTensors,
  type Dataset,
  datasetIterator,
  disposeBatch,
  sampleCount,
  type TensorOrList,
  toList,
} from './data-adapter.js';
import { checkTargets } from './labels.js';
import type { Model } from './model.js';
import { showValue } from './options.js';
import { lossKeys, type MetricSet, modelOutputs, testStep } from './train-step.js';
import type { Yielder } from './yield.js';

/**
 * Checks a list of callbacks: objects whose hooks, where present, are functions.
 * @example
 * checkCallbacks('fit', [earlyStopping()]); // ok
 * checkCallbacks('fit', earlyStopping()); // throws: expected callbacks to be an array
 */
export function checkCallbacks(where: string, callbacks: unknown): void {
  if (callbacks === undefined) return;
  if (!Array.isArray(callbacks)) {
    throw new ArgumentError(`${where}: expected callbacks to be an array, got ${showValue(callbacks)}`);
  }
  callbacks.forEach((cb: unknown, i) => {
    if (typeof cb !== 'object' || cb === null) {
      throw new ArgumentError(
        `${where}: expected callbacks[${i}] to be a callback object, got ${showValue(cb)}`,
      );
    }
    for (const hook of CALLBACK_HOOKS) {
      const fn = (cb as Record<string, unknown>)[hook];
      if (fn !== undefined && typeof fn !== 'function') {
        throw new ArgumentError(
          `${where}: expected callbacks[${i}].${hook} to be a function, got ${showValue(fn)}`,
        );
      }
    }
  });
}

const CALLBACK_HOOKS = [
  'setModel',
  'setParams',
  'onTrainBegin',
  'onTrainEnd',
  'onEpochBegin',
  'onEpochEnd',
  'onBatchBegin',
  'onBatchEnd',
  'onTestBegin',
  'onTestEnd',
  'onTestBatchBegin',
  'onTestBatchEnd',
  'onPredictBegin',
  'onPredictEnd',
  'onPredictBatchBegin',
  'onPredictBatchEnd',
];

/**
 * Checks a sample-weight option: a tensor, or undefined.
 * @example
 * checkSampleWeight('fit', ones([32])); // ok
 */
export function checkSampleWeight(where: string, sampleWeight: unknown): void {
  if (sampleWeight !== undefined && !(sampleWeight instanceof Tensor)) {
    throw new ArgumentError(`${where}: expected sampleWeight to be a tensor, got ${showValue(sampleWeight)}`);
  }
}

/** A batch ready for a step (owned by the loop). */
export interface StepBatch extends ArrayBatch {
  release(): void;
}

/**
 * Running means of the loss parts (weighted by batch size); metrics are already cumulative.
 * @example
 * const logs = new EpochLogs(['loss', 'accuracy'], 1);
 * logs.add([0.5, 0.9], 32); // { loss: 0.5, accuracy: 0.9 }
 */
export class EpochLogs {
  readonly #sums: number[];
  #count = 0;
  #last: number[] = [];

  constructor(
    readonly keys: readonly string[],
    readonly lossParts: number,
  ) {
    this.#sums = new Array<number>(lossParts).fill(0);
  }

  add(values: ArrayLike<number>, size: number): Logs {
    for (let i = 0; i < this.lossParts; i++) this.#sums[i]! += values[i]! * size;
    this.#count += size;
    this.#last = Array.from(values);
    return this.logs();
  }

  logs(): Logs {
    const out: Logs = {};
    this.keys.forEach((k, i) => {
      out[k] = i < this.lossParts ? this.#sums[i]! / Math.max(this.#count, 1) : (this.#last[i] ?? Number.NaN);
    });
    return out;
  }
}

/**
 * Builds the model on a first batch when it has no weights yet (so gradients see them).
 * @example
 * ensureBuilt(model, [xBatch]);
 * model.built; // true
 */
export function ensureBuilt(model: Model, xs: readonly Tensor[]): void {
  if (model.built) return;
  tidy(() => {
    modelOutputs(model, xs, false);
  });
}

/**
 * Throws unless there is one target tensor per model output.
 * @example
 * checkOutputs(model, 'fit', [y]);
 * checkOutputs(twoOutputModel, 'fit', [y]); // throws: expected 2 target tensors
 */
export function checkOutputs(model: Model, op: string, ys: readonly Tensor[]): void {
  if (ys.length !== model.outputNames.length) {
    throw new ArgumentError(
      `${model.name}: ${op} expected ${model.outputNames.length} target tensors (one per output), got ${ys.length}`,
    );
  }
}

export async function* datasetBatches(
  dataset: Dataset,
  limit: number | undefined,
  carried: { iterator: AsyncIterator<unknown> | Iterator<unknown> | null },
  op = 'fit',
): AsyncGenerator<ArrayBatch & { release(): void }> {
  const disposes = !Array.isArray(dataset);
  let count = 0;
  while (limit === undefined || count < limit) {
    carried.iterator ??= datasetIterator(dataset);
    const next = await carried.iterator.next();
    if (next.done) {
      carried.iterator = null;
      if (limit === undefined || count > 0) return;
      throw new ArgumentError(`${op}: the dataset produced no batches`);
    }
    const item = next.value as {
      x?: TensorOrList;
      y?: TensorOrList;
      sampleWeight?: Tensor;
      dispose?: () => void;
    };
    if (!item || item.x === undefined || item.y === undefined) {
      throw new ArgumentError(`${op}: expected each dataset element to be { x, y }`);
    }
    const release = () => {
      if (!disposes) return;
      if (typeof item.dispose === 'function') item.dispose();
      // Only what is a tensor: the checks below may be refusing the rest.
      else for (const t of [item.x, item.y, item.sampleWeight].flat()) if (t instanceof Tensor) t.dispose();
    };
    let size: number;
    let xs: Tensor[];
    let ys: Tensor[];
    try {
      const where = `${op}: dataset batch ${count}`;
      checkTensors(where, 'x', item.x);
      checkTensors(where, 'y', item.y);
      checkSampleWeight(where, item.sampleWeight);
      xs = toList(item.x);
      ys = toList(item.y);
      size = sampleCount(op, { x: xs, y: ys });
    } catch (error) {
      release();
      throw error;
    }
    count++;
    yield {
      xs,
      ys,
      sampleWeight: item.sampleWeight,
      size,
      release,
    };
  }
}

/**
 * Evaluation over batches with `metrics` (reset first); returns `{ loss, ... }`.
 * @example
 * const logs = await runTest(model, tensorBatches([x], [y], undefined, 32), metrics, null, new Yielder());
 * logs.loss;
 */
export async function runTest(
  model: Model,
  batches: AsyncIterable<ArrayBatch & { release?(): void }> | Iterable<ArrayBatch & { release?(): void }>,
  metrics: MetricSet,
  list: CallbackList | null,
  yielder: Yielder,
  checkBatches = false,
): Promise<Logs> {
  const compiled = model.compiledFor('evaluate');
  metrics.reset();
  const logs = new EpochLogs(
    [...lossKeys(model.outputNames), ...metrics.keys],
    lossKeys(model.outputNames).length,
  );
  let step = 0;
  for await (const batch of batches) {
    let vec: Tensor;
    try {
      checkOutputs(model, 'evaluate', batch.ys);
      if (checkBatches) await checkTargets(model, 'evaluate', compiled.losses, batch.xs, batch.ys);
      ensureBuilt(model, batch.xs);
      await list?.onTestBatchBegin(step, { batch: step, size: batch.size });
      vec = testStep(model, compiled.losses, metrics, batch.xs, batch.ys, batch.sampleWeight);
    } finally {
      if (batch.release) batch.release();
      else disposeBatch(batch);
    }
    const values = await readAndDispose(vec);
    const current = logs.add(values, batch.size);
    await list?.onTestBatchEnd(step, current);
    step++;
    await yielder.afterBatch();
  }
  return logs.logs();
}

/**
 * Contiguous batches of tensors, for evaluation.
 * @example
 * for (const b of tensorBatches([x], [y], undefined, 32)) disposeBatch(b);
 * // contiguous, unshuffled batches
 */
export function tensorBatches(
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  sw: Tensor | undefined,
  batchSize: number,
) {
  return arrayBatches(xs, ys, sw, { batchSize, shuffle: false, seed: 0 });
}

/**
 * Reads a small tensor once and frees it, also when the read fails.
 * @example
 * const values = await readAndDispose(vec);
 */
export async function readAndDispose(t: Tensor): Promise<ArrayLike<number>> {
  try {
    return (await t.data()) as ArrayLike<number>;
  } finally {
    t.dispose();
  }
}

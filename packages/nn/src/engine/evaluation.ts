// evaluate, predict and trainOnBatch, and what the fit loop shares with them: running epoch
// logs, dataset batches and the test loop. Each batch is read once (`await data()` of a small
// vector of losses and metrics), so all of it works on async-only backends.

import { ArgumentError, concat, Tensor, tidy } from '@nabla/core';
import { type CallbackHooks, CallbackList, type Logs } from '../callbacks/callback.js';
import {
  type ArrayBatch,
  arrayBatches,
  checkBatchSize,
  checkTensors,
  type Dataset,
  datasetIterator,
  disposeBatch,
  sampleCount,
  sliceRows,
  type TensorOrList,
  toList,
} from './data-adapter.js';
import { checkTargets } from './labels.js';
import type { Model } from './model.js';
import { checkOptions, showValue } from './options.js';
import { lossKeys, MetricSet, testStep, trainStep } from './train-step.js';
import { checkYieldEvery, type YieldEvery, Yielder } from './yield.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  batchSize?: number;
  sampleWeight?: Tensor;
  callbacks?: readonly CallbackHooks[];
  /** When to yield to the event loop between batches (default 'auto': every ~16 ms). */
  yieldEvery?: YieldEvery;
}

const EVALUATE_KEYS = ['batchSize', 'sampleWeight', 'callbacks', 'yieldEvery'];

/** Options of `predict`, `predictOutputs` and `predictAsync`. */
export interface PredictOptions {
  batchSize?: number;
  /** `predictAsync` only: when to yield to the event loop between batches (default 'auto'). */
  yieldEvery?: YieldEvery;
}

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
    model.run(xs, false);
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
 * `evaluate(x, y, options)` or `evaluate(dataset)`: mean loss and final metrics.
 * @example
 * const logs = await evaluateModel(model, x, y, { batchSize: 64 });
 * logs.loss;
 */
export async function evaluateModel(
  model: Model,
  x: TensorOrList | Dataset,
  y: TensorOrList | undefined,
  options: EvaluateOptions | undefined,
): Promise<Logs> {
  const compiled = model.compiledFor('evaluate');
  const o = checkOptions('evaluate', options, EVALUATE_KEYS) as EvaluateOptions;
  const { batchSize = 32 } = o;
  checkBatchSize('evaluate', batchSize);
  checkSampleWeight('evaluate', o.sampleWeight);
  checkCallbacks('evaluate', o.callbacks);
  checkYieldEvery('evaluate', o.yieldEvery);
  const list = new CallbackList(o.callbacks ?? []);
  list.setModel(model);
  const yielder = new Yielder(o.yieldEvery);
  const metrics = new MetricSet(compiled.metrics, compiled.losses, model.outputNames);
  try {
    await list.onTestBegin();
    let logs: Logs;
    if (y === undefined && (x instanceof Tensor || (Array.isArray(x) && x[0] instanceof Tensor))) {
      throw new ArgumentError(`${model.name}: evaluate(x, y) expected targets y, got only x`);
    }
    if (y !== undefined) {
      const xs = toList(x as TensorOrList);
      const ys = toList(y);
      checkOutputs(model, 'evaluate', ys);
      sampleCount('evaluate', {
        x: xs,
        y: ys,
        ...(o.sampleWeight ? { sampleWeight: [o.sampleWeight] } : {}),
      });
      await checkTargets(model, 'evaluate', compiled.losses, xs, ys);
      logs = await runTest(model, tensorBatches(xs, ys, o.sampleWeight, batchSize), metrics, list, yielder);
    } else {
      logs = await runTest(
        model,
        datasetBatches(x as Dataset, undefined, { iterator: null }, 'evaluate'),
        metrics,
        list,
        yielder,
        true,
      );
    }
    await list.onTestEnd(logs);
    return logs;
  } finally {
    metrics.dispose();
  }
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

function predictBatchSize(options: PredictOptions | undefined, where: string): PredictOptions {
  const o = checkOptions(where, options, ['batchSize', 'yieldEvery']) as PredictOptions;
  checkBatchSize(where, o.batchSize ?? 32);
  checkYieldEvery(where, o.yieldEvery);
  return o;
}

function concatParts(parts: readonly Tensor[][]): Tensor[] {
  return parts[0]!.map((_, k) =>
    concat(
      parts.map((p) => p[k]!),
      0,
    ),
  );
}

/**
 * `predict(x, options)`: outputs per output, batches concatenated.
 * @example
 * const [probs] = predictModel(model, x, { batchSize: 256 });
 * probs.shape; // [samples, classes]
 */
export function predictModel(model: Model, x: TensorOrList, options: PredictOptions | undefined): Tensor[] {
  const { batchSize = 32 } = predictBatchSize(options, 'predict');
  const xs = toList(x);
  const n = sampleCount('predict', { x: xs });
  if (n <= batchSize) return tidy(() => model.run(xs, false));
  const parts: Tensor[][] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tidy(() => model.run(sliceRows(xs, start, size), false)));
    }
    return concatParts(parts);
  } finally {
    for (const p of parts) for (const t of p) t.dispose();
  }
}

/**
 * `predictAsync(x, options)`: `predictModel` yielding to the event loop between batches.
 * @example
 * const [probs] = await predictModelAsync(model, x, { batchSize: 256, yieldEvery: 'batch' });
 */
export async function predictModelAsync(
  model: Model,
  x: TensorOrList,
  options: PredictOptions | undefined,
): Promise<Tensor[]> {
  const { batchSize = 32, yieldEvery } = predictBatchSize(options, 'predictAsync');
  const xs = toList(x);
  const n = sampleCount('predictAsync', { x: xs });
  if (n <= batchSize) return tidy(() => model.run(xs, false));
  const yielder = new Yielder(yieldEvery);
  const parts: Tensor[][] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tidy(() => model.run(sliceRows(xs, start, size), false)));
      if (start + size < n) await yielder.afterBatch();
    }
    return concatParts(parts);
  } finally {
    for (const p of parts) for (const t of p) t.dispose();
  }
}

/**
 * `trainOnBatch(x, y)`: one update; the batch's losses and metrics.
 * @example
 * const { loss } = await trainOnBatchOf(model, xBatch, yBatch);
 * console.log(loss);
 */
export async function trainOnBatchOf(model: Model, x: TensorOrList, y: TensorOrList): Promise<Logs> {
  const compiled = model.compiledFor('trainOnBatch');
  const xs = toList(x);
  const ys = toList(y);
  checkOutputs(model, 'trainOnBatch', ys);
  sampleCount('trainOnBatch', { x: xs, y: ys });
  ensureBuilt(model, xs);
  await checkTargets(model, 'trainOnBatch', compiled.losses, xs, ys);
  const metrics = new MetricSet(compiled.metrics, compiled.losses, model.outputNames);
  try {
    const vec = trainStep(model, compiled.losses, compiled.optimizer, metrics, xs, ys);
    const values = await readAndDispose(vec);
    const keys = [...lossKeys(model.outputNames), ...metrics.keys];
    return Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
  } finally {
    metrics.dispose();
  }
}

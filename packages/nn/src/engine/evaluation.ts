// evaluate, predict and trainOnBatch: option checks, then the shared batch loop (epoch-loop.ts)
// or batched prediction. Each batch is read once, so all of it works on async-only backends.

import { ArgumentError, concat, Tensor, tidy } from '@nabla/core';
import { type CallbackHooks, CallbackList, type Logs } from '../callbacks/callback.js';
import {
  checkBatchSize,
  type Dataset,
  sampleCount,
  sliceRows,
  type TensorOrList,
  toList,
} from './data-adapter.js';
import {
  checkCallbacks,
  checkOutputs,
  checkSampleWeight,
  datasetBatches,
  ensureBuilt,
  readAndDispose,
  runTest,
  tensorBatches,
} from './epoch-loop.js';
import { checkTargets } from './labels.js';
import type { Model } from './model.js';
import { checkOptions } from './options.js';
import { lossKeys, MetricSet, modelOutputs, trainStep } from './train-step.js';
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
  if (n <= batchSize) return tidy(() => modelOutputs(model, xs, false));
  const parts: Tensor[][] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tidy(() => modelOutputs(model, sliceRows(xs, start, size), false)));
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
  if (n <= batchSize) return tidy(() => modelOutputs(model, xs, false));
  const yielder = new Yielder(yieldEvery);
  const parts: Tensor[][] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(tidy(() => modelOutputs(model, sliceRows(xs, start, size), false)));
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

// The fit loops, on tensors and on datasets: epochs of batches (shuffled by a seeded
// permutation), one training step per batch read once with `await data()`, validation, class
// weights, callbacks and the progress display. Only weights and optimizer state remain after.

import { ArgumentError, type Tensor, tidy } from '@nabla/core';
import { type CallbackHooks, CallbackList, type Logs } from '../callbacks/callback.js';
import { randomSeed } from '../data/random.js';
import {
  type ArrayBatch,
  arrayBatches,
  checkBatchSize,
  type Dataset,
  disposeBatch,
  sampleCount,
  sliceRows,
  type TensorOrList,
  toList,
} from './data-adapter.js';
import {
  checkOutputs,
  datasetBatches,
  EpochLogs,
  ensureBuilt,
  runTest,
  type StepBatch,
  tensorBatches,
} from './evaluation.js';
import { History } from './history.js';
import type { Model } from './model.js';
import { ProgressLogger, type ProgressWriter } from './progress.js';
import { type ClassWeight, classSampleWeights, lossKeys, MetricSet, trainStep } from './train-step.js';

/** Validation data: `[x, y]`, `[x, y, sampleWeight]`, or a dataset of batches. */
export type ValidationData =
  | readonly [TensorOrList, TensorOrList]
  | readonly [TensorOrList, TensorOrList, Tensor]
  | Dataset;

/** Options shared by both forms of `fit`. */
export interface FitCommonOptions {
  epochs?: number;
  /** Callback instances or plain objects with hook methods. */
  callbacks?: readonly CallbackHooks[];
  /** 0 silent, 1 progress bar, 2 one line per epoch (default 1). */
  verbose?: 0 | 1 | 2;
  /** Epoch to start counting from (to resume training). */
  initialEpoch?: number;
  /** Weight of each class, applied as per-sample weights. */
  classWeight?: ClassWeight;
  validationData?: ValidationData;
  /** Batch size of validation on tensors (default: batchSize, or 32). */
  validationBatchSize?: number;
  /** Where the progress display goes (default: stdout). */
  writer?: ProgressWriter;
}

/** Options of `fit(x, y, options)`. */
export interface FitOptions extends FitCommonOptions {
  batchSize?: number;
  /** Reshuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** Fraction of the samples, taken from the end before shuffling, kept for validation. */
  validationSplit?: number;
  /** Per-sample weights, shape [samples]. */
  sampleWeight?: Tensor;
  /** Seed of the shuffles (epoch e uses seed + e). */
  seed?: number;
}

/** Options of `fit(dataset, options)`. */
export interface FitDatasetOptions extends FitCommonOptions {
  /** Batches per epoch; the dataset's iterator then carries over between epochs. */
  batchesPerEpoch?: number;
}

/** Options of `evaluate`. */
function withClassWeight(
  batch: ArrayBatch,
  classWeight: ClassWeight | undefined,
  releaseBase: () => void,
): StepBatch {
  let sampleWeight = batch.sampleWeight;
  let made: Tensor | undefined;
  if (classWeight) {
    const cw = classSampleWeights(batch.ys[0]!, classWeight);
    made = sampleWeight ? tidy(() => cw.mul(sampleWeight!.reshape(cw.shape))) : cw;
    if (made !== cw) cw.dispose();
    sampleWeight = made;
  }
  return {
    ...batch,
    sampleWeight,
    release: () => {
      releaseBase();
      made?.dispose();
    },
  };
}

/** Batches of a dataset; x and y are disposed after use unless the dataset is a plain array. */
type TensorValidation = readonly [TensorOrList, TensorOrList] | readonly [TensorOrList, TensorOrList, Tensor];

function isTensorValidation(data: ValidationData): data is TensorValidation {
  return Array.isArray(data) && data.length >= 2 && data.length <= 3 && !('x' in data[0]);
}

async function validate(
  model: Model,
  data: ValidationData,
  batchSize: number,
  metrics: MetricSet,
): Promise<Logs> {
  const logs = isTensorValidation(data)
    ? await runTest(model, tensorBatches(toList(data[0]), toList(data[1]), data[2], batchSize), metrics, null)
    : await runTest(model, datasetBatches(data, undefined, { iterator: null }), metrics, null);
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [`val_${k}`, v]));
}

interface LoopSetup {
  epochs: number;
  steps: number | undefined;
  batchSize?: number;
  samples?: number;
  epochBatches(epoch: number): AsyncIterable<StepBatch> | Iterable<StepBatch>;
  validation?: (metrics: MetricSet) => Promise<Logs>;
}

async function trainLoop(model: Model, options: FitCommonOptions, setup: LoopSetup): Promise<History> {
  const compiled = model.compiledFor('fit');
  const { verbose = 1, initialEpoch = 0 } = options;
  const history = new History();
  const extra: CallbackHooks[] = [history];
  if (verbose > 0) extra.push(new ProgressLogger({ verbose, writer: options.writer }));
  const list = new CallbackList([...(options.callbacks ?? []), ...extra]);
  list.setModel(model);
  list.setParams({
    epochs: setup.epochs,
    steps: setup.steps,
    verbose,
    batchSize: setup.batchSize,
    samples: setup.samples,
  });
  model.stopTraining = false;
  const metrics = new MetricSet(compiled.metrics, compiled.losses, model.outputNames);
  const valMetrics = new MetricSet(compiled.metrics, compiled.losses, model.outputNames);
  const keys = [...lossKeys(model.outputNames), ...metrics.keys];
  let last: Logs = {};
  try {
    await list.onTrainBegin();
    for (let epoch = initialEpoch; epoch < setup.epochs && !model.stopTraining; epoch++) {
      metrics.reset();
      await list.onEpochBegin(epoch);
      const epochLogs = new EpochLogs(keys, lossKeys(model.outputNames).length);
      let step = 0;
      for await (const batch of setup.epochBatches(epoch)) {
        let vec: Tensor;
        try {
          checkOutputs(model, 'fit', batch.ys);
          ensureBuilt(model, batch.xs);
          await list.onBatchBegin(step, { batch: step, size: batch.size });
          vec = trainStep(
            model,
            compiled.losses,
            compiled.optimizer,
            metrics,
            batch.xs,
            batch.ys,
            batch.sampleWeight,
          );
        } finally {
          batch.release();
        }
        const values = await vec.data();
        vec.dispose();
        await list.onBatchEnd(step, epochLogs.add(values, batch.size));
        step++;
        if (model.stopTraining) break;
      }
      last = epochLogs.logs();
      if (setup.validation) last = { ...last, ...(await setup.validation(valMetrics)) };
      await list.onEpochEnd(epoch, last);
    }
    await list.onTrainEnd(last);
  } finally {
    metrics.dispose();
    valMetrics.dispose();
  }
  return history;
}

/**
 * `fit(x, y, options)`.
 * @example
 * const history = await fitTensorsLoop(model, x, y, { epochs: 2 });
 * history.history.loss;
 */
export async function fitTensorsLoop(
  model: Model,
  x: TensorOrList,
  y: TensorOrList,
  options: FitOptions,
): Promise<History> {
  model.compiledFor('fit');
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit, classWeight, sampleWeight } = options;
  checkBatchSize('fit', batchSize);
  const xs = toList(x);
  const ys = toList(y);
  checkOutputs(model, 'fit', ys);
  const n = sampleCount('fit', { x: xs, y: ys, ...(sampleWeight ? { sampleWeight: [sampleWeight] } : {}) });
  const owned: Tensor[] = [];
  let train = { xs, ys, sw: sampleWeight };
  let validation: ((m: MetricSet) => Promise<Logs>) | undefined;
  const valBatch = options.validationBatchSize ?? batchSize;
  try {
    if (validationSplit !== undefined && validationSplit > 0) {
      if (!(validationSplit < 1))
        throw new ArgumentError(`fit: expected validationSplit in [0, 1), got ${validationSplit}`);
      const split = Math.floor(n * (1 - validationSplit));
      if (split === 0 || split === n) {
        throw new ArgumentError(
          `fit: validationSplit=${validationSplit} of ${n} samples leaves an empty training or validation set`,
        );
      }
      const cut = (list: readonly Tensor[], start: number, size: number) => {
        const parts = sliceRows(list, start, size);
        owned.push(...parts);
        return parts;
      };
      const vsw = sampleWeight ? cut([sampleWeight], split, n - split)[0] : undefined;
      const val = { xs: cut(xs, split, n - split), ys: cut(ys, split, n - split), sw: vsw };
      train = {
        xs: cut(xs, 0, split),
        ys: cut(ys, 0, split),
        sw: sampleWeight ? cut([sampleWeight], 0, split)[0] : undefined,
      };
      validation = (m) => validate(model, val.sw ? [val.xs, val.ys, val.sw] : [val.xs, val.ys], valBatch, m);
    } else if (options.validationData) {
      const data = options.validationData;
      validation = (m) => validate(model, data, valBatch, m);
    }
    const samples = train.xs[0]!.shape[0]!;
    const seed = options.seed ?? randomSeed();
    return await trainLoop(model, options, {
      epochs,
      steps: Math.ceil(samples / batchSize),
      batchSize,
      samples,
      validation,
      epochBatches: function* (epoch) {
        for (const b of arrayBatches(train.xs, train.ys, train.sw, {
          batchSize,
          shuffle,
          seed: seed + epoch,
        })) {
          yield withClassWeight(b, classWeight, () => disposeBatch(b));
        }
      },
    });
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * `fit(dataset, options)`.
 * @example
 * const history = await fitDatasetLoop(model, batches(x, y, { batchSize: 32 }), { epochs: 2 });
 * history.history.loss;
 */
export async function fitDatasetLoop(
  model: Model,
  dataset: Dataset,
  options: FitDatasetOptions,
): Promise<History> {
  model.compiledFor('fit');
  const { epochs = 1, batchesPerEpoch, classWeight } = options;
  const carried: { iterator: AsyncIterator<unknown> | Iterator<unknown> | null } = { iterator: null };
  const data = options.validationData;
  const known = Array.isArray(dataset) ? dataset.length : undefined;
  return trainLoop(model, options, {
    epochs,
    steps: batchesPerEpoch ?? known,
    validation: data ? (m) => validate(model, data, options.validationBatchSize ?? 32, m) : undefined,
    epochBatches: async function* () {
      if (batchesPerEpoch === undefined) carried.iterator = null;
      for await (const b of datasetBatches(dataset, batchesPerEpoch, carried)) {
        yield withClassWeight(b, classWeight, b.release);
      }
    },
  });
}

/** `evaluate(x, y, options)` or `evaluate(dataset)`. */

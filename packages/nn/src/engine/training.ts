// The fit loops, on tensors and on datasets: epochs of batches (shuffled by a seeded
// permutation), one training step per batch read once with `await data()`, validation, class
// weights, callbacks and the progress display. Only weights and optimizer state remain after,
// also when fit fails. Options and targets are checked before the first step; the loop yields
// to the event loop between batches (`yieldEvery`) and awaits only between steps, never inside
// one (see trainStep), so a weight snapshot taken synchronously is always of one step.

import { ArgumentError, Tensor, tidy } from '@nabla/core';
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
  checkCallbacks,
  checkOutputs,
  checkSampleWeight,
  datasetBatches,
  EpochLogs,
  ensureBuilt,
  readAndDispose,
  runTest,
  type StepBatch,
  tensorBatches,
} from './epoch-loop.js';
import { History } from './history.js';
import { checkTargets, classCount, outputShapes } from './labels.js';
import type { Model } from './model.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, showValue } from './options.js';
import { ProgressLogger, type ProgressWriter } from './progress.js';
import {
  type ClassWeight,
  checkClassWeight,
  classSampleWeights,
  lossKeys,
  MetricSet,
  trainStep,
} from './train-step.js';
import { checkYieldEvery, type YieldEvery, Yielder } from './yield.js';

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
  /**
   * When to yield to the event loop between batches, so timers fire, a page stays responsive
   * and FinalizationRegistry callbacks run (default 'auto': whenever ~16 ms of work have passed).
   */
  yieldEvery?: YieldEvery;
}

const COMMON_KEYS = [
  'epochs',
  'callbacks',
  'verbose',
  'initialEpoch',
  'classWeight',
  'validationData',
  'validationBatchSize',
  'writer',
  'yieldEvery',
];
const TENSOR_KEYS = [...COMMON_KEYS, 'batchSize', 'shuffle', 'validationSplit', 'sampleWeight', 'seed'];
const DATASET_KEYS = [...COMMON_KEYS, 'batchesPerEpoch'];

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

function withClassWeight(
  batch: ArrayBatch,
  classWeight: ClassWeight | undefined,
  releaseBase: () => void,
): StepBatch {
  let sampleWeight = batch.sampleWeight;
  let made: Tensor | undefined;
  if (classWeight) {
    try {
      made = tidy(() => {
        const cw = classSampleWeights(batch.ys[0]!, classWeight);
        return sampleWeight ? cw.mul(sampleWeight.reshape(cw.shape)) : cw;
      });
    } catch (error) {
      releaseBase();
      throw error;
    }
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

type TensorValidation = readonly [TensorOrList, TensorOrList] | readonly [TensorOrList, TensorOrList, Tensor];

function isTensorValidation(data: ValidationData): data is TensorValidation {
  return (
    Array.isArray(data) &&
    data.length >= 2 &&
    data.length <= 3 &&
    !(data[0] instanceof Object && 'x' in data[0] && !(data[0] instanceof Tensor))
  );
}

const isTensorOrList = (v: unknown): boolean =>
  v instanceof Tensor || (Array.isArray(v) && v.length > 0 && v.every((t) => t instanceof Tensor));

/** Checks the options every fit takes (the form's own keys are checked by the caller). */
function checkCommon(o: FitCommonOptions): void {
  checkInteger('fit', 'epochs', o.epochs, 1);
  checkInteger('fit', 'initialEpoch', o.initialEpoch, 0);
  checkOneOf('fit', 'verbose', o.verbose, [0, 1, 2]);
  checkCallbacks('fit', o.callbacks);
  checkInteger('fit', 'validationBatchSize', o.validationBatchSize, 1);
  checkYieldEvery('fit', o.yieldEvery);
  if (
    o.writer !== undefined &&
    (typeof o.writer !== 'object' || o.writer === null || typeof o.writer.write !== 'function')
  ) {
    throw new ArgumentError(
      `fit: expected writer to be an object with a write(text) method, got ${showValue(o.writer)}`,
    );
  }
  const data = o.validationData;
  if (data !== undefined) {
    const tensors = isTensorValidation(data);
    const ok = tensors
      ? isTensorOrList(data[0]) &&
        isTensorOrList(data[1]) &&
        (data[2] === undefined || data[2] instanceof Tensor)
      : typeof data === 'object' &&
        data !== null &&
        (Symbol.iterator in data || Symbol.asyncIterator in data);
    if (!ok) {
      throw new ArgumentError(
        `fit: expected validationData to be [x, y], [x, y, sampleWeight] or a dataset of { x, y } batches, got ${showValue(data)}`,
      );
    }
  }
}

/**
 * Class weights and targets against the compiled losses, before any step: classWeight keys
 * below the output's class count, sparse labels in range, one-hot targets of the output's shape.
 */
async function checkData(
  model: Model,
  o: FitCommonOptions,
  data: readonly (readonly [readonly Tensor[], readonly Tensor[]])[],
): Promise<void> {
  const compiled = model.compiledFor('fit');
  if (o.classWeight !== undefined) {
    if (model.outputNames.length !== 1) {
      throw new ArgumentError(
        `fit: classWeight is for models with one output, this one has ${model.outputNames.length}; use sampleWeight`,
      );
    }
    const first = data[0];
    const classes = first ? classCount(outputShapes(model, first[0])[0]) : undefined;
    checkClassWeight('fit', o.classWeight, classes === 1 ? 2 : classes);
  }
  for (const [xs, ys] of data) await checkTargets(model, 'fit', compiled.losses, xs, ys);
}

async function validate(
  model: Model,
  data: ValidationData,
  batchSize: number,
  metrics: MetricSet,
  yieldEvery: YieldEvery | undefined,
): Promise<Logs> {
  const yielder = new Yielder(yieldEvery);
  const logs = isTensorValidation(data)
    ? await runTest(
        model,
        tensorBatches(toList(data[0]), toList(data[1]), data[2], batchSize),
        metrics,
        null,
        yielder,
      )
    : await runTest(model, datasetBatches(data, undefined, { iterator: null }), metrics, null, yielder, true);
  return Object.fromEntries(Object.entries(logs).map(([k, v]) => [`val_${k}`, v]));
}

interface LoopSetup {
  epochs: number;
  steps: number | undefined;
  batchSize?: number;
  samples?: number;
  epochBatches(epoch: number): AsyncIterable<StepBatch> | Iterable<StepBatch>;
  validation?: (metrics: MetricSet) => Promise<Logs>;
  /** Check each batch's targets against the losses (datasets; tensors are checked whole). */
  checkBatches: boolean;
}

async function trainLoop(model: Model, options: FitCommonOptions, setup: LoopSetup): Promise<History> {
  const compiled = model.compiledFor('fit');
  const { verbose = 1, initialEpoch = 0 } = options;
  const yielder = new Yielder(options.yieldEvery);
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
  let valMetrics: MetricSet;
  try {
    valMetrics = new MetricSet(compiled.metrics, compiled.losses, model.outputNames);
  } catch (error) {
    metrics.dispose();
    throw error;
  }
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
          if (setup.checkBatches) await checkTargets(model, 'fit', compiled.losses, batch.xs, batch.ys);
          ensureBuilt(model, batch.xs);
          await list.onBatchBegin(step, { batch: step, size: batch.size });
          // One synchronous step: nothing else runs between its forward pass and its last assign.
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
        const values = await readAndDispose(vec);
        await list.onBatchEnd(step, epochLogs.add(values, batch.size));
        step++;
        if (model.stopTraining) break;
        await yielder.afterBatch();
      }
      last = epochLogs.logs();
      if (setup.validation) last = { ...last, ...(await setup.validation(valMetrics)) };
      await list.onEpochEnd(epoch, last);
      await yielder.afterEpoch();
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
  options: FitOptions | undefined,
): Promise<History> {
  model.compiledFor('fit');
  const o = checkOptions('fit', options, TENSOR_KEYS) as FitOptions;
  checkCommon(o);
  checkBoolean('fit', 'shuffle', o.shuffle);
  checkNumber('fit', 'validationSplit', o.validationSplit, { min: 0, max: 1, maxExclusive: true });
  checkNumber('fit', 'seed', o.seed);
  checkSampleWeight('fit', o.sampleWeight);
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit, classWeight, sampleWeight } = o;
  checkBatchSize('fit', batchSize);
  const xs = toList(x);
  const ys = toList(y);
  checkOutputs(model, 'fit', ys);
  const n = sampleCount('fit', { x: xs, y: ys, ...(sampleWeight ? { sampleWeight: [sampleWeight] } : {}) });
  const checked: [Tensor[], Tensor[]][] = [[xs, ys]];
  const vd = o.validationData;
  if (vd !== undefined && isTensorValidation(vd) && !validationSplit)
    checked.push([toList(vd[0]), toList(vd[1])]);
  await checkData(model, o, checked);
  const owned: Tensor[] = [];
  let train = { xs, ys, sw: sampleWeight };
  let validation: ((m: MetricSet) => Promise<Logs>) | undefined;
  const valBatch = o.validationBatchSize ?? batchSize;
  try {
    if (validationSplit !== undefined && validationSplit > 0) {
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
      validation = (m) =>
        validate(model, val.sw ? [val.xs, val.ys, val.sw] : [val.xs, val.ys], valBatch, m, o.yieldEvery);
    } else if (vd) {
      validation = (m) => validate(model, vd, valBatch, m, o.yieldEvery);
    }
    const samples = train.xs[0]!.shape[0]!;
    const seed = o.seed ?? randomSeed();
    return await trainLoop(model, o, {
      epochs,
      checkBatches: false,
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
  options: FitDatasetOptions | undefined,
): Promise<History> {
  model.compiledFor('fit');
  const o = checkOptions('fit', options, DATASET_KEYS) as FitDatasetOptions;
  checkCommon(o);
  checkInteger('fit', 'batchesPerEpoch', o.batchesPerEpoch, 1);
  if (
    typeof dataset !== 'object' ||
    dataset === null ||
    !(Symbol.iterator in dataset || Symbol.asyncIterator in dataset)
  ) {
    throw new ArgumentError(
      `fit: expected x and y tensors, or a dataset (an iterable of { x, y } batches), got ${showValue(dataset)}`,
    );
  }
  const { epochs = 1, batchesPerEpoch, classWeight } = o;
  const data = o.validationData;
  if (data !== undefined && isTensorValidation(data))
    await checkData(model, o, [[toList(data[0]), toList(data[1])]]);
  else if (classWeight !== undefined) checkClassWeight('fit', classWeight, undefined);
  const carried: { iterator: AsyncIterator<unknown> | Iterator<unknown> | null } = { iterator: null };
  const known = Array.isArray(dataset) ? dataset.length : undefined;
  return trainLoop(model, o, {
    epochs,
    checkBatches: true,
    steps: batchesPerEpoch ?? known,
    validation: data ? (m) => validate(model, data, o.validationBatchSize ?? 32, m, o.yieldEvery) : undefined,
    epochBatches: async function* () {
      if (batchesPerEpoch === undefined) carried.iterator = null;
      for await (const b of datasetBatches(dataset, batchesPerEpoch, carried)) {
        yield withClassWeight(b, classWeight, b.release);
      }
    },
  });
}

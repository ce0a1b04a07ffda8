// One training or test step on a batch, and the metrics of one run. A step runs inside `tidy`
// and returns one small vector of logged values (losses, then metric results) so the loop reads
// the device once per batch; the gradient is taken over (loss + regularization) with
// `variableGrads` on the model's trainable variables and applied by the optimizer.

import {
  ArgumentError,
  cast,
  gather,
  greaterEqual,
  keep,
  less,
  logicalAnd,
  onesLike,
  reshape,
  stack,
  stopGradient,
  type Tensor,
  tensor,
  tidy,
  type Variable,
  variableGrads,
  where,
} from '@nabla/core';
import { getMetric } from '../metrics/index.js';
import type { MetricFn } from '../metrics/state.js';
import type { Loss, Metric, Optimizer } from '../types.js';
import { showValue } from './options.js';

/** What a step needs from a compiled model. */
export interface StepModel {
  readonly outputNames: readonly string[];
  readonly trainableWeights: readonly Variable[];
  apply(inputs: Tensor, ctx?: { training?: boolean }): Tensor;
  apply(inputs: Tensor[], ctx?: { training?: boolean }): Tensor | Tensor[];
  regularizationLoss(): Tensor | null;
}

/**
 * The model's outputs for one tensor per input, one tensor per output: `apply` with a single
 * tensor for a single-input model, a list otherwise.
 * @example
 * const [probs] = modelOutputs(model, [x], false);
 */
export function modelOutputs(model: StepModel, xs: readonly Tensor[], training: boolean): Tensor[] {
  const out = xs.length === 1 ? model.apply(xs[0]!, { training }) : model.apply([...xs], { training });
  return Array.isArray(out) ? out : [out];
}

/** A metric given to `compile`: a name ('accuracy', 'mae', ...), a Metric or a per-sample function. */
export type MetricSpec = string | Metric | MetricFn;

interface MetricEntry {
  readonly key: string;
  readonly metric: Metric;
  readonly output: number;
  readonly owned: boolean;
}

/**
 * The metrics of one fit/evaluate run: made from the compiled names (and disposed at the end),
 * keyed like Keras (`accuracy`, or `<output>_accuracy` for several outputs).
 * @example
 * const set = new MetricSet(['accuracy'], [loss], ['dense_2']);
 * set.keys; // ['accuracy']
 */
export class MetricSet {
  readonly #entries: MetricEntry[] = [];

  constructor(specs: readonly MetricSpec[], losses: readonly Loss[], outputNames: readonly string[]) {
    const several = outputNames.length > 1;
    try {
      outputNames.forEach((outName, output) => {
        for (const spec of specs) {
          // A Metric object holds one state, so it follows the first output only.
          if (typeof spec === 'object' && output > 0) continue;
          const owned = typeof spec !== 'object';
          const metric = owned ? getMetric(spec, losses[output]!.name) : spec;
          const base = typeof spec === 'string' ? spec : metric.name;
          if (!owned) spec.reset();
          this.#entries.push({ key: several ? `${outName}_${base}` : base, metric, output, owned });
        }
      });
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /** Log keys, in the order of `results()`. */
  get keys(): string[] {
    return this.#entries.map((e) => e.key);
  }

  update(ys: readonly Tensor[], preds: readonly Tensor[], sampleWeight?: Tensor): void {
    for (const e of this.#entries) e.metric.update(ys[e.output]!, preds[e.output]!, sampleWeight);
  }

  /** Current values as scalars (the caller disposes them). */
  results(): Tensor[] {
    return this.#entries.map((e) => e.metric.result());
  }

  reset(): void {
    for (const e of this.#entries) e.metric.reset();
  }

  dispose(): void {
    for (const e of this.#entries) if (e.owned) e.metric.dispose();
  }
}

/**
 * Log keys of the loss part of a step: `loss`, plus `<output>_loss` for several outputs.
 * @example
 * lossKeys(['reg', 'cls']); // ['loss', 'reg_loss', 'cls_loss']
 * lossKeys(['dense_2']); // ['loss']
 */
export function lossKeys(outputNames: readonly string[]): string[] {
  return outputNames.length > 1 ? ['loss', ...outputNames.map((n) => `${n}_loss`)] : ['loss'];
}

function totalLoss(
  model: StepModel,
  losses: readonly Loss[],
  ys: readonly Tensor[],
  preds: readonly Tensor[],
  sampleWeight: Tensor | undefined,
): Tensor[] {
  const parts = preds.map((p, i) => losses[i]!.fn(ys[i]!, p, sampleWeight));
  let total = parts.reduce((a, b) => a.add(b));
  const reg = model.regularizationLoss();
  if (reg) total = total.add(reg.cast(total.dtype));
  return parts.length > 1 ? [total, ...parts] : [total];
}

function logVector(lossParts: readonly Tensor[], metrics: MetricSet): Tensor {
  return stack([...lossParts, ...metrics.results()].map((t) => cast(reshape(t, []), 'float32')));
}

/**
 * One training step: gradients of (loss + regularization) over the trainable variables, the
 * optimizer update and the metric updates. Returns the logged values (losses, metrics).
 *
 * The step is synchronous on purpose, with no await from the forward pass to the last
 * `assign`: code that reads the weights in one synchronous block (a save taking its snapshot,
 * a callback cloning weights) always sees them between two steps, never half-updated. The
 * fit loops await (callbacks, reads, yields) only between steps. A step that throws changes
 * no variable (the optimizer applies all its updates or none) and leaves no tensor behind.
 * @example
 * const logs = trainStep(model, losses, optimizer, metrics, [x], [y]);
 * console.log(await logs.data()); logs.dispose();
 */
export function trainStep(
  model: StepModel,
  losses: readonly Loss[],
  optimizer: Optimizer,
  metrics: MetricSet,
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  sampleWeight?: Tensor,
): Tensor {
  const vars = model.trainableWeights;
  // Kept (so they outlive the tape's scope) and therefore freed by hand, also on failure.
  let lossParts: Tensor[] = [];
  try {
    return tidy(() => {
      const { value, grads } = variableGrads(() => {
        const preds = modelOutputs(model, xs, true);
        const parts = totalLoss(model, losses, ys, preds, sampleWeight);
        // Logged and metric values must not join the gradient.
        lossParts = parts.map((p) => keep(stopGradient(p)));
        metrics.update(
          ys,
          preds.map((p) => stopGradient(p)),
          sampleWeight,
        );
        return parts[0]!;
      }, vars);
      if (vars.length > 0) optimizer.applyGradients(vars.map((v) => ({ variable: v, grad: grads[v.name]! })));
      value.dispose();
      return logVector(lossParts, metrics);
    });
  } finally {
    for (const p of lossParts) p.dispose();
  }
}

/**
 * One test step: forward in inference mode, losses and metric updates; returns the logged values.
 * @example
 * const logs = testStep(model, losses, metrics, [x], [y]);
 */
export function testStep(
  model: StepModel,
  losses: readonly Loss[],
  metrics: MetricSet,
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  sampleWeight?: Tensor,
): Tensor {
  return tidy(() => {
    const preds = modelOutputs(model, xs, false);
    const parts = totalLoss(model, losses, ys, preds, sampleWeight);
    metrics.update(ys, preds, sampleWeight);
    return logVector(parts, metrics);
  });
}

/** Class weights: by class index (an array, or an object keyed by class). */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>>;

/**
 * Checks class weights: an array, or an object keyed by class indices (integers >= 0, below
 * `classes` when it is known), of finite weights >= 0.
 * @example
 * checkClassWeight('fit', { 0: 1, 1: 5 }, 2); // ok
 * checkClassWeight('fit', { 3: 1 }, 2); // throws: class 3 of a model with 2 classes
 */
export function checkClassWeight(where: string, classWeight: unknown, classes: number | undefined): void {
  if (classWeight === undefined) return;
  if (typeof classWeight !== 'object' || classWeight === null) {
    throw new ArgumentError(
      `${where}: expected classWeight to be an array or an object of class index to weight, got ${showValue(classWeight)}`,
    );
  }
  for (const [key, weight] of Object.entries(classWeight)) {
    const k = Number(key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || !Number.isSafeInteger(k)) {
      throw new ArgumentError(
        `${where}: expected classWeight keys to be class indices (integers >= 0), got '${key}'`,
      );
    }
    if (classes !== undefined && k >= classes) {
      throw new ArgumentError(
        `${where}: classWeight names class ${k}, but the model's output has ${classes} classes (0 to ${classes - 1})`,
      );
    }
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new ArgumentError(
        `${where}: expected classWeight[${key}] to be a finite number >= 0, got ${showValue(weight)}`,
      );
    }
  }
}

/**
 * Per-sample weights from class weights: the class of a sample is its label (sparse targets)
 * or the argMax of its one-hot row. Classes the weights do not list get 1, as in Keras.
 * @example
 * const w = classSampleWeights(yBatch, { 0: 1, 1: 5 }); // shape [batch]
 */
export function classSampleWeights(y: Tensor, classWeight: ClassWeight): Tensor {
  const entries = Object.entries(classWeight).map(([k, v]): [number, number] => [Number(k), Number(v)]);
  const classes = Math.max(0, ...entries.map(([k]) => k + 1));
  const table = new Array<number>(classes).fill(1);
  for (const [k, v] of entries) table[k] = v;
  return tidy(() => {
    const last = y.shape[y.rank - 1] ?? 1;
    const index =
      y.rank > 1 && last > 1 ? y.argMax({ axis: -1 }) : cast(reshape(y, [y.shape[0] ?? 1]), 'int32');
    const flat = index.reshape([index.size]);
    // Classes past the table (not listed) weigh 1; gather only reads indices inside it.
    const listed = logicalAnd(greaterEqual(flat, 0), less(flat, classes));
    const picked = gather(
      tensor(table.length > 0 ? table : [1], [Math.max(classes, 1)], 'float32'),
      where(listed, flat, 0),
    );
    return where(listed, picked, onesLike(picked));
  });
}

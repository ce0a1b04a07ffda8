// One training or test step on a batch, and the metrics of one run. A step runs inside `tidy`
// and returns one small vector of logged values (losses, then metric results) so the loop reads
// the device once per batch; the gradient is taken over (loss + regularization) with
// `variableGrads` on the model's trainable variables and applied by the optimizer.

import {
  cast,
  gather,
  keep,
  reshape,
  stack,
  stopGradient,
  type Tensor,
  tensor,
  tidy,
  type Variable,
  variableGrads,
} from '@nabla/core';
import { getMetric } from '../metrics/index.js';
import type { Loss, Metric, Optimizer } from '../types.js';

/** What a step needs from a compiled model. */
export interface StepModel {
  readonly outputNames: readonly string[];
  readonly trainableWeights: readonly Variable[];
  /** Runs the model (one tensor per input) and returns one tensor per output. */
  run(xs: readonly Tensor[], training: boolean): Tensor[];
  regularizationLoss(): Tensor | null;
}

/** A metric given to `compile`: a name ('accuracy', 'mae', ...) or a Metric object. */
export type MetricSpec = string | Metric;

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
    outputNames.forEach((outName, output) => {
      for (const spec of specs) {
        if (typeof spec !== 'string' && output > 0) continue;
        const metric = typeof spec === 'string' ? getMetric(spec, losses[output]!.name) : spec;
        const base = typeof spec === 'string' ? spec : spec.name;
        if (typeof spec !== 'string') spec.reset();
        this.#entries.push({
          key: several ? `${outName}_${base}` : base,
          metric,
          output,
          owned: typeof spec === 'string',
        });
      }
    });
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
  return tidy(() => {
    let lossParts: Tensor[] = [];
    const { value, grads } = variableGrads(() => {
      const preds = model.run(xs, true);
      const parts = totalLoss(model, losses, ys, preds, sampleWeight);
      // Logged and metric values must not join the gradient, and must outlive the tape's scope.
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
    const out = logVector(lossParts, metrics);
    for (const p of lossParts) p.dispose();
    return out;
  });
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
    const preds = model.run(xs, false);
    const parts = totalLoss(model, losses, ys, preds, sampleWeight);
    metrics.update(ys, preds, sampleWeight);
    return logVector(parts, metrics);
  });
}

/** Class weights: by class index (an array, or an object keyed by class). */
export type ClassWeight = readonly number[] | Readonly<Record<number, number>>;

/**
 * Per-sample weights from class weights: the class of a sample is its label (sparse targets)
 * or the argMax of its one-hot row. Classes without a weight get 1.
 * @example
 * const w = classSampleWeights(yBatch, { 0: 1, 1: 5 }); // shape [batch]
 */
export function classSampleWeights(y: Tensor, classWeight: ClassWeight): Tensor {
  const entries = Object.entries(classWeight).map(([k, v]): [number, number] => [Number(k), Number(v)]);
  const classes = Math.max(...entries.map(([k]) => k)) + 1;
  const table = new Array<number>(classes).fill(1);
  for (const [k, v] of entries) table[k] = v;
  return tidy(() => {
    const last = y.shape[y.rank - 1] ?? 1;
    const index =
      y.rank > 1 && last > 1 ? y.argMax({ axis: -1 }) : cast(reshape(y, [y.shape[0] ?? 1]), 'int32');
    return gather(tensor(table, [classes], 'float32'), index.reshape([index.size]));
  });
}

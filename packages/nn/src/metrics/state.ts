// What the streaming metrics share: state held in non-trainable float32 variables made on
// first use, updated by `assign` inside `tidy` (so nothing is read from the device), the
// weighted mean over per-sample values, and divide-no-NaN for ratios that may be 0/0.

import {
  broadcastTo,
  cast,
  full,
  greater,
  sum,
  type Tensor,
  tidy,
  type Variable,
  variable,
  where,
} from '@nabla/core';
import { alignWeight } from '../losses/shared.js';
import type { Metric } from '../types.js';

let metricCount = 0;

/**
 * A set of named float32 accumulators of fixed shapes, made lazily (a backend must be set by
 * the first update, not at construction).
 * @example
 * const s = new MetricState('precision', { tp: [], fp: [] });
 * s.add({ tp: sum(hits) }); s.reset();
 */
export class MetricState<K extends string> {
  readonly #prefix: string;
  readonly #shapes: Record<K, readonly number[]>;
  #vars: Record<K, Variable> | undefined;

  constructor(name: string, shapes: Record<K, readonly number[]>) {
    this.#prefix = `${name}_${++metricCount}`;
    this.#shapes = shapes;
  }

  /** The variables, made (as zeros) on first use. */
  get vars(): Record<K, Variable> {
    if (this.#vars === undefined) {
      const keys = Object.keys(this.#shapes) as K[];
      const made = {} as Record<K, Variable>;
      tidy(() => {
        for (const k of keys) {
          made[k] = variable(full(this.#shapes[k], 0, 'float32'), {
            name: `${this.#prefix}/${k}`,
            trainable: false,
          });
        }
      });
      this.#vars = made;
    }
    return this.#vars;
  }

  /** state[k] ← state[k] + delta[k] for each given k (call inside `tidy`). */
  add(deltas: Partial<Record<K, Tensor>>): void {
    const vars = this.vars;
    for (const k of Object.keys(deltas) as K[]) {
      const d = deltas[k];
      if (d === undefined) continue;
      const v = vars[k];
      v.assign(v.add(d.dtype === 'float32' ? d : cast(d, 'float32')));
    }
  }

  reset(): void {
    if (this.#vars === undefined) return;
    const vars = this.#vars;
    tidy(() => {
      for (const k of Object.keys(vars) as K[]) vars[k].assign(full(vars[k].shape, 0, 'float32'));
    });
  }

  dispose(): void {
    if (this.#vars === undefined) return;
    for (const k of Object.keys(this.#vars) as K[]) this.#vars[k].dispose();
    this.#vars = undefined;
  }
}

/** a / b, or 0 where b is 0 (Keras's divide_no_nan). */
export function divNoNan(a: Tensor, b: Tensor): Tensor {
  return where(greater(b, 0), a.div(b), 0);
}

/** Per-sample values of a metric (e.g. 1 for a correct prediction, 0 otherwise). */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * A streaming weighted mean of per-sample values: total ← total + Σ w·v, count ← count + Σ w,
 * result = total / count (Keras's MeanMetricWrapper).
 * @example
 * const m = meanMetric('mae', (t, p) => t.sub(p).abs().mean({ axis: -1 }));
 * m.update(yTrue, yPred); const r = m.result();
 */
export function meanMetric(name: string, fn: MetricFn): Metric {
  const state = new MetricState(name, { total: [], count: [] });
  return Object.freeze({
    name,
    update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
      tidy(() => {
        const values = fn(yTrue, yPred);
        if (sampleWeight === undefined) {
          state.add({ total: sum(values), count: full([], values.size, 'float32') });
          return;
        }
        const w = broadcastTo(alignWeight(name, sampleWeight, values.shape), values.shape);
        state.add({ total: sum(values.mul(w)), count: sum(w) });
      });
    },
    result(): Tensor {
      return tidy(() => divNoNan(state.vars.total, state.vars.count));
    },
    reset: () => state.reset(),
    dispose: () => state.dispose(),
  });
}

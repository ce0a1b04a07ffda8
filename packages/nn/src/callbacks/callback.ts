// The Callback base class with Keras's hook names, and the CallbackList that `fit`, `evaluate`
// and `predict` drive. Hooks may be async; the loop awaits them in order. Plain objects with
// some of the hooks work as callbacks too.

import type { Model } from '../engine/model.js';

/** Numbers logged per batch or epoch: `loss`, metric names, `val_` prefixed ones. */
export type Logs = Record<string, number>;

/** What the training loop tells callbacks before it starts. */
export interface TrainingParams {
  epochs: number;
  /** Batches per epoch, when known. */
  steps: number | undefined;
  verbose: number;
  batchSize?: number;
  samples?: number;
}

type Hook<A extends unknown[]> = ((...args: A) => void | Promise<void>) | undefined;

/** The hooks a callback may implement (all optional). */
export interface CallbackHooks {
  setModel?(model: Model): void;
  setParams?(params: TrainingParams): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  onTestBegin?(logs?: Logs): void | Promise<void>;
  onTestEnd?(logs?: Logs): void | Promise<void>;
  onTestBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onTestBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
  onPredictBegin?(logs?: Logs): void | Promise<void>;
  onPredictEnd?(logs?: Logs): void | Promise<void>;
  onPredictBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  onPredictBatchEnd?(batch: number, logs?: Logs): void | Promise<void>;
}

/**
 * Base class of callbacks: override the hooks you need; `this.model` and `this.params` are set
 * before training starts.
 * @example
 * class Printer extends Callback { override onEpochEnd(epoch: number, logs?: Logs) { console.log(epoch, logs); } }
 * await model.fit(x, y, { callbacks: [new Printer()] });
 */
export class Callback implements CallbackHooks {
  model: Model | null = null;
  params: TrainingParams | null = null;

  setModel(model: Model): void {
    this.model = model;
  }

  setParams(params: TrainingParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBegin(_logs?: Logs): void | Promise<void> {}
  onTestEnd(_logs?: Logs): void | Promise<void> {}
  onTestBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onTestBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBegin(_logs?: Logs): void | Promise<void> {}
  onPredictEnd(_logs?: Logs): void | Promise<void> {}
  onPredictBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onPredictBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

/**
 * Runs a list of callbacks (instances or plain objects) hook by hook, awaiting each.
 * @example
 * const list = new CallbackList([earlyStopping(), { onEpochEnd: (e) => console.log(e) }]);
 * await list.onEpochEnd(0, { loss: 0.5 });
 */
export class CallbackList {
  readonly callbacks: readonly CallbackHooks[];

  constructor(callbacks: readonly CallbackHooks[] = []) {
    this.callbacks = [...callbacks];
  }

  setModel(model: Model): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }

  setParams(params: TrainingParams): void {
    for (const c of this.callbacks) c.setParams?.(params);
  }

  async #each<A extends unknown[]>(pick: (c: CallbackHooks) => Hook<A>, ...args: A): Promise<void> {
    for (const c of this.callbacks) {
      const hook = pick(c);
      if (hook) await hook.apply(c, args);
    }
  }

  onTrainBegin = (logs?: Logs) => this.#each((c) => c.onTrainBegin, logs);
  onTrainEnd = (logs?: Logs) => this.#each((c) => c.onTrainEnd, logs);
  onEpochBegin = (epoch: number, logs?: Logs) => this.#each((c) => c.onEpochBegin, epoch, logs);
  onEpochEnd = (epoch: number, logs?: Logs) => this.#each((c) => c.onEpochEnd, epoch, logs);
  onBatchBegin = (batch: number, logs?: Logs) => this.#each((c) => c.onBatchBegin, batch, logs);
  onBatchEnd = (batch: number, logs?: Logs) => this.#each((c) => c.onBatchEnd, batch, logs);
  onTestBegin = (logs?: Logs) => this.#each((c) => c.onTestBegin, logs);
  onTestEnd = (logs?: Logs) => this.#each((c) => c.onTestEnd, logs);
  onTestBatchBegin = (batch: number, logs?: Logs) => this.#each((c) => c.onTestBatchBegin, batch, logs);
  onTestBatchEnd = (batch: number, logs?: Logs) => this.#each((c) => c.onTestBatchEnd, batch, logs);
  onPredictBegin = (logs?: Logs) => this.#each((c) => c.onPredictBegin, logs);
  onPredictEnd = (logs?: Logs) => this.#each((c) => c.onPredictEnd, logs);
  onPredictBatchBegin = (batch: number, logs?: Logs) => this.#each((c) => c.onPredictBatchBegin, batch, logs);
  onPredictBatchEnd = (batch: number, logs?: Logs) => this.#each((c) => c.onPredictBatchEnd, batch, logs);
}

// earlyStopping: ends `fit` when a monitored value stops improving for `patience` epochs, and
// optionally puts back the weights of the best epoch.

import type { Tensor } from '@nabla/core';
import { Callback, type Logs } from './callback.js';
import { Monitor, type MonitorMode } from './monitor.js';

/** Options of `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** Logged value to watch (default 'val_loss'). */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  mode?: MonitorMode;
  /** A value the monitored quantity must beat, or training stops after `patience` epochs. */
  baseline?: number;
  /** At the end, restore the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored value stops improving.
 * @example
 * const stopper = new EarlyStopping({ monitor: 'val_loss', patience: 3 });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.1, callbacks: [stopper] });
 */
export class EarlyStopping extends Callback {
  readonly #monitor: Monitor;
  readonly #patience: number;
  readonly #baseline: number | undefined;
  readonly #restore: boolean;
  #wait = 0;
  #bestWeights: Tensor[] | null = null;
  #bestEpoch = -1;
  /** The epoch after which training stopped (-1 if it did not). */
  stoppedEpoch = -1;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.#monitor = new Monitor(
      'earlyStopping',
      options.monitor ?? 'val_loss',
      options.mode ?? 'auto',
      options.minDelta ?? 0,
    );
    this.#patience = options.patience ?? 0;
    this.#baseline = options.baseline;
    this.#restore = options.restoreBestWeights ?? false;
  }

  /** The best value seen so far. */
  get best(): number {
    return this.#monitor.best;
  }

  override onTrainBegin(): void {
    this.#wait = 0;
    this.stoppedEpoch = -1;
    this.#bestEpoch = -1;
    this.#monitor.reset();
    if (this.#baseline !== undefined) this.#monitor.best = this.#baseline;
    this.#dropBest();
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const value = this.#monitor.value(logs);
    if (value === undefined || !this.model) return;
    this.#wait++;
    if (this.#monitor.improves(value)) {
      this.#monitor.best = value;
      this.#bestEpoch = epoch;
      this.#wait = 0;
      if (this.#restore) {
        this.#dropBest();
        this.#bestWeights = this.model.getWeights();
      }
      return;
    }
    if (this.#wait >= this.#patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.#restore && this.#bestWeights && this.model && this.#bestEpoch >= 0)
      this.model.setWeights(this.#bestWeights);
    this.#dropBest();
  }

  #dropBest(): void {
    for (const t of this.#bestWeights ?? []) t.dispose();
    this.#bestWeights = null;
  }
}

/**
 * Stops `fit` when `monitor` has not improved for `patience` epochs.
 * @example
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.1,
 *   callbacks: [earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true })] });
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

// reduceLROnPlateau: multiplies the optimizer's learning rate by `factor` when a monitored value
// has not improved for `patience` epochs, waits `cooldown` epochs, and never goes below minLr.

import { ArgumentError } from '@nabla/core';
import { Callback, type Logs } from './callback.js';
import { Monitor, type MonitorMode } from './monitor.js';

/** Options of `reduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** New rate = rate · factor (default 0.1, must be < 1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** Lower bound of the rate (default 0). */
  minLr?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  mode?: MonitorMode;
}

/**
 * Lowers the learning rate when the monitored value plateaus.
 * @example
 * const cb = new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2 });
 * await model.fit(x, y, { epochs: 20, callbacks: [cb] });
 */
export class ReduceLROnPlateau extends Callback {
  readonly #monitor: Monitor;
  readonly #factor: number;
  readonly #patience: number;
  readonly #minLr: number;
  readonly #cooldown: number;
  #wait = 0;
  #cooldownLeft = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    this.#factor = options.factor ?? 0.1;
    if (!(this.#factor < 1 && this.#factor >= 0)) {
      throw new ArgumentError(`reduceLROnPlateau: expected factor in [0, 1), got ${this.#factor}`);
    }
    this.#monitor = new Monitor(
      'reduceLROnPlateau',
      options.monitor ?? 'val_loss',
      options.mode ?? 'auto',
      options.minDelta ?? 1e-4,
    );
    this.#patience = options.patience ?? 10;
    this.#minLr = options.minLr ?? 0;
    this.#cooldown = options.cooldown ?? 0;
  }

  override onTrainBegin(): void {
    this.#wait = 0;
    this.#cooldownLeft = 0;
    this.#monitor.reset();
  }

  override onEpochEnd(_epoch: number, logs?: Logs): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) return;
    if (logs) logs.learning_rate = optimizer.currentLearningRate();
    const value = this.#monitor.value(logs);
    if (value === undefined) return;
    if (this.#cooldownLeft > 0) {
      this.#cooldownLeft--;
      this.#wait = 0;
    }
    if (this.#monitor.improves(value)) {
      this.#monitor.best = value;
      this.#wait = 0;
      return;
    }
    if (this.#cooldownLeft > 0) return;
    this.#wait++;
    if (this.#wait >= this.#patience) {
      const lr = optimizer.currentLearningRate();
      if (lr > this.#minLr) {
        optimizer.setLearningRate(Math.max(lr * this.#factor, this.#minLr));
        this.#cooldownLeft = this.#cooldown;
        this.#wait = 0;
      }
    }
  }
}

/**
 * Reduces the learning rate on a plateau of `monitor`.
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.1,
 *   callbacks: [reduceLROnPlateau({ factor: 0.5, patience: 2, minLr: 1e-5 })] });
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): ReduceLROnPlateau {
  return new ReduceLROnPlateau(options);
}

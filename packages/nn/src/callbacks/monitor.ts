// What earlyStopping and reduceLROnPlateau share: watching one logged value for improvement,
// in 'min' or 'max' mode ('auto' picks max for accuracy-like names, as Keras does).

import { ArgumentError } from '@nabla/core';
import type { Logs } from './callback.js';

/** Whether smaller or larger values of the monitored quantity are better. */
export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * Tracks the best value of `monitor` and whether a new value improves on it by `minDelta`.
 * @example
 * const m = new Monitor('earlyStopping', 'val_loss', 'auto', 0);
 * m.improves(0.5); // true while best is +∞
 */
export class Monitor {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  best: number;

  constructor(owner: string, monitor: string, mode: MonitorMode, minDelta: number) {
    if (!['auto', 'min', 'max'].includes(mode))
      throw new ArgumentError(`${owner}: expected mode 'auto', 'min' or 'max', got '${mode}'`);
    this.monitor = monitor;
    const maxLike = /acc|auc|precision|recall/.test(monitor);
    this.mode = mode === 'auto' ? (maxLike ? 'max' : 'min') : mode;
    this.minDelta = Math.abs(minDelta);
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** The monitored value in `logs`, or undefined (with no effect) when it is missing. */
  value(logs: Logs | undefined): number | undefined {
    const v = logs?.[this.monitor];
    return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
  }

  improves(value: number): boolean {
    return this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  reset(): void {
    this.best = this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
}

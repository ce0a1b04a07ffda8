// modelCheckpoint: saves the model (`model.save(path)`) at the end of epochs, every epoch or only
// when a monitored value improves; `{epoch}` and log keys in the path are filled in.

import { ArgumentError } from '@nabla/core';
import { Callback, type Logs } from './callback.js';
import { Monitor, type MonitorMode } from './monitor.js';

/** Options of `modelCheckpoint`. */
export interface ModelCheckpointOptions {
  /** Folder to save to; `{epoch}` (1-based) and `{loss}`-style log keys are replaced. */
  filepath: string;
  /** Default 'val_loss'. */
  monitor?: string;
  /** Save only when the monitored value improves (default false). */
  saveBestOnly?: boolean;
  mode?: MonitorMode;
}

/**
 * Fills `{epoch}` and `{key}` (or `{key:.4f}`) placeholders of a path.
 * @example
 * formatPath('ckpt-{epoch}', 2); // 'ckpt-03'
 * formatPath('best-{val_loss}', 0, { val_loss: 0.12345 }); // 'best-0.1235'
 */
export function formatPath(template: string, epoch: number, logs: Logs = {}): string {
  return template.replace(/\{(\w+)(?::[^}]*)?\}/g, (whole, key: string) => {
    if (key === 'epoch') return String(epoch + 1).padStart(2, '0');
    const v = logs[key];
    return typeof v === 'number' ? v.toFixed(4) : whole;
  });
}

/**
 * Saves the model at epoch ends.
 * @example
 * const ckpt = new ModelCheckpoint({ filepath: 'ckpt/epoch-{epoch}' });
 * await model.fit(x, y, { epochs: 3, callbacks: [ckpt] }); ckpt.saved; // 3 paths
 */
export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly #monitor: Monitor;
  readonly #saveBestOnly: boolean;
  /** Paths written, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    super();
    if (!options || typeof options.filepath !== 'string' || options.filepath === '') {
      throw new ArgumentError('modelCheckpoint: expected a filepath');
    }
    this.filepath = options.filepath;
    this.#monitor = new Monitor('modelCheckpoint', options.monitor ?? 'val_loss', options.mode ?? 'auto', 0);
    this.#saveBestOnly = options.saveBestOnly ?? false;
  }

  override onTrainBegin(): void {
    this.#monitor.reset();
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    if (!this.model) return;
    if (this.#saveBestOnly) {
      const value = this.#monitor.value(logs);
      if (value === undefined || !this.#monitor.improves(value)) return;
      this.#monitor.best = value;
    }
    const path = formatPath(this.filepath, epoch, logs);
    await this.model.save(path);
    this.saved.push(path);
  }
}

/**
 * Saves the model during training.
 * @example
 * await model.fit(x, y, { epochs: 10, validationSplit: 0.1,
 *   callbacks: [modelCheckpoint({ filepath: 'ckpt/best', saveBestOnly: true })] });
 */
export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  return new ModelCheckpoint(options);
}

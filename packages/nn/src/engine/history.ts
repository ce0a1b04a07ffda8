// The History that `fit` returns: the epoch numbers and, per logged key (`loss`, `accuracy`,
// `val_loss`, ...), the value at the end of each epoch, as Keras's `history.history`.

import { Callback, type Logs } from '../callbacks/callback.js';

/**
 * Epoch-end logs of a `fit` run.
 * @example
 * const history = await model.fit(x, y, { epochs: 5 });
 * history.history.loss; // five numbers
 */
export class History extends Callback {
  /** Epoch indices, in order. */
  readonly epoch: number[] = [];
  /** Values per logged key, one per epoch. */
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      // Own keys only: a metric named 'constructor' or '__proto__' gets its own list.
      if (!Object.hasOwn(this.history, key)) {
        Object.defineProperty(this.history, key, {
          value: [],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      this.history[key]!.push(value);
    }
  }
}

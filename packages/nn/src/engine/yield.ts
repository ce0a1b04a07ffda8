// Yielding to the event loop between batches of fit/evaluate/predictAsync. A loop that only
// awaits promises (`await t.data()` on the CPU backend resolves as a microtask) never lets the
// event loop turn: timers do not fire, a page freezes, and FinalizationRegistry callbacks (which
// free dropped tensors) never run. `yieldEvery` says how often to give the loop a turn.

import { ArgumentError } from '@nabla/core';
import { showValue } from './options.js';

/**
 * When fit/evaluate/predictAsync yield to the event loop: 'auto' (whenever 16 ms of work have
 * passed since the last yield), 'batch' (after every batch), 'epoch' (after every epoch),
 * 'never', or a number of milliseconds (the 'auto' rule with another period).
 */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number;

/** The period of 'auto': one frame at 60 Hz, so a page keeps drawing while a model trains. */
export const AUTO_YIELD_MS = 16;

/**
 * Checks a `yieldEvery` option.
 * @example
 * checkYieldEvery('fit', 'auto'); // ok
 * checkYieldEvery('fit', -5); // throws ArgumentError
 */
export function checkYieldEvery(where: string, value: unknown): void {
  if (value === undefined || value === 'auto' || value === 'batch' || value === 'epoch' || value === 'never')
    return;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return;
  throw new ArgumentError(
    `${where}: expected yieldEvery to be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds >= 0, got ${showValue(value)}`,
  );
}

type Immediate = (callback: () => void) => unknown;

/**
 * A promise that resolves in a later macrotask, after the event loop has had a turn (timers,
 * I/O, FinalizationRegistry callbacks). Node: setImmediate; browsers: setTimeout(0).
 * @example
 * for (const b of batches) { step(b); await nextTask(); }
 */
export function nextTask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: Immediate }).setImmediate;
  return new Promise((resolve) => {
    if (typeof immediate === 'function') immediate(resolve);
    else setTimeout(resolve, 0);
  });
}

const now = (): number => globalThis.performance?.now() ?? Date.now();

/**
 * The yield policy of one fit/evaluate/predict run.
 * @example
 * const y = new Yielder('auto');
 * for (const b of batches) { step(b); await y.afterBatch(); }
 */
export class Yielder {
  readonly #mode: 'batch' | 'epoch' | 'never' | 'time';
  readonly #periodMs: number;
  #last = now();

  constructor(every: YieldEvery = 'auto') {
    if (typeof every === 'number') {
      this.#mode = 'time';
      this.#periodMs = every;
    } else {
      this.#mode = every === 'auto' ? 'time' : every;
      this.#periodMs = AUTO_YIELD_MS;
    }
  }

  /** Called after each batch. */
  async afterBatch(): Promise<void> {
    if (this.#mode === 'batch' || (this.#mode === 'time' && now() - this.#last >= this.#periodMs))
      await this.#yield();
  }

  /** Called after each epoch. */
  async afterEpoch(): Promise<void> {
    if (this.#mode === 'epoch') await this.#yield();
  }

  async #yield(): Promise<void> {
    await nextTask();
    this.#last = now();
  }
}

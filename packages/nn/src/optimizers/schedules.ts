// Learning-rate schedules: functions of the 0-based update step, evaluated on the host (a
// number per step, so nothing is read from the device). Formulas follow Keras.

import { ArgumentError } from '@nabla/core';
import { checkOption, K } from '../engine/option-kinds.js';
import { checkBoolean, checkNumber, checkOptions, readOnce } from '../engine/options.js';
import type { LearningRateSchedule } from '../types.js';

/** A required number > 0 (checkNumber lets undefined through; these options have no default). */
function positive(op: string, option: string, value: number): void {
  checkOption(op, option, K.number({ min: 0, minExclusive: true }), value);
}

/** A rate: a required finite number >= 0, like an optimizer's learningRate. */
function rate(op: string, option: string, value: number): void {
  checkOption(op, option, K.number({ min: 0 }), value);
}

/** Options of `exponentialDecay`. */
export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole intervals: the exponent is floor(step / decaySteps). */
  staircase?: boolean;
}

/**
 * lr(step) = lr₀ · decayRate^(step / decaySteps) (the exponent floored when `staircase`).
 * @example
 * const lr = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.5 });
 * lr.rate(100); // 0.05
 */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  options = readOnce(options);
  checkOptions('exponentialDecay', options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  rate('exponentialDecay', 'initialLearningRate', initialLearningRate);
  checkBoolean('exponentialDecay', 'staircase', options.staircase);
  positive('exponentialDecay', 'decaySteps', decaySteps);
  positive('exponentialDecay', 'decayRate', decayRate);
  return Object.freeze({
    name: 'ExponentialDecay',
    rate(step: number): number {
      const p = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
      return initialLearningRate * decayRate ** p;
    },
    getConfig: () => ({ initialLearningRate, decaySteps, decayRate, staircase }),
  });
}

/** Options of `cosineDecay`. */
export interface CosineDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  /** The floor, as a fraction of the initial rate (default 0). */
  alpha?: number;
}

/**
 * lr(step) = lr₀ · ((1-α)·½(1 + cos(π·min(step, decaySteps)/decaySteps)) + α).
 * @example
 * const lr = cosineDecay({ initialLearningRate: 0.1, decaySteps: 1000 });
 * lr.rate(500); // 0.05
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  options = readOnce(options);
  checkOptions('cosineDecay', options, ['initialLearningRate', 'decaySteps', 'alpha']);
  const { initialLearningRate, decaySteps, alpha = 0 } = options;
  rate('cosineDecay', 'initialLearningRate', initialLearningRate);
  positive('cosineDecay', 'decaySteps', decaySteps);
  checkNumber('cosineDecay', 'alpha', options.alpha, { min: 0, max: 1 });
  return Object.freeze({
    name: 'CosineDecay',
    rate(step: number): number {
      const s = Math.min(step, decaySteps);
      const cosine = 0.5 * (1 + Math.cos((Math.PI * s) / decaySteps));
      return initialLearningRate * ((1 - alpha) * cosine + alpha);
    },
    getConfig: () => ({ initialLearningRate, decaySteps, alpha }),
  });
}

/** Options of `piecewiseConstantDecay` (`stepDecay`). */
export interface PiecewiseConstantDecayOptions {
  /** Increasing step boundaries. */
  boundaries: readonly number[];
  /** One more value than boundaries: values[i] applies up to and including boundaries[i]. */
  values: readonly number[];
}

/**
 * lr(step) = values[0] for step ≤ boundaries[0], values[i] for boundaries[i-1] < step ≤
 * boundaries[i], and the last value after the last boundary (Keras's PiecewiseConstantDecay).
 * @example
 * const lr = piecewiseConstantDecay({ boundaries: [100, 200], values: [0.1, 0.01, 0.001] });
 * lr.rate(150); // 0.01
 */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): LearningRateSchedule {
  options = readOnce(options);
  checkOptions('piecewiseConstantDecay', options, ['boundaries', 'values']);
  if (!Array.isArray(options.boundaries) || !Array.isArray(options.values)) {
    throw new ArgumentError('piecewiseConstantDecay: expected boundaries and values to be arrays of numbers');
  }
  const boundaries = [...options.boundaries];
  const values = [...options.values];
  for (const [i, b] of boundaries.entries()) checkNumber('piecewiseConstantDecay', `boundaries[${i}]`, b);
  for (const [i, v] of values.entries()) rate('piecewiseConstantDecay', `values[${i}]`, v);
  if (values.length !== boundaries.length + 1) {
    throw new ArgumentError(
      `piecewiseConstantDecay: expected values to have boundaries.length + 1 = ${boundaries.length + 1} entries, got ${values.length}`,
    );
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!((boundaries[i] ?? 0) > (boundaries[i - 1] ?? 0))) {
      throw new ArgumentError(
        `piecewiseConstantDecay: expected increasing boundaries, got [${boundaries.join(',')}]`,
      );
    }
  }
  return Object.freeze({
    name: 'PiecewiseConstantDecay',
    rate(step: number): number {
      let i = 0;
      while (i < boundaries.length && step > (boundaries[i] ?? 0)) i++;
      return values[i] ?? 0;
    },
    getConfig: () => ({ boundaries: [...boundaries], values: [...values] }),
  });
}

/**
 * The same schedule as `piecewiseConstantDecay`: the rate drops in steps at the boundaries.
 * @example
 * const lr = stepDecay({ boundaries: [1000], values: [1e-3, 1e-4] });
 */
export const stepDecay = piecewiseConstantDecay;

// Stochastic gradient descent with optional (Nesterov) momentum, in Keras's form:
// m ← μ·m - lr·g; w ← w + m, or w ← w + μ·m - lr·g with Nesterov; w ← w - lr·g without momentum.

import { sgdStep, type Tensor } from '@nabla/core';
import { checkBoolean, checkNumber, readOnce } from '../engine/options.js';
import { BaseOptimizer, type OptimizerOptions, type SlotSpec, type VariableUpdate } from './optimizer.js';

/** Options of `sgd`. */
export interface SgdOptions extends OptimizerOptions {
  /** μ in [0, 1) (default 0: plain SGD, no slot). */
  momentum?: number;
  /** Nesterov momentum (default false). */
  nesterov?: boolean;
}

class Sgd extends BaseOptimizer {
  readonly #momentum: number;
  readonly #nesterov: boolean;

  constructor(options: SgdOptions) {
    options = readOnce(options);
    super('sgd', options, 0.01, ['momentum', 'nesterov']);
    checkNumber('sgd', 'momentum', options.momentum, { min: 0, max: 1, maxExclusive: true });
    checkBoolean('sgd', 'nesterov', options.nesterov);
    this.#momentum = options.momentum ?? 0;
    this.#nesterov = options.nesterov ?? false;
  }

  protected slots(): readonly SlotSpec[] {
    return this.#momentum > 0 ? [{ name: 'momentum', init: 0 }] : [];
  }

  protected update(w: Tensor, g: Tensor, slots: readonly Tensor[], lr: number): VariableUpdate {
    const [m] = slots;
    // One fused step where the backend has it (core's sgdStep, same formulas as the header).
    const next = sgdStep(
      { param: w, grad: g, velocity: m ?? null },
      { learningRate: lr, momentum: m ? this.#momentum : 0, nesterov: this.#nesterov },
    );
    return { param: next.param, slots: [next.velocity] };
  }

  protected config(): Record<string, unknown> {
    return { momentum: this.#momentum, nesterov: this.#nesterov };
  }
}

/**
 * SGD (default learningRate 0.01), with momentum and Nesterov momentum as in Keras.
 * @example
 * const opt = sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true });
 * opt.applyGradients([{ variable: w, grad: g }]);
 */
export function sgd(options: SgdOptions = {}): BaseOptimizer {
  return new Sgd(options);
}

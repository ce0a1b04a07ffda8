// Adagrad: per-element rates shrinking with the summed squared gradients, as in Keras:
// a ← a + g²; w ← w - lr·g / √(a + ε), with a starting at 0.1.

import { ArgumentError, sqrt, type Tensor } from '@nabla/core';
import { checkNumber, readOnce } from '../engine/options.js';
import { BaseOptimizer, type OptimizerOptions, type SlotSpec, type VariableUpdate } from './optimizer.js';

/** Options of `adagrad`. */
export interface AdagradOptions extends OptimizerOptions {
  /** The accumulator's starting value (default 0.1). */
  initialAccumulatorValue?: number;
  /** ε (default 1e-7). */
  epsilon?: number;
}

class Adagrad extends BaseOptimizer {
  readonly #initial: number;
  readonly #epsilon: number;

  constructor(options: AdagradOptions) {
    options = readOnce(options);
    super('adagrad', options, 0.001, ['initialAccumulatorValue', 'epsilon']);
    checkNumber('adagrad', 'initialAccumulatorValue', options.initialAccumulatorValue, { min: 0 });
    checkNumber('adagrad', 'epsilon', options.epsilon, { min: 0, minExclusive: true });
    this.#initial = options.initialAccumulatorValue ?? 0.1;
    this.#epsilon = options.epsilon ?? 1e-7;
  }

  protected slots(): readonly SlotSpec[] {
    return [{ name: 'accumulator', init: this.#initial }];
  }

  protected update(w: Tensor, g: Tensor, [a]: readonly Tensor[], lr: number): VariableUpdate {
    if (a === undefined) throw new ArgumentError('adagrad: missing the accumulator slot');
    // a ← a + g²
    const acc = a.add(g.square());
    // w ← w - lr·g / √(a + ε)
    return { param: w.sub(g.mul(lr).div(sqrt(acc.add(this.#epsilon)))), slots: [acc] };
  }

  protected config(): Record<string, unknown> {
    return { initialAccumulatorValue: this.#initial, epsilon: this.#epsilon };
  }
}

/**
 * Adagrad (default learningRate 0.001, initialAccumulatorValue 0.1, epsilon 1e-7).
 * @example
 * const opt = adagrad({ learningRate: 0.01 });
 * opt.applyGradients([{ variable: w, grad: g }]);
 */
export function adagrad(options: AdagradOptions = {}): BaseOptimizer {
  return new Adagrad(options);
}

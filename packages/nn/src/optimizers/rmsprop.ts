// RMSprop as in Keras: v ← ρ·v + (1-ρ)·g²; centered also tracks ḡ ← ρ·ḡ + (1-ρ)·g and
// divides by √(v - ḡ² + ε); the step Δ = lr·g/√(…) is applied directly or through momentum.

import { ArgumentError, sqrt, type Tensor } from '@nabla/core';
import { checkBoolean, checkNumber, readOnce } from '../engine/options.js';
import { BaseOptimizer, type OptimizerOptions, type SlotSpec, type VariableUpdate } from './optimizer.js';

/** Options of `rmsprop`. */
export interface RmspropOptions extends OptimizerOptions {
  /** Decay of the squared-gradient average (default 0.9). */
  rho?: number;
  /** Momentum on the step (default 0). */
  momentum?: number;
  /** Normalise by the gradient's variance rather than its second moment (default false). */
  centered?: boolean;
  /** ε (default 1e-7). */
  epsilon?: number;
}

class Rmsprop extends BaseOptimizer {
  readonly #rho: number;
  readonly #momentum: number;
  readonly #centered: boolean;
  readonly #epsilon: number;

  constructor(options: RmspropOptions) {
    options = readOnce(options);
    super('rmsprop', options, 0.001, ['rho', 'momentum', 'centered', 'epsilon']);
    const unit = { min: 0, max: 1, maxExclusive: true };
    checkNumber('rmsprop', 'rho', options.rho, unit);
    checkNumber('rmsprop', 'momentum', options.momentum, unit);
    checkBoolean('rmsprop', 'centered', options.centered);
    checkNumber('rmsprop', 'epsilon', options.epsilon, { min: 0, minExclusive: true });
    this.#rho = options.rho ?? 0.9;
    this.#momentum = options.momentum ?? 0;
    this.#centered = options.centered ?? false;
    this.#epsilon = options.epsilon ?? 1e-7;
  }

  protected slots(): readonly SlotSpec[] {
    const out: SlotSpec[] = [{ name: 'velocity', init: 0 }];
    if (this.#momentum > 0) out.push({ name: 'momentum', init: 0 });
    if (this.#centered) out.push({ name: 'average_gradient', init: 0 });
    return out;
  }

  protected update(w: Tensor, g: Tensor, slots: readonly Tensor[], lr: number): VariableUpdate {
    const [velocity, ...rest] = slots;
    const momentum = this.#momentum > 0 ? rest[0] : undefined;
    const average = this.#centered ? rest[this.#momentum > 0 ? 1 : 0] : undefined;
    if (velocity === undefined) throw new ArgumentError('rmsprop: missing the velocity slot');
    const rho = this.#rho;
    // v ← ρ·v + (1-ρ)·g²
    const vel = velocity.mul(rho).add(g.square().mul(1 - rho));
    let denominator = vel.add(this.#epsilon);
    let avg: Tensor | null = null;
    if (average !== undefined) {
      // ḡ ← ρ·ḡ + (1-ρ)·g; denominator = v - ḡ² + ε
      const nextAverage = average.mul(rho).add(g.mul(1 - rho));
      denominator = vel.sub(nextAverage.square()).add(this.#epsilon);
      avg = nextAverage;
    }
    // Δ = lr·g / √denominator
    const increment = g.mul(lr).div(sqrt(denominator));
    // Slots in the order of slots(): velocity, momentum (when μ > 0), average (when centered).
    if (momentum === undefined) return { param: w.sub(increment), slots: [vel, avg] };
    // m ← μ·m + Δ; w ← w - m
    const mom = momentum.mul(this.#momentum).add(increment);
    return { param: w.sub(mom), slots: [vel, mom, avg] };
  }

  protected config(): Record<string, unknown> {
    return { rho: this.#rho, momentum: this.#momentum, centered: this.#centered, epsilon: this.#epsilon };
  }
}

/**
 * RMSprop (default learningRate 0.001, rho 0.9, momentum 0, epsilon 1e-7, not centered).
 * @example
 * const opt = rmsprop({ learningRate: 0.01, centered: true });
 * opt.applyGradients([{ variable: w, grad: g }]);
 */
export function rmsprop(options: RmspropOptions = {}): BaseOptimizer {
  return new Rmsprop(options);
}

// Adam and AdamW in Keras's formulation, the bias correction folded into the step size:
// m ← m + (1-β1)(g - m); v ← v + (1-β2)(g² - v); α = lr·√(1-β2ᵗ)/(1-β1ᵗ);
// w ← w - α·m/(√v + ε). AdamW first decays the weights: w ← w - w·λ·lr.

import { ArgumentError, adamStep, type Tensor } from '@nabla/core';
import { checkBoolean, checkNumber, checkOptions, readOnce } from '../engine/options.js';
import {
  BASE_OPTION_KEYS,
  BaseOptimizer,
  type OptimizerOptions,
  type SlotSpec,
  type VariableUpdate,
} from './optimizer.js';

/** Options of `adam`. */
export interface AdamOptions extends OptimizerOptions {
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** ε (default 1e-7). */
  epsilon?: number;
  /** Use the running maximum of v (AMSGrad; default false). */
  amsgrad?: boolean;
}

const ADAM_KEYS = [...BASE_OPTION_KEYS, 'beta1', 'beta2', 'epsilon', 'amsgrad'];

class Adam extends BaseOptimizer {
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  readonly #amsgrad: boolean;

  constructor(name: string, options: AdamOptions, weightDecay: number) {
    options = readOnce(options);
    checkOptions(name, options, ADAM_KEYS);
    super(name, { ...options, weightDecay }, 0.001, ADAM_KEYS);
    const unit = { min: 0, max: 1, maxExclusive: true };
    checkNumber(name, 'beta1', options.beta1, unit);
    checkNumber(name, 'beta2', options.beta2, unit);
    // ε = 0 divides 0 by 0 on a zero gradient (m = v = 0), turning the weights into NaN.
    checkNumber(name, 'epsilon', options.epsilon, { min: 0, minExclusive: true });
    checkBoolean(name, 'amsgrad', options.amsgrad);
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-7;
    this.#amsgrad = options.amsgrad ?? false;
  }

  protected slots(): readonly SlotSpec[] {
    const out: SlotSpec[] = [
      { name: 'm', init: 0 },
      { name: 'v', init: 0 },
    ];
    if (this.#amsgrad) out.push({ name: 'vhat', init: 0 });
    return out;
  }

  protected update(
    w: Tensor,
    g: Tensor,
    [m, v, vhat]: readonly Tensor[],
    lr: number,
    t: number,
  ): VariableUpdate {
    if (m === undefined || v === undefined)
      throw new ArgumentError(`${this.name}: missing the m and v slots`);
    // One fused step where the backend has it (core's adamStep, same formula as the header).
    const next = adamStep(
      { param: w, grad: g, m, v, vhat: vhat ?? null },
      { learningRate: lr, step: t, beta1: this.#beta1, beta2: this.#beta2, epsilon: this.#epsilon },
    );
    return { param: next.param, slots: [next.m, next.v, next.vhat] };
  }

  protected config(): Record<string, unknown> {
    return { beta1: this.#beta1, beta2: this.#beta2, epsilon: this.#epsilon, amsgrad: this.#amsgrad };
  }
}

/**
 * Adam (default learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), as in Keras.
 * @example
 * const opt = adam({ learningRate: 1e-3, clipNorm: 1 });
 * opt.applyGradients([{ variable: w, grad: g }]);
 */
export function adam(options: AdamOptions = {}): BaseOptimizer {
  return new Adam('adam', options, options.weightDecay ?? 0);
}

/** Options of `adamw`. */
export interface AdamWOptions extends AdamOptions {
  /** λ of the decoupled decay w ← w - w·λ·lr (default 0.004, as in Keras). */
  weightDecay?: number;
}

/**
 * AdamW: Adam with decoupled weight decay (default weightDecay 0.004, learningRate 0.001).
 * @example
 * const opt = adamw({ learningRate: 1e-3, weightDecay: 0.01 });
 * opt.applyGradients([{ variable: w, grad: g }]);
 */
export function adamw(options: AdamWOptions = {}): BaseOptimizer {
  return new Adam('adamw', options, options.weightDecay ?? 0.004);
}

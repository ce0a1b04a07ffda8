// The base every optimizer extends: learning rate (constant or scheduled), gradient clipping
// (clipNorm, globalClipNorm, clipValue, as in Keras), decoupled weight decay, and slot
// variables made lazily on a variable's first update. A step runs in one `tidy` and only
// `assign`s, so it leaves no tensors behind and never reads the device.

import {
  ArgumentError,
  clip,
  fmtShape,
  full,
  maximum,
  ShapeError,
  sqrt,
  square,
  sum,
  type Tensor,
  tidy,
  type Variable,
  variable,
} from '@nabla/core';
import type { GradPair, LearningRateSchedule, Optimizer } from '../types.js';

/** Options every optimizer takes. */
export interface OptimizerOptions {
  /** A constant rate or a schedule of the step. */
  learningRate?: number | LearningRateSchedule;
  /** Rescale each gradient so its L2 norm is at most this: g ← g·c / max(‖g‖, c). */
  clipNorm?: number;
  /** Rescale all gradients together: g ← g·c / max(√Σ‖gᵢ‖², c). */
  globalClipNorm?: number;
  /** Clip each gradient element to [-c, c]. */
  clipValue?: number;
  /** Decoupled weight decay before each update: w ← w - w·λ·lr (0 = none). */
  weightDecay?: number;
}

/** A slot variable per trained variable: its name and initial fill. */
export interface SlotSpec {
  readonly name: string;
  readonly init: number;
}

let optimizerCount = 0;

function checkOption(op: string, option: string, value: number | undefined): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
    throw new ArgumentError(`${op}: expected ${option} to be a finite number > 0, got ${value}`);
  }
}

/**
 * Shared machinery of the optimizers; subclasses give their slots and the update rule.
 * @example
 * class Plain extends BaseOptimizer { ... } // slots() → [], update: w ← w - lr·g
 * new Plain('plain', { learningRate: 0.1 }).applyGradients([{ variable: w, grad: g }]);
 */
export abstract class BaseOptimizer implements Optimizer {
  readonly name: string;
  #iterations = 0;
  #learningRate: number | LearningRateSchedule;
  readonly #clipNorm: number | undefined;
  readonly #globalClipNorm: number | undefined;
  readonly #clipValue: number | undefined;
  readonly #weightDecay: number;
  readonly #prefix: string;
  readonly #slots = new Map<Variable, Variable[]>();

  protected constructor(name: string, options: OptimizerOptions, defaultLearningRate: number) {
    this.name = name;
    this.#learningRate = options.learningRate ?? defaultLearningRate;
    if (typeof this.#learningRate === 'number') checkRate(name, this.#learningRate);
    checkOption(name, 'clipNorm', options.clipNorm);
    checkOption(name, 'globalClipNorm', options.globalClipNorm);
    checkOption(name, 'clipValue', options.clipValue);
    const set = [options.clipNorm, options.globalClipNorm, options.clipValue].filter((c) => c !== undefined);
    if (set.length > 1) {
      throw new ArgumentError(
        `${name}: expected at most one of clipNorm, globalClipNorm and clipValue, got clipNorm=${options.clipNorm}, globalClipNorm=${options.globalClipNorm} and clipValue=${options.clipValue}`,
      );
    }
    this.#clipNorm = options.clipNorm;
    this.#globalClipNorm = options.globalClipNorm;
    this.#clipValue = options.clipValue;
    this.#weightDecay = options.weightDecay ?? 0;
    if (!(this.#weightDecay >= 0)) {
      throw new ArgumentError(`${name}: expected weightDecay >= 0, got ${options.weightDecay}`);
    }
    this.#prefix = `${name}_${++optimizerCount}`;
  }

  /** The slots each trained variable gets, in order (e.g. Adam's m and v). */
  protected abstract slots(): readonly SlotSpec[];

  /** One update of `v` by its (clipped) gradient; `t` is the 1-based step number. */
  protected abstract update(v: Variable, g: Tensor, slots: readonly Variable[], lr: number, t: number): void;

  /** Options particular to the subclass, for `getConfig`. */
  protected abstract config(): Record<string, unknown>;

  get iterations(): number {
    return this.#iterations;
  }

  currentLearningRate(): number {
    const lr = this.#learningRate;
    return typeof lr === 'number' ? lr : lr.rate(this.#iterations);
  }

  setLearningRate(rate: number): void {
    checkRate(this.name, rate);
    this.#learningRate = rate;
  }

  applyGradients(pairs: readonly GradPair[]): void {
    for (const { variable: v, grad: g } of pairs) {
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new ShapeError(
          `${this.name}: expected the gradient of '${v.name}' to have the variable's shape ${fmtShape(v.shape)}, got ${fmtShape(g.shape)}`,
        );
      }
    }
    const lr = this.currentLearningRate();
    const t = this.#iterations + 1;
    tidy(() => {
      const grads = this.#clip(
        pairs.map((p) => (p.grad.dtype === p.variable.dtype ? p.grad : p.grad.cast(p.variable.dtype))),
      );
      pairs.forEach(({ variable: v }, i) => {
        const slots = this.#slotsOf(v);
        // w ← w - w·λ·lr (decoupled weight decay, before the update)
        if (this.#weightDecay > 0) v.assign(v.sub(v.mul(this.#weightDecay * lr)));
        const g = grads[i];
        if (g !== undefined) this.update(v, g, slots, lr, t);
      });
    });
    this.#iterations++;
  }

  getConfig(): Record<string, unknown> {
    const lr = this.#learningRate;
    const out: Record<string, unknown> = {
      name: this.name,
      learningRate: typeof lr === 'number' ? lr : { className: lr.name, config: lr.getConfig() },
    };
    if (this.#clipNorm !== undefined) out.clipNorm = this.#clipNorm;
    if (this.#globalClipNorm !== undefined) out.globalClipNorm = this.#globalClipNorm;
    if (this.#clipValue !== undefined) out.clipValue = this.#clipValue;
    if (this.#weightDecay > 0) out.weightDecay = this.#weightDecay;
    return { ...out, ...this.config() };
  }

  getWeights(): Variable[] {
    return [...this.#slots.values()].flat();
  }

  dispose(): void {
    for (const slots of this.#slots.values()) for (const s of slots) s.dispose();
    this.#slots.clear();
  }

  #slotsOf(v: Variable): Variable[] {
    let slots = this.#slots.get(v);
    if (slots === undefined) {
      slots = this.slots().map((s) =>
        variable(full(v.shape, s.init, v.dtype), {
          name: `${this.#prefix}/${v.name}/${s.name}`,
          trainable: false,
        }),
      );
      this.#slots.set(v, slots);
    }
    return slots;
  }

  #clip(grads: Tensor[]): Tensor[] {
    const c = this.#clipNorm;
    // g ← g·c / max(‖g‖, c)
    if (c !== undefined) return grads.map((g) => g.mul(c).div(maximum(sqrt(sum(square(g))), c)));
    const gc = this.#globalClipNorm;
    if (gc !== undefined && grads.length > 0) {
      // g ← g·c / max(√Σ‖gᵢ‖², c)
      const total = grads.map((g) => sum(square(g))).reduce((a, b) => a.add(b));
      const scale = maximum(sqrt(total), gc);
      return grads.map((g) => g.mul(gc).div(scale));
    }
    const cv = this.#clipValue;
    if (cv !== undefined) return grads.map((g) => clip(g, -cv, cv));
    return grads;
  }
}

function checkRate(op: string, rate: number): void {
  if (!(rate >= 0) || !Number.isFinite(rate)) {
    throw new ArgumentError(`${op}: expected learningRate to be a finite number >= 0, got ${rate}`);
  }
}

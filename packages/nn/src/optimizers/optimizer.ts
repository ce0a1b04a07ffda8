// The base every optimizer extends: learning rate (constant or scheduled), gradient clipping
// (clipNorm, globalClipNorm, clipValue, as in Keras), decoupled weight decay, and slot
// variables made lazily on a variable's first update. A step computes every new value (weights
// and slots) in one `tidy` before it assigns any, so a step that fails changes nothing, and it
// never reads the device.

import {
  ArgumentError,
  clip,
  full,
  maximum,
  ShapeError,
  sqrt,
  square,
  sum,
  Tensor,
  tidy,
  Variable,
  variable,
} from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import { checkNumber, checkOptions, showValue } from '../engine/options.js';
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

/** The option keys of `OptimizerOptions`, which every optimizer accepts. */
export const BASE_OPTION_KEYS: readonly string[] = [
  'learningRate',
  'clipNorm',
  'globalClipNorm',
  'clipValue',
  'weightDecay',
];

/** The new values of one variable's update: its value and one per slot (null: unchanged). */
export interface VariableUpdate {
  readonly param: Tensor;
  readonly slots?: readonly (Tensor | null | undefined)[];
}

/** A slot variable per trained variable: its name and initial fill. */
export interface SlotSpec {
  readonly name: string;
  readonly init: number;
}

/**
 * An optimizer's state: the step count and, per trained variable, its slots by name (Adam's
 * `m` and `v`). What `getState` returns holds the live slot variables; `setState` copies.
 */
export interface OptimizerState {
  iterations: number;
  slots: { variable: Variable; values: Record<string, Tensor> }[];
}

let optimizerCount = 0;

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

  /**
   * Checks `options` (an object with only `OptimizerOptions` keys and `extraKeys`, each in range)
   * and sets up the shared state; subclasses check their own options' values.
   */
  protected constructor(
    name: string,
    options: OptimizerOptions,
    defaultLearningRate: number,
    extraKeys: readonly string[] = [],
  ) {
    this.name = name;
    checkOptions(name, options, [...BASE_OPTION_KEYS, ...extraKeys]);
    this.#learningRate = options.learningRate ?? defaultLearningRate;
    checkLearningRate(name, this.#learningRate);
    const positive = { min: 0, minExclusive: true };
    checkNumber(name, 'clipNorm', options.clipNorm, positive);
    checkNumber(name, 'globalClipNorm', options.globalClipNorm, positive);
    checkNumber(name, 'clipValue', options.clipValue, positive);
    checkNumber(name, 'weightDecay', options.weightDecay, { min: 0 });
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
    this.#prefix = `${name}_${++optimizerCount}`;
  }

  /** The slots each trained variable gets, in order (e.g. Adam's m and v). */
  protected abstract slots(): readonly SlotSpec[];

  /**
   * The new values of one variable, from its current value `w` (after weight decay), its
   * (clipped) gradient and its slots; `t` is the 1-based step number. Must not assign: the base
   * assigns all the step's values together once every one of them has been computed.
   */
  protected abstract update(
    w: Tensor,
    g: Tensor,
    slots: readonly Tensor[],
    lr: number,
    t: number,
  ): VariableUpdate;

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
    checkLearningRate(this.name, rate);
    this.#learningRate = rate;
  }

  applyGradients(pairs: readonly GradPair[]): void {
    this.#checkPairs(pairs);
    const lr = this.currentLearningRate();
    const t = this.#iterations + 1;
    const made: Variable[] = [];
    const inputs = new Set<Tensor>();
    for (const { variable: v, grad } of pairs) inputs.add(v).add(grad);
    let updates: [Variable, Tensor][];
    try {
      // All-or-nothing: every new value first (a throw here frees them all, with the slots
      // this step made), then the assigns, which cannot fail once their values exist.
      const planned: [Variable, Tensor][] = [];
      const values = tidy(() => {
        const grads = this.#clip(
          pairs.map((p) => (p.grad.dtype === p.variable.dtype ? p.grad : p.grad.cast(p.variable.dtype))),
        );
        pairs.forEach(({ variable: v }, i) => {
          const slots = this.#slotsOf(v, made);
          for (const s of slots) inputs.add(s);
          // w ← w - w·λ·lr (decoupled weight decay, before the update)
          const w = this.#weightDecay > 0 ? v.sub(v.mul(this.#weightDecay * lr)) : v;
          const g = grads[i]!;
          const next = this.update(w, g, slots, lr, t);
          planned.push([v, next.param]);
          next.slots?.forEach((value, j) => {
            const slot = slots[j];
            if (value && slot) planned.push([slot, value]);
          });
        });
        for (const [target, value] of planned) this.#checkValue(target, value);
        return planned.map(([, value]) => value);
      });
      updates = planned.map(([target], i) => [target, values[i]!]);
    } catch (error) {
      for (const slot of made) {
        slot.dispose();
        for (const [v, slots] of this.#slots) if (slots.includes(slot)) this.#slots.delete(v);
      }
      throw error;
    }
    for (const [target, value] of updates) target.assign(value);
    for (const [, value] of updates) if (!inputs.has(value)) value.dispose();
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

  /**
   * The step count and the slot variables of each variable updated so far (live: clone what
   * you keep past the next step). Saved with a model so training resumes where it stopped.
   * @example
   * const { iterations, slots } = opt.getState(); slots[0].values.m; // Adam's first moment
   */
  getState(): OptimizerState {
    const names = this.slots().map((s) => s.name);
    const slots = [...this.#slots].map(([variable, vars]) => {
      const values: Record<string, Tensor> = Object.create(null);
      names.forEach((n, i) => {
        values[n] = vars[i]!;
      });
      return { variable, values };
    });
    return { iterations: this.#iterations, slots };
  }

  /**
   * Replaces the step count and the slots of the variables listed (copies of `values`, one per
   * slot name of this optimizer, each of its variable's shape and dtype), all or nothing.
   * @example
   * fresh.setState(trained.getState()); // fresh now steps as trained would
   */
  setState(state: OptimizerState): void {
    const op = `${this.name}: setState`;
    if (typeof state !== 'object' || state === null || !Array.isArray(state.slots)) {
      throw new ArgumentError(`${op}: expected { iterations, slots: [...] }, got ${showValue(state)}`);
    }
    const iterations = state.iterations;
    if (!Number.isSafeInteger(iterations) || iterations < 0) {
      throw new ArgumentError(
        `${op}: expected iterations to be an integer >= 0, got ${showValue(iterations)}`,
      );
    }
    const specs = this.slots();
    const seen = new Set<Variable>();
    for (const [i, entry] of state.slots.entries()) {
      const v = entry?.variable;
      if (!(v instanceof Variable)) {
        throw new ArgumentError(`${op}: expected slots[${i}].variable to be a Variable, got ${showValue(v)}`);
      }
      if (seen.has(v)) throw new ArgumentError(`${op}: variable '${v.name}' is listed twice`);
      seen.add(v);
      const values = entry.values;
      const given = typeof values === 'object' && values !== null ? Object.keys(values).sort() : [];
      const expected = specs.map((s) => s.name).sort();
      if (given.join() !== expected.join()) {
        throw new ArgumentError(
          `${op}: expected the slots [${expected.join(', ')}] for '${v.name}', got [${given.join(', ')}]`,
        );
      }
      for (const spec of specs) {
        const t = values[spec.name];
        if (!(t instanceof Tensor)) {
          throw new ArgumentError(
            `${op}: slot '${spec.name}' of '${v.name}' must be a Tensor, got ${showValue(t)}`,
          );
        }
        t.assertAlive(op);
        if (!sameShape(t.shape, v.shape) || t.dtype !== v.dtype) {
          throw new ShapeError(
            `${op}: slot '${spec.name}' of '${v.name}' has shape ${fmtShape(t.shape)} and dtype ${t.dtype}, expected ${fmtShape(v.shape)} and ${v.dtype}`,
          );
        }
      }
    }
    // Every check passed: make the new slots, then drop the old ones of those variables.
    for (const { variable: v, values } of state.slots) {
      const slots = specs.map((spec) =>
        variable(values[spec.name]!, { name: `${this.#prefix}/${v.name}/${spec.name}`, trainable: false }),
      );
      for (const old of this.#slots.get(v) ?? []) old.dispose();
      this.#slots.set(v, slots);
    }
    this.#iterations = iterations;
  }

  dispose(): void {
    for (const slots of this.#slots.values()) for (const s of slots) s.dispose();
    this.#slots.clear();
  }

  #slotsOf(v: Variable, made: Variable[]): Variable[] {
    let slots = this.#slots.get(v);
    if (slots === undefined) {
      slots = [];
      for (const s of this.slots()) {
        const slot = variable(full(v.shape, s.init, v.dtype), {
          name: `${this.#prefix}/${v.name}/${s.name}`,
          trainable: false,
        });
        slots.push(slot);
        made.push(slot);
      }
      this.#slots.set(v, slots);
    }
    return slots;
  }

  /** Pairs of live, distinct variables with live gradients of their shapes. */
  #checkPairs(pairs: readonly GradPair[]): void {
    if (!Array.isArray(pairs)) {
      throw new ArgumentError(
        `${this.name}: expected applyGradients([{ variable, grad }, ...]), got ${showValue(pairs)}`,
      );
    }
    const seen = new Set<Variable>();
    pairs.forEach((pair: GradPair, i) => {
      const { variable: v, grad: g } = (pair ?? {}) as Partial<GradPair>;
      if (!(v instanceof Variable) || !(g instanceof Tensor)) {
        throw new ArgumentError(
          `${this.name}: expected pairs[${i}] to be { variable: Variable, grad: Tensor }, got ${showValue(pair)}`,
        );
      }
      if (seen.has(v))
        throw new ArgumentError(`${this.name}: variable '${v.name}' appears twice in one step`);
      seen.add(v);
      v.assertAlive(this.name);
      g.assertAlive(this.name);
      if (g.shape.length !== v.shape.length || g.shape.some((d, k) => d !== v.shape[k])) {
        throw new ShapeError(
          `${this.name}: expected the gradient of '${v.name}' to have the variable's shape ${fmtShape(v.shape)}, got ${fmtShape(g.shape)}`,
        );
      }
    });
  }

  /** What `assign` would reject, checked before the first assign of a step. */
  #checkValue(target: Variable, value: Tensor): void {
    const same =
      value.shape.length === target.shape.length && value.shape.every((d, k) => d === target.shape[k]);
    if (!same || value.dtype !== target.dtype) {
      throw new ShapeError(
        `${this.name}: the update of '${target.name}' has shape ${fmtShape(value.shape)} and dtype ${value.dtype}, expected ${fmtShape(target.shape)} and ${target.dtype}`,
      );
    }
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

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, k) => d === b[k]);

// 0 is allowed, as in PyTorch and Keras: it measures the loss of a model without changing it.
function checkLearningRate(op: string, rate: unknown): void {
  if (typeof rate === 'object' && rate !== null && typeof (rate as LearningRateSchedule).rate === 'function')
    return;
  if (typeof rate !== 'number' || !(rate >= 0) || !Number.isFinite(rate)) {
    throw new ArgumentError(
      `${op}: expected learningRate to be a finite number >= 0 or a schedule, got ${showValue(rate)}`,
    );
  }
}

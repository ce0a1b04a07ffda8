// The contracts the parts of nn meet at: losses, metrics, optimizers and learning-rate
// schedules are addressable by string name or passed as objects; the training loop in
// engine/ only talks to them through these interfaces.

import type { Tensor, Variable } from '@nabla/core';

/** A loss: mean over the batch (weighted by `sampleWeight` when given) as a scalar tensor. */
export type LossFn = (yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor) => Tensor;

/** A named loss, as `compile({ loss })` takes it. */
export interface Loss {
  readonly name: string;
  readonly fn: LossFn;
  /** Options it was made with (for save/load). */
  readonly config: Record<string, unknown>;
}

/** A learning rate as a function of the update step (0-based). */
export interface LearningRateSchedule {
  readonly name: string;
  rate(step: number): number;
  getConfig(): Record<string, unknown>;
}

/** A variable and its gradient. */
export interface GradPair {
  readonly variable: Variable;
  readonly grad: Tensor;
}

/** An optimizer: owns its state variables; never disposes what it is given. */
export interface Optimizer {
  readonly name: string;
  /** Updates applied so far. */
  readonly iterations: number;
  /** The current learning rate (after any schedule). */
  currentLearningRate(): number;
  /** Sets a constant learning rate (used by reduceLROnPlateau). */
  setLearningRate(rate: number): void;
  /**
   * One update step over all pairs (clipNorm/clipValue applied first), all or nothing: a step
   * that throws has changed no variable and no state. Synchronous, with no await inside.
   */
  applyGradients(pairs: readonly GradPair[]): void;
  getConfig(): Record<string, unknown>;
  /** State variables, e.g. Adam's moments, for inspection and saving. */
  getWeights(): Variable[];
  dispose(): void;
}

/** A streaming metric: accumulates on the device (no synchronous reads), reads as a scalar. */
export interface Metric {
  readonly name: string;
  update(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;
  /** The metric so far, as a scalar tensor the caller disposes. */
  result(): Tensor;
  reset(): void;
  dispose(): void;
}

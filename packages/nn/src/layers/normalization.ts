// Normalization layers: batchNormalization (batch statistics in training, moving statistics
// in inference, Keras 3 semantics) and layerNormalization (per-sample statistics over the
// feature axes). Both compute y = (x − μ) / √(σ² + ε) · γ + β.

import {
  batchNorm,
  fusedBatchNorm,
  moments,
  ShapeError,
  type Tensor,
  tidy,
  type Variable,
} from '@nabla/core';
import { one, oneShape, type SymbolicShape, shapeText } from '../engine/input-spec.js';
import { type CallContext, Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import {
  getInitializer,
  INITIALIZER,
  type InitializerSpec,
  initializerConfig,
} from '../initializers/initializers.js';
import {
  REGULARIZER,
  type RegularizerSpec,
  regularizerConfig,
  regularizerOrNull,
} from '../regularizers/regularizers.js';
import { checkFactoryArgs } from './factory.js';

/** The options both normalization layers take. */
const NORM_KEYS = {
  epsilon: K.number({ min: 0, minExclusive: true }),
  center: K.boolean,
  scale: K.boolean,
  betaInitializer: INITIALIZER,
  gammaInitializer: INITIALIZER,
  betaRegularizer: REGULARIZER,
  gammaRegularizer: REGULARIZER,
};

/** Axes (negative from the end) normalized to [0, rank), checked, sorted and unique. */
function resolveAxes(layer: Layer, axes: readonly number[], shape: SymbolicShape): number[] {
  const rank = shape.length;
  const out = axes.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ShapeError(`${layer.name}: axis ${a} is out of range for input shape ${shapeText(shape)}`);
    }
    if (a === 0 || a === -rank) {
      throw new ShapeError(
        `${layer.name}: cannot normalize over the batch axis 0, got axis ${a} for input shape ${shapeText(shape)}`,
      );
    }
    const k = a < 0 ? a + rank : a;
    if (shape[k] === null || shape[k] === undefined) {
      throw new ShapeError(
        `${layer.name}: expected input axis ${a} to be known, got shape ${shapeText(shape)}`,
      );
    }
    return k;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** Options shared by the normalization layers. */
interface NormOptions extends LayerOptions {
  /** Guards the division: y = (x − μ) / √(σ² + epsilon). Default 1e-3. */
  epsilon?: number;
  /** Learn an offset β (default true). */
  center?: boolean;
  /** Learn a scale γ (default true). */
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  betaRegularizer?: RegularizerSpec | null;
  gammaRegularizer?: RegularizerSpec | null;
}

/** γ, β, the options they were made with, and the affine normalization shared by both layers. */
abstract class Normalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly #args: NormOptions;
  protected gamma: Variable | null = null;
  protected beta: Variable | null = null;
  /** Input rank, normalized axes and their sizes, known once built. */
  protected layout: { rank: number; axes: number[]; dims: number[] } | null = null;

  /** Resolves `axis` for the build shape and fixes the rank and the normalized sizes in the spec. */
  protected buildLayout(inputShape: SymbolicShape | SymbolicShape[], axis: readonly number[]) {
    const shape = oneShape(inputShape);
    const axes = resolveAxes(this, axis, shape);
    const dims = axes.map((a) => shape[a]!);
    const rank = shape.length;
    this.layout = { rank, axes, dims };
    this.inputSpec = { ndim: rank, axes: Object.fromEntries(axes.map((a, i) => [a - rank, dims[i]!])) };
    return this.layout;
  }

  constructor(options: NormOptions | undefined, base: string) {
    super(options, base);
    this.inputSpec = {};
    const args = this.checkedOptions<NormOptions>();
    this.#args = args;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
  }

  /** Creates γ and β of shape `dims`. */
  protected addAffine(dims: number[]): void {
    if (this.scale) {
      this.gamma = this.addWeight('gamma', dims, {
        initializer: getInitializer(this.#args.gammaInitializer ?? 'ones'),
        regularizer: regularizerOrNull(this.#args.gammaRegularizer),
      });
    }
    if (this.center) {
      this.beta = this.addWeight('beta', dims, {
        initializer: getInitializer(this.#args.betaInitializer ?? 'zeros'),
        regularizer: regularizerOrNull(this.#args.betaRegularizer),
      });
    }
  }

  /** The input in the layer dtype; call inside tidy, so a cast is freed. */
  protected inDType(x: Tensor): Tensor {
    return x.dtype === this.dtype ? x : x.cast(this.dtype);
  }

  /**
   * (x − mean) · rsqrt(variance + ε) · γ + β, with γ and β viewed as `paramShape`: core's
   * `batchNorm`, one kernel where the backend fuses elementwise chains.
   */
  protected normalize(x: Tensor, mean: Tensor, variance: Tensor, paramShape: number[]): Tensor {
    return tidy(() =>
      batchNorm(x, mean, variance, {
        scale: this.gamma ? this.gamma.reshape(paramShape) : null,
        offset: this.beta ? this.beta.reshape(paramShape) : null,
        varianceEpsilon: this.epsilon,
      }),
    );
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerConfig(this.#args.betaInitializer ?? 'zeros'),
      gammaInitializer: initializerConfig(this.#args.gammaInitializer ?? 'ones'),
      betaRegularizer: regularizerConfig(this.#args.betaRegularizer),
      gammaRegularizer: regularizerConfig(this.#args.gammaRegularizer),
    };
  }
}

/** Options of `batchNormalization`. */
export interface BatchNormalizationOptions extends NormOptions {
  /** The feature axis (default -1, channels last); statistics are taken over every other axis. */
  axis?: number;
  /** moving = moving·momentum + batch·(1 − momentum). Default 0.99. */
  momentum?: number;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
}

/**
 * Batch normalization. In training (`apply(x, { training: true })` on a trainable layer) it
 * normalizes with the batch mean and biased variance over every axis but `axis`, and updates
 * the non-trainable moving statistics on the device; in inference it uses the moving ones.
 * Weights, in Keras order: gamma, beta, moving_mean, moving_variance.
 * @example
 * const bn = batchNormalization();
 * bn.apply(x, { training: true }); // [n, h, w, c], moving stats updated
 */
export class BatchNormalization extends Normalization {
  static override readonly optionsSpec = layerOptions('batchNormalization', {
    ...NORM_KEYS,
    axis: K.integer,
    momentum: K.number({ min: 0, max: 1 }),
    movingMeanInitializer: INITIALIZER,
    movingVarianceInitializer: INITIALIZER,
  });
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly #args: BatchNormalizationOptions;
  #movingMean: Variable | null = null;
  #movingVariance: Variable | null = null;

  constructor(options?: BatchNormalizationOptions) {
    super(options, 'batch_normalization');
    const args = this.checkedOptions<BatchNormalizationOptions>();
    this.#args = args;
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const { dims } = this.buildLayout(inputShape, [this.axis]);
    this.addAffine(dims);
    this.#movingMean = this.addWeight('moving_mean', dims, {
      initializer: getInitializer(this.#args.movingMeanInitializer ?? 'zeros'),
      trainable: false,
    });
    this.#movingVariance = this.addWeight('moving_variance', dims, {
      initializer: getInitializer(this.#args.movingVarianceInitializer ?? 'ones'),
      trainable: false,
    });
  }

  call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const input = one(inputs);
    const { rank, axes, dims } = this.layout!;
    const paramShape = Array.from({ length: rank }, (_, i) => (i === axes[0] ? dims[0]! : 1));
    const reduce = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axes[0]);
    return tidy(() => {
      const x = this.inDType(input);
      if (!(ctx.training && this.trainable)) {
        return this.normalize(
          x,
          this.#movingMean!.reshape(paramShape),
          this.#movingVariance!.reshape(paramShape),
          paramShape,
        );
      }
      // The batch statistics and the normalised batch as one op, whose gradient is the closed
      // form through the statistics (fewer passes over the activations than the chain rule).
      const { y, mean, variance } = fusedBatchNorm(x, {
        axes: reduce,
        scale: this.gamma ? this.gamma.reshape(paramShape) : null,
        offset: this.beta ? this.beta.reshape(paramShape) : null,
        varianceEpsilon: this.epsilon,
      });
      const update = (moving: Variable, batch: Tensor) =>
        moving.assign(moving.mul(this.momentum).add(batch.reshape(dims).mul(1 - this.momentum)));
      update(this.#movingMean!, mean);
      update(this.#movingVariance!, variance);
      return y;
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      movingMeanInitializer: initializerConfig(this.#args.movingMeanInitializer ?? 'zeros'),
      movingVarianceInitializer: initializerConfig(this.#args.movingVarianceInitializer ?? 'ones'),
    };
  }
}

/** Options of `layerNormalization`. */
export interface LayerNormalizationOptions extends NormOptions {
  /** The axis or axes normalized per sample (default -1); γ and β have their sizes. */
  axis?: number | readonly number[];
}

/**
 * Layer normalization: each sample is normalized with its own mean and (biased) variance over
 * `axis`, then scaled by γ and shifted by β (weights: gamma, beta); the same in training and
 * inference.
 * @example
 * const ln = layerNormalization();
 * ln.apply(x); // [n, t, d], each [d] row with mean 0 and variance 1 (before γ, β)
 */
export class LayerNormalization extends Normalization {
  static override readonly optionsSpec = layerOptions('layerNormalization', { ...NORM_KEYS, axis: K.axes });
  readonly className = 'LayerNormalization';
  readonly axis: readonly number[];

  constructor(options?: LayerNormalizationOptions) {
    super(options, 'layer_normalization');
    const axis = this.checkedOptions<LayerNormalizationOptions>().axis ?? -1;
    this.axis = typeof axis === 'number' ? [axis] : axis;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.addAffine(this.buildLayout(inputShape, this.axis).dims);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const input = one(inputs);
    const { rank, axes, dims } = this.layout!;
    const paramShape = Array.from({ length: rank }, (_, i) =>
      axes.includes(i) ? dims[axes.indexOf(i)]! : 1,
    );
    return tidy(() => {
      const x = this.inDType(input);
      const { mean, variance } = moments(x, { axis: axes, keepDims: true });
      return this.normalize(x, mean, variance, paramShape);
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), axis: [...this.axis] };
  }
}

/**
 * A batch normalization layer (see `BatchNormalization`).
 * @example
 * const bn = batchNormalization({ momentum: 0.9 });
 * const y = bn.apply(x, { training: true });
 */
export function batchNormalization(args?: BatchNormalizationOptions): BatchNormalization {
  checkFactoryArgs('batchNormalization', arguments.length);
  return new BatchNormalization(args);
}

/**
 * A layer normalization layer (see `LayerNormalization`).
 * @example
 * const ln = layerNormalization({ epsilon: 1e-6 });
 * const y = ln.apply(x);
 */
export function layerNormalization(args?: LayerNormalizationOptions): LayerNormalization {
  checkFactoryArgs('layerNormalization', arguments.length);
  return new LayerNormalization(args);
}

registerLayerClass('BatchNormalization', BatchNormalization);
registerLayerClass('LayerNormalization', LayerNormalization);

// Normalization layers: batchNormalization (batch statistics in training, moving statistics
// in inference, Keras 3 semantics) and layerNormalization (per-sample statistics over the
// feature axes). Both compute y = (x − μ) / √(σ² + ε) · γ + β.

import { ArgumentError, moments, ShapeError, type Tensor, tidy, type Variable } from '@nabla/core';
import {
  type CallContext,
  expectAxis,
  Layer,
  type LayerArgs,
  layerOptions,
  type SymbolicShape,
} from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import type { InitializerSpec, RegularizerSpec } from './conv.js';
import { checkFactoryArgs } from './factory.js';
import { getInitializer, INITIALIZER, serializeInitializer } from './initializers.js';
import { getRegularizer, REGULARIZER } from './regularizers.js';

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

const shapeText = (shape: SymbolicShape) => `[${shape.map((d) => d ?? 'None').join(',')}]`;
const initConfig = (spec: InitializerSpec) => serializeInitializer(getInitializer(spec));
const regularizer = (spec: RegularizerSpec | null | undefined) => (spec ? getRegularizer(spec) : null);
function regConfig(spec: RegularizerSpec | null | undefined) {
  const r = regularizer(spec);
  return r ? { name: r.name, config: r.getConfig() } : null;
}

function singleShape(layer: Layer, shape: SymbolicShape | SymbolicShape[]): SymbolicShape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    throw new ArgumentError(`${layer.name}: expected a single input, got a list of ${shape.length}`);
  }
  return shape as SymbolicShape;
}

function single(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs))
    throw new ArgumentError(`${layer.name}: expected a single input, got a list of ${inputs.length}`);
  return inputs;
}

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
interface NormArgs extends LayerArgs {
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
  readonly #args: NormArgs;
  protected gamma: Variable | null = null;
  protected beta: Variable | null = null;
  /** Input rank, normalized axes and their sizes, known once built. */
  protected layout: { rank: number; axes: number[]; dims: number[] } | null = null;

  constructor(options: NormArgs | undefined, base: string) {
    super(options, base);
    const args = this.checkedOptions<NormArgs>();
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
        regularizer: regularizer(this.#args.gammaRegularizer),
      });
    }
    if (this.center) {
      this.beta = this.addWeight('beta', dims, {
        initializer: getInitializer(this.#args.betaInitializer ?? 'zeros'),
        regularizer: regularizer(this.#args.betaRegularizer),
      });
    }
  }

  /** Checks an input shape against the built rank and axis sizes (axes named from the end). */
  protected checkShape(shape: SymbolicShape): void {
    if (!this.layout) return;
    const { rank, axes, dims } = this.layout;
    if (shape.length !== rank) {
      throw new ShapeError(`${this.name}: expected input of rank ${rank}, got shape ${shapeText(shape)}`);
    }
    axes.forEach((a, i) => {
      expectAxis(this, shape, a - rank, dims[i]!);
    });
  }

  /** The single input, checked (cast to the layer dtype by `inDType`, inside the call's tidy). */
  protected checked(inputs: Tensor | Tensor[]): Tensor {
    const x = single(this, inputs);
    this.checkShape(x.shape);
    return x;
  }

  /** The input in the layer dtype; call inside tidy, so a cast is freed. */
  protected inDType(x: Tensor): Tensor {
    return x.dtype === this.dtype ? x : x.cast(this.dtype);
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = singleShape(this, inputShape);
    this.checkShape(shape);
    return shape;
  }

  /** (x − mean) · rsqrt(variance + ε) · γ + β, with γ and β viewed as `paramShape`. */
  protected normalize(x: Tensor, mean: Tensor, variance: Tensor, paramShape: number[]): Tensor {
    return tidy(() => {
      let inv = variance.add(this.epsilon).rsqrt();
      if (this.gamma) inv = inv.mul(this.gamma.reshape(paramShape));
      const y = x.sub(mean).mul(inv);
      return this.beta ? y.add(this.beta.reshape(paramShape)) : y;
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initConfig(this.#args.betaInitializer ?? 'zeros'),
      gammaInitializer: initConfig(this.#args.gammaInitializer ?? 'ones'),
      betaRegularizer: regConfig(this.#args.betaRegularizer),
      gammaRegularizer: regConfig(this.#args.gammaRegularizer),
    };
  }
}

/** Options of `batchNormalization`. */
export interface BatchNormalizationArgs extends NormArgs {
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
  readonly #args: BatchNormalizationArgs;
  #movingMean: Variable | null = null;
  #movingVariance: Variable | null = null;

  constructor(options?: BatchNormalizationArgs) {
    super(options, 'batch_normalization');
    const args = this.checkedOptions<BatchNormalizationArgs>();
    this.#args = args;
    this.axis = args.axis ?? -1;
    this.momentum = args.momentum ?? 0.99;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(this, inputShape);
    const axes = resolveAxes(this, [this.axis], shape);
    const dims = axes.map((a) => shape[a]!);
    this.layout = { rank: shape.length, axes, dims };
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
    const input = this.checked(inputs);
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
      const { mean, variance } = moments(x, { axis: reduce, keepDims: true });
      const update = (moving: Variable, batch: Tensor) =>
        moving.assign(moving.mul(this.momentum).add(batch.reshape(dims).mul(1 - this.momentum)));
      update(this.#movingMean!, mean);
      update(this.#movingVariance!, variance);
      return this.normalize(x, mean, variance, paramShape);
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      movingMeanInitializer: initConfig(this.#args.movingMeanInitializer ?? 'zeros'),
      movingVarianceInitializer: initConfig(this.#args.movingVarianceInitializer ?? 'ones'),
    };
  }
}

/** Options of `layerNormalization`. */
export interface LayerNormalizationArgs extends NormArgs {
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

  constructor(options?: LayerNormalizationArgs) {
    super(options, 'layer_normalization');
    const axis = this.checkedOptions<LayerNormalizationArgs>().axis ?? -1;
    this.axis = typeof axis === 'number' ? [axis] : axis;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = singleShape(this, inputShape);
    const axes = resolveAxes(this, this.axis, shape);
    const dims = axes.map((a) => shape[a]!);
    this.layout = { rank: shape.length, axes, dims };
    this.addAffine(dims);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const input = this.checked(inputs);
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
export function batchNormalization(args?: BatchNormalizationArgs): BatchNormalization {
  checkFactoryArgs('batchNormalization', arguments.length);
  return new BatchNormalization(args);
}

/**
 * A layer normalization layer (see `LayerNormalization`).
 * @example
 * const ln = layerNormalization({ epsilon: 1e-6 });
 * const y = ln.apply(x);
 */
export function layerNormalization(args?: LayerNormalizationArgs): LayerNormalization {
  checkFactoryArgs('layerNormalization', arguments.length);
  return new LayerNormalization(args);
}

registerLayerClass('BatchNormalization', BatchNormalization);
registerLayerClass('LayerNormalization', LayerNormalization);

// Convolution layers in NHWC: conv2d, conv2dTranspose (Keras output-size rules) and
// depthwiseConv2d. Each is a thin wrapper over the core op of the same name plus an optional
// bias and activation; the kernel layouts are Keras's, so weights port across.

import {
  conv2d as conv2dOp,
  conv2dTranspose as conv2dTransposeOp,
  depthwiseConv2d as depthwiseConv2dOp,
  type Tensor,
  tidy,
  type Variable,
} from '@nabla/core';
import { type BiasActivation, biasActivation, conv2dBiasActivation } from '@nabla/core/internal';
import { type InputSpec, one, oneShape, type SymbolicShape } from '../engine/input-spec.js';
import { Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
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
import { canonicalActivation, getActivation } from './core.js';
import { checkFactoryArgs } from './factory.js';

export type { InitializerSpec, RegularizerSpec };
/** A spatial size for both axes, or [height, width]. */
export type Size2D = number | readonly [number, number];

/** A checked size as a [height, width] pair. */
function pair(value: Size2D): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** The options all three convolution layers take. */
const BASE_CONV_KEYS = {
  kernelSize: K.size2d,
  strides: K.size2d,
  padding: K.enum('valid', 'same'),
  dilationRate: K.size2d,
  activation: K.nullable(K.string),
  useBias: K.boolean,
  biasInitializer: INITIALIZER,
  biasRegularizer: REGULARIZER,
};
const CONV_KEYS = {
  ...BASE_CONV_KEYS,
  filters: K.positive,
  kernelInitializer: INITIALIZER,
  kernelRegularizer: REGULARIZER,
};

/** Every convolution takes one NHWC tensor whose channel count is known when it builds. */
const NHWC: InputSpec = { ndim: 4, layout: '(NHWC)', known: { [-1]: 'channels' } };

/**
 * Output length of a conv window along one axis (Keras conv_output_length): 'same' gives
 * ceil(length / stride), 'valid' ceil((length − dilated kernel + 1) / stride); null stays null.
 * @example
 * convOutputLength(28, 3, { padding: 'valid', stride: 1 }); // 26
 * convOutputLength(7, 3, { padding: 'same', stride: 2 }); // 4
 */
export function convOutputLength(
  length: number | null,
  kernel: number,
  options: { padding: 'valid' | 'same'; stride: number; dilation?: number },
): number | null {
  if (length === null) return null;
  const eff = (kernel - 1) * (options.dilation ?? 1) + 1;
  const out = options.padding === 'same' ? length : length - eff + 1;
  return Math.floor((out + options.stride - 1) / options.stride);
}

/**
 * Output length of a transposed conv along one axis (Keras deconv_output_length): 'same' gives
 * length·stride, 'valid' length·stride + max(dilated kernel − stride, 0); null stays null.
 * @example
 * deconvOutputLength(7, 3, { padding: 'same', stride: 2 }); // 14
 * deconvOutputLength(7, 3, { padding: 'valid', stride: 2 }); // 15
 */
export function deconvOutputLength(
  length: number | null,
  kernel: number,
  options: { padding: 'valid' | 'same'; stride: number; dilation?: number },
): number | null {
  if (length === null) return null;
  const eff = (kernel - 1) * (options.dilation ?? 1) + 1;
  if (options.padding === 'same') return length * options.stride;
  return length * options.stride + Math.max(eff - options.stride, 0);
}

/** Options shared by the convolution layers. */
interface BaseConvOptions extends LayerOptions {
  kernelSize: Size2D;
  strides?: Size2D;
  /** 'valid' (no padding) or 'same' (output = ceil(input / stride)). */
  padding?: 'valid' | 'same';
  dilationRate?: Size2D;
  /** An activation by name ('relu', 'tanh', ...), or none (linear). */
  activation?: string | null;
  useBias?: boolean;
  biasInitializer?: InitializerSpec;
  biasRegularizer?: RegularizerSpec | null;
}

/** Options of `conv2d` and `conv2dTranspose`. */
export interface Conv2DOptions extends BaseConvOptions {
  /** Number of output channels. */
  filters: number;
  kernelInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
}

/** Options of `depthwiseConv2d`. */
export interface DepthwiseConv2DOptions extends BaseConvOptions {
  /** Output channels per input channel. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec | null;
}

/** Activations (canonical names) that `biasActivation` runs fused with the bias. */
const FUSED_EPILOGUES: Readonly<Record<string, BiasActivation>> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
};

/** The shared options, state and bias/activation tail of the three convolution layers. */
abstract class BaseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string | null;
  readonly useBias: boolean;
  readonly #args: BaseConvOptions;
  readonly #activate: (x: Tensor) => Tensor;
  /** The activation when bias + activation run as one chain (see `finish`), else null. */
  readonly #fused: BiasActivation | null;
  protected kernel: Variable | null = null;
  protected bias: Variable | null = null;

  constructor(options: BaseConvOptions, base: string) {
    super(options, base);
    const args = this.checkedOptions<BaseConvOptions>();
    this.#args = args;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    this.activation = args.activation ?? null;
    this.#activate = getActivation(this.activation ?? 'linear', this.name);
    const canonical = canonicalActivation(this.activation ?? 'linear', this.name);
    this.#fused = Object.hasOwn(FUSED_EPILOGUES, canonical) ? FUSED_EPILOGUES[canonical]! : null;
    this.useBias = args.useBias ?? true;
    this.inputSpec = NHWC;
  }

  /** The input channel count of a rank-4 input shape (at build), fixed in the spec from then on. */
  protected channels(inputShape: SymbolicShape | SymbolicShape[]): number {
    const c = oneShape(inputShape)[3]!;
    this.inputSpec = { ...NHWC, axes: { [-1]: c } };
    return c;
  }

  /** The output shape of a rank-4 input shape, with `length` giving each spatial size. */
  protected spatial(
    inputShape: SymbolicShape | SymbolicShape[],
    length: typeof convOutputLength,
    channels: (inC: number | null) => number | null,
  ): SymbolicShape {
    const shape = oneShape(inputShape);
    const along = (i: 0 | 1) =>
      length(shape[i + 1] ?? null, this.kernelSize[i], {
        padding: this.padding,
        stride: this.strides[i],
        dilation: this.dilationRate[i],
      });
    return [shape[0] ?? null, along(0), along(1), channels(shape[3] ?? null)];
  }

  /**
   * Adds the bias (if any) and applies the activation: as one chain for linear, relu, sigmoid
   * and tanh (core's `biasActivation`, whose gradient needs only the output), else as ops.
   */
  protected finish(y: Tensor): Tensor {
    const fused = this.epilogue();
    if (fused && y.dtype.startsWith('float')) return biasActivation(y, this.bias, fused);
    return tidy(() => this.#activate(this.bias ? y.add(this.bias) : y));
  }

  /** The activation that runs fused with the bias (see `finish`), when there is work to fuse. */
  protected epilogue(): BiasActivation | null {
    return this.#fused && (this.bias || this.#fused !== 'linear') ? this.#fused : null;
  }

  protected addBias(channels: number): void {
    if (!this.useBias) return;
    this.bias = this.addWeight('bias', [channels], {
      initializer: getInitializer(this.#args.biasInitializer ?? 'zeros'),
      regularizer: regularizerOrNull(this.#args.biasRegularizer),
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      biasInitializer: initializerConfig(this.#args.biasInitializer ?? 'zeros'),
      biasRegularizer: regularizerConfig(this.#args.biasRegularizer),
    };
  }
}

/**
 * 2-D convolution layer: kernel `[kh, kw, inC, filters]`, bias `[filters]`, NHWC in and out.
 * @example
 * const layer = conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' });
 * layer.apply(x); // [32, 28, 28, 1] → [32, 28, 28, 8]
 */
export class Conv2D extends BaseConv {
  static override readonly optionsSpec = layerOptions('conv2d', CONV_KEYS, ['filters', 'kernelSize']);
  readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly #args: Conv2DOptions;

  constructor(options: Conv2DOptions, base = 'conv2d') {
    super(options, base);
    const args = this.checkedOptions<Conv2DOptions>();
    this.filters = args.filters;
    this.#args = args;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = this.channels(inputShape);
    this.kernel = this.addWeight('kernel', this.kernelShape(c), {
      initializer: getInitializer(this.#args.kernelInitializer ?? 'glorotUniform'),
      regularizer: regularizerOrNull(this.#args.kernelRegularizer),
    });
    this.addBias(this.filters);
  }

  /** `[kh, kw, inC, filters]`. */
  protected kernelShape(inC: number): number[] {
    return [...this.kernelSize, inC, this.filters];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    // Bias and activation as the convolution's epilogue (one kernel where the backend has it).
    const fused = this.epilogue();
    if (fused) return conv2dBiasActivation(x, this.kernel!, options, this.bias, fused);
    return tidy(() => this.finish(conv2dOp(x, this.kernel!, options)));
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.spatial(inputShape, convOutputLength, () => this.filters);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelInitializer: initializerConfig(this.#args.kernelInitializer ?? 'glorotUniform'),
      kernelRegularizer: regularizerConfig(this.#args.kernelRegularizer),
    };
  }
}

/**
 * Transposed 2-D convolution ("deconvolution"): kernel `[kh, kw, filters, inC]` like Keras;
 * output size per spatial axis is `in·stride` for 'same' and `in·stride + max(k − stride, 0)`
 * for 'valid' (k dilated).
 * @example
 * const up = conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' });
 * up.apply(x); // [1, 7, 7, 8] → [1, 14, 14, 3]
 */
export class Conv2DTranspose extends Conv2D {
  static override readonly optionsSpec = layerOptions('conv2dTranspose', CONV_KEYS, [
    'filters',
    'kernelSize',
  ]);
  override readonly className: string = 'Conv2DTranspose';

  constructor(args: Conv2DOptions) {
    super(args, 'conv2d_transpose');
  }

  /** `[kh, kw, filters, inC]`. */
  protected override kernelShape(inC: number): number[] {
    return [...this.kernelSize, this.filters, inC];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const [, h, w] = this.shapeRule([null, ...x.shape.slice(1)]);
    const outputShape = [x.shape[0]!, h!, w!, this.filters];
    const options = {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
      outputShape,
    };
    return tidy(() => this.finish(conv2dTransposeOp(x, this.kernel!, options)));
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.spatial(inputShape, deconvOutputLength, () => this.filters);
  }
}

/**
 * Depthwise 2-D convolution: each input channel gets `depthMultiplier` filters of its own;
 * kernel `[kh, kw, inC, depthMultiplier]`, bias `[inC·depthMultiplier]`.
 * @example
 * const dw = depthwiseConv2d({ kernelSize: 3, padding: 'same' });
 * dw.apply(x); // [1, 8, 8, 3] → [1, 8, 8, 3]
 */
export class DepthwiseConv2D extends BaseConv {
  static override readonly optionsSpec = layerOptions(
    'depthwiseConv2d',
    {
      ...BASE_CONV_KEYS,
      depthMultiplier: K.positive,
      depthwiseInitializer: INITIALIZER,
      depthwiseRegularizer: REGULARIZER,
    },
    ['kernelSize'],
  );
  readonly className: string = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  readonly #args: DepthwiseConv2DOptions;

  constructor(options: DepthwiseConv2DOptions) {
    super(options, 'depthwise_conv2d');
    const args = this.checkedOptions<DepthwiseConv2DOptions>();
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.#args = args;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = this.channels(inputShape);
    this.kernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], {
      initializer: getInitializer(this.#args.depthwiseInitializer ?? 'glorotUniform'),
      regularizer: regularizerOrNull(this.#args.depthwiseRegularizer),
    });
    this.addBias(c * this.depthMultiplier);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    return tidy(() => this.finish(depthwiseConv2dOp(x, this.kernel!, options)));
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.spatial(inputShape, convOutputLength, (c) => (c === null ? null : c * this.depthMultiplier));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: initializerConfig(this.#args.depthwiseInitializer ?? 'glorotUniform'),
      depthwiseRegularizer: regularizerConfig(this.#args.depthwiseRegularizer),
    };
  }
}

/**
 * A 2-D convolution layer (see `Conv2D`).
 * @example
 * const layer = conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] });
 * layer.apply(x); // [n, 28, 28, 1] → [n, 26, 26, 32]
 */
export function conv2d(args: Conv2DOptions): Conv2D {
  checkFactoryArgs('conv2d', arguments.length);
  return new Conv2D(args);
}

/**
 * A transposed 2-D convolution layer (see `Conv2DTranspose`).
 * @example
 * const layer = conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same' });
 * layer.apply(x); // [n, 14, 14, 8] → [n, 28, 28, 1]
 */
export function conv2dTranspose(args: Conv2DOptions): Conv2DTranspose {
  checkFactoryArgs('conv2dTranspose', arguments.length);
  return new Conv2DTranspose(args);
}

/**
 * A depthwise 2-D convolution layer (see `DepthwiseConv2D`).
 * @example
 * const layer = depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 });
 * layer.apply(x); // [n, 8, 8, 3] → [n, 6, 6, 6]
 */
export function depthwiseConv2d(args: DepthwiseConv2DOptions): DepthwiseConv2D {
  checkFactoryArgs('depthwiseConv2d', arguments.length);
  return new DepthwiseConv2D(args);
}

registerLayerClass('Conv2D', Conv2D);
registerLayerClass('Conv2DTranspose', Conv2DTranspose);
registerLayerClass('DepthwiseConv2D', DepthwiseConv2D);

// Convolution layers in NHWC: conv2d, conv2dTranspose (Keras output-size rules) and
// depthwiseConv2d. Each is a thin wrapper over the core op of the same name plus an optional
// bias and activation; the kernel layouts are Keras's, so weights port across.

import {
  ArgumentError,
  conv2d as conv2dOp,
  conv2dTranspose as conv2dTransposeOp,
  depthwiseConv2d as depthwiseConv2dOp,
  ShapeError,
  type Tensor,
  tidy,
  type Variable,
} from '@nabla/core';
import { expectAxis, Layer, type LayerArgs, layerOptions, type SymbolicShape } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import { getActivation } from './core.js';
import { checkFactoryArgs } from './factory.js';
import { getInitializer, INITIALIZER, serializeInitializer } from './initializers.js';
import { getRegularizer, REGULARIZER } from './regularizers.js';

/** An initializer by name, `{ name, config }`, or object. */
export type InitializerSpec = Parameters<typeof getInitializer>[0];
/** A regularizer by name, `{ name, config }`, or object. */
export type RegularizerSpec = Parameters<typeof getRegularizer>[0];
/** A spatial size for both axes, or [height, width]. */
export type Size2D = number | readonly [number, number];

const shapeText = (shape: SymbolicShape) => `[${shape.map((d) => d ?? 'None').join(',')}]`;
const initConfig = (spec: InitializerSpec) => serializeInitializer(getInitializer(spec));
const regularizer = (spec: RegularizerSpec | null | undefined) => (spec ? getRegularizer(spec) : null);
function regConfig(spec: RegularizerSpec | null | undefined) {
  const r = regularizer(spec);
  return r ? { name: r.name, config: r.getConfig() } : null;
}

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

/** Checks a rank-4 NHWC input; returns it. */
function expectRank4(layer: Layer, shape: SymbolicShape | SymbolicShape[]): SymbolicShape {
  if (shape.length > 0 && Array.isArray(shape[0])) {
    throw new ArgumentError(`${layer.name}: expected a single input, got a list of ${shape.length}`);
  }
  const s = shape as SymbolicShape;
  if (s.length !== 4)
    throw new ShapeError(`${layer.name}: expected input of rank 4 (NHWC), got shape ${shapeText(s)}`);
  return s;
}

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
interface BaseConvArgs extends LayerArgs {
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
export interface Conv2DArgs extends BaseConvArgs {
  /** Number of output channels. */
  filters: number;
  kernelInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
}

/** Options of `depthwiseConv2d`. */
export interface DepthwiseConv2DArgs extends BaseConvArgs {
  /** Output channels per input channel. */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerSpec;
  depthwiseRegularizer?: RegularizerSpec | null;
}

/** The shared options, state and bias/activation tail of the three convolution layers. */
abstract class BaseConv extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: string | null;
  readonly useBias: boolean;
  readonly #args: BaseConvArgs;
  readonly #activate: (x: Tensor) => Tensor;
  protected kernel: Variable | null = null;
  protected bias: Variable | null = null;
  /** Input channels, known once built. */
  protected inChannels: number | null = null;

  constructor(options: BaseConvArgs, base: string) {
    super(options, base);
    const args = this.checkedOptions<BaseConvArgs>();
    this.#args = args;
    this.kernelSize = pair(args.kernelSize);
    this.strides = pair(args.strides ?? 1);
    this.dilationRate = pair(args.dilationRate ?? 1);
    this.padding = args.padding ?? 'valid';
    this.activation = args.activation ?? null;
    this.#activate = getActivation(this.activation ?? 'linear', this.name);
    this.useBias = args.useBias ?? true;
  }

  /** Records the input channel count of a rank-4 input shape (at build). */
  protected channels(inputShape: SymbolicShape | SymbolicShape[]): number {
    const shape = expectRank4(this, inputShape);
    const c = shape[3];
    if (c === null || c === undefined) {
      throw new ShapeError(
        `${this.name}: expected input axis -1 (channels) to be known, got shape ${shapeText(shape)}`,
      );
    }
    this.inChannels = c;
    return c;
  }

  /** Checks the input is one rank-4 tensor with the built channel count. */
  protected single(inputs: Tensor | Tensor[]): Tensor {
    if (Array.isArray(inputs)) {
      throw new ArgumentError(`${this.name}: expected a single input, got a list of ${inputs.length}`);
    }
    expectRank4(this, inputs.shape);
    if (this.inChannels !== null) expectAxis(this, inputs.shape, -1, this.inChannels);
    return inputs;
  }

  /** The output shape of a rank-4 input shape, with `length` giving each spatial size. */
  protected spatial(
    inputShape: SymbolicShape | SymbolicShape[],
    length: typeof convOutputLength,
    channels: (inC: number | null) => number | null,
  ): SymbolicShape {
    const shape = expectRank4(this, inputShape);
    if (this.inChannels !== null) expectAxis(this, shape, -1, this.inChannels);
    const along = (i: 0 | 1) =>
      length(shape[i + 1] ?? null, this.kernelSize[i], {
        padding: this.padding,
        stride: this.strides[i],
        dilation: this.dilationRate[i],
      });
    return [shape[0] ?? null, along(0), along(1), channels(shape[3] ?? null)];
  }

  /** Adds the bias (if any) and applies the activation. */
  protected finish(y: Tensor): Tensor {
    return tidy(() => this.#activate(this.bias ? y.add(this.bias) : y));
  }

  protected addBias(channels: number): void {
    if (!this.useBias) return;
    this.bias = this.addWeight('bias', [channels], {
      initializer: getInitializer(this.#args.biasInitializer ?? 'zeros'),
      regularizer: regularizer(this.#args.biasRegularizer),
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
      biasInitializer: initConfig(this.#args.biasInitializer ?? 'zeros'),
      biasRegularizer: regConfig(this.#args.biasRegularizer),
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
  readonly #args: Conv2DArgs;

  constructor(options: Conv2DArgs, base = 'conv2d') {
    super(options, base);
    const args = this.checkedOptions<Conv2DArgs>();
    this.filters = args.filters;
    this.#args = args;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = this.channels(inputShape);
    this.kernel = this.addWeight('kernel', this.kernelShape(c), {
      initializer: getInitializer(this.#args.kernelInitializer ?? 'glorotUniform'),
      regularizer: regularizer(this.#args.kernelRegularizer),
    });
    this.addBias(this.filters);
  }

  /** `[kh, kw, inC, filters]`. */
  protected kernelShape(inC: number): number[] {
    return [...this.kernelSize, inC, this.filters];
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.single(inputs);
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    return tidy(() => this.finish(conv2dOp(x, this.kernel!, options)));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.spatial(inputShape, convOutputLength, () => this.filters);
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelInitializer: initConfig(this.#args.kernelInitializer ?? 'glorotUniform'),
      kernelRegularizer: regConfig(this.#args.kernelRegularizer),
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

  constructor(args: Conv2DArgs) {
    super(args, 'conv2d_transpose');
  }

  /** `[kh, kw, filters, inC]`. */
  protected override kernelShape(inC: number): number[] {
    return [...this.kernelSize, this.filters, inC];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.single(inputs);
    const [, h, w] = this.computeOutputShape([null, ...x.shape.slice(1)]);
    const outputShape = [x.shape[0]!, h!, w!, this.filters];
    const options = {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
      outputShape,
    };
    return tidy(() => this.finish(conv2dTransposeOp(x, this.kernel!, options)));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
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
  readonly #args: DepthwiseConv2DArgs;

  constructor(options: DepthwiseConv2DArgs) {
    super(options, 'depthwise_conv2d');
    const args = this.checkedOptions<DepthwiseConv2DArgs>();
    this.depthMultiplier = args.depthMultiplier ?? 1;
    this.#args = args;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const c = this.channels(inputShape);
    this.kernel = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], {
      initializer: getInitializer(this.#args.depthwiseInitializer ?? 'glorotUniform'),
      regularizer: regularizer(this.#args.depthwiseRegularizer),
    });
    this.addBias(c * this.depthMultiplier);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = this.single(inputs);
    const options = { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
    return tidy(() => this.finish(depthwiseConv2dOp(x, this.kernel!, options)));
  }

  override computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    return this.spatial(inputShape, convOutputLength, (c) => (c === null ? null : c * this.depthMultiplier));
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: initConfig(this.#args.depthwiseInitializer ?? 'glorotUniform'),
      depthwiseRegularizer: regConfig(this.#args.depthwiseRegularizer),
    };
  }
}

/**
 * A 2-D convolution layer (see `Conv2D`).
 * @example
 * const layer = conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] });
 * layer.apply(x); // [n, 28, 28, 1] → [n, 26, 26, 32]
 */
export function conv2d(args: Conv2DArgs): Conv2D {
  checkFactoryArgs('conv2d', arguments.length);
  return new Conv2D(args);
}

/**
 * A transposed 2-D convolution layer (see `Conv2DTranspose`).
 * @example
 * const layer = conv2dTranspose({ filters: 1, kernelSize: 3, strides: 2, padding: 'same' });
 * layer.apply(x); // [n, 14, 14, 8] → [n, 28, 28, 1]
 */
export function conv2dTranspose(args: Conv2DArgs): Conv2DTranspose {
  checkFactoryArgs('conv2dTranspose', arguments.length);
  return new Conv2DTranspose(args);
}

/**
 * A depthwise 2-D convolution layer (see `DepthwiseConv2D`).
 * @example
 * const layer = depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 });
 * layer.apply(x); // [n, 8, 8, 3] → [n, 6, 6, 6]
 */
export function depthwiseConv2d(args: DepthwiseConv2DArgs): DepthwiseConv2D {
  checkFactoryArgs('depthwiseConv2d', arguments.length);
  return new DepthwiseConv2D(args);
}

registerLayerClass('Conv2D', Conv2D);
registerLayerClass('Conv2DTranspose', Conv2DTranspose);
registerLayerClass('DepthwiseConv2D', DepthwiseConv2D);

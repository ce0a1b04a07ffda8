// Core layers: dense, activation, dropout, flatten and reshape, plus the activation functions
// addressable by name ('relu', 'leaky_relu', ...). Each class registers itself so that
// `layerFromConfig({ className, config })` rebuilds it from a saved model.

import {
  elu,
  FUSED_ACTIVATIONS,
  type FusedActivation,
  fusedMatmul,
  gelu,
  hardSigmoid,
  leakyRelu,
  randomUniform,
  relu,
  relu6,
  reshape as reshapeOp,
  ShapeError,
  selu,
  sigmoid,
  silu,
  softmax,
  softplus,
  softsign,
  type Tensor,
  tanh,
  tidy,
  type Variable,
} from '@nabla/core';
import { deriveSeed, fmtShape, sizeOf } from '@nabla/core/internal';
import { one, oneShape, type SymbolicShape } from '../engine/input-spec.js';
import { type CallContext, Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { NameTable } from '../engine/names.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import {
  getInitializer,
  INITIALIZER,
  type Initializer,
  serializeInitializer,
} from '../initializers/initializers.js';
import { REGULARIZER, type Regularizer, regularizerConfig } from '../regularizers/regularizers.js';
import { checkFactoryArgs, type Resolved } from './factory.js';

/** An elementwise activation function. */
export type ActivationFn = (x: Tensor) => Tensor;

const ACTIVATION_LIST: readonly (readonly [string, ActivationFn])[] = [
  ['linear', (x) => x.clone()],
  ['relu', (x) => relu(x)],
  ['relu6', (x) => relu6(x)],
  ['sigmoid', (x) => sigmoid(x)],
  ['tanh', (x) => tanh(x)],
  ['softmax', (x) => softmax(x, -1)],
  ['gelu', (x) => gelu(x)],
  ['elu', (x) => elu(x)],
  ['selu', (x) => selu(x)],
  ['softplus', (x) => softplus(x)],
  ['leakyRelu', (x) => leakyRelu(x)],
  ['silu', (x) => silu(x)],
  ['swish', (x) => silu(x)],
  ['hardSigmoid', (x) => hardSigmoid(x)],
  ['softsign', (x) => softsign(x)],
];

// Each entry carries its canonical name, which is what configs record.
const ACTIVATIONS = new NameTable(ACTIVATION_LIST.map(([name, fn]) => [name, { name, fn }] as const));

/**
 * An activation function by name: relu, relu6, sigmoid, tanh, softmax, gelu, elu, selu,
 * softplus, leakyRelu (or leaky_relu), silu/swish, hardSigmoid (or hard_sigmoid), softsign, linear. `where` names the caller in errors.
 * @example
 * const f = getActivation('relu');
 * f(tensor([-1, 2])); // [0, 2]
 */
export function getActivation(name: string, where = 'getActivation'): ActivationFn {
  return ACTIVATIONS.lookup(name, where, 'activation').fn;
}

/** The canonical name of an activation given by name ('leaky_relu' → 'leakyRelu'). */
export function canonicalActivation(name: string, where = 'getActivation'): string {
  return ACTIVATIONS.lookup(name, where, 'activation').name;
}

/** The activation as one `fusedMatmul` applies itself, or undefined. */
function fusedActivation(name: string): FusedActivation | undefined {
  return FUSED_ACTIVATIONS.find((a) => a === name);
}

/** The canonical name of an activation ('leaky_relu' → 'leakyRelu'), checking that it exists. */
function activationName(name: unknown, where: string): string {
  return ACTIVATIONS.lookup(name ?? 'linear', where, 'activation').name;
}

type Spec<T> = T | string | { name: string; config?: Record<string, unknown> };

/** Options of `dense`. */
export interface DenseOptions extends LayerOptions {
  /** Output size (the last axis). */
  units: number;
  /** Activation by name (default 'linear'). */
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: Spec<Initializer>;
  biasInitializer?: Spec<Initializer>;
  kernelRegularizer?: Spec<Regularizer> | null;
  biasRegularizer?: Spec<Regularizer> | null;
}

/**
 * A fully connected layer: `activation(x · kernel + bias)` over the last axis.
 * @example
 * const layer = new Dense({ units: 10, activation: 'relu' });
 * layer.apply(ones([2, 4])).shape; // [2, 10]
 */
export class Dense extends Layer {
  static override readonly optionsSpec = layerOptions(
    'dense',
    {
      units: K.positive,
      activation: K.string,
      useBias: K.boolean,
      kernelInitializer: INITIALIZER,
      biasInitializer: INITIALIZER,
      kernelRegularizer: REGULARIZER,
      biasRegularizer: REGULARIZER,
    },
    ['units'],
  );
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly #kernelInit: Initializer;
  readonly #biasInit: Initializer;
  readonly #kernelReg: Regularizer | null;
  readonly #biasReg: Regularizer | null;
  kernel: Variable | null = null;
  bias: Variable | null = null;

  constructor(options: DenseOptions) {
    super(options, 'dense');
    this.inputSpec = { minNdim: 2, known: { [-1]: '' } };
    const o = this.checkedOptions<Resolved<DenseOptions>>();
    this.units = o.units;
    this.activation = activationName(o.activation, this.name);
    this.useBias = o.useBias ?? true;
    this.#kernelInit = o.kernelInitializer ?? getInitializer('glorotUniform');
    this.#biasInit = o.biasInitializer ?? getInitializer('zeros');
    this.#kernelReg = o.kernelRegularizer ?? null;
    this.#biasReg = o.biasRegularizer ?? null;
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape = oneShape(inputShape);
    const inDim = shape[shape.length - 1]!;
    this.inputSpec = { minNdim: 2, axes: { [-1]: inDim } };
    this.kernel = this.addWeight('kernel', [inDim, this.units], {
      initializer: this.#kernelInit,
      regularizer: this.#kernelReg,
    });
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], {
        initializer: this.#biasInit,
        regularizer: this.#biasReg,
      });
    }
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const kernel = this.kernel!;
    const fused = fusedActivation(this.activation);
    // Rows in, activation fused: one op and nothing in between to free, so no scope.
    if (x.rank === 2 && fused) return fusedMatmul(x, kernel, { bias: this.bias, activation: fused });
    return tidy(() => {
      // One fused matmul + bias (+ activation where it has it) over the rows of x.
      const leading = x.shape.slice(0, -1);
      const rows = x.rank === 2 ? x : reshapeOp(x, [sizeOf(leading), kernel.shape[0]!]);
      const z = fusedMatmul(rows, kernel, { bias: this.bias, activation: fused ?? 'linear' });
      const y = x.rank === 2 ? z : reshapeOp(z, [...leading, this.units]);
      return fused ? y : getActivation(this.activation)(y);
    });
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = oneShape(inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.#kernelInit),
      biasInitializer: serializeInitializer(this.#biasInit),
      kernelRegularizer: regularizerConfig(this.#kernelReg),
      biasRegularizer: regularizerConfig(this.#biasReg),
    };
  }
}

/**
 * A fully connected layer.
 * @example
 * const layer = dense({ units: 10, activation: 'softmax' });
 * layer.apply(ones([32, 784])); // shape [32, 10]
 */
export function dense(options: DenseOptions): Dense {
  checkFactoryArgs('dense', arguments.length);
  return new Dense(options);
}

/** Options of `activation`. */
export interface ActivationOptions extends LayerOptions {
  activation: string;
}

/**
 * Applies an activation function elementwise.
 * @example
 * const layer = new Activation({ activation: 'tanh' });
 * layer.apply(tensor([[0]])); // [[0]]
 */
export class Activation extends Layer {
  static override readonly optionsSpec = layerOptions('activation', { activation: K.string }, ['activation']);
  readonly className = 'Activation';
  readonly activation: string;

  constructor(options: ActivationOptions) {
    super(options, 'activation');
    this.inputSpec = {};
    this.activation = activationName(this.checkedOptions<ActivationOptions>().activation, this.name);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return getActivation(this.activation)(one(inputs));
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/**
 * An activation layer.
 * @example
 * const layer = activation({ activation: 'relu' });
 * layer.apply(tensor([[-1, 2]])); // [[0, 2]]
 */
export function activation(options: ActivationOptions): Activation {
  checkFactoryArgs('activation', arguments.length);
  return new Activation(options);
}

/** Options of `dropout`. */
export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /** With a seed, the mask of the n-th training call is fixed by (seed, n). */
  seed?: number;
}

/**
 * Inverted dropout: in training, zeroes a `rate` fraction and scales the rest by 1/(1-rate).
 * @example
 * const layer = new Dropout({ rate: 0.2, seed: 1 });
 * layer.apply(x, { training: true });
 */
export class Dropout extends Layer {
  static override readonly optionsSpec = layerOptions(
    'dropout',
    { rate: K.number({ min: 0, max: 1, maxExclusive: true }), seed: K.nullable(K.integer) },
    ['rate'],
  );
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;
  #step = 0;

  constructor(options: DropoutOptions) {
    super(options, 'dropout');
    this.inputSpec = {};
    const o = this.checkedOptions<DropoutOptions>();
    this.rate = o.rate;
    this.seed = o.seed;
  }

  call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const x = one(inputs);
    if (!ctx.training || this.rate === 0) return x.clone();
    const seed = this.seed === undefined ? undefined : deriveSeed(this.seed, this.#step);
    this.#step++;
    const keepProb = 1 - this.rate;
    return tidy(() => {
      const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
      const mask = randomUniform(x.shape, { seed, dtype }).greaterEqual(this.rate).cast(x.dtype);
      return x.mul(mask).div(keepProb);
    });
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed ?? null };
  }
}

/**
 * A dropout layer (active only when training).
 * @example
 * const layer = dropout({ rate: 0.5, seed: 1 });
 * layer.apply(ones([4, 8]), { training: true }); // about half zeros, the rest 2
 */
export function dropout(options: DropoutOptions): Dropout {
  checkFactoryArgs('dropout', arguments.length);
  return new Dropout(options);
}

/**
 * Flattens every axis but the batch axis.
 * @example
 * const layer = new Flatten();
 * layer.apply(ones([2, 3, 4])).shape; // [2, 12]
 */
export class Flatten extends Layer {
  static override readonly optionsSpec = layerOptions('flatten', {});
  readonly className = 'Flatten';

  constructor(options?: LayerOptions) {
    super(options, 'flatten');
    this.inputSpec = { minNdim: 1, layout: 'with a batch axis' };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const n = x.shape.slice(1).reduce((a, b) => a * b, 1);
    return reshapeOp(x, [x.shape[0] ?? 1, n]);
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = oneShape(inputShape);
    const rest = shape.slice(1);
    const n = rest.some((d) => d === null) ? null : rest.reduce<number>((a, b) => a * (b ?? 1), 1);
    return [shape[0] ?? null, n];
  }
}

/**
 * A flatten layer: `[N, a, b, ...]` → `[N, a·b·...]`.
 * @example
 * const layer = flatten();
 * layer.apply(ones([32, 28, 28])); // shape [32, 784]
 */
export function flatten(options?: LayerOptions): Flatten {
  checkFactoryArgs('flatten', arguments.length);
  return new Flatten(options);
}

/** Options of `reshape`. */
export interface ReshapeOptions extends LayerOptions {
  /** Shape of one sample (no batch axis); one entry may be -1. */
  targetShape: readonly number[];
}

/**
 * Reshapes each sample to `targetShape`.
 * @example
 * const layer = new Reshape({ targetShape: [2, -1] });
 * layer.apply(ones([5, 6])).shape; // [5, 2, 3]
 */
export class Reshape extends Layer {
  static override readonly optionsSpec = layerOptions(
    'reshape',
    { targetShape: { kind: 'shape', unknownDim: true } },
    ['targetShape'],
  );
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];

  constructor(options: ReshapeOptions) {
    super(options, 'reshape');
    this.inputSpec = { minNdim: 1, layout: 'with a batch axis' };
    this.targetShape = this.checkedOptions<ReshapeOptions>().targetShape;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = one(inputs);
    const target = this.#resolve(x.shape.slice(1));
    return reshapeOp(x, [x.shape[0] ?? 1, ...target]);
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const shape = oneShape(inputShape);
    const rest = shape.slice(1);
    if (rest.some((d) => d === null))
      return [shape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    return [shape[0] ?? null, ...this.#resolve(rest as number[])];
  }

  #resolve(sample: readonly number[]): number[] {
    const total = sample.reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const out = this.targetShape.map((d) => (d === -1 ? total / known : d));
    const size = out.reduce((a, b) => a * b, 1);
    if (size !== total || out.some((d) => !Number.isInteger(d))) {
      throw new ShapeError(
        `${this.name}: cannot reshape a sample of shape ${fmtShape(sample)} (${total} values) to [${this.targetShape.join(',')}]`,
      );
    }
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

/**
 * A reshape layer (the batch axis is kept).
 * @example
 * const layer = reshape({ targetShape: [28, 28, 1] });
 * layer.apply(ones([32, 784])); // shape [32, 28, 28, 1]
 */
export function reshape(options: ReshapeOptions): Reshape {
  checkFactoryArgs('reshape', arguments.length);
  return new Reshape(options);
}

registerLayerClass('Dense', Dense);
registerLayerClass('Activation', Activation);
registerLayerClass('Dropout', Dropout);
registerLayerClass('Flatten', Flatten);
registerLayerClass('Reshape', Reshape);

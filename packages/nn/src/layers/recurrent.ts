// Recurrent layers over [batch, time, features]: simpleRNN, lstm and gru, with Keras weight
// layouts (kernel [in, k·units], recurrent_kernel [units, k·units], bias; LSTM gates i, f, c, o;
// GRU z, r, h) so weights port across. The input projection x·W + b runs once for all steps;
// the loop over time is unrolled with core ops (unstack over axis 1, one matmul per step).

import {
  concat,
  matmul,
  ones,
  ShapeError,
  split,
  stack,
  type Tensor,
  tidy,
  unstack,
  type Variable,
  zeros,
} from '@nabla/core';
import { type InputSpec, one, oneShape, type SymbolicShape, shapeText } from '../engine/input-spec.js';
import { Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import {
  getInitializer,
  INITIALIZER,
  type Initializer,
  type InitializerSpec,
  initializerConfig,
} from '../initializers/initializers.js';
import {
  REGULARIZER,
  type RegularizerSpec,
  regularizerConfig,
  regularizerOrNull,
} from '../regularizers/regularizers.js';
import { type ActivationFn, getActivation } from './core.js';
import { checkFactoryArgs } from './factory.js';

/** The options all recurrent layers take. */
const RNN_KEYS = {
  units: K.positive,
  activation: K.string,
  useBias: K.boolean,
  returnSequences: K.boolean,
  goBackwards: K.boolean,
  kernelInitializer: INITIALIZER,
  recurrentInitializer: INITIALIZER,
  biasInitializer: INITIALIZER,
  kernelRegularizer: REGULARIZER,
  recurrentRegularizer: REGULARIZER,
  biasRegularizer: REGULARIZER,
};

/** Every recurrent layer takes one [batch, time, features] tensor, features known to build. */
const SEQUENCE: InputSpec = { ndim: 3, layout: '[batch, time, features]', known: { [-1]: 'features' } };

/** Options shared by the recurrent layers. */
export interface RNNOptions extends LayerOptions {
  /** Size of the hidden state (and of each output step). */
  units: number;
  /** Output activation by name; default 'tanh'. */
  activation?: string;
  useBias?: boolean;
  /** Return the output of every step `[batch, time, units]` instead of the last `[batch, units]`. */
  returnSequences?: boolean;
  /** Process the sequence in reverse (outputs are then in processing order, like Keras). */
  goBackwards?: boolean;
  kernelInitializer?: InitializerSpec;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  recurrentRegularizer?: RegularizerSpec | null;
  biasRegularizer?: RegularizerSpec | null;
}

/** Options of `lstm`. */
export interface LSTMOptions extends RNNOptions {
  /** Gate activation; default 'sigmoid'. */
  recurrentActivation?: string;
  /** Initialize the forget-gate bias to 1 (default true, like Keras). */
  unitForgetBias?: boolean;
}

/** Options of `gru`. */
export interface GRUOptions extends RNNOptions {
  /** Gate activation; default 'sigmoid'. */
  recurrentActivation?: string;
  /** Apply the reset gate after the recurrent matmul (default true, Keras/CuDNN style). */
  resetAfter?: boolean;
}

/** Weights a step function sees: the recurrent kernel and (GRU with resetAfter) its bias. */
interface StepWeights {
  readonly recurrent: Tensor;
  readonly recurrentBias: Tensor | null;
}

/**
 * The shared loop: projects every step's input at once, then runs `step` over time.
 * Subclasses give the gate count, the initial states and the step.
 */
abstract class RNN extends Layer {
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  protected readonly act: ActivationFn;
  readonly #args: RNNOptions;
  protected kernel: Variable | null = null;
  protected recurrentKernel: Variable | null = null;
  protected bias: Variable | null = null;

  /** Gates per unit: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  protected abstract readonly gates: number;
  /** Number of state tensors (h, or h and c). */
  protected readonly stateCount: number = 1;

  constructor(options: RNNOptions, base: string) {
    super(options, base);
    this.inputSpec = SEQUENCE;
    const args = this.checkedOptions<RNNOptions>();
    this.#args = args;
    this.units = args.units;
    this.activation = args.activation ?? 'tanh';
    this.act = getActivation(this.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.returnSequences = args.returnSequences ?? false;
    this.goBackwards = args.goBackwards ?? false;
  }

  /** The bias shape and initializer; GRU with resetAfter overrides. */
  protected biasSpec(): { shape: number[]; initializer: Initializer } {
    return {
      shape: [this.gates * this.units],
      initializer: getInitializer(this.#args.biasInitializer ?? 'zeros'),
    };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const features = oneShape(inputShape)[2]!;
    this.inputSpec = { ...SEQUENCE, axes: { [-1]: features } };
    const width = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [features, width], {
      initializer: getInitializer(this.#args.kernelInitializer ?? 'glorotUniform'),
      regularizer: regularizerOrNull(this.#args.kernelRegularizer),
    });
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, width], {
      initializer: getInitializer(this.#args.recurrentInitializer ?? 'orthogonal'),
      regularizer: regularizerOrNull(this.#args.recurrentRegularizer),
    });
    if (this.useBias) {
      const { shape: biasShape, initializer } = this.biasSpec();
      this.bias = this.addWeight('bias', biasShape, {
        initializer,
        regularizer: regularizerOrNull(this.#args.biasRegularizer),
      });
    }
  }

  /** One step: the projected input `[batch, gates·units]` and states in, new states out (h first). */
  protected abstract step(xw: Tensor, states: Tensor[], w: StepWeights): Tensor[];

  /** The input-side bias added to x·W (all of it, except for GRU with resetAfter). */
  protected inputBias(): Tensor | null {
    return this.bias;
  }

  /** The recurrent-side bias (GRU with resetAfter only). */
  protected recurrentBias(): Tensor | null {
    return null;
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x0 = one(inputs);
    if (x0.shape[1] === 0)
      throw new ShapeError(`${this.name}: expected at least one time step, got shape ${shapeText(x0.shape)}`);
    return tidy(() => {
      const x = x0.dtype === this.dtype ? x0 : x0.cast(this.dtype);
      const inBias = this.inputBias();
      const projected = matmul(x, this.kernel!);
      const steps = unstack(inBias ? projected.add(inBias) : projected, 1);
      if (this.goBackwards) steps.reverse();
      const w: StepWeights = { recurrent: this.recurrentKernel!, recurrentBias: this.recurrentBias() };
      let states = Array.from({ length: this.stateCount }, () =>
        zeros([x.shape[0]!, this.units], this.dtype),
      );
      const outputs: Tensor[] = [];
      for (const xw of steps) {
        states = this.step(xw, states, w);
        outputs.push(states[0]!);
      }
      return this.returnSequences ? stack(outputs, 1) : states[0]!;
    });
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const [batch, time] = oneShape(inputShape);
    return this.returnSequences ? [batch ?? null, time ?? null, this.units] : [batch ?? null, this.units];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      goBackwards: this.goBackwards,
      kernelInitializer: initializerConfig(this.#args.kernelInitializer ?? 'glorotUniform'),
      recurrentInitializer: initializerConfig(this.#args.recurrentInitializer ?? 'orthogonal'),
      biasInitializer: initializerConfig(this.#args.biasInitializer ?? 'zeros'),
      kernelRegularizer: regularizerConfig(this.#args.kernelRegularizer),
      recurrentRegularizer: regularizerConfig(this.#args.recurrentRegularizer),
      biasRegularizer: regularizerConfig(this.#args.biasRegularizer),
    };
  }
}

/**
 * Fully connected RNN: h_t = activation(x_t·W + h_{t−1}·U + b).
 * @example
 * const rnn = simpleRNN({ units: 8, returnSequences: true });
 * rnn.apply(x); // [n, 10, 4] → [n, 10, 8]
 */
export class SimpleRNN extends RNN {
  static override readonly optionsSpec = layerOptions('simpleRNN', RNN_KEYS, ['units']);
  readonly className = 'SimpleRNN';
  protected readonly gates = 1;

  constructor(args: RNNOptions) {
    super(args, 'simple_rnn');
  }

  protected step(xw: Tensor, [h]: Tensor[], w: StepWeights): Tensor[] {
    return [this.act(xw.add(matmul(h!, w.recurrent)))];
  }
}

/**
 * Long short-term memory. With z = x_t·W + h·U + b split into gates i, f, c, o (Keras order):
 * c_t = σ(f)·c_{t−1} + σ(i)·tanh(c), h_t = σ(o)·tanh(c_t) (σ = recurrentActivation,
 * tanh = activation).
 * @example
 * const layer = lstm({ units: 16 });
 * layer.apply(x); // [n, 20, 8] → [n, 16]
 */
export class LSTM extends RNN {
  static override readonly optionsSpec = layerOptions(
    'lstm',
    { ...RNN_KEYS, recurrentActivation: K.string, unitForgetBias: K.boolean },
    ['units'],
  );
  readonly className = 'LSTM';
  protected readonly gates = 4;
  protected override readonly stateCount = 2;
  readonly recurrentActivation: string;
  readonly unitForgetBias: boolean;
  readonly #gate: ActivationFn;

  constructor(options: LSTMOptions) {
    super(options, 'lstm');
    const args = this.checkedOptions<LSTMOptions>();
    this.recurrentActivation = args.recurrentActivation ?? 'sigmoid';
    this.#gate = getActivation(this.recurrentActivation, this.name);
    this.unitForgetBias = args.unitForgetBias ?? true;
  }

  /** With unitForgetBias, the forget-gate quarter of the bias starts at 1. */
  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    const base = super.biasSpec();
    if (!this.unitForgetBias) return base;
    const u = this.units;
    const initializer: Initializer = {
      name: 'lstmUnitForgetBias',
      init: (_shape, dtype) =>
        tidy(() =>
          concat(
            [base.initializer.init([u], dtype), ones([u], dtype), base.initializer.init([2 * u], dtype)],
            0,
          ),
        ),
      getConfig: () => ({}),
    };
    return { shape: base.shape, initializer };
  }

  protected step(xw: Tensor, [h, c]: Tensor[], w: StepWeights): Tensor[] {
    const [i, f, g, o] = split(xw.add(matmul(h!, w.recurrent)), 4, 1);
    const cNext = this.#gate(f!)
      .mul(c!)
      .add(this.#gate(i!).mul(this.act(g!)));
    return [this.#gate(o!).mul(this.act(cNext)), cNext];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: this.recurrentActivation,
      unitForgetBias: this.unitForgetBias,
    };
  }
}

/**
 * Gated recurrent unit (Keras 3 semantics), gates z, r, h:
 * z = σ(x_z + h·U_z), r = σ(x_r + h·U_r), h̃ = tanh(x_h + r·(h·U_h + b_h)) with resetAfter
 * (else tanh(x_h + (r·h)·U_h)), h_t = z·h + (1 − z)·h̃. With resetAfter the bias is `[2, 3·units]`
 * (input bias, recurrent bias).
 * @example
 * const layer = gru({ units: 16, returnSequences: true });
 * layer.apply(x); // [n, 20, 8] → [n, 20, 16]
 */
export class GRU extends RNN {
  static override readonly optionsSpec = layerOptions(
    'gru',
    { ...RNN_KEYS, recurrentActivation: K.string, resetAfter: K.boolean },
    ['units'],
  );
  readonly className = 'GRU';
  protected readonly gates = 3;
  readonly recurrentActivation: string;
  readonly resetAfter: boolean;
  readonly #gate: ActivationFn;

  constructor(options: GRUOptions) {
    super(options, 'gru');
    const args = this.checkedOptions<GRUOptions>();
    this.recurrentActivation = args.recurrentActivation ?? 'sigmoid';
    this.#gate = getActivation(this.recurrentActivation, this.name);
    this.resetAfter = args.resetAfter ?? true;
  }

  protected override biasSpec(): { shape: number[]; initializer: Initializer } {
    const base = super.biasSpec();
    return this.resetAfter ? { shape: [2, 3 * this.units], initializer: base.initializer } : base;
  }

  protected override inputBias(): Tensor | null {
    if (!this.bias || !this.resetAfter) return this.bias;
    return unstack(this.bias, 0)[0]!;
  }

  protected override recurrentBias(): Tensor | null {
    if (!this.bias || !this.resetAfter) return null;
    return unstack(this.bias, 0)[1]!;
  }

  protected step(xw: Tensor, [h]: Tensor[], w: StepWeights): Tensor[] {
    const [xz, xr, xh] = split(xw, 3, 1);
    let hh: Tensor;
    let z: Tensor;
    if (this.resetAfter) {
      const inner = matmul(h!, w.recurrent);
      const [rz, rr, rh] = split(w.recurrentBias ? inner.add(w.recurrentBias) : inner, 3, 1);
      z = this.#gate(xz!.add(rz!));
      const r = this.#gate(xr!.add(rr!));
      hh = this.act(xh!.add(r.mul(rh!)));
    } else {
      const [uzr, uh] = split(w.recurrent, [2 * this.units, this.units], 1);
      const [rz, rr] = split(matmul(h!, uzr!), 2, 1);
      z = this.#gate(xz!.add(rz!));
      const r = this.#gate(xr!.add(rr!));
      hh = this.act(xh!.add(matmul(r.mul(h!), uh!)));
    }
    return [z.mul(h!).add(z.neg().add(1).mul(hh))];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      recurrentActivation: this.recurrentActivation,
      resetAfter: this.resetAfter,
    };
  }
}

/**
 * A fully connected RNN layer (see `SimpleRNN`).
 * @example
 * const rnn = simpleRNN({ units: 4 });
 * rnn.apply(x); // [n, t, f] → [n, 4]
 */
export function simpleRNN(args: RNNOptions): SimpleRNN {
  checkFactoryArgs('simpleRNN', arguments.length);
  return new SimpleRNN(args);
}

/**
 * An LSTM layer (see `LSTM`).
 * @example
 * const layer = lstm({ units: 32, returnSequences: true });
 * layer.apply(x); // [n, t, f] → [n, t, 32]
 */
export function lstm(args: LSTMOptions): LSTM {
  checkFactoryArgs('lstm', arguments.length);
  return new LSTM(args);
}

/**
 * A GRU layer (see `GRU`).
 * @example
 * const layer = gru({ units: 32, resetAfter: false });
 * layer.apply(x); // [n, t, f] → [n, 32]
 */
export function gru(args: GRUOptions): GRU {
  checkFactoryArgs('gru', arguments.length);
  return new GRU(args);
}

registerLayerClass('SimpleRNN', SimpleRNN);
registerLayerClass('LSTM', LSTM);
registerLayerClass('GRU', GRU);

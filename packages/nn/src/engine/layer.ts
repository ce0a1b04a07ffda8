// The Layer base class and symbolic tensors. A layer creates its weights lazily in
// `build(inputShape)`, computes in `call`, and reports `computeOutputShape` and `getConfig`.
// `apply` runs it on real tensors, or on symbolic ones to wire a functional model.

import {
  ArgumentError,
  type DType,
  NablaError,
  ShapeError,
  Tensor,
  tidy,
  type Variable,
  variable,
} from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { getInitializer, type Initializer } from '../initializers/initializers.js';
import { getRegularizer, type Regularizer } from '../regularizers/regularizers.js';
import { checkInputShapes, checkInputSpec, type LayerInputSpec, type SymbolicShape } from './input-spec.js';
import { checkOptionsObject, isPlainObject, K, type OptionKind } from './option-kinds.js';
import { showValue } from './options.js';
import { revivingClass } from './registry.js';

export type { SymbolicShape } from './input-spec.js';

/**
 * Sees every weight a layer makes, before and after it is allocated: the loader checks each one
 * against the file's manifest before any memory is touched, and frees those made when a build
 * fails. Installed with `withWeightGuard` for the length of a synchronous build.
 */
export interface WeightGuard {
  /** Throws to refuse a weight before it is allocated. */
  before(weight: { readonly name: string; readonly shape: readonly number[]; readonly dtype: DType }): void;
  /** The weight once made. */
  after(weight: Variable): void;
}

let activeGuard: WeightGuard | undefined;

/**
 * Runs a synchronous `build` with `guard` seeing every weight `addWeight` makes.
 * @example
 * withWeightGuard({ before: (w) => check(w), after: (v) => made.push(v) }, () => model.build(shape));
 */
export function withWeightGuard<T>(guard: WeightGuard, build: () => T): T {
  const previous = activeGuard;
  activeGuard = guard;
  try {
    return build();
  } finally {
    activeGuard = previous;
  }
}

/** Per-call options. */
export interface CallContext {
  /** Training mode: dropout drops, batch norm uses batch statistics. */
  readonly training: boolean;
}

/** Constructor options every layer accepts. */
export interface LayerOptions {
  /** Unique within a model; defaults to `<class>_<n>`, like Keras. */
  name?: string;
  trainable?: boolean;
  /** Shape of one sample (no batch axis), for the first layer of a sequential model. */
  inputShape?: readonly number[];
  dtype?: DType;
}

/** The options every layer takes (`LayerOptions`), as checked at run time. */
export const LAYER_OPTIONS: Readonly<Record<string, OptionKind>> = {
  name: K.string,
  trainable: K.boolean,
  inputShape: K.shape,
  // Layers compute and keep weights in a float dtype; integer ids enter through input({ dtype }).
  dtype: K.floatDType,
};

/** A layer class's declared options: the factory that names it in errors, its keys, the required ones. */
export interface LayerOptionsSpec {
  readonly factory: string;
  readonly keys: Readonly<Record<string, OptionKind>>;
  readonly required: readonly string[];
}

/**
 * Declares a layer class's options once: `LAYER_OPTIONS` plus its own keys (`base: false` for a
 * layer that takes other common keys, like the input layer).
 * @example
 * static override readonly optionsSpec = layerOptions('dense', { units: K.positive }, ['units']);
 */
export function layerOptions(
  factory: string,
  keys: Readonly<Record<string, OptionKind>>,
  required: readonly string[] = [],
  base = true,
): LayerOptionsSpec {
  return { factory, keys: base ? { ...LAYER_OPTIONS, ...keys } : keys, required };
}

/** A named weight of a layer. */
export interface LayerWeight {
  /** `layer_name/weight_name`, stable across save and load. */
  readonly name: string;
  readonly variable: Variable;
  readonly trainable: boolean;
  readonly regularizer: Regularizer | null;
}

/** Placeholder for a tensor in a functional model: a shape, a dtype and where it comes from. */
export class SymbolicTensor {
  static #next = 0;
  readonly id = SymbolicTensor.#next++;
  constructor(
    readonly shape: SymbolicShape,
    readonly dtype: DType,
    /** The layer whose output this is (null for model inputs). */
    readonly layer: Layer | null,
    /** The symbolic inputs of that layer call. */
    readonly inputs: readonly SymbolicTensor[],
    /** Which output of the layer this is. */
    readonly outputIndex = 0,
  ) {}
}

const nameCounters = new Map<string, number>();

/** A fresh `<base>_<n>` name, counting per base like Keras. */
export function uniqueName(base: string): string {
  const n = (nameCounters.get(base) ?? 0) + 1;
  nameCounters.set(base, n);
  return `${base}_${n}`;
}

function snake(className: string): string {
  return className.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Base class of every layer. Subclasses implement `call`, usually `build` and
 * `computeOutputShape`, and `getConfig` (adding their options to the base config).
 * @example
 * class Double extends Layer { call(x: Tensor) { return x.mul(2); } }
 */
export abstract class Layer {
  /**
   * The options this class accepts, checked by the Layer constructor for every construction
   * (factory, `new`, `fromConfig`). Null (a user subclass): only the common keys are checked and
   * other keys are left to the subclass.
   */
  static readonly optionsSpec: LayerOptionsSpec | null = null;
  /**
   * What `apply` and `computeOutputShape` accept, checked before any work (Keras's `input_spec`);
   * null accepts anything. Layers declare it at construction and fix axis sizes when they build.
   */
  inputSpec: LayerInputSpec | null = null;
  /** The registered class name, used by getConfig/fromConfig (e.g. 'Dense'). */
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  readonly batchInputShape: SymbolicShape | null;
  readonly dtype: DType;
  built = false;
  readonly #weights: LayerWeight[] = [];
  #lastInputShape: SymbolicShape | SymbolicShape[] | null = null;
  /** Whether `#lastInputShape` holds a real call's tensor shapes (the batch size known). */
  #lastInputReal = false;
  readonly #options: Readonly<Record<string, unknown>>;

  constructor(args?: LayerOptions, defaultBase?: string) {
    const spec = new.target.optionsSpec;
    const reviving = revivingClass();
    const where = reviving ? `${reviving} config` : (spec?.factory ?? snake(new.target.name));
    const o = checkOptionsObject(args, spec?.keys ?? LAYER_OPTIONS, {
      where,
      quote: reviving !== null,
      required: spec?.required ?? [],
      allowOthers: spec === null,
      // Named layers are named in errors, as in every later error of the layer.
      nameKey: reviving ? undefined : 'name',
    });
    this.#options = o;
    const common = this.checkedOptions<LayerOptions>();
    this.name = common.name ?? uniqueName(defaultBase ?? snake(this.constructor.name));
    this.trainable = common.trainable ?? true;
    this.batchInputShape = common.inputShape ? [null, ...common.inputShape] : null;
    this.dtype = common.dtype ?? 'float32';
  }

  /**
   * The options as checked by the constructor: each key read once (getters cannot answer
   * differently later), arrays copied, initializer and regularizer names resolved. Subclasses
   * read their options from here, not from the object they were given.
   */
  protected checkedOptions<T extends object>(): T {
    return this.#options as T;
  }

  /** Creates weights for an input shape (batch axis included, as null). Default: none. */
  build(inputShape: SymbolicShape | SymbolicShape[]): void {
    void inputShape;
  }

  /** The computation, on real tensors. */
  abstract call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor | Tensor[];

  /** Output shape for an input shape (batch axis null), after checking it against `inputSpec`. */
  computeOutputShape(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    checkInputShapes(this.name, this.inputSpec, inputShape);
    return this.shapeRule(inputShape);
  }

  /** The shape rule, for a shape that fits `inputSpec`. Default: unchanged. */
  protected shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    return inputShape;
  }

  /** The options this layer was made with; `fromConfig` of its class rebuilds it. */
  getConfig(): Record<string, unknown> {
    const config: Record<string, unknown> = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.batchInputShape) config.inputShape = this.batchInputShape.slice(1);
    return config;
  }

  /** Adds a weight made by `initializer`; called from `build`. */
  protected addWeight(
    name: string,
    shape: readonly number[],
    options: {
      initializer?: Initializer | string;
      trainable?: boolean;
      regularizer?: Regularizer | string | null;
      dtype?: DType;
    } = {},
  ): Variable {
    const init = getInitializer(options.initializer ?? 'glorotUniform');
    const dtype = options.dtype ?? this.dtype;
    activeGuard?.before({ name: `${this.name}/${name}`, shape, dtype });
    const value = named(`${this.name}: ${name}`, () => init.init(shape, dtype));
    const v = variable(value, { trainable: options.trainable ?? true });
    value.dispose();
    activeGuard?.after(v);
    this.#weights.push({
      name: `${this.name}/${name}`,
      variable: v,
      trainable: options.trainable ?? true,
      regularizer: options.regularizer ? getRegularizer(options.regularizer) : null,
    });
    return v;
  }

  /** Named weights in creation order. */
  get namedWeights(): readonly LayerWeight[] {
    return this.#weights;
  }

  /** Variables trained by the optimizer (none when the layer is frozen). */
  get trainableWeights(): Variable[] {
    return this.trainable ? this.#weights.filter((w) => w.trainable).map((w) => w.variable) : [];
  }

  /** Variables not trained by gradients (moving statistics, or all when frozen). */
  get nonTrainableWeights(): Variable[] {
    return this.#weights.filter((w) => !this.trainable || !w.trainable).map((w) => w.variable);
  }

  /** Every weight variable. */
  get weights(): Variable[] {
    return this.#weights.map((w) => w.variable);
  }

  /** Copies of the weight values, in `weights` order. */
  getWeights(): Tensor[] {
    checkArgCount(`${this.name}: getWeights`, arguments.length, 0, 'getWeights()');
    return this.#weights.map((w) => w.variable.clone());
  }

  /** Sets weight values, in `weights` order; shapes must match. All are set, or none. */
  setWeights(values: readonly Tensor[]): void {
    checkArgCount(`${this.name}: setWeights`, arguments.length, 1, 'setWeights([kernel, bias, ...])');
    this.checkWeights(values);
    this.#weights.forEach((w, i) => {
      const v = values[i]!;
      if (v.dtype === w.variable.dtype) {
        w.variable.assign(v);
        return;
      }
      const cast = v.cast(w.variable.dtype);
      w.variable.assign(cast);
      cast.dispose();
    });
  }

  /** @internal Throws unless `values` fit `setWeights`: one live tensor per weight, of its shape. */
  checkWeights(values: readonly Tensor[]): void {
    if (!Array.isArray(values) || values.length !== this.#weights.length) {
      throw new ArgumentError(
        `${this.name}: setWeights expected ${this.#weights.length} tensors, got ${Array.isArray(values) ? values.length : showValue(values)}`,
      );
    }
    this.#weights.forEach((w, i) => {
      const v = values[i];
      if (!(v instanceof Tensor)) {
        throw new ArgumentError(
          `${this.name}: setWeights expected a tensor for weight ${w.name}, got ${showValue(v)}`,
        );
      }
      v.assertAlive(`${this.name}: setWeights`);
      const expected = w.variable.shape;
      if (v.shape.length !== expected.length || v.shape.some((d, k) => d !== expected[k])) {
        throw new ShapeError(
          `${this.name}: weight ${w.name} has shape [${expected.join(',')}], got [${v.shape.join(',')}]`,
        );
      }
    });
  }

  /** Number of scalar parameters. */
  countParams(): number {
    return this.#weights.reduce((n, w) => n + w.variable.size, 0);
  }

  /** Sum of the weight regularization penalties, or null when there are none. */
  regularizationLoss(): Tensor | null {
    const terms = this.#weights.filter((w) => w.regularizer && this.trainable && w.trainable);
    if (terms.length === 0) return null;
    return tidy(() => terms.map((w) => w.regularizer!.penalty(w.variable)).reduce((a, b) => a.add(b)));
  }

  /** Shape of the last input the layer was applied to (for summaries). */
  get lastInputShape(): SymbolicShape | SymbolicShape[] | null {
    const last = this.#lastInputShape;
    if (last === null || !this.#lastInputReal) return last;
    const symbolic = (shape: SymbolicShape): SymbolicShape => [null, ...shape.slice(1)];
    // A list of shapes (several inputs), or one shape.
    return last.length > 0 && Array.isArray(last[0])
      ? (last as SymbolicShape[]).map(symbolic)
      : symbolic(last as SymbolicShape);
  }

  /**
   * Runs the layer: on tensors it computes (building first if needed); on symbolic tensors it
   * records the call for a functional model and returns symbolic outputs.
   */
  apply(inputs: Tensor, ctx?: Partial<CallContext>): Tensor;
  apply(inputs: Tensor[], ctx?: Partial<CallContext>): Tensor | Tensor[];
  apply(inputs: SymbolicTensor | SymbolicTensor[], ctx?: Partial<CallContext>): SymbolicTensor;
  apply(
    inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    ctx?: Partial<CallContext>,
  ): Tensor | Tensor[] | SymbolicTensor {
    if (arguments.length > 2) {
      checkArgCount(`${this.name}: apply`, arguments.length, 2, 'apply(inputs, { training })');
    }
    const isList = Array.isArray(inputs);
    const list = isList ? inputs : [inputs];
    this.#checkInputs(inputs, list);
    const training = checkCallContext(this.name, ctx);
    if (this.inputSpec !== null) {
      checkInputSpec(this.name, this.inputSpec, isList ? list.map((x) => x.shape) : [inputs.shape], isList);
    }
    if (list.every((x) => x instanceof SymbolicTensor)) {
      const symbolic = list as SymbolicTensor[];
      const shapes = symbolic.map((s) => s.shape);
      const inShape = Array.isArray(inputs) ? shapes : shapes[0]!;
      const outShape = named(this.name, () => {
        this.#ensureBuilt(inShape);
        return this.shapeRule(inShape);
      });
      if (Array.isArray(outShape[0])) {
        throw new ArgumentError(
          `${this.name}: layers with several outputs are not supported in functional models`,
        );
      }
      // Layers compute in their own dtype (an embedding takes int32 ids and gives float32).
      return new SymbolicTensor(outShape as SymbolicShape, this.dtype, this, symbolic);
    }
    if (list.some((x) => x instanceof SymbolicTensor)) {
      throw new ArgumentError(`${this.name}: cannot mix symbolic and real tensors in one call`);
    }
    const real = list as Tensor[];
    // Before building: a disposed input must not leave the layer built with fresh weights.
    for (const t of real) t.assertAlive(`${this.name}: apply`);
    // Errors from inside (core ops, nested layers) name this layer too.
    return named(this.name, () => {
      if (this.built) {
        // The symbolic shape (batch axis unknown) is only made when a summary asks for it.
        this.#lastInputShape = isList ? real.map((t) => t.shape) : real[0]!.shape;
        this.#lastInputReal = true;
      } else {
        const shapes = real.map((t): SymbolicShape => [null, ...t.shape.slice(1)]);
        this.#ensureBuilt(isList ? shapes : shapes[0]!);
      }
      return this.call(isList ? real : real[0]!, { training });
    });
  }

  /** Throws unless `inputs` is a tensor, a symbolic tensor, or a non-empty array of them. */
  #checkInputs(inputs: unknown, list: readonly unknown[]): void {
    const bad = list.findIndex((x) => !(x instanceof Tensor || x instanceof SymbolicTensor));
    if (list.length > 0 && bad < 0) return;
    const got =
      list.length === 0
        ? 'an empty array'
        : Array.isArray(inputs)
          ? `${showValue(list[bad])} at inputs[${bad}]`
          : showValue(inputs);
    throw new ArgumentError(
      `${this.name}: apply expected a tensor, a symbolic tensor or a non-empty array of them, got ${got}`,
    );
  }

  #ensureBuilt(inputShape: SymbolicShape | SymbolicShape[]): void {
    this.#lastInputShape = inputShape;
    this.#lastInputReal = false;
    if (this.built) return;
    this.build(inputShape);
    this.built = true;
  }

  /** Frees the layer's weights. */
  dispose(): void {
    for (const w of this.#weights) w.variable.dispose();
    this.#weights.length = 0;
    this.built = false;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/**
 * `error` with `prefix` in front of its message when it is a NablaError whose message does not
 * already start with `prefix` or one of `also` (then it is returned as is); same class, the
 * original kept as `cause`.
 * @example
 * throw prefixError(error, 'seq_1: evaluate', ['evaluate']); // 'seq_1: evaluate: mean_squared_error: ...'
 */
export function prefixError(error: unknown, prefix: string, also: readonly string[] = []): unknown {
  if (!(error instanceof NablaError)) return error;
  if ([prefix, ...also].some((p) => error.message.startsWith(`${p}:`))) return error;
  // A copy of the same class and fields (FormatError's source, IOError's path and code), not a
  // new instance: subclasses' constructors take other arguments than a message.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as NablaError, error);
  const message = `${prefix}: ${error.message}`;
  const hidden = { writable: true, configurable: true, enumerable: false };
  Object.defineProperty(copy, 'message', { ...hidden, value: message });
  Object.defineProperty(copy, 'cause', { ...hidden, value: error });
  Object.defineProperty(copy, 'stack', { ...hidden, value: error.stack?.replace(error.message, message) });
  return copy;
}

/** Runs `fn`; a NablaError it throws is rethrown naming the layer `prefix` (see `prefixError`). */
function named<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw prefixError(error, prefix);
  }
}

/** The `training` flag of an apply context, after checking the context object. */
function checkCallContext(layer: string, ctx: unknown): boolean {
  // The usual contexts (none, or `{ training }` alone as fit and predict pass it), read once.
  if (ctx === undefined) return false;
  if (isPlainObject(ctx)) {
    const keys = Object.keys(ctx);
    if (keys.length === 0) return false;
    if (keys.length === 1 && keys[0] === 'training') {
      const training: unknown = (ctx as { training: unknown }).training;
      if (typeof training === 'boolean') return training;
      if (training === undefined) return false;
    }
  }
  const o = checkOptionsObject(ctx, { training: K.boolean }, { where: `${layer}: apply` });
  return (o.training as boolean | undefined) ?? false;
}

// The Model base class shared by `sequential` and functional `model`: a Layer made of layers
// (so models nest), with compile, fit, evaluate, predict, trainOnBatch, summary, weights by
// name, config and save. The training loops live in training.ts, the step in train-step.ts.
// A disposed model throws on use, and one model trains in one `fit` (or trainOnBatch) at a time.

import { ArgumentError, BackendError, type Tensor, tidy, type Variable } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import type { Logs } from '../callbacks/callback.js';
import { getLoss } from '../losses/index.js';
import { checkMetric } from '../metrics/get-metric.js';
import { getOptimizer } from '../optimizers/index.js';
import type { Loss, LossFn, Optimizer } from '../types.js';
import { checkTensors, type Dataset, dataKind, type TensorOrList } from './data-adapter.js';
import {
  type EvaluateOptions,
  evaluateModel,
  type PredictOptions,
  predictModel,
  predictModelAsync,
  trainOnBatchOf,
} from './evaluation.js';
import type { History } from './history.js';
import {
  type CallContext,
  Layer,
  type LayerOptions,
  type LayerWeight,
  prefixError,
  type SymbolicTensor,
} from './layer.js';
import { checkOptions, showValue } from './options.js';
import { saveModel } from './save-load.js';
import { summarize } from './summary.js';
import type { MetricSpec } from './train-step.js';
import { type FitDatasetOptions, type FitOptions, fitDatasetLoop, fitTensorsLoop } from './training.js';

/** The lists `of` gives for each layer, one after another (V8's flatMap is slow per step). */
function concatOf<T>(layers: readonly Layer[], of: (l: Layer) => readonly T[]): T[] {
  const out: T[] = [];
  for (const layer of layers) for (const item of of(layer)) out.push(item);
  return out;
}

/** A loss given to `compile`: a Keras name, a Loss object or a function. */
export type LossSpec = string | Loss | LossFn;

/** Options of `compile`. */
export interface CompileOptions {
  /** An optimizer name ('adam', 'sgd', ...) or object (default 'rmsprop', as Keras). */
  optimizer?: string | Optimizer;
  /** One loss for every output, or one per output. */
  loss: LossSpec | readonly LossSpec[];
  /** Metric names ('accuracy' is resolved from the loss, as Keras does) or Metric objects. */
  metrics?: readonly MetricSpec[];
}

/** @internal What `compile` resolved. */
export interface CompiledState {
  readonly optimizer: Optimizer;
  readonly ownsOptimizer: boolean;
  readonly losses: readonly Loss[];
  readonly metrics: readonly MetricSpec[];
}

/**
 * Base class of sequential and functional models.
 * @example
 * const m = sequential([dense({ units: 1, inputShape: [2] })]);
 * m.compile({ optimizer: 'sgd', loss: 'mse' });
 */
export abstract class Model extends Layer {
  /** Set by callbacks (earlyStopping) to end `fit` after the current epoch. */
  stopTraining = false;
  #compiled: CompiledState | null = null;
  #disposed = false;
  /** The training call running now (fit, trainOnBatch), or null. */
  #training: string | null = null;

  constructor(args: LayerOptions = {}, defaultBase = 'model') {
    super(args, defaultBase);
  }

  /** The layers, in order (each once). */
  abstract get layers(): Layer[];

  /** Names of the outputs (the layers that produce them). */
  abstract get outputNames(): string[];

  override apply(inputs: Tensor, ctx?: Partial<CallContext>): Tensor;
  override apply(inputs: Tensor[], ctx?: Partial<CallContext>): Tensor | Tensor[];
  override apply(inputs: SymbolicTensor | SymbolicTensor[], ctx?: Partial<CallContext>): SymbolicTensor;
  override apply(
    inputs: Tensor | Tensor[] | SymbolicTensor | SymbolicTensor[],
    ctx?: Partial<CallContext>,
  ): Tensor | Tensor[] | SymbolicTensor {
    // Checked before Layer.apply builds: a disposed model must not make fresh weights.
    this.assertUsable('apply');
    checkArgCount(`${this.name}: apply`, arguments.length, 2, 'apply(inputs, { training })');
    return super.apply(inputs as Tensor[], ctx);
  }

  /** The layer named `name`. */
  getLayer(name: string): Layer {
    checkArgCount(`${this.name}: getLayer`, arguments.length, 1, "getLayer('dense_1')");
    if (typeof name !== 'string')
      throw new ArgumentError(`${this.name}: getLayer expected a layer name, got ${showValue(name)}`);
    const layer = this.layers.find((l) => l.name === name);
    if (!layer) {
      throw new ArgumentError(
        `${this.name}: no layer named '${name}' (layers: ${this.layers.map((l) => l.name).join(', ')})`,
      );
    }
    return layer;
  }

  override get namedWeights(): readonly LayerWeight[] {
    return concatOf(this.layers, (l) => l.namedWeights);
  }

  override get weights(): Variable[] {
    return concatOf(this.layers, (l) => l.weights);
  }

  override get trainableWeights(): Variable[] {
    return this.trainable ? concatOf(this.layers, (l) => l.trainableWeights) : [];
  }

  override get nonTrainableWeights(): Variable[] {
    return this.trainable ? concatOf(this.layers, (l) => l.nonTrainableWeights) : this.weights;
  }

  override getWeights(): Tensor[] {
    this.assertUsable('getWeights');
    checkArgCount(`${this.name}: getWeights`, arguments.length, 0, 'getWeights()');
    return concatOf(this.layers, (l) => l.getWeights());
  }

  override setWeights(values: readonly Tensor[]): void {
    this.assertUsable('setWeights');
    checkArgCount(`${this.name}: setWeights`, arguments.length, 1, 'setWeights([kernel, bias, ...])');
    // Every layer's values checked before any is set, so a bad tensor changes no weight.
    this.checkWeights(values);
    for (const [layer, part] of this.#split(values)) layer.setWeights(part);
  }

  override checkWeights(values: readonly Tensor[]): void {
    const total = this.weights.length;
    if (!Array.isArray(values) || values.length !== total) {
      throw new ArgumentError(
        `${this.name}: setWeights expected ${total} tensors, got ${Array.isArray(values) ? values.length : showValue(values)}`,
      );
    }
    for (const [layer, part] of this.#split(values)) layer.checkWeights(part);
  }

  /** `values` cut into each layer's share, in `weights` order. */
  #split(values: readonly Tensor[]): [Layer, Tensor[]][] {
    const parts: [Layer, Tensor[]][] = [];
    let offset = 0;
    for (const layer of this.layers) {
      const n = layer.weights.length;
      if (n > 0) parts.push([layer, values.slice(offset, offset + n)]);
      offset += n;
    }
    return parts;
  }

  override countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  override regularizationLoss(): Tensor | null {
    if (!this.trainable) return null;
    return tidy(() => {
      const terms = this.layers.map((l) => l.regularizationLoss()).filter((t): t is Tensor => t !== null);
      return terms.length === 0 ? null : terms.reduce((a, b) => a.add(b));
    });
  }

  /**
   * Sets the optimizer, the loss(es) and the metrics used by fit/evaluate.
   * @example
   * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
   */
  compile(options: CompileOptions): void {
    this.assertUsable('compile');
    checkArgCount(`${this.name}: compile`, arguments.length, 1, 'compile({ optimizer, loss, metrics })');
    if (this.#training)
      throw new ArgumentError(`${this.name}: compile while ${this.#training} is running; await it first`);
    const o = checkOptions('compile', options, ['optimizer', 'loss', 'metrics']);
    if (o.loss === undefined)
      throw new ArgumentError('compile: expected a loss (a name, a Loss or a function)');
    const outputs = this.outputNames.length;
    const specs = Array.isArray(o.loss) ? (o.loss as readonly LossSpec[]) : null;
    if (specs && specs.length !== outputs) {
      throw new ArgumentError(
        `${this.name}: compile expected ${outputs} losses (one per output), got ${specs.length}`,
      );
    }
    const single = specs ? null : (o.loss as LossSpec);
    const losses = specs ? specs.map((s) => getLoss(s)) : this.outputNames.map(() => getLoss(single!));
    if (o.metrics !== undefined && !Array.isArray(o.metrics)) {
      throw new ArgumentError(`compile: expected metrics to be an array, got ${JSON.stringify(o.metrics)}`);
    }
    const metrics = (o.metrics ?? []) as readonly MetricSpec[];
    // Checked here, not when fit makes them, so a bad name fails at compile.
    for (const m of metrics) checkMetric(m, 'compile');
    const spec = (o.optimizer ?? 'rmsprop') as string | Optimizer;
    const optimizer = getOptimizer(spec);
    if (this.#compiled?.ownsOptimizer && this.#compiled.optimizer !== optimizer)
      this.#compiled.optimizer.dispose();
    this.#compiled = {
      optimizer,
      ownsOptimizer: typeof spec === 'string',
      losses,
      metrics: [...metrics],
    };
  }

  /**
   * @internal The compiled optimizer is the model's own (made by `loadModel` from a file, as a
   * name given to `compile` is), so `dispose` and a later `compile` free its state.
   */
  ownCompiledOptimizer(): void {
    if (this.#compiled) this.#compiled = { ...this.#compiled, ownsOptimizer: true };
  }

  /** Whether `compile` was called. */
  get isCompiled(): boolean {
    return this.#compiled !== null;
  }

  /** @internal The compiled state; throws naming the call when not compiled. */
  compiledFor(op: string): CompiledState {
    this.assertUsable(op);
    if (!this.#compiled)
      throw new ArgumentError(`${this.name}: call compile({ optimizer, loss }) before ${op}`);
    return this.#compiled;
  }

  /** The optimizer set by compile (for callbacks such as reduceLROnPlateau). */
  get optimizer(): Optimizer {
    return this.compiledFor('optimizer').optimizer;
  }

  /**
   * Trains on tensors (one per input / output) or on an iterable of `{ x, y }` batches.
   * @example
   * const history = await model.fit(x, y, { epochs: 10, batchSize: 32, validationSplit: 0.1 });
   * const h2 = await model.fit(batches(x, y, { batchSize: 32 }), { epochs: 2 });
   */
  fit(x: TensorOrList, y: TensorOrList, options?: FitOptions): Promise<History>;
  fit(dataset: Dataset, options?: FitDatasetOptions): Promise<History>;
  fit(a: TensorOrList | Dataset, b?: TensorOrList | FitDatasetOptions, c?: FitOptions): Promise<History> {
    const count = arguments.length;
    return this.#exclusive('fit', () => {
      const where = `${this.name}: fit`;
      if (dataKind(where, a) === 'tensors') {
        checkArgCount(where, count, 3, 'fit(x, y, { epochs, batchSize })');
        checkTensors(where, 'y', b);
        return fitTensorsLoop(this, a as TensorOrList, b, c);
      }
      if (isTensorList(b))
        throw new ArgumentError(`${this.name}: fit(x, y) expected x to be a tensor or a list of tensors`);
      if (count > 2 || c !== undefined)
        throw new ArgumentError(`${this.name}: fit(dataset, options) takes two arguments, got ${count}`);
      return fitDatasetLoop(this, a as Dataset, b as FitDatasetOptions | undefined);
    });
  }

  /**
   * Trains on an iterable of `{ x, y }` batches (same as `fit(dataset, options)`).
   * @example
   * await model.fitDataset(batches(x, y, { batchSize: 64, shuffle: true }), { epochs: 3 });
   */
  fitDataset(dataset: Dataset, options?: FitDatasetOptions): Promise<History> {
    const count = arguments.length;
    return this.#exclusive('fit', () => {
      const where = `${this.name}: fitDataset`;
      checkArgCount(where, count, 2, 'fitDataset(dataset, { epochs })');
      if (dataKind(where, dataset) !== 'dataset')
        throw new ArgumentError(
          `${where}: expected a dataset of { x, y } batches, got tensors; use fit(x, y)`,
        );
      return fitDatasetLoop(this, dataset, options);
    });
  }

  /**
   * Loss and metrics over data, in inference mode: `{ loss, accuracy, ... }`.
   * @example
   * const { loss, accuracy } = await model.evaluate(xTest, yTest, { batchSize: 128 });
   */
  evaluate(x: TensorOrList | Dataset, y?: TensorOrList, options?: EvaluateOptions): Promise<Logs> {
    try {
      this.assertUsable('evaluate');
      const where = `${this.name}: evaluate`;
      checkArgCount(where, arguments.length, 3, 'evaluate(x, y, { batchSize })');
      if (dataKind(where, x) === 'dataset' && y !== undefined) {
        throw new ArgumentError(
          `${where}: evaluate(dataset, y) takes no targets (the batches hold them), got ${showValue(y)}`,
        );
      }
      if (y !== undefined) checkTensors(where, 'y', y);
      return this.#naming('evaluate', evaluateModel(this, x, y, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Outputs for inputs, computed in batches in inference mode; a tensor the caller owns.
   * Models with several outputs use `predictOutputs`.
   * @example
   * const probs = model.predict(x, { batchSize: 256 });
   */
  predict(x: TensorOrList, options?: PredictOptions): Tensor {
    this.assertUsable('predict');
    checkArgCount(`${this.name}: predict`, arguments.length, 2, 'predict(x, { batchSize })');
    checkTensors(`${this.name}: predict`, 'x', x);
    if (this.outputNames.length !== 1) {
      throw new ArgumentError(
        `${this.name}: predict is for one output, this model has ${this.outputNames.length}; use predictOutputs`,
      );
    }
    return predictModel(this, x, options)[0]!;
  }

  /**
   * One output tensor per model output, computed in batches.
   * @example
   * const [a, b] = model.predictOutputs(x);
   */
  predictOutputs(x: TensorOrList, options?: PredictOptions): Tensor[] {
    this.assertUsable('predictOutputs');
    checkArgCount(`${this.name}: predictOutputs`, arguments.length, 2, 'predictOutputs(x, { batchSize })');
    checkTensors(`${this.name}: predictOutputs`, 'x', x);
    return predictModel(this, x, options);
  }

  /**
   * Like `predictOutputs`, but yields to the event loop between batches (`yieldEvery`), so a
   * long prediction keeps a page responsive and lets finalizers run. `predict` cannot yield:
   * it returns its tensor synchronously.
   * @example
   * const [probs] = await model.predictAsync(x, { batchSize: 256, yieldEvery: 'batch' });
   */
  predictAsync(x: TensorOrList, options?: PredictOptions): Promise<Tensor[]> {
    try {
      this.assertUsable('predictAsync');
      checkArgCount(`${this.name}: predictAsync`, arguments.length, 2, 'predictAsync(x, { batchSize })');
      checkTensors(`${this.name}: predictAsync`, 'x', x);
      return predictModelAsync(this, x, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * One gradient update on one batch; returns the batch's loss and metrics.
   * @example
   * const { loss } = await model.trainOnBatch(xBatch, yBatch);
   */
  trainOnBatch(x: TensorOrList, y: TensorOrList): Promise<Logs> {
    const count = arguments.length;
    return this.#exclusive('trainOnBatch', () => {
      const where = `${this.name}: trainOnBatch`;
      checkArgCount(where, count, 2, 'trainOnBatch(x, y)');
      checkTensors(where, 'x', x);
      checkTensors(where, 'y', y);
      return trainOnBatchOf(this, x, y);
    });
  }

  /**
   * A Keras-like table of layers, output shapes and parameter counts; printed and returned.
   * @example
   * model.summary(); // prints with console.log
   * const text = model.summary(() => {});
   */
  summary(printFn: (line: string) => void = console.log): string {
    this.assertUsable('summary');
    checkArgCount(`${this.name}: summary`, arguments.length, 1, 'summary(console.log)');
    if (typeof printFn !== 'function') {
      throw new ArgumentError(
        `${this.name}: summary: expected printFn to be a function, got ${showValue(printFn)}`,
      );
    }
    const text = summarize(this);
    printFn(text);
    return text;
  }

  /**
   * Saves architecture, training config, weights and optimizer state (model.json +
   * model.safetensors) to `target`: a folder path or `file://` (Node), `indexeddb://name`,
   * `downloads://name`, an `http(s)://` URL (POSTed as a multipart form) or an `IOHandler`.
   * @example
   * await model.save('./my-model'); // or 'indexeddb://my-model', 'downloads://my-model'
   * const again = await loadModel('./my-model');
   */
  save(
    target: string | import('../io/router.js').IOHandler,
    options?: import('./save-load.js').SaveModelOptions,
  ): Promise<import('../io/router.js').SaveResult> {
    try {
      this.assertUsable('save');
      checkArgCount(`${this.name}: save`, arguments.length, 2, "save('./my-model', options)");
      return saveModel(this, target, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @internal The training config saved with the model (null when not compiled). */
  trainingConfig(): Record<string, unknown> | null {
    const c = this.#compiled;
    if (!c) return null;
    const loss = c.losses.map((l) => ({ name: l.name, config: { ...l.config } }));
    return {
      loss: loss.length === 1 ? loss[0] : loss,
      metrics: c.metrics.map((m) => (typeof m === 'string' ? m : m.name)),
      optimizer: { name: c.optimizer.name, config: c.optimizer.getConfig() },
    };
  }

  /**
   * Frees the weights of every layer, and the optimizer's state when compile made it; the model
   * then throws on use. A fit running on the model fails at its next batch.
   */
  override dispose(): void {
    for (const layer of this.layers) layer.dispose();
    if (this.#compiled?.ownsOptimizer) this.#compiled.optimizer.dispose();
    this.#compiled = null;
    this.built = false;
    this.#disposed = true;
  }

  /** Whether `dispose` was called. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** @internal Throws naming `op` once the model is disposed. */
  assertUsable(op: string): void {
    if (this.#disposed) {
      throw new BackendError(`${this.name}: ${op} on a disposed model (its weights were freed by dispose())`);
    }
  }

  /**
   * Runs a training call alone: a second fit or trainOnBatch while one runs is rejected, since
   * their steps would interleave on the same weights and optimizer state.
   */
  #exclusive<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      this.assertUsable(op);
      if (this.#training) {
        throw new ArgumentError(
          `${this.name}: ${op} while ${this.#training} is already running on this model; await it first`,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#training = op;
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (error) {
      pending = Promise.reject(error);
    }
    return this.#naming(op, pending).finally(() => {
      this.#training = null;
    });
  }

  /** `pending`, its NablaErrors named with the model and the call (a loss's own error names neither). */
  #naming<T>(op: string, pending: Promise<T>): Promise<T> {
    return pending.catch((error: unknown) => {
      throw prefixError(error, `${this.name}: ${op}`, [this.name, op]);
    });
  }
}

function isTensorList(value: unknown): value is TensorOrList {
  try {
    return dataKind('', value) === 'tensors';
  } catch {
    return false;
  }
}

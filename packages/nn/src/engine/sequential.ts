// The sequential model: a stack of single-input layers, each fed the previous one's output.
// It builds once the input shape is known (the first layer's `inputShape`, or the first batch)
// by running its layers on symbolic tensors, which also records their output shapes.

import { ArgumentError, type Tensor, tidy } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { checkConfigKeys, isRecord } from './config.js';
import { type CallContext, Layer, type SymbolicShape, SymbolicTensor } from './layer.js';
import { Model } from './model.js';
import { checkOptionsObject, K } from './option-kinds.js';
import { showValue } from './options.js';
import { layerFromConfig, registerLayer } from './registry.js';

/** Options of `sequential`. */
export interface SequentialOptions {
  name?: string;
}

/**
 * A linear stack of layers.
 * @example
 * const m = new Sequential([dense({ units: 4, inputShape: [3] })], { name: 'mlp' });
 * m.add(dense({ units: 1 }));
 */
export class Sequential extends Model {
  readonly className = 'Sequential';
  readonly #layers: Layer[] = [];
  #buildShape: SymbolicShape | null = null;

  constructor(layers?: readonly Layer[], options?: SequentialOptions) {
    const o = checkOptionsObject(options, { name: K.string }, { where: 'sequential' }) as SequentialOptions;
    const list = checkLayerList(layers);
    super({ name: o.name }, 'sequential');
    for (const layer of list) this.add(layer);
  }

  /**
   * Appends a layer (rebuilding the stack when its input shape is known).
   * @example
   * const m = sequential(); m.add(dense({ units: 4, inputShape: [3] }));
   */
  add(layer: Layer): void {
    this.assertUsable('add');
    checkArgCount(`${this.name}: add`, arguments.length, 1, 'add(dense({ units: 4 }))');
    if (!(layer instanceof Layer)) {
      throw new ArgumentError(`${this.name}: add expected a layer, got ${showValue(layer)}`);
    }
    if (layer === this || this.#layers.includes(layer)) {
      throw new ArgumentError(`${this.name}: layer '${layer.name}' is already in the model`);
    }
    this.#layers.push(layer);
    const shape = this.#buildShape ?? this.#layers[0]!.batchInputShape;
    if (shape) this.build(shape);
  }

  /**
   * Removes the last layer.
   * @example
   * m.pop();
   */
  pop(): Layer {
    const layer = this.#layers.pop();
    if (!layer) throw new ArgumentError(`${this.name}: pop on an empty model`);
    return layer;
  }

  get layers(): Layer[] {
    return [...this.#layers];
  }

  get outputNames(): string[] {
    return [this.#layers[this.#layers.length - 1]?.name ?? this.name];
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const shape =
      inputShape.length > 0 && Array.isArray(inputShape[0])
        ? (inputShape as SymbolicShape[])[0]!
        : inputShape;
    let x = new SymbolicTensor(shape as SymbolicShape, this.#layers[0]?.dtype ?? this.dtype, null, []);
    for (const layer of this.#layers) x = layer.apply(x);
    this.#buildShape = shape as SymbolicShape;
    this.built = true;
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape | SymbolicShape[] {
    return this.#layers.reduce((shape, layer) => layer.computeOutputShape(shape), inputShape);
  }

  call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    this.assertUsable('call');
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== 1) throw new ArgumentError(`${this.name}: expected one input, got ${list.length}`);
    if (this.#layers.length === 0) throw new ArgumentError(`${this.name}: the model has no layers`);
    return tidy(() => {
      let x = list[0]!;
      for (const layer of this.#layers) x = layer.apply(x, ctx);
      return x;
    });
  }

  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: this.trainable,
      layers: this.#layers.map((l) => ({ className: l.className, config: l.getConfig() })),
      buildInputShape: this.#buildShape ? [...this.#buildShape] : null,
    };
  }
}

/**
 * A sequential model.
 * @example
 * const m = sequential([dense({ units: 32, activation: 'relu', inputShape: [784] }), dense({ units: 10 })]);
 * m.summary();
 */
export function sequential(layers?: readonly Layer[], options?: SequentialOptions): Sequential {
  checkArgCount('sequential', arguments.length, 2, "sequential([dense({ units: 4 })], { name: 'mlp' })");
  return new Sequential(layers, options);
}

/** The layers given to `sequential`: an array of layers (a copy), or none. */
function checkLayerList(layers: unknown): Layer[] {
  if (layers === undefined) return [];
  if (!Array.isArray(layers)) {
    throw new ArgumentError(`sequential: expected layers to be an array of layers, got ${showValue(layers)}`);
  }
  const list: unknown[] = [...layers];
  const bad = list.findIndex((l) => !(l instanceof Layer));
  if (bad >= 0) {
    throw new ArgumentError(`sequential: expected layers[${bad}] to be a layer, got ${showValue(list[bad])}`);
  }
  return list as Layer[];
}

/**
 * Rebuilds `{ className, config }` specs of layers, checking their form.
 * @example
 * const layers = layersFromSpecs('Sequential', config.layers);
 * layers[0].className; // 'Dense'
 */
export function layersFromSpecs(
  owner: string,
  specs: unknown,
  specKeys: readonly string[] = ['className', 'config'],
): Layer[] {
  if (!Array.isArray(specs)) throw new ArgumentError(`${owner} config: expected 'layers' to be an array`);
  return specs.map((spec, i) => {
    if (!isRecord(spec) || typeof spec.className !== 'string' || !isRecord(spec.config)) {
      throw new ArgumentError(`${owner} config: expected layers[${i}] to be { className, config }`);
    }
    checkConfigKeys(`${owner} config: layers[${i}]`, spec, specKeys);
    return layerFromConfig({ className: spec.className, config: spec.config });
  });
}

/**
 * Rebuilds a sequential model from its config.
 * @example
 * const copy = sequentialFromConfig(m.getConfig());
 * copy.setWeights(m.getWeights());
 */
export function sequentialFromConfig(config: Record<string, unknown>): Sequential {
  const o = checkOptionsObject(config, SEQUENTIAL_CONFIG, {
    where: 'Sequential config',
    quote: true,
    what: 'key',
    required: ['layers'],
  }) as { name?: string; trainable?: boolean; layers: unknown[]; buildInputShape?: SymbolicShape };
  const model = new Sequential(layersFromSpecs('Sequential', o.layers), { name: o.name });
  model.trainable = o.trainable ?? true;
  if (o.buildInputShape && !model.built) model.build(o.buildInputShape);
  return model;
}

/** The keys of a saved sequential config (what `getConfig` writes). */
const SEQUENTIAL_CONFIG = {
  name: K.string,
  trainable: K.boolean,
  layers: K.array,
  buildInputShape: K.nullable({ kind: 'shape', nullDims: true }),
};

registerLayer('Sequential', sequentialFromConfig);

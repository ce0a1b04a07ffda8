// The functional model: a graph of layer calls recorded on symbolic tensors, from `input()`s to
// outputs, with branches, merges and shared layers. It runs the calls in topological order; its
// config lists each layer with its inbound nodes (`[layerName, nodeIndex, tensorIndex]`), as
// Keras does, so the graph can be rebuilt from model.json.

import { ArgumentError, type Tensor, tidy } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { isRecord } from './config.js';
import { InputLayer } from './input-layer.js';
import { type CallContext, type Layer, type SymbolicShape, SymbolicTensor } from './layer.js';
import { Model } from './model.js';
import { checkOptionsObject, K, type OptionKind } from './option-kinds.js';
import { showValue } from './options.js';
import { registerLayer } from './registry.js';
import { layersFromSpecs } from './sequential.js';

/** Options of `model`. */
export interface FunctionalOptions {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
}

/** A symbolic tensor or a non-empty array of them, read as a fresh array. */
const SYMBOLIC: OptionKind = {
  kind: 'resolve',
  description: 'a symbolic tensor (from input() or layer.apply) or a non-empty array of them',
  resolve: (value, where) => {
    const list: unknown[] = Array.isArray(value) ? [...value] : [value];
    const bad = list.findIndex((t) => !(t instanceof SymbolicTensor));
    if (list.length > 0 && bad < 0) return list;
    const got = list.length === 0 ? 'an empty array' : showValue(list[bad]);
    throw new ArgumentError(
      `${where}: expected a symbolic tensor (from input() or layer.apply) or a non-empty array of them, got ${got}`,
    );
  },
};

/** `[layerName, nodeIndex, tensorIndex]`: one tensor of the graph. */
type NodeRef = [string, number, number];

/**
 * A model defined by a graph of layer calls.
 * @example
 * const x = input({ shape: [4] });
 * const m = new Functional({ inputs: x, outputs: dense({ units: 2 }).apply(x) });
 */
export class Functional extends Model {
  readonly className = 'Functional';
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Layer calls (not inputs) in topological order. */
  readonly #nodes: SymbolicTensor[] = [];
  readonly #layers: Layer[] = [];

  constructor(options: FunctionalOptions) {
    const o = checkOptionsObject(
      options,
      { inputs: SYMBOLIC, outputs: SYMBOLIC, name: K.string },
      { where: 'model', required: ['inputs', 'outputs'] },
    ) as { inputs: SymbolicTensor[]; outputs: SymbolicTensor[]; name?: string };
    super({ name: o.name }, 'model');
    this.inputs = o.inputs;
    this.outputs = o.outputs;
    this.inputs.forEach((t, i) => {
      if (!(t.layer instanceof InputLayer)) {
        throw new ArgumentError(
          `${this.name}: inputs[${i}] must come from input({ shape }), got the output of '${t.layer?.name ?? 'nothing'}'`,
        );
      }
    });
    const seen = new Set<number>();
    const visit = (t: SymbolicTensor): void => {
      if (seen.has(t.id)) return;
      seen.add(t.id);
      if (t.layer instanceof InputLayer || t.layer === null) {
        if (!this.inputs.includes(t)) {
          throw new ArgumentError(
            `${this.name}: the outputs depend on input '${t.layer?.name ?? '?'}', which is not in inputs`,
          );
        }
        return;
      }
      for (const parent of t.inputs) visit(parent);
      this.#nodes.push(t);
    };
    for (const out of this.outputs) visit(out);
    for (const t of this.inputs) this.#layers.push(t.layer!);
    for (const node of this.#nodes) if (!this.#layers.includes(node.layer!)) this.#layers.push(node.layer!);
    this.built = true;
  }

  get layers(): Layer[] {
    return [...this.#layers];
  }

  get outputNames(): string[] {
    return this.outputs.map((t) => t.layer!.name);
  }

  protected override shapeRule(): SymbolicShape | SymbolicShape[] {
    const shapes = this.outputs.map((t) => t.shape);
    return shapes.length === 1 ? shapes[0]! : shapes;
  }

  call(given: Tensor | Tensor[], ctx: CallContext): Tensor | Tensor[] {
    this.assertUsable('call');
    const inputs = Array.isArray(given) ? given : [given];
    if (inputs.length !== this.inputs.length) {
      throw new ArgumentError(`${this.name}: expected ${this.inputs.length} inputs, got ${inputs.length}`);
    }
    const outputs = tidy(() => {
      const values = new Map<number, Tensor>();
      this.inputs.forEach((t, i) => {
        values.set(t.id, inputs[i]!);
      });
      for (const node of this.#nodes) {
        const args = node.inputs.map((t) => values.get(t.id)!);
        const out = args.length === 1 ? node.layer!.apply(args[0]!, ctx) : node.layer!.apply(args, ctx);
        values.set(node.id, Array.isArray(out) ? out[node.outputIndex]! : out);
      }
      return this.outputs.map((t) => {
        const v = values.get(t.id)!;
        return inputs.includes(v) ? v.clone() : v;
      });
    });
    return outputs.length === 1 ? outputs[0]! : outputs;
  }

  /** Index of a call among the calls of its layer in this model (0 for inputs). */
  #nodeIndex(t: SymbolicTensor): number {
    if (t.layer instanceof InputLayer) return 0;
    return this.#nodes.filter((n) => n.layer === t.layer).indexOf(t);
  }

  #ref(t: SymbolicTensor): NodeRef {
    return [t.layer!.name, this.#nodeIndex(t), t.outputIndex];
  }

  override getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      trainable: this.trainable,
      layers: this.#layers.map((layer) => ({
        className: layer.className,
        name: layer.name,
        config: layer.getConfig(),
        inboundNodes: this.#nodes
          .filter((n) => n.layer === layer)
          .map((n) => n.inputs.map((t) => this.#ref(t))),
      })),
      inputLayers: this.inputs.map((t) => this.#ref(t)),
      outputLayers: this.outputs.map((t) => this.#ref(t)),
    };
  }
}

/**
 * A functional model from symbolic inputs to outputs.
 * @example
 * const x = input({ shape: [8] });
 * const m = model({ inputs: x, outputs: dense({ units: 1 }).apply(dense({ units: 4 }).apply(x)) });
 */
export function model(options: FunctionalOptions): Functional {
  checkArgCount('model', arguments.length, 1, 'model({ inputs, outputs, name })');
  return new Functional(options);
}

function readRef(owner: string, value: unknown): NodeRef {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'number') {
    throw new ArgumentError(
      `${owner} config: expected a node reference [layerName, nodeIndex, tensorIndex], got ${JSON.stringify(value)}`,
    );
  }
  return [value[0], value[1], typeof value[2] === 'number' ? value[2] : 0];
}

/**
 * Rebuilds a functional model from its config by replaying the layer calls.
 * @example
 * const copy = functionalFromConfig(m.getConfig());
 * copy.setWeights(m.getWeights());
 */
export function functionalFromConfig(config: Record<string, unknown>): Functional {
  const owner = 'Functional';
  const o = checkOptionsObject(config, FUNCTIONAL_CONFIG, {
    where: `${owner} config`,
    quote: true,
    what: 'key',
    required: ['layers', 'inputLayers', 'outputLayers'],
  }) as {
    name?: string;
    trainable?: boolean;
    layers: unknown[];
    inputLayers: unknown[];
    outputLayers: unknown[];
  };
  const specs = o.layers;
  const layers = layersFromSpecs(owner, specs, ['className', 'name', 'config', 'inboundNodes']);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const tensors = new Map<string, SymbolicTensor[]>();
  const pending: { layer: Layer; index: number; refs: NodeRef[] }[] = [];
  layers.forEach((layer, i) => {
    if (layer instanceof InputLayer) {
      tensors.set(layer.name, [layer.output()]);
      return;
    }
    const spec = specs[i];
    const inbound = isRecord(spec) && Array.isArray(spec.inboundNodes) ? spec.inboundNodes : [];
    inbound.forEach((node, index) => {
      if (!Array.isArray(node))
        throw new ArgumentError(`${owner} config: inboundNodes of '${layer.name}' must be arrays`);
      pending.push({ layer, index, refs: node.map((ref) => readRef(owner, ref)) });
    });
  });
  const lookup = ([name, index]: NodeRef) => tensors.get(name)?.[index];
  while (pending.length > 0) {
    const ready = pending.findIndex((p) => p.refs.every((ref) => lookup(ref) !== undefined));
    if (ready < 0) {
      const names = pending.map((p) => p.layer.name).join(', ');
      throw new ArgumentError(`${owner} config: cannot resolve the inputs of layers ${names}`);
    }
    const { layer, index, refs } = pending.splice(ready, 1)[0]!;
    const args = refs.map((ref) => lookup(ref)!);
    const out = layer.apply(args.length === 1 ? args[0]! : args);
    const list = tensors.get(layer.name) ?? [];
    list[index] = out;
    tensors.set(layer.name, list);
  }
  const resolve = (key: 'inputLayers' | 'outputLayers') => {
    const refs = o[key].map((ref) => readRef(owner, ref));
    return refs.map((ref) => {
      const t = lookup(ref);
      if (!t || !byName.has(ref[0]))
        throw new ArgumentError(`${owner} config: ${key} names unknown node ${JSON.stringify(ref)}`);
      return t;
    });
  };
  const m = new Functional({
    inputs: resolve('inputLayers'),
    outputs: resolve('outputLayers'),
    name: o.name,
  });
  m.trainable = o.trainable ?? true;
  return m;
}

/** The keys of a saved functional config (what `getConfig` writes). */
const FUNCTIONAL_CONFIG = {
  name: K.string,
  trainable: K.boolean,
  layers: K.array,
  inputLayers: K.array,
  outputLayers: K.array,
};

registerLayer('Functional', functionalFromConfig);

// OnnxNodeLayer: one ONNX node (one of its outputs) as an nn layer. Its initializers become the
// layer's weights, named `<node>/<initializer>`, so an imported model fine-tunes with `fit` and
// freezes per node with `trainable = false`, the Keras way. Other inputs arrive as layer inputs
// (tensors) or as host values: constants, and shape arithmetic evaluated at call time from the
// shapes of the tensors it depends on.

import { keep, type Tensor, tidy, UnsupportedError, type Variable } from '@nabla/core';
import { type CallContext, Layer, type SymbolicShape } from '@nabla/nn';
import { type Arg, asTensor } from './arg.js';
import type { DeviceSpec } from './device-ops.js';
import type { HostArray } from './host.js';
import type { NodeInfo } from './read.js';

/** Shape arithmetic that depends on runtime shapes: evaluated from the shapes of `roots`. */
export interface HostPlan {
  readonly roots: readonly string[];
  evaluate(shapes: ReadonlyMap<string, readonly number[]>): HostArray;
}

/** Where one ONNX input of the node comes from. */
export type Slot =
  | { readonly kind: 'none' }
  /** The layer's `index`-th tensor input. */
  | { readonly kind: 'tensor'; readonly index: number }
  /** A weight this layer owns (made from the initializer's values when built). */
  | { readonly kind: 'weight'; readonly name: string; readonly value: HostArray; readonly trainable: boolean }
  /** A weight another layer owns (an initializer used by several nodes stays one variable). */
  | { readonly kind: 'shared'; readonly owner: OnnxNodeLayer; readonly name: string }
  /** A constant, given as a host value (`host`) or as a tensor made once when built. */
  | { readonly kind: 'const'; readonly value: HostArray; readonly host: boolean }
  /** A constant tensor made when the layer was built (its host copy dropped). */
  | { readonly kind: 'cached' }
  | { readonly kind: 'host'; readonly plan: HostPlan };

/** What the importer gives each layer. */
export interface OnnxNodeLayerArgs {
  readonly name: string;
  readonly node: NodeInfo;
  readonly spec: DeviceSpec;
  readonly slots: readonly Slot[];
  /** How many leading layer inputs are the node's tensors; the rest are `roots`' tensors. */
  readonly tensorCount: number;
  readonly roots: readonly string[];
  readonly outputIndex: number;
}

/**
 * Runs one ONNX operator with core ops. Made by `importOnnx`, not by users.
 * @example
 * const m = await importOnnx(bytes);
 * for (const layer of m.layers) layer.trainable = layer.name === '/head/Gemm';
 */
export class OnnxNodeLayer extends Layer {
  readonly className = 'OnnxNode';
  /** The ONNX operator type (`Conv`, `Gemm`, ...). */
  readonly opType: string;
  /** The output shape recorded when the importer traced the graph (null where it varies). */
  outputShape: SymbolicShape = [];
  /** Everything but the slots, which build() rewrites (so the host copies can be collected). */
  readonly #args: Omit<OnnxNodeLayerArgs, 'slots'>;
  #slots: readonly Slot[];
  readonly #variables = new Map<string, Variable>();
  readonly #constants = new Map<number, Tensor>();

  constructor(args: OnnxNodeLayerArgs) {
    super({ name: args.name });
    const { slots, ...rest } = args;
    this.#args = rest;
    this.#slots = slots;
    this.opType = args.node.opType;
  }

  /** The variable this layer made from initializer `name`. */
  variableOf(name: string): Variable {
    const v = this.#variables.get(name);
    if (!v) throw new UnsupportedError(`${this.name}: no weight made from initializer '${name}'`);
    return v;
  }

  /**
   * Makes the weights and constant tensors, then drops the host copies of their values (which
   * would otherwise double the model's memory) by pointing the slots at what was made.
   */
  override build(): void {
    this.#slots.forEach((slot, i) => {
      if (slot.kind === 'weight' && !this.#variables.has(slot.name)) {
        const value = slot.value;
        const init = {
          name: 'onnx',
          init: () => asTensor(value, this.#args.node, i),
          getConfig: () => ({}),
        };
        this.#variables.set(
          slot.name,
          this.addWeight(slot.name, value.shape, { initializer: init, trainable: slot.trainable }),
        );
      }
      if (slot.kind === 'const' && !slot.host)
        this.#constants.set(i, keep(asTensor(slot.value, this.#args.node, i)));
    });
    this.#slots = this.#slots.map((slot): Slot => {
      if (slot.kind === 'weight') return { kind: 'shared', owner: this, name: slot.name };
      if (slot.kind === 'const' && !slot.host) return { kind: 'cached' };
      return slot;
    });
  }

  protected override shapeRule(): SymbolicShape {
    return this.outputShape;
  }

  call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    void ctx;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const { node, tensorCount, roots, outputIndex, spec } = this.#args;
    return tidy(() => {
      const shapes = new Map(roots.map((r, i) => [r, list[tensorCount + i]!.shape]));
      const args = this.#slots.map((slot, i): Arg => {
        switch (slot.kind) {
          case 'none':
            return null;
          case 'tensor':
            return list[slot.index]!;
          case 'weight':
            return this.variableOf(slot.name);
          case 'shared':
            return slot.owner.variableOf(slot.name);
          case 'const':
            return slot.host ? slot.value : asTensor(slot.value, node, i);
          case 'cached':
            return this.#constants.get(i)!;
          case 'host':
            return slot.plan.evaluate(shapes);
          default:
            return slot satisfies never;
        }
      });
      const out = spec.run(args, node)[outputIndex];
      if (!out) throw new UnsupportedError(`${node.label}: output ${outputIndex} is not produced`);
      return out;
    });
  }

  /**
   * Refused: an imported node is rebuilt from the ONNX file, not from a config, so nn's
   * `model.save` (which would write a model.json that `loadModel` cannot revive) fails early.
   */
  override getConfig(): Record<string, unknown> {
    throw new UnsupportedError(
      `${this.name}: an imported ONNX node has no nn config; keep the .onnx file and save the weights with getWeights()`,
    );
  }

  override dispose(): void {
    for (const t of this.#constants.values()) t.dispose();
    this.#constants.clear();
    this.#variables.clear();
    super.dispose();
  }
}

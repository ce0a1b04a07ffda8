// What a layer converter gets and gives, the errors that mark a layer as not exportable, and the
// helpers every converter shares: reading a layer's named weights and applying nn's activations
// as ONNX operators (in whichever layout the value already has).

import { type Tensor, UnsupportedError } from '@nabla/core';
import type { Layer } from '@nabla/nn';
import type { GraphBuilder, Value, ValueType } from './graph.js';

/** The ONNX tensors a layer produced: one layout or both (see `Value`), and the element type. */
export interface Produced {
  natural?: string;
  nchw?: string;
  dtype?: ValueType;
}

/** One layer call to convert. */
export interface LayerCall {
  readonly g: GraphBuilder;
  readonly layer: Layer;
  readonly inputs: readonly Value[];
}

/** A converter: adds the nodes of one layer call. */
export type Converter = (call: LayerCall) => Produced;

/**
 * Raised by a converter for a layer (or a setting of it) ONNX export does not cover; the
 * exporter collects these for every layer and reports them together.
 */
export class NotExportable extends UnsupportedError {}

/**
 * The variable of a layer's weight `<layer>/<suffix>`, or null when the layer has none.
 * @example
 * weightOf(layer, 'kernel'); // the Dense kernel
 */
export function weightOf(layer: Layer, suffix: string): Tensor | null {
  const found = layer.namedWeights.find((w) => w.name === `${layer.name}/${suffix}`);
  return found ? found.variable : null;
}

/**
 * Like `weightOf`, for a weight the layer must have.
 * @example
 * const kernel = needWeight(layer, 'kernel'); // throws NotExportable when the layer is not built
 */
export function needWeight(layer: Layer, suffix: string): Tensor {
  const w = weightOf(layer, suffix);
  if (!w) throw new NotExportable(`it has no weight '${suffix}' (is it built?)`);
  return w;
}

/**
 * The tensor an elementwise layer should work on: NCHW when the value has it (so a chain of
 * NCHW ops is not broken by a layer between them), nn's layout otherwise.
 * @example
 * const { name, nchw } = current(x); // then: sameLayout(g.op('Relu', [name]), nchw)
 */
export function current(v: Value): { name: string; nchw: boolean } {
  return v.nchw ? { name: v.nchw, nchw: true } : { name: v.natural!, nchw: false };
}

/**
 * A produced tensor in the given layout.
 * @example
 * sameLayout('relu_1/Relu', true); // { nchw: 'relu_1/Relu' }
 */
export function sameLayout(name: string, nchw: boolean): Produced {
  return nchw ? { nchw: name } : { natural: name };
}

/**
 * Applies an nn activation to `x`; `nchw` says that x is a rank-4 value in NCHW, so softmax (over
 * nn's last axis, the channels) runs over axis 1.
 * @example
 * const y = activate(g, x, 'relu', false); // Relu(x)
 */
export function activate(g: GraphBuilder, x: string, activation: string, nchw: boolean): string {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
    case 'sigmoid':
    case 'tanh':
    case 'selu':
    case 'softplus':
      return g.op(activation[0]!.toUpperCase() + activation.slice(1), [x]);
    case 'elu':
      return g.op('Elu', [x], { alpha: { float: 1 } });
    case 'softsign':
      return g.op('Softsign', [x]);
    case 'hardSigmoid':
      // Keras 2's and TensorFlow.js's slope, as core's hardSigmoid
      return g.op('HardSigmoid', [x], { alpha: { float: 0.2 }, beta: { float: 0.5 } });
    case 'leakyRelu':
      // core's leakyRelu default slope, as TensorFlow.js
      return g.op('LeakyRelu', [x], { alpha: { float: 0.2 } });
    case 'relu6':
      return g.op('Clip', [x, g.floats([0]), g.floats([6])]);
    case 'softmax':
      return g.op('Softmax', [x], { axis: nchw ? 1 : -1 });
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'gelu': {
      // gelu(x) = x · ½ · (1 + erf(x / √2)), in core's order of operations
      const half = g.op('Mul', [x, g.floats([0.5])]);
      const erf = g.op('Erf', [g.op('Mul', [x, g.floats([Math.SQRT1_2])])]);
      return g.op('Mul', [half, g.op('Add', [erf, g.floats([1])])]);
    }
    default:
      throw new NotExportable(`activation '${activation}' has no ONNX form here`);
  }
}

/**
 * Applies an activation to a produced value in the layout it is in.
 * @example
 * activateProduced(g, { nchw: conv }, 'relu'); // { nchw: Relu(conv) }
 */
export function activateProduced(g: GraphBuilder, p: Produced, activation: string | null): Produced {
  if (activation === null || activation === 'linear') return p;
  if (p.natural) return { natural: activate(g, p.natural, activation, false) };
  return { nchw: activate(g, p.nchw!, activation, true) };
}

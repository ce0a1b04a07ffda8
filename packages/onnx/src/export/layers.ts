// Converters of nn's feed-forward layers: dense, activation, dropout, flatten, reshape, the three
// convolutions, pooling, batch and layer normalization, merges and embedding. Convolutions and
// pooling run in NCHW (weights transposed from Keras's layouts once, when the file is written);
// everything elementwise runs in whichever layout its input already has.

import { reshape, rsqrt, tidy, transpose } from '@nabla/core';
import type {
  BatchNormalization,
  Concatenate,
  Conv2D,
  Dense,
  DepthwiseConv2D,
  GlobalAveragePooling2D,
  Layer,
  LayerNormalization,
  MaxPooling2D,
  Reshape,
} from '@nabla/nn';
import {
  activate,
  activateProduced,
  type Converter,
  current,
  NotExportable,
  needWeight,
  sameLayout,
  weightOf,
} from './convert.js';
import { type GraphBuilder, nchwAxis, type Value } from './graph.js';

const dense: Converter = ({ g, layer, inputs }) => {
  const d = layer as Dense;
  const x = g.natural(inputs[0]!);
  const kernel = g.weight(`${d.name}/kernel`, 'kernel', () => needWeight(d, 'kernel'));
  const bias = weightOf(d, 'bias');
  const biasName = bias ? g.weight(`${d.name}/bias`, 'bias', () => bias) : null;
  let y: string;
  if (inputs[0]!.shape.length === 2) {
    y = g.op('Gemm', biasName ? [x, kernel, biasName] : [x, kernel]);
  } else {
    const product = g.op('MatMul', [x, kernel]);
    y = biasName ? g.op('Add', [product, biasName]) : product;
  }
  return { natural: activate(g, y, d.activation, false) };
};

const activationLayer: Converter = ({ g, layer, inputs }) => {
  const { name, nchw } = current(inputs[0]!);
  return sameLayout(activate(g, name, (layer as Layer & { activation: string }).activation, nchw), nchw);
};

// Dropout is the identity at inference; so is an input layer.
const identity: Converter = ({ inputs }) => ({ ...inputs[0]! });

const flatten: Converter = ({ g, inputs }) => ({
  natural: g.op('Flatten', [g.natural(inputs[0]!)], { axis: 1 }),
});

const reshapeLayer: Converter = ({ g, layer, inputs }) => {
  const target = (layer as Reshape).targetShape;
  if (target.includes(0)) throw new NotExportable('a target shape with a 0 axis is not exported');
  // 0 copies the input's (dynamic) batch size.
  return { natural: g.op('Reshape', [g.natural(inputs[0]!), g.int64s([0, ...target])]) };
};

/** Explicit [begin, end] pads of Keras's 'same' along one axis, or null when the size is unknown. */
function samePads(
  length: number | null,
  kernel: number,
  stride: number,
  dilation: number,
): [number, number] | null {
  if (length === null) return null;
  const eff = (kernel - 1) * dilation + 1;
  const out = Math.ceil(length / stride);
  const total = Math.max((out - 1) * stride + eff - length, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** kernel_shape, strides, dilations and pads (or auto_pad) of a window over an NHWC input. */
function windowAttrs(
  shape: Value['shape'],
  window: {
    kernel: readonly number[];
    strides: readonly number[];
    padding: 'valid' | 'same';
    dilations?: readonly number[];
  },
): Record<string, readonly number[] | string> {
  const dilations = window.dilations ?? [1, 1];
  const attrs: Record<string, readonly number[] | string> = {
    kernel_shape: window.kernel,
    strides: window.strides,
  };
  if (window.dilations) attrs.dilations = dilations;
  if (window.padding === 'valid') return { ...attrs, pads: [0, 0, 0, 0] };
  const along = [0, 1].map((i) =>
    samePads(shape[i + 1] ?? null, window.kernel[i]!, window.strides[i]!, dilations[i]!),
  );
  const [h, w] = along;
  // Unknown spatial sizes: ONNX's SAME_UPPER puts the odd pad at the end, as Keras does.
  if (!h || !w) return { ...attrs, auto_pad: 'SAME_UPPER' };
  return { ...attrs, pads: [h[0], w[0], h[1], w[1]] };
}

/** The bias input of a conv, when the layer has one. */
function biasInput(g: GraphBuilder, layer: Layer): string[] {
  const bias = weightOf(layer, 'bias');
  return bias ? [g.weight(`${layer.name}/bias`, 'bias', () => bias)] : [];
}

const conv2d: Converter = ({ g, layer, inputs }) => {
  const c = layer as Conv2D;
  const kernel = needWeight(c, 'kernel');
  // Keras [kh, kw, in, out] → ONNX [out, in, kh, kw]
  const w = g.weight(`${c.name}/kernel`, 'kernel', () => transpose(kernel, [3, 2, 0, 1]));
  const attrs = windowAttrs(inputs[0]!.shape, {
    kernel: c.kernelSize,
    strides: c.strides,
    padding: c.padding,
    dilations: c.dilationRate,
  });
  const y = g.op('Conv', [g.nchw(inputs[0]!), w, ...biasInput(g, c)], attrs);
  return activateProduced(g, { nchw: y }, c.activation);
};

const conv2dTranspose: Converter = ({ g, layer, inputs }) => {
  const c = layer as Conv2D;
  const kernel = needWeight(c, 'kernel');
  // Keras [kh, kw, out, in] → ONNX [in, out, kh, kw]
  const w = g.weight(`${c.name}/kernel`, 'kernel', () => transpose(kernel, [3, 2, 0, 1]));
  const pads: number[] = [];
  const outputPadding: number[] = [];
  for (const i of [0, 1]) {
    const eff = (c.kernelSize[i]! - 1) * c.dilationRate[i]! + 1;
    const s = c.strides[i]!;
    // Output sizes of Keras: 'same' in·s, 'valid' in·s + max(eff − s, 0); ONNX's is
    // s·(in − 1) + eff + output_padding − pads, so the remainder goes to output_padding.
    const total = c.padding === 'same' ? Math.max(eff - s, 0) : 0;
    pads.push(Math.floor(total / 2));
    pads.push(total - Math.floor(total / 2));
    outputPadding.push(c.padding === 'same' ? s - eff + total : Math.max(s - eff, 0));
  }
  const attrs = {
    kernel_shape: c.kernelSize,
    strides: c.strides,
    dilations: c.dilationRate,
    pads: [pads[0]!, pads[2]!, pads[1]!, pads[3]!],
    output_padding: outputPadding,
  };
  const y = g.op('ConvTranspose', [g.nchw(inputs[0]!), w, ...biasInput(g, c)], attrs);
  return activateProduced(g, { nchw: y }, c.activation);
};

const depthwiseConv2d: Converter = ({ g, layer, inputs }) => {
  const c = layer as DepthwiseConv2D;
  const kernel = needWeight(c, 'depthwise_kernel');
  const [kh, kw, channels, multiplier] = kernel.shape as [number, number, number, number];
  // Keras [kh, kw, C, M] → ONNX [C·M, 1, kh, kw] with group C: output channel c·M + m
  const w = g.weight(`${c.name}/depthwise_kernel`, 'kernel', () =>
    tidy(() => reshape(transpose(kernel, [2, 3, 0, 1]), [channels * multiplier, 1, kh, kw])),
  );
  const attrs = windowAttrs(inputs[0]!.shape, {
    kernel: c.kernelSize,
    strides: c.strides,
    padding: c.padding,
    dilations: c.dilationRate,
  });
  const y = g.op('Conv', [g.nchw(inputs[0]!), w, ...biasInput(g, c)], { ...attrs, group: channels });
  return activateProduced(g, { nchw: y }, c.activation);
};

function pooling(op: 'MaxPool' | 'AveragePool'): Converter {
  return ({ g, layer, inputs }) => {
    const p = layer as MaxPooling2D;
    const attrs = windowAttrs(inputs[0]!.shape, {
      kernel: p.poolSize,
      strides: p.strides,
      padding: p.padding,
    });
    // AveragePool's default count_include_pad = 0 averages in-bounds positions only, like nn.
    return { nchw: g.op(op, [g.nchw(inputs[0]!)], attrs) };
  };
}

function globalPooling(op: 'GlobalMaxPool' | 'GlobalAveragePool'): Converter {
  return ({ g, layer, inputs }) => {
    const y = g.op(op, [g.nchw(inputs[0]!)]);
    // [n, c, 1, 1] is NCHW of nn's keepDims shape [n, 1, 1, c]; otherwise drop the 1s.
    if ((layer as GlobalAveragePooling2D).keepDims) return { nchw: y };
    return { natural: g.op('Flatten', [y], { axis: 1 }) };
  };
}

/** A per-channel parameter of a normalization layer, or the constant `fill` when it has none. */
function param(
  g: GraphBuilder,
  layer: Layer,
  suffix: string,
  dims: number[],
  fill: number,
  shape?: number[],
): string {
  const w = weightOf(layer, suffix);
  const size = dims.reduce((a, b) => a * b, 1);
  if (!w) return g.floats(new Array<number>(size).fill(fill), shape ?? dims);
  return g.weight(`${layer.name}/${suffix}${shape ? `:${shape.join(',')}` : ''}`, suffix, () =>
    shape ? reshape(w, shape) : w,
  );
}

const batchNormalization: Converter = ({ g, layer, inputs }) => {
  const bn = layer as BatchNormalization;
  const x = inputs[0]!;
  const rank = x.shape.length;
  const axis = bn.axis < 0 ? bn.axis + rank : bn.axis;
  const channels = x.shape[axis]!;
  const epsilon = { float: bn.epsilon };
  const onnxParams = () =>
    [
      param(g, bn, 'gamma', [channels], 1),
      param(g, bn, 'beta', [channels], 0),
      param(g, bn, 'moving_mean', [channels], 0),
      param(g, bn, 'moving_variance', [channels], 1),
    ] as const;
  if (rank === 4 && axis === 3) {
    return { nchw: g.op('BatchNormalization', [g.nchw(x), ...onnxParams()], { epsilon }) };
  }
  if (axis === 1)
    return { natural: g.op('BatchNormalization', [g.natural(x), ...onnxParams()], { epsilon }) };
  // Any other axis: nn's own formula, (x − mean) · (rsqrt(var + ε) · γ) + β, broadcast.
  const shape = Array.from({ length: rank }, (_, i) => (i === axis ? channels : 1));
  const mean = param(g, bn, 'moving_mean', [channels], 0, shape);
  const variance = needWeight(bn, 'moving_variance');
  const gamma = weightOf(bn, 'gamma');
  const inv = g.weight(`${bn.name}/inverse_std`, 'inverse_std', () =>
    tidy(() => {
      const r = rsqrt(variance.add(bn.epsilon));
      return reshape(gamma ? r.mul(gamma) : r, shape);
    }),
  );
  const y = g.op('Mul', [g.op('Sub', [g.natural(x), mean]), inv]);
  return { natural: weightOf(bn, 'beta') ? g.op('Add', [y, param(g, bn, 'beta', [channels], 0, shape)]) : y };
};

const layerNormalization: Converter = ({ g, layer, inputs }) => {
  const ln = layer as LayerNormalization;
  const x = inputs[0]!;
  const rank = x.shape.length;
  const axes = [...new Set(ln.axis.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (!trailing)
    throw new NotExportable(`axes [${ln.axis.join(',')}] are not the trailing axes ONNX normalizes`);
  const dims = axes.map((a) => x.shape[a]!);
  const inputsList = [g.natural(x), param(g, ln, 'gamma', dims, 1)];
  if (weightOf(ln, 'beta')) inputsList.push(param(g, ln, 'beta', dims, 0));
  const attrs = { axis: axes[0]!, epsilon: { float: ln.epsilon } };
  return { natural: g.op('LayerNormalization', inputsList, attrs) };
};

/** Elementwise merges: in NCHW when every input is a rank-4 value already in NCHW. */
function merge(op: 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min', divide = false): Converter {
  return ({ g, inputs }) => {
    const nchw = inputs.every((v) => v.shape.length === 4 && v.nchw !== undefined);
    const names = inputs.map((v) => (nchw ? g.nchw(v) : g.natural(v)));
    if (names.length === 1) return sameLayout(names[0]!, nchw);
    let y = names.slice(1).reduce((a, b) => g.op(op, [a, b]), names[0]!);
    if (divide) y = g.op('Div', [y, g.floats([names.length])]);
    return sameLayout(y, nchw);
  };
}

const concatenate: Converter = ({ g, layer, inputs }) => {
  const rank = inputs[0]!.shape.length;
  const raw = (layer as Concatenate).axis;
  const axis = raw < 0 ? raw + rank : raw;
  const nchw = rank === 4 && inputs.every((v) => v.nchw !== undefined);
  const names = inputs.map((v) => (nchw ? g.nchw(v) : g.natural(v)));
  return sameLayout(g.op('Concat', names, { axis: nchw ? nchwAxis(axis) : axis }), nchw);
};

const embedding: Converter = ({ g, layer, inputs }) => {
  const table = g.weight(`${layer.name}/embeddings`, 'embeddings', () => needWeight(layer, 'embeddings'));
  const x = inputs[0]!;
  // nn casts float ids to int32 (truncating), as ONNX's Cast does.
  const ids = x.dtype === 'int32' ? g.natural(x) : g.op('Cast', [g.natural(x)], { to: 6 });
  return { natural: g.op('Gather', [table, ids], { axis: 0 }) };
};

/** Converters of the feed-forward layers, by nn class name. */
export const FEED_FORWARD: Readonly<Record<string, Converter>> = {
  InputLayer: identity,
  Dense: dense,
  Activation: activationLayer,
  Dropout: identity,
  Flatten: flatten,
  Reshape: reshapeLayer,
  Conv2D: conv2d,
  Conv2DTranspose: conv2dTranspose,
  DepthwiseConv2D: depthwiseConv2d,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Add: merge('Add'),
  Subtract: merge('Sub'),
  Multiply: merge('Mul'),
  Average: merge('Add', true),
  Maximum: merge('Max'),
  Minimum: merge('Min'),
  Concatenate: concatenate,
  Embedding: embedding,
};

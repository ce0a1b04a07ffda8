// Converters of nn's sequence layers. simpleRNN, lstm and gru become ONNX's RNN, LSTM and GRU
// ops (time-major, so a transpose on each side): Keras gate blocks reordered where ONNX's
// order differs (LSTM i,f,c,o → i,o,f,c), kernels transposed to [1, gates·units, in], and a
// zero recurrent bias except for GRU's reset_after, which is ONNX's linear_before_reset = 1.
// multiHeadAttention becomes its primitive ops: MatMul, Reshape, Transpose, Softmax.

import { concat, reshape, split, type Tensor, tidy, transpose, zeros } from '@nabla/core';
import type { GRU, LSTM, MultiHeadAttention, SimpleRNN } from '@nabla/nn';
import { type Converter, NotExportable, needWeight, weightOf } from './convert.js';
import type { AttrValue, GraphBuilder, Value } from './graph.js';

/**
 * nn activation → ONNX recurrent activation, with its alpha and beta (core's definitions:
 * elu α 1, leakyRelu α 0.2, linear = Affine(1, 0)).
 */
const RNN_ACTIVATIONS: Readonly<Record<string, { op: string; alpha?: number; beta?: number }>> = {
  relu: { op: 'Relu' },
  sigmoid: { op: 'Sigmoid' },
  tanh: { op: 'Tanh' },
  softplus: { op: 'Softplus' },
  softsign: { op: 'Softsign' },
  hardSigmoid: { op: 'HardSigmoid', alpha: 0.2, beta: 0.5 },
  elu: { op: 'Elu', alpha: 1 },
  leakyRelu: { op: 'LeakyRelu', alpha: 0.2 },
  linear: { op: 'Affine', alpha: 1, beta: 0 },
};

/**
 * The activations attributes of a recurrent op. ONNX reads activation_alpha/beta "in the order
 * of the activation functions"; whether a function without the parameter takes a slot is read
 * both ways, so each slot holds the value of the next function that uses it. Both readings
 * then agree, because nn's candidate and output activations (g, h) are the same function.
 */
function rnnActivations(names: readonly string[]): Record<string, AttrValue> {
  const specs = names.map((name) => {
    const found = RNN_ACTIVATIONS[name];
    if (found) return found;
    throw new NotExportable(
      `activation '${name}' inside a recurrent cell has no ONNX form (${Object.keys(RNN_ACTIVATIONS).join(', ')} are exported)`,
    );
  });
  const attrs: Record<string, AttrValue> = { activations: specs.map((a) => a.op) };
  for (const key of ['alpha', 'beta'] as const) {
    if (!specs.some((a) => a[key] !== undefined)) continue;
    const values = specs.map((_, i) => specs.slice(i).find((a) => a[key] !== undefined)?.[key] ?? 0);
    attrs[`activation_${key}`] = { floats: values };
  }
  return attrs;
}

/** Keras's gate blocks along the last axis put in ONNX's order. */
function reorder(w: Tensor, gates: number, order: readonly number[] | null): Tensor {
  if (!order) return w;
  const parts = split(w, gates, w.rank - 1);
  return concat(
    order.map((k) => parts[k]!),
    w.rank - 1,
  );
}

/** Keras `[rows, gates·units]` → ONNX `[1, gates·units, rows]`. */
function gateMatrix(w: Tensor, gates: number, order: readonly number[] | null): Tensor {
  return tidy(() => {
    const [rows, cols] = w.shape as [number, number];
    return reshape(transpose(reorder(w, gates, order), [1, 0]), [1, cols, rows]);
  });
}

/** ONNX's B `[1, 2·gates·units]`: the input bias, then the recurrent one (zero unless GRU's reset_after). */
function gateBias(bias: Tensor, gates: number, order: readonly number[] | null): Tensor {
  return tidy(() => {
    // GRU reset_after keeps [input bias; recurrent bias] as two rows already in ONNX's z, r, h order.
    if (bias.rank === 2) return reshape(bias, [1, bias.size]);
    return reshape(concat([reorder(bias, gates, order), zeros(bias.shape, bias.dtype)], 0), [
      1,
      2 * bias.size,
    ]);
  });
}

function recurrent(kind: 'RNN' | 'LSTM' | 'GRU'): Converter {
  return ({ g, layer, inputs }) => {
    const r = layer as SimpleRNN;
    const gates = { RNN: 1, LSTM: 4, GRU: 3 }[kind];
    const order = kind === 'LSTM' ? [0, 3, 1, 2] : null;
    const gate = kind === 'RNN' ? null : (layer as LSTM | GRU).recurrentActivation;
    // ONNX's activations: f for the gates; g for the candidate; h (LSTM) for the cell output.
    const names =
      gate === null
        ? [r.activation]
        : kind === 'LSTM'
          ? [gate, r.activation, r.activation]
          : [gate, r.activation];
    const kernel = needWeight(r, 'kernel');
    const recurrentKernel = needWeight(r, 'recurrent_kernel');
    const bias = weightOf(r, 'bias');
    const w = g.weight(`${r.name}/kernel:onnx`, 'W', () => gateMatrix(kernel, gates, order));
    const rw = g.weight(`${r.name}/recurrent_kernel:onnx`, 'R', () =>
      gateMatrix(recurrentKernel, gates, order),
    );
    const b = bias ? [g.weight(`${r.name}/bias:onnx`, 'B', () => gateBias(bias, gates, order))] : [];
    let x = g.op('Transpose', [g.natural(inputs[0]!)], { perm: [1, 0, 2] });
    // go_backwards: the steps in reverse order, and the outputs in the order they were made.
    if (r.goBackwards)
      x = g.op('Slice', [x, g.int64s([-1]), g.int64s([-(2n ** 63n)]), g.int64s([0]), g.int64s([-1])]);
    const attrs: Record<string, AttrValue> = { hidden_size: r.units, ...rnnActivations(names) };
    if (kind === 'GRU') attrs.linear_before_reset = (layer as GRU).resetAfter ? 1 : 0;
    const [y, last] = g.node(kind, [x, w, rw, ...b], attrs, 2) as [string, string];
    if (!r.returnSequences) return { natural: g.op('Squeeze', [last, g.int64s([0])]) };
    // Y is [time, directions, batch, units].
    return { natural: g.op('Transpose', [g.op('Squeeze', [y, g.int64s([1])])], { perm: [1, 0, 2] }) };
  };
}

/** One projection of multi-head attention, `[b, t, d]` → heads `[b, heads, t, dim]`. */
function heads(g: GraphBuilder, m: MultiHeadAttention, x: Value, part: string): string {
  const kernel = needWeight(m, `${part}/kernel`);
  const [d, h, dim] = kernel.shape as [number, number, number];
  const w = g.weight(`${m.name}/${part}/kernel`, `${part}_kernel`, () => reshape(kernel, [d, h * dim]));
  let y = g.op('MatMul', [g.natural(x), w]);
  const bias = weightOf(m, `${part}/bias`);
  if (bias)
    y = g.op('Add', [y, g.weight(`${m.name}/${part}/bias`, `${part}_bias`, () => reshape(bias, [h * dim]))]);
  return g.op('Transpose', [g.op('Reshape', [y, g.int64s([0, 0, h, dim])])], { perm: [0, 2, 1, 3] });
}

const multiHeadAttention: Converter = ({ g, layer, inputs }) => {
  const m = layer as MultiHeadAttention;
  const [query, value, key = value] = inputs as [Value, Value, Value?];
  // probs[b, h, i, j] = softmax_j(q_i · k_j / √keyDim), scaled as nn does, on q
  const q = g.op('Mul', [heads(g, m, query, 'query'), g.floats([1 / Math.sqrt(m.keyDim)])]);
  const k = g.op('Transpose', [heads(g, m, key, 'key')], { perm: [0, 1, 3, 2] });
  const v = heads(g, m, value, 'value');
  const probs = g.op('Softmax', [g.op('MatMul', [q, k])], { axis: -1 });
  const joined = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
  const width = m.numHeads * m.valueDim;
  const merged = g.op('Reshape', [joined, g.int64s([0, 0, width])]);
  const kernel = needWeight(m, 'attention_output/kernel');
  const out = kernel.shape[2]!;
  const w = g.weight(`${m.name}/attention_output/kernel`, 'output_kernel', () =>
    reshape(kernel, [width, out]),
  );
  const y = g.op('MatMul', [merged, w]);
  const bias = weightOf(m, 'attention_output/bias');
  return {
    natural: bias
      ? g.op('Add', [y, g.weight(`${m.name}/attention_output/bias`, 'output_bias', () => bias)])
      : y,
  };
};

/** Converters of the sequence layers, by nn class name. */
export const SEQUENCE: Readonly<Record<string, Converter>> = {
  SimpleRNN: recurrent('RNN'),
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  MultiHeadAttention: multiHeadAttention,
};

// ONNX export checked against ONNX Runtime: each test model, built and given random weights with
// fixed seeds, is exported, run in onnxruntime-node at two batch sizes (the batch axis is
// dynamic) and its outputs compared with nn's predict to 1e-5 (abs + rel).

import { memory } from '@nabla/core';
import {
  activation,
  add,
  average,
  averagePooling2d,
  batchNormalization,
  concatenate,
  conv2d,
  conv2dTranspose,
  dense,
  depthwiseConv2d,
  dropout,
  embedding,
  flatten,
  globalAveragePooling2d,
  globalMaxPooling2d,
  gru,
  input,
  layerNormalization,
  lstm,
  maximum,
  maxPooling2d,
  minimum,
  model,
  multiHeadAttention,
  multiply,
  reshape,
  sequential,
  simpleRNN,
  subtract,
} from '@nabla/nn';
import { describe, expect, it } from 'vitest';
import { decodeModelProto, int64 } from '../src/proto.js';
import { expectOrtMatches, ids, normal, randomizeWeights, useCpuBackend } from './export-helpers.js';

useCpuBackend();

/** Operator types of an exported model, in node order. */
function opTypes(bytes: Uint8Array): string[] {
  return (decodeModelProto(bytes).graph?.node ?? []).map((n) => n.opType ?? '');
}

describe('exportOnnx against ONNX Runtime', () => {
  it('MLP (Gemm with relu, tanh and softmax) leaks no tensors', async () => {
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [5] }),
      dense({ units: 6, activation: 'tanh' }),
      dense({ units: 4, activation: 'softmax', useBias: false }),
    ]);
    randomizeWeights(m, 1);
    const before = memory().numTensors;
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [5], 1)]);
    expect(memory().numTensors).toBe(before);
    expect(opTypes(bytes).filter((t) => t === 'Gemm')).toHaveLength(3);
    const graph = decodeModelProto(bytes).graph!;
    expect(graph.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');
    expect(graph.output![0]!.name).toBe(m.layers[2]!.name);
    m.dispose();
  });

  it('CNN: conv, batch norm, conv, pool, dropout, flatten, dense stays NCHW inside', async () => {
    const m = sequential([
      conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 2] }),
      batchNormalization(),
      activation({ activation: 'relu' }),
      conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }),
      maxPooling2d({ poolSize: 2, padding: 'same' }),
      dropout({ rate: 0.3 }),
      flatten(),
      dense({ units: 5, activation: 'softmax' }),
    ]);
    randomizeWeights(m, 2);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [8, 8, 2], 2)]);
    // One transpose in (NHWC → NCHW), one back before flatten (nn flattens NHWC).
    expect(opTypes(bytes).filter((t) => t === 'Transpose')).toHaveLength(2);
    expect(opTypes(bytes)).toContain('BatchNormalization');
    m.dispose();
  });

  it('conv2dTranspose with same and valid padding, strides, dilation', async () => {
    const m = sequential([
      conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', inputShape: [4, 5, 2] }),
      conv2dTranspose({ filters: 2, kernelSize: 2, strides: 3, padding: 'valid', activation: 'elu' }),
      conv2dTranspose({ filters: 2, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }),
      conv2dTranspose({ filters: 1, kernelSize: 3, dilationRate: 2, padding: 'valid' }),
      conv2dTranspose({ filters: 2, kernelSize: 1, strides: 2, padding: 'same' }),
    ]);
    randomizeWeights(m, 3);
    await expectOrtMatches(m, (n) => [normal(n, [4, 5, 2], 3)]);
    m.dispose();
  });

  it('depthwise conv, dilated conv, average and global pooling', async () => {
    const m = sequential([
      depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        padding: 'same',
        strides: 2,
        inputShape: [9, 7, 3],
      }),
      conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'relu6' }),
      depthwiseConv2d({ kernelSize: [2, 3], padding: 'valid', activation: 'sigmoid' }),
      averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      globalAveragePooling2d({ keepDims: true }),
      flatten(),
    ]);
    randomizeWeights(m, 4);
    await expectOrtMatches(m, (n) => [normal(n, [9, 7, 3], 4)]);
    const g = sequential([
      conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2] }),
      globalMaxPooling2d(),
    ]);
    randomizeWeights(g, 5);
    await expectOrtMatches(g, (n) => [normal(n, [5, 5, 2], 5)]);
    m.dispose();
    g.dispose();
  });

  it('unknown spatial sizes (SAME_UPPER pads) and softmax over NCHW channels', async () => {
    const x = input({ shape: [null, null, 2] });
    const a = conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'softmax' }).apply(
      x,
    );
    const b = maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(a);
    const c = depthwiseConv2d({ kernelSize: 2, padding: 'same' }).apply(b);
    const d = activation({ activation: 'softmax' }).apply(c);
    const m = model({ inputs: x, outputs: globalMaxPooling2d().apply(d) });
    randomizeWeights(m, 17);
    // A different image size per run: the exported graph computes its pads at run time.
    await expectOrtMatches(m, (n) => [normal(n, [5 + n, 9 - n, 2], 19)]);
    m.dispose();
  });

  it('functional residual network with add and concatenate and two outputs', async () => {
    const x = input({ shape: [6, 6, 3], name: 'image' });
    const a = conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x);
    const b = batchNormalization().apply(a);
    const c = activation({ activation: 'relu' }).apply(b);
    const d = conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(c);
    const skip = conv2d({ filters: 4, kernelSize: 1 }).apply(x);
    const sum = add().apply([d, skip]);
    const joined = concatenate().apply([sum, c]);
    const pooled = globalAveragePooling2d().apply(joined);
    const probs = dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(pooled);
    const features = dense({ units: 2, name: 'features' }).apply(flatten().apply(sum));
    const m = model({ inputs: x, outputs: [probs, features] });
    randomizeWeights(m, 6);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [6, 6, 3], 6)]);
    const graph = decodeModelProto(bytes).graph!;
    expect(graph.input!.map((i) => i.name)).toEqual(['image']);
    expect(graph.output!.map((o) => o.name)).toEqual(['probs', 'features']);
    m.dispose();
  });

  it('every merge over two inputs, on 2-D and NCHW 4-D values', async () => {
    const p = input({ shape: [4] });
    const q = input({ shape: [4] });
    const outs = [subtract(), multiply(), average(), maximum(), minimum(), add()].map((layer) =>
      layer.apply([dense({ units: 3 }).apply(p), dense({ units: 3 }).apply(q)]),
    );
    const m = model({ inputs: [p, q], outputs: [concatenate({ axis: 1 }).apply(outs)] });
    randomizeWeights(m, 7);
    await expectOrtMatches(m, (n) => [normal(n, [4], 7), normal(n, [4], 8)]);
    const img = input({ shape: [4, 4, 2] });
    const u = conv2d({ filters: 2, kernelSize: 1 }).apply(img);
    const v = conv2d({ filters: 2, kernelSize: 1 }).apply(img);
    const merged = [subtract(), multiply(), average(), maximum(), minimum()].map((l) => l.apply([u, v]));
    const n4 = model({ inputs: img, outputs: concatenate({ axis: 2 }).apply(merged) });
    randomizeWeights(n4, 8);
    await expectOrtMatches(n4, (n) => [normal(n, [4, 4, 2], 9)]);
    m.dispose();
    n4.dispose();
  });

  it('embedding and LSTMs (int32 ids, returnSequences, goBackwards)', async () => {
    const tokens = input({ shape: [5], dtype: 'int32', name: 'tokens' });
    const e = embedding({ inputDim: 11, outputDim: 4 }).apply(tokens);
    const s = lstm({ units: 3, returnSequences: true }).apply(e);
    const h = lstm({ units: 2, goBackwards: true, unitForgetBias: false }).apply(s);
    const m = model({ inputs: tokens, outputs: dense({ units: 2 }).apply(h) });
    randomizeWeights(m, 9);
    await expectOrtMatches(m, (n) => [ids(n, [5], 11, 10)]);
    m.dispose();
  });

  it('embedding from float ids in a sequential model, then an LSTM with relu', async () => {
    const m = sequential([
      embedding({ inputDim: 7, outputDim: 3, inputShape: [4] }),
      lstm({ units: 2, activation: 'relu', returnSequences: true, goBackwards: true }),
    ]);
    randomizeWeights(m, 10);
    await expectOrtMatches(m, (n) => [ids(n, [4], 7, 11).cast('float32')]);
    m.dispose();
  });

  it('GRU with reset_after true and false, and backwards', async () => {
    const m = sequential([
      gru({ units: 3, returnSequences: true, inputShape: [4, 2] }),
      gru({ units: 3, resetAfter: false, returnSequences: true, goBackwards: true }),
      gru({ units: 2, useBias: false }),
    ]);
    randomizeWeights(m, 11);
    await expectOrtMatches(m, (n) => [normal(n, [4, 2], 12)]);
    m.dispose();
  });

  it('recurrent cells with elu, leakyRelu, softplus and linear activations', async () => {
    const m = sequential([
      lstm({
        units: 3,
        activation: 'elu',
        recurrentActivation: 'leakyRelu',
        returnSequences: true,
        inputShape: [4, 2],
      }),
      gru({ units: 3, activation: 'softplus', recurrentActivation: 'sigmoid', returnSequences: true }),
      gru({ units: 2, activation: 'linear', recurrentActivation: 'elu', returnSequences: true }),
      simpleRNN({ units: 2, activation: 'leakyRelu', returnSequences: true }),
      simpleRNN({ units: 2, activation: 'linear' }),
    ]);
    randomizeWeights(m, 18);
    await expectOrtMatches(m, (n) => [normal(n, [4, 2], 20)]);
    m.dispose();
  });

  it('softsign and hardSigmoid, as layers and as an LSTM/GRU gate (TensorFlow.js defaults)', async () => {
    const m = sequential([
      dense({ units: 4, activation: 'softsign', inputShape: [4, 2] }),
      lstm({ units: 3, recurrentActivation: 'hardSigmoid', returnSequences: true }),
      gru({ units: 2, recurrentActivation: 'hardSigmoid', activation: 'softsign', returnSequences: true }),
      dense({ units: 2, activation: 'hardSigmoid' }),
    ]);
    randomizeWeights(m, 19);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [4, 2], 21)]);
    expect(opTypes(bytes)).toEqual(expect.arrayContaining(['Softsign', 'HardSigmoid', 'LSTM', 'GRU']));
    m.dispose();
  });

  it('simpleRNN with tanh and relu', async () => {
    const m = sequential([
      simpleRNN({ units: 3, returnSequences: true, inputShape: [5, 2] }),
      simpleRNN({ units: 2, activation: 'relu' }),
    ]);
    randomizeWeights(m, 12);
    await expectOrtMatches(m, (n) => [normal(n, [5, 2], 13)]);
    m.dispose();
  });

  it('layer normalization, gelu and every activation on rank-3 values (MatMul)', async () => {
    const names = [
      'gelu',
      'elu',
      'selu',
      'softplus',
      'leakyRelu',
      'silu',
      'swish',
      'relu6',
      'sigmoid',
      'linear',
    ];
    const m = sequential([
      dense({ units: 6, inputShape: [3, 4] }),
      layerNormalization(),
      ...names.flatMap((a) => [dense({ units: 6 }), activation({ activation: a })]),
      layerNormalization({ axis: [-2, -1], center: false }),
      batchNormalization(),
      dense({ units: 3, activation: 'softmax' }),
      reshape({ targetShape: [-1] }),
      batchNormalization(),
    ]);
    randomizeWeights(m, 13);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [3, 4], 14)]);
    expect(opTypes(bytes)).toContain('LayerNormalization');
    expect(opTypes(bytes)).toContain('Erf');
    m.dispose();
  });

  it('multi-head attention as MatMul, Softmax, Reshape and Transpose', async () => {
    const q = input({ shape: [3, 4] });
    const v = input({ shape: [5, 6] });
    const self = multiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([q, q]);
    const cross = multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 5 }).apply([
      self,
      v,
      v,
    ]);
    const m = model({ inputs: [q, v], outputs: layerNormalization().apply(cross) });
    randomizeWeights(m, 14);
    await expectOrtMatches(m, (n) => [normal(n, [3, 4], 15), normal(n, [5, 6], 16)]);
    m.dispose();
  });

  it('a nested sequential model inside a functional one, and a shared layer stored once', async () => {
    const inner = sequential([dense({ units: 4, activation: 'relu', inputShape: [3] }), dense({ units: 3 })]);
    const shared = dense({ units: 3, name: 'shared' });
    const x = input({ shape: [3] });
    const y = shared.apply(add().apply([inner.apply(x), shared.apply(x)]));
    const m = model({ inputs: x, outputs: y });
    randomizeWeights(m, 15);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [3], 17)]);
    const initializers = decodeModelProto(bytes).graph!.initializer!.map((t) => t.name);
    expect(initializers.filter((name) => name?.startsWith('shared/'))).toHaveLength(2);
    m.dispose();
  });

  it('opset 21 and a fixed batch size', async () => {
    const m = sequential([
      conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }),
      flatten(),
      dense({ units: 2 }),
    ]);
    randomizeWeights(m, 16);
    const { bytes } = await expectOrtMatches(m, (n) => [normal(n, [5, 5, 1], 18)], {
      batches: [4],
      export: { opset: 21, batchDimension: 4, producerName: 'test', docString: 'doc' },
    });
    const proto = decodeModelProto(bytes);
    expect(int64(proto.opsetImport?.[0]?.version)).toBe(21);
    expect(proto.producerName).toBe('test');
    expect(proto.docString).toBe('doc');
    expect(int64(proto.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimValue)).toBe(4);
    m.dispose();
  });
});

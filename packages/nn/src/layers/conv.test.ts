// Convolution layers: output shapes (symbolic and real), values against the core ops with the
// same weights, Keras transposed-conv sizes, config round trips, input errors, and gradients
// with respect to the input and the kernel against central finite differences in float64.

import {
  conv2d as conv2dOp,
  depthwiseConv2d as depthwiseConv2dOp,
  memory,
  randomNormal,
  relu,
  tensor,
  tidy,
} from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { conv2d, conv2dTranspose, depthwiseConv2d } from './conv.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

describe('conv2d', () => {
  it('matches core conv2d plus bias and activation, with the Keras output shape', async () => {
    const before = memory().numTensors;
    const layer = conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' });
    const x = randomNormal([2, 7, 7, 3], { seed: 1 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 4, 4, 4]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[3, 3, 3, 4], [4]]);
    expect(layer.namedWeights.map((w) => w.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    const bias = tensor([0.1, -0.2, 0.3, 0]);
    layer.setWeights([layer.weights[0]!, bias]);
    const y2 = layer.apply(x);
    const ref = tidy(() => relu(conv2dOp(x, layer.weights[0]!, { strides: 2, padding: 'same' }).add(bias)));
    await expectClose(y2, ref);
    for (const t of [x, y, y2, ref, bias]) t.dispose();
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('computes symbolic output shapes with a null batch', () => {
    const layer = conv2d({ filters: 8, kernelSize: [3, 5], dilationRate: 2 });
    expect(layer.computeOutputShape([null, 28, 28, 1])).toEqual([null, 24, 20, 8]);
    const s = layer.apply(new SymbolicTensor([null, 28, 28, 1], 'float32', null, []));
    expect(s.shape).toEqual([null, 24, 20, 8]);
    expect(
      conv2d({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }).computeOutputShape([null, 7, 8, 1]),
    ).toEqual([null, 4, 4, 2]);
    layer.dispose();
  });

  it('names the layer, axis and shape in input errors', () => {
    const layer = conv2d({ filters: 2, kernelSize: 3, name: 'conv2d_test' });
    const x = randomNormal([1, 5, 5, 3]);
    layer.apply(x).dispose();
    const wrong = randomNormal([1, 5, 5, 2]);
    expect(() => layer.apply(wrong)).toThrow(
      'conv2d_test: expected input axis -1 to be 3, got shape [1,5,5,2]',
    );
    expect(() => layer.computeOutputShape([null, 5, 3])).toThrow(
      'conv2d_test: expected input of rank 4 (NHWC), got shape [None,5,3]',
    );
    expect(() => conv2d({ filters: 0, kernelSize: 3 })).toThrow('expected filters to be a positive integer');
    x.dispose();
    wrong.dispose();
    layer.dispose();
  });

  it('round-trips through getConfig and layerFromConfig', async () => {
    const layer = conv2d({
      filters: 3,
      kernelSize: 2,
      strides: [1, 2],
      padding: 'same',
      activation: 'tanh',
      kernelInitializer: 'heNormal',
      kernelRegularizer: 'l2',
      useBias: false,
    });
    const x = randomNormal([1, 4, 5, 2], { seed: 3 });
    const y = layer.apply(x);
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    const copy = layerFromConfig({ className: 'Conv2D', config });
    expect(copy.getConfig()).toEqual(config);
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply(x);
    await expectClose(y2, y);
    expect(copy.regularizationLoss()).not.toBeNull();
    for (const t of [x, y, y2, ...ws]) t.dispose();
    layer.dispose();
    copy.dispose();
  });

  it('has input and kernel gradients matching finite differences', async () => {
    const layer = conv2d({
      filters: 2,
      kernelSize: 2,
      strides: 2,
      padding: 'same',
      activation: 'tanh',
      dtype: 'float64',
    });
    const x = randomNormal([1, 3, 3, 2], { seed: 4, dtype: 'float64' });
    await checkGradients((t) => layer.apply(t), x, layer.weights[0]!);
    x.dispose();
    layer.dispose();
  });
});

describe('conv2dTranspose', () => {
  it('follows the Keras output-size rules', () => {
    const same = conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' });
    expect(same.computeOutputShape([null, 7, 7, 8])).toEqual([null, 14, 14, 3]);
    const valid = conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2 });
    expect(valid.computeOutputShape([null, 7, 5, 8])).toEqual([null, 15, 11, 3]);
    const small = conv2dTranspose({ filters: 1, kernelSize: 1, strides: 3 });
    expect(small.computeOutputShape([null, 2, 2, 1])).toEqual([null, 6, 6, 1]);
  });

  it('produces those shapes on real tensors and undoes a conv2d shape', async () => {
    for (const [padding, k, s, h] of [
      ['same', 3, 2, 4],
      ['valid', 3, 2, 4],
      ['valid', 1, 3, 2],
      ['valid', 2, 1, 3],
    ] as const) {
      const layer = conv2dTranspose({ filters: 2, kernelSize: k, strides: s, padding });
      const x = randomNormal([2, h, h, 3], { seed: 5 });
      const y = layer.apply(x);
      expect(y.shape).toEqual(layer.computeOutputShape([null, h, h, 3]).map((d) => d ?? 2));
      expect(layer.weights[0]!.shape).toEqual([k, k, 2, 3]);
      x.dispose();
      y.dispose();
      layer.dispose();
    }
  });

  it('is the adjoint of conv2d with the same kernel (valid, stride 1)', async () => {
    // <convT(x), u> = <x, conv(u)> when convT maps [1,3,3,2] to [1,4,4,1] with kernel [2,2,1,2]
    const layer = conv2dTranspose({ filters: 1, kernelSize: 2, useBias: false });
    const x = randomNormal([1, 3, 3, 2], { seed: 6 });
    const y = layer.apply(x);
    const u = randomNormal([1, 4, 4, 1], { seed: 7 });
    const lhs = tidy(() => y.mul(u).sum());
    const rhs = tidy(() => x.mul(conv2dOp(u, layer.weights[0]!)).sum());
    await expectClose(lhs, rhs, 1e-4);
    for (const t of [x, y, u, lhs, rhs]) t.dispose();
    layer.dispose();
  });

  it('round-trips and has gradients matching finite differences', async () => {
    const layer = conv2dTranspose({
      filters: 2,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      dtype: 'float64',
    });
    const x = randomNormal([1, 2, 2, 2], { seed: 8, dtype: 'float64' });
    const y = layer.apply(x);
    const copy = layerFromConfig({ className: layer.className, config: layer.getConfig() });
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply(x);
    await expectClose(y2, y);
    await checkGradients((t) => layer.apply(t), x, layer.weights[0]!);
    for (const t of [x, y, y2, ...ws]) t.dispose();
    layer.dispose();
    copy.dispose();
  });
});

describe('depthwiseConv2d', () => {
  it('matches core depthwiseConv2d plus bias', async () => {
    const layer = depthwiseConv2d({
      kernelSize: 3,
      depthMultiplier: 2,
      padding: 'same',
      biasInitializer: 'ones',
    });
    const x = randomNormal([1, 4, 4, 3], { seed: 9 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 4, 4, 6]);
    expect(layer.computeOutputShape([null, 4, 4, 3])).toEqual([null, 4, 4, 6]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[3, 3, 3, 2], [6]]);
    const ref = tidy(() => depthwiseConv2dOp(x, layer.weights[0]!, { padding: 'same' }).add(1));
    await expectClose(y, ref);
    for (const t of [x, y, ref]) t.dispose();
    layer.dispose();
  });

  it('round-trips and has gradients matching finite differences', async () => {
    const layer = depthwiseConv2d({
      kernelSize: 2,
      depthMultiplier: 2,
      activation: 'sigmoid',
      dtype: 'float64',
    });
    const x = randomNormal([1, 3, 3, 2], { seed: 10, dtype: 'float64' });
    const y = layer.apply(x);
    const copy = layerFromConfig({ className: layer.className, config: layer.getConfig() });
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply(x);
    await expectClose(y2, y);
    await checkGradients((t) => layer.apply(t), x, layer.weights[0]!);
    for (const t of [x, y, y2, ...ws]) t.dispose();
    layer.dispose();
    copy.dispose();
  });
});

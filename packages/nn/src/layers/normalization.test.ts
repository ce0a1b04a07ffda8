// Normalization layers: batch norm in training (batch statistics, the moving-statistics
// update) and inference (moving statistics) against JS references, layer norm per sample,
// shapes, config round trips, input errors, leaks, and gradients against finite differences.

import { memory, randomNormal, tensor, tidy } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { batchNormalization, layerNormalization } from './normalization.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

/** Column means and biased variances of a row-major [n, c] array. */
function columnStats(
  values: ArrayLike<number>,
  n: number,
  c: number,
): { mean: number[]; variance: number[] } {
  const mean = Array.from({ length: c }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i * c + j]!;
    return s / n;
  });
  const variance = mean.map((m, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (values[i * c + j]! - m) ** 2;
    return s / n;
  });
  return { mean, variance };
}

describe('batchNormalization', () => {
  it('normalizes with batch statistics in training and updates the moving statistics', async () => {
    const layer = batchNormalization({ momentum: 0.9, epsilon: 1e-3 });
    const x = randomNormal([6, 3], { seed: 1, mean: 2, stddev: 3 });
    const xs = await x.data();
    const { mean, variance } = columnStats(xs, 6, 3);
    const before = memory().numTensors;
    const y = layer.apply(x, { training: true });
    expect(memory().numTensors).toBe(before + 1 + 4); // y, plus the four weights made at build
    const expected = Array.from(xs, (v, i) => (v - mean[i % 3]!) / Math.sqrt(variance[i % 3]! + 1e-3));
    await expectClose(y, tensor(expected, [6, 3]), 1e-4);
    expect(layer.namedWeights.map((w) => w.name.split('/')[1])).toEqual([
      'gamma',
      'beta',
      'moving_mean',
      'moving_variance',
    ]);
    expect(layer.trainableWeights.length).toBe(2);
    expect(layer.nonTrainableWeights.length).toBe(2);
    const [, , mm, mv] = layer.weights;
    await expectClose(mm!, tensor(mean.map((m) => 0.1 * m)), 1e-5);
    await expectClose(mv!, tensor(variance.map((v) => 0.9 + 0.1 * v)), 1e-5);
    x.dispose();
    y.dispose();
  });

  it('uses the moving statistics, gamma and beta in inference', async () => {
    const layer = batchNormalization({ epsilon: 0.01 });
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    layer.apply(x).dispose();
    const ws = [tensor([2, 3]), tensor([0.5, -1]), tensor([1, 2]), tensor([4, 0.25])];
    layer.setWeights(ws);
    const y = layer.apply(x);
    const ref = [
      [((1 - 1) / Math.sqrt(4.01)) * 2 + 0.5, ((2 - 2) / Math.sqrt(0.26)) * 3 - 1],
      [((3 - 1) / Math.sqrt(4.01)) * 2 + 0.5, ((4 - 2) / Math.sqrt(0.26)) * 3 - 1],
    ];
    await expectClose(y, tensor(ref));
    // A frozen layer runs in inference mode even when training, and leaves the moving stats.
    layer.trainable = false;
    const yFrozen = layer.apply(x, { training: true });
    await expectClose(yFrozen, tensor(ref));
    await expectClose(layer.weights[2]!, tensor([1, 2]));
    for (const t of [x, y, yFrozen, ...ws]) t.dispose();
  });

  it('normalizes over every axis but `axis` (channels first)', async () => {
    const layer = batchNormalization({ axis: 1, center: false, scale: false, momentum: 0 });
    const x = randomNormal([2, 3, 2, 2], { seed: 2 });
    const y = layer.apply(x, { training: true });
    expect(layer.weights.map((w) => w.shape)).toEqual([[3], [3]]);
    const ref = tidy(() => {
      const m = x.mean({ axis: [0, 2, 3], keepDims: true });
      const v = x
        .sub(m)
        .square()
        .mean({ axis: [0, 2, 3], keepDims: true });
      return x.sub(m).div(v.add(1e-3).sqrt());
    });
    await expectClose(y, ref, 1e-4);
    // momentum 0: the moving variance is the batch variance
    const v = tidy(() => x.variance({ axis: [0, 2, 3] }));
    await expectClose(layer.weights[1]!, v);
    for (const t of [x, y, ref, v]) t.dispose();
  });

  it('keeps shapes, checks inputs by axis and round-trips its config', async () => {
    const layer = batchNormalization({ name: 'bn_test', momentum: 0.5, gammaInitializer: 'randomNormal' });
    const s = layer.apply(new SymbolicTensor([null, 4, 4, 3], 'float32', null, []));
    expect(s.shape).toEqual([null, 4, 4, 3]);
    expect(() => layer.computeOutputShape([null, 4, 4, 2])).toThrow(
      'bn_test: expected input axis -1 to be 3, got shape [None,4,4,2]',
    );
    expect(() => layer.computeOutputShape([null, 3])).toThrow(
      'bn_test: expected input of rank 4, got shape [None,3]',
    );
    expect(() => batchNormalization({ name: 'bn_b' }).computeOutputShape([null, null])).not.toThrow();
    expect(() =>
      batchNormalization({ name: 'bn_c' }).apply(new SymbolicTensor([null, null], 'float32', null, [])),
    ).toThrow('bn_c: expected input axis -1 to be known, got shape [None,None]');
    const x = randomNormal([2, 4, 4, 3], { seed: 3 });
    layer.apply(x, { training: true }).dispose();
    const copy = layerFromConfig({
      className: 'BatchNormalization',
      config: JSON.parse(JSON.stringify(layer.getConfig())),
    });
    expect(copy.getConfig()).toEqual(layer.getConfig());
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const [y, y2] = [layer.apply(x), copy.apply(x)];
    await expectClose(y2, y);
    for (const t of [x, y, y2, ...ws]) t.dispose();
  });

  it('frees everything it makes in training and inference', () => {
    const layer = batchNormalization();
    const x = randomNormal([4, 2, 2, 3]);
    layer.apply(x).dispose(); // build
    const before = memory().numTensors;
    layer.apply(x, { training: true }).dispose();
    layer.apply(x).dispose();
    expect(memory().numTensors).toBe(before);
    layer.dispose();
    x.dispose();
    expect(memory().numTensors).toBe(before - 4 - 1);
  });

  it('has input and gamma gradients in training matching finite differences', async () => {
    const layer = batchNormalization({ dtype: 'float64', gammaInitializer: 'randomNormal' });
    const x = randomNormal([4, 3], { seed: 4, dtype: 'float64' });
    layer.apply(x).dispose();
    await checkGradients((t) => layer.apply(t, { training: true }), x, layer.weights[0]!);
    await checkGradients((t) => layer.apply(t), x, layer.weights[1]!);
    x.dispose();
    layer.dispose();
  });
});

describe('layerNormalization', () => {
  it('normalizes each sample over the last axis', async () => {
    const layer = layerNormalization({ epsilon: 1e-5 });
    const x = randomNormal([2, 3, 4], { seed: 5, mean: 1, stddev: 2 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[4], [4]]);
    const xs = await x.data();
    const expected: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = Array.from(xs.slice(r * 4, r * 4 + 4));
      const m = row.reduce((a, b) => a + b, 0) / 4;
      const v = row.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
      expected.push(...row.map((e) => (e - m) / Math.sqrt(v + 1e-5)));
    }
    await expectClose(y, tensor(expected, [2, 3, 4]), 1e-4);
    x.dispose();
    y.dispose();
  });

  it('normalizes over several axes with gamma and beta of their shape', async () => {
    const layer = layerNormalization({ axis: [-2, -1], betaInitializer: 'ones' });
    const x = randomNormal([2, 3, 4], { seed: 6 });
    const y = layer.apply(x);
    expect(layer.weights.map((w) => w.shape)).toEqual([
      [3, 4],
      [3, 4],
    ]);
    const ref = tidy(() => {
      const m = x.mean({ axis: [1, 2], keepDims: true });
      const v = x
        .sub(m)
        .square()
        .mean({ axis: [1, 2], keepDims: true });
      return x.sub(m).div(v.add(1e-3).sqrt()).add(1);
    });
    await expectClose(y, ref, 1e-4);
    for (const t of [x, y, ref]) t.dispose();
  });

  it('checks inputs by axis and round-trips its config', async () => {
    const layer = layerNormalization({ name: 'ln_test', axis: -1, gammaInitializer: 'randomNormal' });
    const s = layer.apply(new SymbolicTensor([null, 5, 8], 'float32', null, []));
    expect(s.shape).toEqual([null, 5, 8]);
    expect(() => layer.computeOutputShape([null, 5, 7])).toThrow(
      'ln_test: expected input axis -1 to be 8, got shape [None,5,7]',
    );
    expect(() => layerNormalization({ axis: 0, name: 'ln_b' }).apply(s)).toThrow(
      'ln_b: cannot normalize over the batch axis 0',
    );
    const x = randomNormal([2, 5, 8], { seed: 7 });
    const copy = layerFromConfig({ className: 'LayerNormalization', config: layer.getConfig() });
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const [y, y2] = [layer.apply(x), copy.apply(x)];
    await expectClose(y2, y);
    for (const t of [x, y, y2, ...ws]) t.dispose();
  });

  it('has input and gamma gradients matching finite differences', async () => {
    const layer = layerNormalization({ dtype: 'float64', gammaInitializer: 'randomNormal' });
    const x = randomNormal([2, 5], { seed: 8, dtype: 'float64' });
    layer.apply(x).dispose();
    await checkGradients((t) => layer.apply(t), x, layer.weights[0]!);
    x.dispose();
    layer.dispose();
  });
});

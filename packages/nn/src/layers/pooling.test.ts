// Pooling layers: window results on a hand-checked input, output shapes (symbolic and real),
// config round trips, input errors, and input gradients against finite differences.

import { memory, randomNormal, tensor, tidy } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { averagePooling2d, globalAveragePooling2d, globalMaxPooling2d, maxPooling2d } from './pooling.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

// A 1x4x4x1 input with values 0..15 row-major.
const grid = () =>
  tensor(
    Array.from({ length: 16 }, (_, i) => i),
    [1, 4, 4, 1],
  );

describe('maxPooling2d', () => {
  it('takes window maxima with strides defaulting to poolSize', async () => {
    const before = memory().numTensors;
    const layer = maxPooling2d();
    const x = grid();
    const y = layer.apply(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await y.data())).toEqual([5, 7, 13, 15]);
    x.dispose();
    y.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it("computes 'same' and 'valid' shapes, symbolic and real", () => {
    const layer = maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' });
    expect(layer.computeOutputShape([null, 7, 8, 5])).toEqual([null, 4, 4, 5]);
    expect(maxPooling2d({ poolSize: [3, 2], strides: 1 }).computeOutputShape([null, 7, 8, 5])).toEqual([
      null,
      5,
      7,
      5,
    ]);
    const s = layer.apply(new SymbolicTensor([null, 7, 8, 5], 'float32', null, []));
    expect(s.shape).toEqual([null, 4, 4, 5]);
    const x = randomNormal([2, 7, 8, 5]);
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 4, 4, 5]);
    x.dispose();
    y.dispose();
  });

  it('names the layer and the shape in input errors', () => {
    const layer = maxPooling2d({ name: 'pool_test', poolSize: 3 });
    expect(() => layer.computeOutputShape([null, 5, 5])).toThrow(
      'pool_test: expected input of rank 4 (NHWC), got shape [None,5,5]',
    );
    expect(() => layer.computeOutputShape([null, 2, 5, 1])).toThrow(
      'pool_test: the pool window 3x3 is larger than the input',
    );
    expect(() => maxPooling2d({ poolSize: 0 })).toThrow('expected poolSize to be a positive integer');
  });

  it('round-trips through its config and has input gradients matching finite differences', async () => {
    const layer = maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' });
    const copy = layerFromConfig({
      className: 'MaxPooling2D',
      config: JSON.parse(JSON.stringify(layer.getConfig())),
    });
    expect(copy.getConfig()).toEqual({ ...layer.getConfig(), name: copy.name });
    const x = randomNormal([1, 3, 3, 2], { seed: 1, dtype: 'float64' });
    const [y, y2] = [layer.apply(x), copy.apply(x)];
    await expectClose(y2, y);
    await checkGradients((t) => layer.apply(t), x, null);
    for (const t of [x, y, y2]) t.dispose();
  });
});

describe('averagePooling2d', () => {
  it('averages windows, only over in-bounds positions with same padding', async () => {
    const x = grid();
    const y = averagePooling2d().apply(x);
    expect(Array.from(await y.data())).toEqual([2.5, 4.5, 10.5, 12.5]);
    const same = averagePooling2d({ poolSize: 3, strides: 3, padding: 'same' }).apply(x);
    // out = ceil(4/3) = 2, total padding 2 → one row/column each side: windows cover rows
    // {0,1} and {2,3}; dividing by 4 in-bounds values, not 9, gives the 2x2 means again.
    expect(same.shape).toEqual([1, 2, 2, 1]);
    expect(Array.from(await same.data())).toEqual([2.5, 4.5, 10.5, 12.5]);
    for (const t of [x, y, same]) t.dispose();
  });

  it('round-trips and has input gradients matching finite differences', async () => {
    const layer = averagePooling2d({ poolSize: [2, 3], strides: [1, 2] });
    const copy = layerFromConfig({ className: 'AveragePooling2D', config: layer.getConfig() });
    const x = randomNormal([2, 3, 5, 2], { seed: 2, dtype: 'float64' });
    const [y, y2] = [layer.apply(x), copy.apply(x)];
    expect(y.shape).toEqual([2, 2, 2, 2]);
    await expectClose(y2, y);
    await checkGradients((t) => layer.apply(t), x, null);
    for (const t of [x, y, y2]) t.dispose();
  });
});

describe('global pooling', () => {
  it('globalAveragePooling2d means over height and width', async () => {
    const x = randomNormal([2, 3, 4, 5], { seed: 3 });
    const layer = globalAveragePooling2d();
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 5]);
    expect(layer.computeOutputShape([null, 3, 4, 5])).toEqual([null, 5]);
    const ref = tidy(() => x.sum({ axis: [1, 2] }).div(12));
    await expectClose(y, ref);
    const kept = globalAveragePooling2d({ keepDims: true });
    expect(kept.computeOutputShape([null, 3, 4, 5])).toEqual([null, 1, 1, 5]);
    const yk = kept.apply(x);
    expect(yk.shape).toEqual([2, 1, 1, 5]);
    const copy = layerFromConfig({ className: 'GlobalAveragePooling2D', config: kept.getConfig() });
    expect(copy.computeOutputShape([null, 3, 4, 5])).toEqual([null, 1, 1, 5]);
    expect(() => layer.computeOutputShape([null, 5])).toThrow(
      `${layer.name}: expected input of rank 4 (NHWC), got shape [None,5]`,
    );
    for (const t of [x, y, ref, yk]) t.dispose();
  });

  it('globalMaxPooling2d takes maxima over height and width', async () => {
    const x = grid();
    const y = globalMaxPooling2d().apply(x);
    expect(y.shape).toEqual([1, 1]);
    expect(Array.from(await y.data())).toEqual([15]);
    const copy = layerFromConfig({
      className: 'GlobalMaxPooling2D',
      config: globalMaxPooling2d({ keepDims: true }).getConfig(),
    });
    expect(copy.computeOutputShape([null, 4, 4, 3])).toEqual([null, 1, 1, 3]);
    x.dispose();
    y.dispose();
  });

  it('have input gradients matching finite differences', async () => {
    const x = randomNormal([2, 2, 3, 2], { seed: 4, dtype: 'float64' });
    const avg = globalAveragePooling2d();
    const mx = globalMaxPooling2d();
    await checkGradients((t) => avg.apply(t), x, null);
    await checkGradients((t) => mx.apply(t), x, null);
    x.dispose();
  });
});

// Merge layers: values of each elementwise merge and of concatenate, broadcasting, symbolic
// shapes from lists of SymbolicTensors, errors naming the layer and the axis, config round
// trips, and gradients with respect to one input against finite differences.

import { memory, randomNormal, type Tensor, tensor } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { add, average, concatenate, maximum, minimum, multiply, subtract } from './merge.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

const input = (shape: (number | null)[]) => new SymbolicTensor(shape, 'float32', null, []);

describe('elementwise merges', () => {
  it('compute sums, differences, products, means, maxima and minima', async () => {
    const before = memory().numTensors;
    const a = tensor([[1, -2, 3]]);
    const b = tensor([[4, 5, -6]]);
    const c = tensor([[0, 1, 2]]);
    const cases: [Tensor, number[]][] = [
      [add().apply([a, b, c]) as Tensor, [5, 4, -1]],
      [subtract().apply([a, b]) as Tensor, [-3, -7, 9]],
      [multiply().apply([a, b]) as Tensor, [4, -10, -18]],
      [average().apply([a, b, c]) as Tensor, [5 / 3, 4 / 3, -1 / 3]],
      [maximum().apply([a, b]) as Tensor, [4, 5, 3]],
      [minimum().apply([a, b]) as Tensor, [1, -2, -6]],
    ];
    for (const [y, expected] of cases) {
      const ref = tensor([expected]);
      await expectClose(y, ref);
      ref.dispose();
    }
    // One input gives a copy, never the input itself.
    const one = add().apply([a]) as Tensor;
    expect(one).not.toBe(a);
    one.dispose();
    for (const [y] of cases) y.dispose();
    for (const t of [a, b, c]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('broadcast shapes like Keras, symbolic and real', async () => {
    const layer = add();
    expect(
      layer.computeOutputShape([
        [null, 4, 3],
        [null, 1, 3],
      ]),
    ).toEqual([null, 4, 3]);
    expect(layer.computeOutputShape([[null, 4, 3], [3]])).toEqual([null, 4, 3]);
    const s = layer.apply([input([null, 8]), input([null, 8])]);
    expect(s.shape).toEqual([null, 8]);
    const [a, b] = [tensor([[1], [2]]), tensor([[10, 20, 30]])];
    const y = multiply().apply([a, b]) as Tensor;
    await expectClose(
      y,
      tensor([
        [10, 20, 30],
        [20, 40, 60],
      ]),
    );
    for (const t of [a, b, y]) t.dispose();
  });

  it('name the layer and the axis in errors', () => {
    const layer = add({ name: 'add_test' });
    expect(() =>
      layer.computeOutputShape([
        [null, 3],
        [null, 4],
      ]),
    ).toThrow('add_test: expected inputs to match on axis -1, got shapes [None,3] and [None,4]');
    const x = tensor([[1, 2]]);
    expect(() => layer.apply(x)).toThrow(
      'add_test: expected a list of at least 1 inputs, got a single input of shape [1,2]',
    );
    expect(() => subtract({ name: 'sub_test' }).apply([x, x, x])).toThrow(
      'sub_test: expected at most 2 inputs, got 3',
    );
    expect(() => subtract({ name: 'sub_b' }).apply([x])).toThrow(
      'sub_b: expected a list of at least 2 inputs, got 1',
    );
    x.dispose();
  });

  it('round-trip through their configs', () => {
    for (const layer of [add(), subtract(), multiply(), average(), maximum(), minimum()]) {
      const copy = layerFromConfig({ className: layer.className, config: layer.getConfig() });
      expect(copy.className).toBe(layer.className);
      expect(copy.getConfig()).toEqual(layer.getConfig());
    }
  });

  it('have input gradients matching finite differences', async () => {
    const [a, b] = [
      randomNormal([2, 3], { seed: 1, dtype: 'float64' }),
      randomNormal([2, 3], { seed: 2, dtype: 'float64' }),
    ];
    for (const layer of [add(), subtract(), multiply(), average(), maximum()]) {
      await checkGradients((t) => layer.apply([t, b]) as Tensor, a, null);
    }
    a.dispose();
    b.dispose();
  });
});

describe('concatenate', () => {
  it('joins along the last axis by default and along any axis given', async () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4, 5]]);
    const y = concatenate().apply([a, b]) as Tensor;
    await expectClose(y, tensor([[1, 2, 3, 4, 5]]));
    const y0 = concatenate({ axis: 0 }).apply([a, a]) as Tensor;
    await expectClose(
      y0,
      tensor([
        [1, 2],
        [1, 2],
      ]),
    );
    for (const t of [a, b, y, y0]) t.dispose();
  });

  it('computes symbolic shapes and names the axis in errors', () => {
    const layer = concatenate({ name: 'cat_test', axis: 1 });
    expect(
      layer.computeOutputShape([
        [null, 2, 4],
        [null, 3, 4],
      ]),
    ).toEqual([null, 5, 4]);
    expect(
      layer.computeOutputShape([
        [null, null, 4],
        [null, 3, 4],
      ]),
    ).toEqual([null, null, 4]);
    const s = concatenate().apply([input([null, 3]), input([null, 5])]);
    expect(s.shape).toEqual([null, 8]);
    expect(() =>
      layer.computeOutputShape([
        [null, 2, 4],
        [null, 3, 5],
      ]),
    ).toThrow(
      'cat_test: expected inputs to match on axis -1 (all but the concat axis 1), got shapes [None,2,4], [None,3,5]',
    );
    expect(() =>
      layer.computeOutputShape([
        [null, 2, 4],
        [null, 3],
      ]),
    ).toThrow('cat_test: expected inputs of the same rank');
    expect(() => layer.computeOutputShape([[null], [null]])).toThrow(
      'cat_test: axis 1 is out of range for input shape [None]',
    );
  });

  it('round-trips and has input gradients matching finite differences', async () => {
    const layer = concatenate({ axis: -2 });
    const copy = layerFromConfig({ className: 'Concatenate', config: layer.getConfig() });
    expect(copy.getConfig()).toEqual(layer.getConfig());
    const a = randomNormal([2, 2, 3], { seed: 3, dtype: 'float64' });
    const b = randomNormal([2, 1, 3], { seed: 4, dtype: 'float64' });
    await checkGradients((t) => layer.apply([b, t]) as Tensor, a, null);
    const [y, y2] = [layer.apply([a, b]) as Tensor, copy.apply([a, b]) as Tensor];
    expect(y.shape).toEqual([2, 3, 3]);
    await expectClose(y2, y);
    for (const t of [a, b, y, y2]) t.dispose();
  });
});

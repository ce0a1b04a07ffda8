// Tests of the core layers: forward shapes, activations by name, dropout, config round trips
// and a finite-difference gradient check of dense in float64.

import '@nabla/backend-cpu';
import {
  ArgumentError,
  memory,
  ones,
  ShapeError,
  setBackend,
  type Tensor,
  tensor,
  tidy,
  valueAndGrads,
} from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Layer } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { activation, Dense, dense, dropout, flatten, getActivation, reshape } from './core.js';

beforeAll(async () => {
  await setBackend('cpu');
});

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('dense', () => {
  it('maps the last axis to units and names its weights', () => {
    const layer = dense({ units: 3, activation: 'relu' });
    const y = layer.apply(ones([4, 5]));
    expect(y.shape).toEqual([4, 3]);
    expect(layer.namedWeights.map((w) => w.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    expect(layer.countParams()).toBe(5 * 3 + 3);
    const y3 = layer.apply(ones([2, 7, 5]));
    expect(y3.shape).toEqual([2, 7, 3]);
    y.dispose();
    y3.dispose();
    layer.dispose();
  });

  it('names the layer, axis and shape on a mismatched input', () => {
    const layer = dense({ units: 2, name: 'dense_x' });
    layer.apply(ones([1, 784])).dispose();
    expect(() => layer.apply(ones([32, 28, 28]))).toThrow(ShapeError);
    expect(() => layer.apply(ones([32, 28, 28]))).toThrow(
      'dense_x: expected input axis -1 to be 784, got shape [32,28,28]',
    );
    layer.dispose();
  });

  it('784 → 256 has 200,960 parameters', () => {
    const layer = dense({ units: 256, inputShape: [784] });
    layer.apply(ones([1, 784])).dispose();
    expect(layer.countParams()).toBe(200_960);
    layer.dispose();
  });

  it('matches finite differences in float64', async () => {
    const layer = dense({ units: 3, activation: 'tanh', dtype: 'float64', biasInitializer: 'randomNormal' });
    const x = tensor(
      [
        [0.3, -0.2],
        [0.5, 0.9],
      ],
      [2, 2],
      'float64',
    );
    layer.apply(x).dispose();
    const [kernel, bias] = layer.weights;
    const f = (k: Tensor, b: Tensor) => x.matmul(k).add(b).tanh().square().sum();
    const analytic = valueAndGrads((k, b) => f(k!, b!))([kernel!, bias!]);
    // Finite differences on each kernel entry: (f(k + h·e) - f(k - h·e)) / 2h.
    const k0 = await values(kernel!);
    const h = 1e-6;
    const numeric: number[] = [];
    for (let i = 0; i < k0.length; i++) {
      const shifted = (delta: number) =>
        tidy(() => {
          const k = k0.slice();
          k[i]! += delta;
          return f(tensor(k, kernel!.shape, 'float64'), bias!);
        });
      const plus = shifted(h);
      const minus = shifted(-h);
      numeric.push(((await values(plus))[0]! - (await values(minus))[0]!) / (2 * h));
      plus.dispose();
      minus.dispose();
    }
    const got = await values(analytic.grads[0]!);
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(numeric[i]!, 6);
    });
    // The layer's own forward gives the same gradient as the hand-written one.
    const { grads: viaLayer } = valueAndGrads((k) => {
      void k;
      return layer.apply(x).square().sum();
    })([kernel!]);
    expect(await values(viaLayer[0]!)).toEqual(got);
    layer.dispose();
    x.dispose();
  });
});

describe('activations', () => {
  it('resolves names in camelCase and snake_case', async () => {
    const x = tensor([-2, 0, 3]);
    expect(await values(getActivation('relu')(x))).toEqual([0, 0, 3]);
    expect(await values(getActivation('leaky_relu')(x))).toEqual([-2 * 0.2, 0, 3].map(Math.fround));
    expect(await values(getActivation('linear')(x))).toEqual([-2, 0, 3]);
    for (const name of [
      'relu6',
      'sigmoid',
      'tanh',
      'softmax',
      'gelu',
      'elu',
      'selu',
      'softplus',
      'silu',
      'swish',
    ]) {
      expect(getActivation(name)(x).shape).toEqual([3]);
    }
    expect(() => getActivation('nope')).toThrow(ArgumentError);
  });

  it('activation layer applies it', async () => {
    const layer = activation({ activation: 'relu' });
    expect(await values(layer.apply(tensor([[-1, 2]])))).toEqual([0, 2]);
  });
});

describe('dropout', () => {
  it('is the identity at inference and inverted dropout in training', async () => {
    const layer = dropout({ rate: 0.5, seed: 7 });
    expect(await values(layer.apply(ones([4, 100])))).toEqual(new Array(400).fill(1));
    const y = await values(layer.apply(ones([4, 100]), { training: true }));
    expect(y.every((v) => v === 0 || v === 2)).toBe(true);
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(120);
    expect(zeros).toBeLessThan(280);
  });

  it('is reproducible per call step for a seed', async () => {
    const a = dropout({ rate: 0.3, seed: 11 });
    const b = dropout({ rate: 0.3, seed: 11 });
    const a1 = await values(a.apply(ones([50]), { training: true }));
    const a2 = await values(a.apply(ones([50]), { training: true }));
    expect(await values(b.apply(ones([50]), { training: true }))).toEqual(a1);
    expect(await values(b.apply(ones([50]), { training: true }))).toEqual(a2);
    expect(a2).not.toEqual(a1);
  });
});

describe('flatten and reshape', () => {
  it('reshape samples and keep the batch axis', () => {
    expect(flatten().apply(ones([3, 4, 5])).shape).toEqual([3, 20]);
    expect(flatten().computeOutputShape([null, 4, 5])).toEqual([null, 20]);
    expect(reshape({ targetShape: [2, -1] }).apply(ones([3, 4, 5])).shape).toEqual([3, 2, 10]);
    expect(reshape({ targetShape: [28, 28, 1] }).computeOutputShape([null, 784])).toEqual([null, 28, 28, 1]);
    expect(() => reshape({ targetShape: [3, 3] }).apply(ones([2, 10]))).toThrow(ShapeError);
  });
});

describe('config round trip', () => {
  it('rebuilds equivalent layers', () => {
    const layers: Layer[] = [
      dense({ units: 4, activation: 'gelu', useBias: false, kernelRegularizer: 'l2', inputShape: [3] }),
      activation({ activation: 'softmax' }),
      dropout({ rate: 0.25, seed: 3 }),
      flatten(),
      reshape({ targetShape: [2, 2] }),
    ];
    for (const layer of layers) {
      const copy = layerFromConfig({ className: layer.className, config: layer.getConfig() });
      expect(copy.className).toBe(layer.className);
      expect(copy.getConfig()).toEqual(layer.getConfig());
    }
    const d = layerFromConfig({ className: 'Dense', config: layers[0]!.getConfig() });
    expect(d).toBeInstanceOf(Dense);
    expect(d.batchInputShape).toEqual([null, 3]);
  });

  it('rejects a malformed config with the field named', () => {
    expect(() => layerFromConfig({ className: 'Dense', config: { units: 'x' } })).toThrow(
      /Dense config: expected 'units'/,
    );
  });

  it('leaks nothing in a forward pass', () => {
    const layer = dense({ units: 2 });
    const x = ones([2, 3]);
    layer.apply(x).dispose();
    const before = memory().numTensors;
    layer.apply(x, { training: true }).dispose();
    dropout({ rate: 0.5 }).apply(x, { training: true }).dispose();
    expect(memory().numTensors).toBe(before);
  });
});

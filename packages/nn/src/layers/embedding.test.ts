// Embedding: lookups against the table, float ids, shapes (symbolic and real), config round
// trip, and the gradient with respect to the table (rows accumulate per occurrence).

import { grads, memory, tensor, tidy } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { embedding } from './embedding.js';
import { useCpuBackend } from './test-helpers.js';

useCpuBackend();

const table = () =>
  tensor([
    [0, 0.5],
    [1, 1.5],
    [2, 2.5],
    [3, 3.5],
  ]);

describe('embedding', () => {
  it('looks up rows for int32 and float ids', async () => {
    const before = memory().numTensors;
    const layer = embedding({ inputDim: 4, outputDim: 2 });
    const ids = tensor([[3, 0, 3]], [1, 3], 'int32');
    layer.apply(ids).dispose();
    const t = table();
    layer.setWeights([t]);
    const y = layer.apply(ids);
    expect(y.shape).toEqual([1, 3, 2]);
    expect(await y.array()).toEqual([
      [
        [3, 3.5],
        [0, 0.5],
        [3, 3.5],
      ],
    ]);
    const floatIds = tensor([1, 2]);
    const yf = layer.apply(floatIds);
    expect(await yf.array()).toEqual([
      [1, 1.5],
      [2, 2.5],
    ]);
    for (const x of [ids, t, y, floatIds, yf]) x.dispose();
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('computes output shapes, symbolic and real, and checks its options', () => {
    const layer = embedding({ inputDim: 10, outputDim: 3, name: 'emb_test' });
    expect(layer.computeOutputShape([null, 7])).toEqual([null, 7, 3]);
    const s = layer.apply(new SymbolicTensor([null, 5], 'int32', null, []));
    expect(s.shape).toEqual([null, 5, 3]);
    expect(layer.weights[0]!.shape).toEqual([10, 3]);
    expect(() => embedding({ inputDim: 0, outputDim: 3, name: 'emb_b' })).toThrow(
      'emb_b: expected inputDim to be a positive integer, got 0',
    );
    layer.dispose();
  });

  it('initializes uniformly in ±0.05 by default and round-trips its config', async () => {
    const layer = embedding({ inputDim: 50, outputDim: 4, embeddingsRegularizer: 'l2' });
    const ids = tensor([[1, 2, 49]], [1, 3], 'int32');
    const y = layer.apply(ids);
    const values = await layer.weights[0]!.data();
    expect(Math.max(...Array.from(values, Math.abs))).toBeLessThanOrEqual(0.05);
    const copy = layerFromConfig({
      className: 'Embedding',
      config: JSON.parse(JSON.stringify(layer.getConfig())),
    });
    expect(copy.getConfig()).toEqual(layer.getConfig());
    copy.apply(ids).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply(ids);
    expect(await y2.array()).toEqual(await y.array());
    const penalty = copy.regularizationLoss();
    expect(penalty).not.toBeNull();
    for (const t of [ids, y, y2, ...ws, penalty!]) t.dispose();
    layer.dispose();
    copy.dispose();
  });

  it('has a table gradient that sums the output cotangent per id', async () => {
    // d/dE of Σ E[ids]·w = Σ over occurrences of id k of the matching row of w
    const layer = embedding({ inputDim: 3, outputDim: 2, dtype: 'float64' });
    const ids = tensor([2, 0, 2], [3], 'int32');
    layer.apply(ids).dispose();
    const w = tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [3, 2],
      'float64',
    );
    const f = () => tidy(() => layer.apply(ids).mul(w).sum());
    const [g] = grads(f)([layer.weights[0]!]);
    expect(await g!.array()).toEqual([
      [3, 4],
      [0, 0],
      [6, 8],
    ]);
    for (const t of [ids, w, g!]) t.dispose();
    layer.dispose();
  });
});

// Multi-head attention: values against a direct per-head softmax computation in JS with the
// layer's own weights, key ≠ value and cross-attention shapes, symbolic shapes, errors,
// config round trip, dropout, and gradients against finite differences.

import { memory, randomNormal, type Tensor, tensor, tidy } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { multiHeadAttention } from './attention.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

type Mat = number[][];

/** out[b][i] for Keras MHA with kernels [in, h, dim] / [h, vd, out] and biases, computed directly. */
function reference(
  q: Mat[],
  v: Mat[],
  k: Mat[],
  w: {
    wq: number[][][];
    bq: Mat;
    wk: number[][][];
    bk: Mat;
    wv: number[][][];
    bv: Mat;
    wo: number[][][];
    bo: number[];
  },
): Mat[] {
  const heads = w.bq.length;
  const proj = (x: number[], kern: number[][][], bias: Mat, h: number) =>
    bias[h]!.map((b0, j) => x.reduce((acc, xi, i) => acc + xi * kern[i]![h]![j]!, b0));
  return q.map((qb, b) =>
    qb.map((qi) => {
      const out = [...w.bo];
      for (let h = 0; h < heads; h++) {
        const qh = proj(qi, w.wq, w.bq, h);
        const scores = k[b]!.map((kj) => {
          const kh = proj(kj, w.wk, w.bk, h);
          return qh.reduce((acc, a, d) => acc + a * kh[d]!, 0) / Math.sqrt(qh.length);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, c) => a + c, 0);
        const vals = v[b]!.map((vj) => proj(vj, w.wv, w.bv, h));
        const ctx = vals[0]!.map((_, d) => vals.reduce((acc, vj, j) => acc + (e[j]! / z) * vj[d]!, 0));
        for (let o = 0; o < out.length; o++)
          out[o]! += ctx.reduce((acc, c, d) => acc + c * w.wo[h]![d]![o]!, 0);
      }
      return out;
    }),
  );
}

describe('multiHeadAttention', () => {
  it('matches a direct softmax(QKᵀ/√d)·V computation per head', async () => {
    const before = memory().numTensors;
    const layer = multiHeadAttention({
      numHeads: 2,
      keyDim: 3,
      valueDim: 2,
      biasInitializer: 'randomNormal',
    });
    const q = randomNormal([2, 3, 4], { seed: 1 });
    const v = randomNormal([2, 5, 6], { seed: 2 });
    const k = randomNormal([2, 5, 3], { seed: 3 });
    const y = layer.apply([q, v, k]) as Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    expect(layer.namedWeights.map((x) => x.name.slice(layer.name.length + 1))).toEqual([
      'query/kernel',
      'query/bias',
      'key/kernel',
      'key/bias',
      'value/kernel',
      'value/bias',
      'attention_output/kernel',
      'attention_output/bias',
    ]);
    expect(layer.weights.map((x) => x.shape)).toEqual([
      [4, 2, 3],
      [2, 3],
      [3, 2, 3],
      [2, 3],
      [6, 2, 2],
      [2, 2],
      [2, 2, 4],
      [4],
    ]);
    const a = await Promise.all(layer.weights.map((x) => x.array()));
    const [wq, bq, wk, bk, wv, bv, wo, bo] = a as [
      number[][][],
      Mat,
      number[][][],
      Mat,
      number[][][],
      Mat,
      number[][][],
      number[],
    ];
    const ref = reference(
      (await q.array()) as Mat[],
      (await v.array()) as Mat[],
      (await k.array()) as Mat[],
      { wq, bq, wk, bk, wv, bv, wo, bo },
    );
    const r = tensor(ref);
    await expectClose(y, r, 1e-4);
    for (const t of [q, v, k, y, r]) t.dispose();
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('uses value as key when given two inputs, and outputShape for the last axis', async () => {
    const layer = multiHeadAttention({ numHeads: 1, keyDim: 2, outputShape: 5, useBias: false });
    const q = randomNormal([1, 2, 3], { seed: 4 });
    const v = randomNormal([1, 4, 3], { seed: 5 });
    const y = layer.apply([q, v]) as Tensor;
    expect(y.shape).toEqual([1, 2, 5]);
    expect(layer.weights.length).toBe(4);
    const [wq, wk, wv, wo] = (await Promise.all(layer.weights.map((x) => x.array()))) as number[][][][];
    const zeros = (n: number, d: number) => Array.from({ length: n }, () => new Array<number>(d).fill(0));
    const ref = reference(
      (await q.array()) as Mat[],
      (await v.array()) as Mat[],
      (await v.array()) as Mat[],
      {
        wq: wq!,
        bq: zeros(1, 2),
        wk: wk!,
        bk: zeros(1, 2),
        wv: wv!,
        bv: zeros(1, 2),
        wo: wo!,
        bo: [0, 0, 0, 0, 0],
      },
    );
    const r = tensor(ref);
    await expectClose(y, r, 1e-4);
    for (const t of [q, v, y, r]) t.dispose();
  });

  it('computes symbolic shapes and names inputs and axes in errors', () => {
    const layer = multiHeadAttention({ numHeads: 2, keyDim: 4, name: 'mha_test' });
    const input = (s: (number | null)[]) => new SymbolicTensor(s, 'float32', null, []);
    const s = layer.apply([input([null, 7, 16]), input([null, 9, 8])]);
    expect(s.shape).toEqual([null, 7, 16]);
    expect(
      layer.computeOutputShape([
        [null, 3, 16],
        [null, 2, 8],
      ]),
    ).toEqual([null, 3, 16]);
    expect(() =>
      layer.computeOutputShape([
        [null, 3, 15],
        [null, 2, 8],
      ]),
    ).toThrow('mha_test: expected input axis -1 to be 16, got shape [None,3,15]');
    expect(() =>
      layer.computeOutputShape([
        [null, 3, 16],
        [null, 2, 8],
        [null, 4, 8],
      ]),
    ).toThrow(
      'mha_test: expected key and value to match on axis 1 (time), got shapes [None,4,8] and [None,2,8]',
    );
    expect(() =>
      layer.computeOutputShape([
        [null, 16],
        [null, 2, 8],
      ]),
    ).toThrow('mha_test: expected query of rank 3 [batch, time, features], got shape [None,16]');
    expect(() => layer.computeOutputShape([null, 3, 16])).toThrow(
      'mha_test: expected a list [query, value] or [query, value, key], got a single input',
    );
    expect(() => multiHeadAttention({ numHeads: 0, keyDim: 2 })).toThrow(
      'expected numHeads to be a positive integer',
    );
    layer.dispose();
  });

  it('round-trips its config', async () => {
    const layer = multiHeadAttention({
      numHeads: 2,
      keyDim: 2,
      dropout: 0.25,
      seed: 3,
      kernelRegularizer: 'l2',
    });
    const x = randomNormal([2, 3, 4], { seed: 6 });
    const y = layer.apply([x, x]) as Tensor;
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    const copy = layerFromConfig({ className: 'MultiHeadAttention', config });
    expect(copy.getConfig()).toEqual(config);
    (copy.apply([x, x]) as Tensor).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply([x, x]) as Tensor;
    await expectClose(y2, y);
    for (const t of [x, y, y2, ...ws]) t.dispose();
    layer.dispose();
    copy.dispose();
  });

  it('drops attention probabilities only in training', async () => {
    const layer = multiHeadAttention({ numHeads: 1, keyDim: 2, dropout: 0.5, seed: 1 });
    const x = randomNormal([1, 6, 2], { seed: 7 });
    const [a, b] = [layer.apply([x, x]) as Tensor, layer.apply([x, x]) as Tensor];
    await expectClose(b, a);
    const t = layer.apply([x, x], { training: true }) as Tensor;
    const diff = tidy(() => t.sub(a).abs().max());
    expect((await diff.data())[0]).toBeGreaterThan(1e-4);
    for (const z of [x, a, b, t, diff]) z.dispose();
  });

  it('has query, value and kernel gradients matching finite differences', async () => {
    const layer = multiHeadAttention({
      numHeads: 2,
      keyDim: 2,
      biasInitializer: 'randomNormal',
      dtype: 'float64',
    });
    const q = randomNormal([1, 2, 3], { seed: 8, dtype: 'float64' });
    const v = randomNormal([1, 3, 2], { seed: 9, dtype: 'float64' });
    (layer.apply([q, v]) as Tensor).dispose();
    await checkGradients((t) => layer.apply([t, v]) as Tensor, q, layer.weights[0]!);
    await checkGradients((t) => layer.apply([q, t]) as Tensor, v, layer.weights[2]!);
    for (const t of [q, v]) t.dispose();
    layer.dispose();
  });
});

// Recurrent layers: SimpleRNN, LSTM and GRU (both reset modes) against step-by-step JS
// references with the layers' own weights, goBackwards, returnSequences, shapes, errors,
// config round trips, the orthogonal initializer, and gradients against finite differences.

import { memory, randomNormal, reverse, tensor, tidy } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { type Layer, SymbolicTensor } from '../engine/layer.js';
import { layerFromConfig } from '../engine/registry.js';
import { orthogonal } from '../initializers/initializers.js';
import { gru, lstm, simpleRNN } from './recurrent.js';
import { checkGradients, expectClose, useCpuBackend } from './test-helpers.js';

useCpuBackend();

type Vec = number[];
type Mat = number[][];
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
/** Row vector times matrix. */
const vm = (v: Vec, m: Mat): Vec => m[0]!.map((_, j) => v.reduce((acc, vi, i) => acc + vi * m[i]![j]!, 0));
const addv = (a: Vec, b: Vec): Vec => a.map((v, i) => v + b[i]!);
const part = (v: Vec, k: number, u: number): Vec => v.slice(k * u, (k + 1) * u);

/** Runs a JS step over [batch][time][features] from zero states; returns every step's h. */
function unroll(
  x: number[][][],
  units: number,
  states: number,
  step: (xt: Vec, s: Vec[]) => Vec[],
): number[][][] {
  return x.map((seq) => {
    let s = Array.from({ length: states }, () => new Array<number>(units).fill(0));
    return seq.map((xt) => {
      s = step(xt, s);
      return s[0]!;
    });
  });
}

async function weights(layer: Layer): Promise<{ W: Mat; U: Mat; b: Vec | Mat }> {
  const [w, u, b] = layer.weights;
  return { W: (await w!.array()) as Mat, U: (await u!.array()) as Mat, b: (await b!.array()) as Vec | Mat };
}

const lastSteps = (seqs: number[][][]) => seqs.map((s) => s[s.length - 1]!);

describe('simpleRNN', () => {
  it('matches a step-by-step reference, every step and the last', async () => {
    const before = memory().numTensors;
    const layer = simpleRNN({ units: 3, returnSequences: true, biasInitializer: 'randomNormal' });
    const x = randomNormal([2, 4, 2], { seed: 1 });
    const y = layer.apply(x);
    expect(y.shape).toEqual([2, 4, 3]);
    const { W, U, b } = await weights(layer);
    const ref = unroll((await x.array()) as number[][][], 3, 1, (xt, [h]) => [
      addv(addv(vm(xt, W), vm(h!, U)), b as Vec).map(Math.tanh),
    ]);
    const r = tensor(ref);
    await expectClose(y, r);
    const last = simpleRNN({ units: 3, biasInitializer: 'randomNormal' });
    last.apply(x).dispose();
    const ws = layer.getWeights();
    last.setWeights(ws);
    const yl = last.apply(x);
    expect(yl.shape).toEqual([2, 3]);
    const rl = tensor(lastSteps(ref));
    await expectClose(yl, rl);
    for (const t of [x, y, r, yl, rl, ...ws]) t.dispose();
    layer.dispose();
    last.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('with goBackwards runs the reversed sequence', async () => {
    const fwd = simpleRNN({ units: 2, returnSequences: true, activation: 'relu' });
    const bwd = simpleRNN({ units: 2, returnSequences: true, activation: 'relu', goBackwards: true });
    const x = randomNormal([1, 3, 2], { seed: 2 });
    const xr = reverse(x, 1);
    fwd.apply(x).dispose();
    bwd.apply(x).dispose();
    const ws = fwd.getWeights();
    bwd.setWeights(ws);
    const [a, b] = [fwd.apply(xr), bwd.apply(x)];
    await expectClose(b, a);
    for (const t of [x, xr, a, b, ...ws]) t.dispose();
  });

  it('computes shapes with a null batch and names the axis in errors', () => {
    const layer = simpleRNN({ units: 5, name: 'rnn_test' });
    expect(layer.computeOutputShape([null, 7, 3])).toEqual([null, 5]);
    expect(simpleRNN({ units: 5, returnSequences: true }).computeOutputShape([null, null, 3])).toEqual([
      null,
      null,
      5,
    ]);
    const s = layer.apply(new SymbolicTensor([null, 7, 3], 'float32', null, []));
    expect(s.shape).toEqual([null, 5]);
    expect(layer.weights.map((w) => w.shape)).toEqual([[3, 5], [5, 5], [5]]);
    expect(() => layer.computeOutputShape([null, 7, 4])).toThrow(
      'rnn_test: expected input axis -1 to be 3, got shape [None,7,4]',
    );
    expect(() => layer.computeOutputShape([null, 7])).toThrow(
      'rnn_test: expected input of rank 3 [batch, time, features], got shape [None,7]',
    );
    expect(() => simpleRNN({ units: 0 })).toThrow('expected units to be a positive integer');
    layer.dispose();
  });

  it('starts with an orthogonal recurrent kernel', async () => {
    const square = orthogonal({ seed: 3 }).init([4, 4], 'float64');
    const wide = orthogonal({ seed: 4 }).init([3, 5], 'float64');
    const [qtq, qqt] = [
      tidy(() => square.matmul(square, { transposeA: true })),
      tidy(() => wide.matmul(wide, { transposeB: true })),
    ];
    const [i4, i3] = [
      tidy(() =>
        tensor(
          [
            [1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0],
            [0, 0, 0, 1],
          ],
          undefined,
          'float64',
        ),
      ),
      tensor(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        undefined,
        'float64',
      ),
    ];
    await expectClose(qtq, i4, 1e-9);
    await expectClose(qqt, i3, 1e-9);
    for (const t of [square, wide, qtq, qqt, i4, i3]) t.dispose();
  });
});

describe('lstm', () => {
  it('matches the gate formulas (i, f, c, o) for one step and several', async () => {
    const layer = lstm({ units: 2, returnSequences: true });
    const x = randomNormal([2, 3, 3], { seed: 5 });
    const y = layer.apply(x);
    const { W, U, b } = await weights(layer);
    // unitForgetBias: the forget quarter of the bias starts at 1, the rest at 0
    expect(b).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    const ref = unroll((await x.array()) as number[][][], 2, 2, (xt, [h, c]) => {
      const z = addv(addv(vm(xt, W), vm(h!, U)), b as Vec);
      const [i, f, g, o] = [0, 1, 2, 3].map((k) => part(z, k, 2));
      const cNext = c!.map((cv, j) => sigmoid(f![j]!) * cv + sigmoid(i![j]!) * Math.tanh(g![j]!));
      return [cNext.map((cv, j) => sigmoid(o![j]!) * Math.tanh(cv)), cNext];
    });
    const r = tensor(ref);
    await expectClose(y, r);
    // One step, by hand: h = σ(o)·tanh(σ(i)·tanh(g)) since c₀ = 0.
    const x1 = tensor([[[0.5, -1, 2]]]);
    const y1 = lstm({ units: 2 });
    y1.apply(x1).dispose();
    const ws = layer.getWeights();
    y1.setWeights(ws);
    const h1 = y1.apply(x1);
    const z = addv(vm([0.5, -1, 2], W), b as Vec);
    const hand = [0, 1].map((j) => sigmoid(z[6 + j]!) * Math.tanh(sigmoid(z[j]!) * Math.tanh(z[4 + j]!)));
    const rh = tensor([hand]);
    await expectClose(h1, rh);
    for (const t of [x, y, r, x1, h1, rh, ...ws]) t.dispose();
    layer.dispose();
    y1.dispose();
  });

  it('round-trips its config and has gradients matching finite differences', async () => {
    const layer = lstm({ units: 2, recurrentActivation: 'tanh', unitForgetBias: false, dtype: 'float64' });
    const x = randomNormal([2, 3, 2], { seed: 6, dtype: 'float64' });
    const y = layer.apply(x);
    expect(layer.weights.map((w) => w.shape)).toEqual([[2, 8], [2, 8], [8]]);
    const copy = layerFromConfig({
      className: 'LSTM',
      config: JSON.parse(JSON.stringify(layer.getConfig())),
    });
    expect(copy.getConfig()).toEqual(layer.getConfig());
    copy.apply(x).dispose();
    const ws = layer.getWeights();
    copy.setWeights(ws);
    const y2 = copy.apply(x);
    await expectClose(y2, y);
    await checkGradients((t) => layer.apply(t), x, layer.weights[1]!);
    for (const t of [x, y, y2, ...ws]) t.dispose();
    layer.dispose();
    copy.dispose();
  });
});

describe('gru', () => {
  for (const resetAfter of [true, false]) {
    it(`matches the gate formulas (z, r, h) with resetAfter=${resetAfter}`, async () => {
      const layer = gru({ units: 2, returnSequences: true, resetAfter, biasInitializer: 'randomNormal' });
      const x = randomNormal([2, 3, 3], { seed: 7 });
      const y = layer.apply(x);
      const { W, U, b } = await weights(layer);
      expect(layer.weights[2]!.shape).toEqual(resetAfter ? [2, 6] : [6]);
      const [bIn, bRec] = resetAfter ? (b as Mat) : [b as Vec, [0, 0, 0, 0, 0, 0]];
      const ref = unroll((await x.array()) as number[][][], 2, 1, (xt, [h]) => {
        const xw = addv(vm(xt, W), bIn!);
        const inner = addv(vm(h!, U), bRec!);
        const z = part(xw, 0, 2).map((v, j) => sigmoid(v + part(inner, 0, 2)[j]!));
        const r = part(xw, 1, 2).map((v, j) => sigmoid(v + part(inner, 1, 2)[j]!));
        const recH = resetAfter
          ? part(inner, 2, 2).map((v, j) => r[j]! * v)
          : vm(
              h!.map((hv, j) => r[j]! * hv),
              U.map((row) => row.slice(4, 6)),
            );
        const hh = part(xw, 2, 2).map((v, j) => Math.tanh(v + recH[j]!));
        return [h!.map((hv, j) => z[j]! * hv + (1 - z[j]!) * hh[j]!)];
      });
      const rt = tensor(ref);
      await expectClose(y, rt);
      for (const t of [x, y, rt]) t.dispose();
      layer.dispose();
    });
  }

  it('round-trips its config and has gradients matching finite differences', async () => {
    for (const resetAfter of [true, false]) {
      const layer = gru({
        units: 2,
        resetAfter,
        goBackwards: true,
        biasInitializer: 'randomNormal',
        dtype: 'float64',
      });
      const x = randomNormal([2, 3, 2], { seed: 8, dtype: 'float64' });
      const y = layer.apply(x);
      const copy = layerFromConfig({ className: 'GRU', config: layer.getConfig() });
      copy.apply(x).dispose();
      const ws = layer.getWeights();
      copy.setWeights(ws);
      const y2 = copy.apply(x);
      await expectClose(y2, y);
      await checkGradients((t) => layer.apply(t), x, layer.weights[1]!);
      await checkGradients((t) => layer.apply(t), x, layer.weights[2]!);
      for (const t of [x, y, y2, ...ws]) t.dispose();
      layer.dispose();
      copy.dispose();
    }
  });

  it('simpleRNN has gradients matching finite differences too', async () => {
    const layer = simpleRNN({ units: 3, returnSequences: true, dtype: 'float64' });
    const x = randomNormal([1, 3, 2], { seed: 9, dtype: 'float64' });
    layer.apply(x).dispose();
    await checkGradients((t) => layer.apply(t), x, layer.weights[0]!);
    const copy = layerFromConfig({ className: 'SimpleRNN', config: layer.getConfig() });
    expect(copy.getConfig()).toEqual(layer.getConfig());
    x.dispose();
    layer.dispose();
  });
});

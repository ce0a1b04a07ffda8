// Tests of sequential models and training: compile with strings, fit on XOR to 100% accuracy,
// memory after 20 epochs, History, validation, class weights, frozen layers, weights round
// trip, trainOnBatch, predict batching and the summary table.

import '@nabla/backend-cpu';
import { ArgumentError, memory, ones, setBackend, type Tensor, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, dropout } from '../layers/core.js';
import { sgd } from '../optimizers/index.js';
import { sequential } from './sequential.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** XOR as 4 samples, repeated `n` times. */
function xor(n = 1): { x: Tensor; y: Tensor } {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < n; i++) {
    xs.push([0, 0], [0, 1], [1, 0], [1, 1]);
    ys.push([0], [1], [1], [0]);
  }
  return { x: tensor(xs), y: tensor(ys) };
}

function xorModel() {
  return sequential([
    dense({
      units: 8,
      activation: 'tanh',
      inputShape: [2],
      kernelInitializer: { name: 'glorotUniform', config: { seed: 1 } },
    }),
    dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: { name: 'glorotUniform', config: { seed: 2 } },
    }),
  ]);
}

describe('sequential', () => {
  it('builds from inputShape and reports shapes and params', () => {
    const m = sequential(
      [dense({ units: 256, inputShape: [784], activation: 'relu' }), dense({ units: 10 })],
      { name: 'mlp' },
    );
    expect(m.built).toBe(true);
    expect(m.countParams()).toBe(200_960 + 2570);
    const lines: string[] = [];
    const text = m.summary((l) => lines.push(l));
    expect(lines).toEqual([text]);
    expect(text).toContain('Model: "mlp"');
    expect(text).toMatch(/Layer \(type\)\s+Output Shape\s+Param #/);
    expect(text).toMatch(/\(Dense\)\s+\(None, 256\)\s+200,960/);
    expect(text).toMatch(/\(None, 10\)\s+2,570/);
    expect(text).toContain('Total params: 203,530');
    expect(text).toContain('Trainable params: 203,530');
    expect(text).toContain('Non-trainable params: 0');
    m.dispose();
  });

  it('builds lazily from the first batch and predicts in batches', async () => {
    const m = sequential([dense({ units: 3 }), dense({ units: 2 })]);
    expect(m.built).toBe(false);
    const x = ones([70, 5]);
    const y = m.predict(x, { batchSize: 32 });
    expect(y.shape).toEqual([70, 2]);
    expect(m.built).toBe(true);
    const once = m.predict(x, { batchSize: 100 });
    expect(Array.from(await y.data())).toEqual(Array.from(await once.data()));
    m.dispose();
    for (const t of [x, y, once]) t.dispose();
  });

  it('requires compile before fit', async () => {
    const m = xorModel();
    const { x, y } = xor();
    await expect(m.fit(x, y)).rejects.toThrow(ArgumentError);
    await expect(m.fit(x, y)).rejects.toThrow(/call compile/);
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('fits XOR to 100% accuracy with string names', async () => {
    const m = xorModel();
    m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const { x, y } = xor(8);
    const history = await m.fit(x, y, { epochs: 150, batchSize: 8, verbose: 0, seed: 3 });
    expect(history.history.loss).toHaveLength(150);
    expect(history.history.accuracy).toHaveLength(150);
    expect(history.epoch).toEqual([...Array(150).keys()]);
    expect(history.history.loss![149]!).toBeLessThan(history.history.loss![0]!);
    const result = await m.evaluate(x, y, { batchSize: 32 });
    expect(result.accuracy).toBe(1);
    expect(result.loss).toBeLessThan(0.2);
    const four = xor();
    const predicted = m.predict(four.x);
    const p = await predicted.data();
    expect(Array.from(p).map((v) => Math.round(v))).toEqual([0, 1, 1, 0]);
    m.dispose();
    for (const t of [x, y, four.x, four.y, predicted]) t.dispose();
  });

  it('leaves only weights and optimizer state after 20 epochs', async () => {
    // The tests before this one dispose what they made: a tensor they dropped would be freed by
    // the FinalizationRegistry whenever V8 collects it, and change the count in the middle.
    const m = sequential([
      dense({ units: 16, activation: 'relu', inputShape: [2] }),
      dropout({ rate: 0.2, seed: 1 }),
      dense({ units: 1, activation: 'sigmoid', kernelRegularizer: 'l2' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'binary_crossentropy', metrics: ['accuracy', 'mse'] });
    const { x, y } = xor(10);
    const before = memory().numTensors;
    await m.fit(x, y, {
      epochs: 20,
      batchSize: 8,
      verbose: 0,
      validationSplit: 0.25,
      classWeight: { 0: 1, 1: 2 },
    });
    const state = m.optimizer.getWeights().length;
    expect(state).toBe(2 * m.trainableWeights.length);
    expect(memory().numTensors).toBe(before + state);
    await m.evaluate(x, y);
    m.predict(x).dispose();
    await m.trainOnBatch(x, y);
    expect(memory().numTensors).toBe(before + state);
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('records validation metrics with val_ prefixes (split and data)', async () => {
    const m = xorModel();
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const { x, y } = xor(5);
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, validationSplit: 0.2 });
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    const h2 = await m.fit(x, y, { epochs: 2, verbose: 0, validationData: [x, y] });
    expect(h2.history.val_loss).toHaveLength(2);
    const direct = await m.evaluate(x, y);
    expect(h2.history.val_loss![1]).toBeCloseTo(direct.loss!, 5);
    m.dispose();
  });

  it('class weights change the loss', async () => {
    const { x, y } = xor(2);
    const losses: number[] = [];
    for (const classWeight of [undefined, { 0: 1, 1: 10 }]) {
      const m = xorModel();
      m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'binaryCrossentropy' });
      const h = await m.fit(x, y, { epochs: 1, verbose: 0, shuffle: false, classWeight });
      losses.push(h.history.loss![0]!);
      m.dispose();
    }
    expect(losses[1]).toBeGreaterThan(losses[0]! * 2);
  });

  it('adds regularization penalties to the loss', async () => {
    const { x, y } = xor(2);
    const losses: number[] = [];
    for (const kernelRegularizer of [undefined, 'l2']) {
      const m = sequential([
        dense({ units: 4, inputShape: [2], kernelRegularizer, kernelInitializer: 'ones' }),
        dense({ units: 1, kernelInitializer: 'ones' }),
      ]);
      m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'mse' });
      losses.push((await m.trainOnBatch(x, y)).loss!);
      m.dispose();
    }
    // l2 = 0.01 · Σ w² over 8 kernel entries equal to 1.
    expect(losses[1]! - losses[0]!).toBeCloseTo(0.08, 5);
  });

  it('frozen layers keep their weights', async () => {
    const m = xorModel();
    m.layers[0]!.trainable = false;
    m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'mse' });
    const before = await Promise.all(m.getWeights().map((w) => w.data()));
    const { x, y } = xor(2);
    await m.fit(x, y, { epochs: 3, verbose: 0 });
    const after = await Promise.all(m.getWeights().map((w) => w.data()));
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
    expect(m.trainableWeights).toHaveLength(2);
    expect(m.summary(() => {})).toContain('Non-trainable params: 24');
    m.dispose();
  });

  it('getWeights / setWeights round trip', async () => {
    const a = xorModel();
    const b = xorModel();
    const { x } = xor();
    b.setWeights(a.getWeights());
    expect(Array.from(await b.predict(x).data())).toEqual(Array.from(await a.predict(x).data()));
    expect(() => b.setWeights([])).toThrow(/setWeights expected 4 tensors, got 0/);
    expect(a.getLayer(a.layers[1]!.name)).toBe(a.layers[1]);
    expect(() => a.getLayer('nope')).toThrow(ArgumentError);
  });

  it('trainOnBatch returns the batch logs', async () => {
    const m = xorModel();
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const { x, y } = xor();
    const logs = await m.trainOnBatch(x, y);
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    expect(logs.loss).toBeGreaterThan(0);
  });
});

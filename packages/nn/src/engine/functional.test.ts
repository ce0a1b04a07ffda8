// Tests of functional models: branches joined by merge layers, several inputs and outputs,
// nesting a sequential model, config round trips, and training through the graph.

import '@nabla/backend-cpu';
import { ArgumentError, memory, ones, randomNormal, setBackend, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense } from '../layers/core.js';
import { add, concatenate } from '../layers/merge.js';
import { Functional, model } from './functional.js';
import { input } from './input-layer.js';
import { layerFromConfig } from './registry.js';
import { sequential } from './sequential.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function branchModel() {
  const x = input({ shape: [4], name: 'features' });
  const a = dense({ units: 3, activation: 'relu' }).apply(x);
  const b = dense({ units: 3, activation: 'tanh' }).apply(x);
  const merged = add().apply([a, b]);
  const out = dense({ units: 2, activation: 'softmax' }).apply(merged);
  return model({ inputs: x, outputs: out, name: 'branchy' });
}

describe('functional model', () => {
  it('runs two dense branches joined by add', () => {
    const m = branchModel();
    expect(m.layers.map((l) => l.className)).toEqual(['InputLayer', 'Dense', 'Dense', 'Add', 'Dense']);
    expect(m.countParams()).toBe(2 * (4 * 3 + 3) + (3 * 2 + 2));
    const y = m.predict(ones([5, 4]));
    expect(y.shape).toEqual([5, 2]);
    const text = m.summary(() => {});
    expect(text).toMatch(/features \(InputLayer\)\s+\(None, 4\)\s+0/);
    expect(text).toMatch(/\(Add\)\s+\(None, 3\)\s+0/);
    m.dispose();
  });

  it('rebuilds from its config with identical outputs', async () => {
    const m = branchModel();
    const copy = layerFromConfig({ className: 'Functional', config: m.getConfig() });
    expect(copy).toBeInstanceOf(Functional);
    const f = copy as Functional;
    expect(f.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    f.setWeights(m.getWeights());
    const x = randomNormal([3, 4], { seed: 1 });
    expect(Array.from(await f.predict(x).data())).toEqual(Array.from(await m.predict(x).data()));
  });

  it('handles several inputs and outputs, and trains them', async () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [3] });
    const joined = concatenate().apply([dense({ units: 4 }).apply(a), dense({ units: 4 }).apply(b)]);
    const out1 = dense({ units: 1, name: 'reg' }).apply(joined);
    const out2 = dense({ units: 2, activation: 'softmax', name: 'cls' }).apply(joined);
    const m = model({ inputs: [a, b], outputs: [out1, out2] });
    expect(m.outputNames).toEqual(['reg', 'cls']);
    const [p1, p2] = m.predictOutputs([ones([6, 2]), ones([6, 3])]);
    expect(p1!.shape).toEqual([6, 1]);
    expect(p2!.shape).toEqual([6, 2]);
    expect(() => m.predict([ones([6, 2]), ones([6, 3])])).toThrow(/predictOutputs/);
    m.compile({ optimizer: 'adam', loss: ['mse', 'sparseCategoricalCrossentropy'], metrics: ['accuracy'] });
    const xs = [randomNormal([16, 2], { seed: 1 }), randomNormal([16, 3], { seed: 2 })];
    const ys = [
      randomNormal([16, 1], { seed: 3 }),
      tensor(
        Array.from({ length: 16 }, (_, i) => i % 2),
        [16],
        'int32',
      ),
    ];
    const before = memory().numTensors;
    const h = await m.fit(xs, ys, { epochs: 2, batchSize: 8, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'reg_loss', 'cls_loss', 'reg_accuracy', 'cls_accuracy']);
    expect(h.history.loss![0]).toBeCloseTo(h.history.reg_loss![0]! + h.history.cls_loss![0]!, 4);
    expect(memory().numTensors).toBe(before + m.optimizer.getWeights().length);
    const copy = layerFromConfig({ className: 'Functional', config: m.getConfig() }) as Functional;
    expect(copy.inputs).toHaveLength(2);
    expect(copy.outputNames).toEqual(['reg', 'cls']);
  });

  it('nests a sequential model as a layer and shares layers', async () => {
    const inner = sequential([dense({ units: 5, inputShape: [3], activation: 'relu' }), dense({ units: 2 })]);
    const shared = dense({ units: 3 });
    const x = input({ shape: [3] });
    const y = inner.apply(shared.apply(shared.apply(x)));
    const m = model({ inputs: x, outputs: y });
    expect(m.countParams()).toBe(12 + inner.countParams());
    expect(m.predict(ones([2, 3])).shape).toEqual([2, 2]);
    const config = m.getConfig();
    const copy = layerFromConfig({ className: 'Functional', config }) as Functional;
    copy.setWeights(m.getWeights());
    const data = randomNormal([4, 3], { seed: 9 });
    expect(Array.from(await copy.predict(data).data())).toEqual(Array.from(await m.predict(data).data()));
  });

  it('rejects outputs that depend on an input not listed', () => {
    const a = input({ shape: [2] });
    const b = input({ shape: [2] });
    const y = add().apply([a, b]);
    expect(() => model({ inputs: a, outputs: y })).toThrow(ArgumentError);
  });
});

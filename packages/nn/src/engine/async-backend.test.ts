// fit, evaluate, predict, callbacks and datasets on the async-only CPU backend, where any
// synchronous read throws: nn must only ever `await t.data()`.

import { registerCpuAsync } from '@nabla/backend-cpu';
import { memory, randomNormal, setBackend, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { earlyStopping } from '../callbacks/early-stopping.js';
import { batches } from '../data/batches.js';
import { dense } from '../layers/core.js';
import { sequential } from './sequential.js';

beforeAll(async () => {
  registerCpuAsync();
  await setBackend('cpu-async');
});

describe('training on an async-only backend', () => {
  it('fits, evaluates and predicts with callbacks and progress', async () => {
    const x = randomNormal([32, 3], { seed: 1 });
    expect(() => x.dataSync()).toThrow();
    const y = x.sum({ axis: 1, keepDims: true }).greater(0).cast('float32');
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [3] }),
      dense({ units: 1, activation: 'sigmoid' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    let out = '';
    const h = await m.fit(x, y, {
      epochs: 3,
      batchSize: 8,
      validationSplit: 0.25,
      callbacks: [earlyStopping({ patience: 5 })],
      writer: { write: (s) => (out += s), isTTY: true },
    });
    expect(h.history.val_accuracy).toHaveLength(3);
    expect(out).toContain('Epoch 3/3');
    const logs = await m.evaluate(x, y);
    expect(logs.accuracy).toBeGreaterThanOrEqual(0);
    expect(m.predict(x).shape).toEqual([32, 1]);
    expect(m.summary(() => {})).toContain('Total params: 41');
  });

  it('fits on a dataset of batches without leaking', async () => {
    const x = randomNormal([40, 2], { seed: 3 });
    const y = tensor(
      Array.from({ length: 40 }, (_, i) => i % 2),
      [40],
      'int32',
    );
    const m = sequential([dense({ units: 2, inputShape: [2], activation: 'softmax' })]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const data = batches(x, y, { batchSize: 16, shuffle: true, seed: 1 });
    const before = memory().numTensors;
    const h = await m.fit(data, { epochs: 3, verbose: 0, validationData: [x, y] });
    expect(h.history.loss).toHaveLength(3);
    expect(h.history.val_accuracy).toHaveLength(3);
    const limited = await m.fit(data, { epochs: 2, batchesPerEpoch: 2, verbose: 0 });
    expect(limited.history.loss).toHaveLength(2);
    // A plain async generator: each pass makes new batches, which fit disposes after use.
    const generator = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < 3; i++)
          yield { x: randomNormal([8, 2], { seed: i }), y: tensor([0, 1, 0, 1, 0, 1, 0, 1], [8], 'int32') };
      },
    };
    const fromGenerator = await m.fit(generator, { epochs: 2, verbose: 0 });
    expect(fromGenerator.history.loss).toHaveLength(2);
    const evaluated = await m.evaluate(data);
    expect(Object.keys(evaluated)).toEqual(['loss', 'accuracy']);
    expect(memory().numTensors).toBe(before);
  });
});

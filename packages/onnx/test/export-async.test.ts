// exportOnnx on the async-only CPU backend, where any synchronous read throws (as on WebGPU):
// weights are only ever read with `await t.data()`.

import { registerCpuAsync } from '@nabla/backend-cpu';
import { randomNormal, setBackend } from '@nabla/core';
import { batchNormalization, conv2d, dense, flatten, sequential } from '@nabla/nn';
import ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';

beforeAll(async () => {
  registerCpuAsync();
  await setBackend('cpu-async');
});

describe('exportOnnx on an async-only backend', () => {
  it('exports a CNN that ONNX Runtime runs with the same predictions', async () => {
    const m = sequential([
      conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }),
      batchNormalization(),
      flatten(),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    const x = randomNormal([2, 5, 5, 1], { seed: 1 });
    expect(() => x.dataSync()).toThrow();
    const session = await ort.InferenceSession.create(await exportOnnx(m));
    const feeds = { input: new ort.Tensor('float32', await x.data(), x.shape) };
    const got = (await session.run(feeds))[session.outputNames[0]!]!.data as Float32Array;
    const want = await m.predict(x).data();
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++)
      expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!)));
    m.dispose();
    x.dispose();
  });
});

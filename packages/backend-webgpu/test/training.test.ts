// nn trains on WebGPU: a small MLP and a small CNN (conv, batch norm, pooling, dropout, Adam)
// fit for a few epochs on the software GPU give the losses the CPU backend gives, step by step
// (float32 on both, so within float tolerance), and leave no tensors behind.

import '@nabla/backend-cpu';
import { memory, randomNormal, randomUniform, setBackend, type Tensor, tidy } from '@nabla/core';
import {
  adam,
  batchNormalization,
  conv2d,
  dense,
  dropout,
  embedding,
  flatten,
  gru,
  input,
  layerNormalization,
  lstm,
  type Model,
  maxPooling2d,
  model,
  multiHeadAttention,
  sequential,
} from '@nabla/nn';
import { describe, expect, it } from 'vitest';
import { registerSoftwareWebGpu } from '../src/device-setup.js';

registerSoftwareWebGpu();

async function losses(
  backend: string,
  make: () => Model,
  x: () => Tensor,
  y: () => Tensor,
): Promise<number[]> {
  await setBackend(backend);
  const before = memory().numTensors;
  const m = make();
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  const [xs, ys] = [x(), y()];
  const h = await m.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
  xs.dispose();
  ys.dispose();
  m.optimizer.dispose();
  m.dispose();
  expect(memory().numTensors, `${backend}: tensors left after fit`).toBe(before);
  return h.history.loss!;
}

const labels = () => tidy(() => randomUniform([32], { minval: 0, maxval: 3, seed: 5 }).floor().cast('int32'));

describe('nn on webgpu', () => {
  it('fits an MLP with the CPU backend losses', async () => {
    const make = () =>
      sequential([
        dense({
          units: 16,
          activation: 'relu',
          inputShape: [6],
          kernelInitializer: { name: 'glorotUniform', config: { seed: 1 } },
        }),
        dropout({ rate: 0.2, seed: 3 }),
        dense({ units: 3, kernelInitializer: { name: 'glorotUniform', config: { seed: 2 } } }),
      ]);
    const x = () => randomNormal([32, 6], { seed: 4 });
    const cpu = await losses('cpu', make, x, labels);
    const gpu = await losses('webgpu', make, x, labels);
    expect(gpu).toHaveLength(3);
    for (const [i, l] of gpu.entries()) expect(l).toBeCloseTo(cpu[i]!, 4);
  });

  it('fits a CNN (conv, batch norm, pooling) with the CPU backend losses', async () => {
    const init = (seed: number) => ({ name: 'glorotUniform', config: { seed } });
    const make = () =>
      sequential([
        conv2d({
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          inputShape: [8, 8, 1],
          kernelInitializer: init(1),
        }),
        batchNormalization(),
        maxPooling2d({ poolSize: 2 }),
        flatten(),
        dense({ units: 3, kernelInitializer: init(2) }),
      ]);
    const x = () => randomNormal([32, 8, 8, 1], { seed: 6 });
    const cpu = await losses('cpu', make, x, labels);
    const gpu = await losses('webgpu', make, x, labels);
    for (const [i, l] of gpu.entries()) expect(l).toBeCloseTo(cpu[i]!, 3);
    expect(gpu[2]!).toBeLessThan(gpu[0]!);
  });

  it('fits a sequence model (embedding, LSTM, self-attention, layer norm, GRU) with the CPU backend losses', async () => {
    const init = (seed: number) => ({ name: 'glorotUniform', config: { seed } });
    const make = () => {
      const tokens = input({ shape: [5], dtype: 'int32' });
      const e = embedding({ inputDim: 10, outputDim: 4, embeddingsInitializer: init(1) }).apply(tokens);
      const s = lstm({
        units: 4,
        returnSequences: true,
        kernelInitializer: init(2),
        recurrentInitializer: init(3),
      }).apply(e);
      const a = multiHeadAttention({ numHeads: 2, keyDim: 2, kernelInitializer: init(4) }).apply([s, s]);
      const n = layerNormalization().apply(a);
      const h = gru({ units: 3, kernelInitializer: init(5), recurrentInitializer: init(6) }).apply(n);
      return model({ inputs: tokens, outputs: dense({ units: 3, kernelInitializer: init(7) }).apply(h) });
    };
    const x = () =>
      tidy(() => randomUniform([32, 5], { minval: 0, maxval: 10, seed: 8 }).floor().cast('int32'));
    const cpu = await losses('cpu', make, x, labels);
    const gpu = await losses('webgpu', make, x, labels);
    for (const [i, l] of gpu.entries()) expect(l).toBeCloseTo(cpu[i]!, 3);
    expect(gpu[2]!).toBeLessThan(gpu[0]!);
  });
});

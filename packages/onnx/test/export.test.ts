// ONNX export checked against ONNX Runtime: each test model built with fixed seeds is exported,
// run in onnxruntime-node at two batch sizes, and its outputs compared with nn's predict.

import { batchNormalization, conv2d, dense, dropout, flatten, maxPooling2d, sequential } from '@nabla/nn';
import { describe, it } from 'vitest';
import { expectOrtMatches, normal, useCpuBackend } from './export-helpers.js';

useCpuBackend();

describe('exportOnnx against ONNX Runtime', () => {
  it('MLP with relu, tanh and softmax', async () => {
    const m = sequential([
      dense({ units: 8, activation: 'relu', inputShape: [5], kernelInitializer: 'glorotUniform' }),
      dense({ units: 6, activation: 'tanh' }),
      dense({ units: 4, activation: 'softmax' }),
    ]);
    await expectOrtMatches(m, (n) => [normal(n, [5], 1)]);
    m.dispose();
  });

  it('CNN: conv, batch norm, pool, dropout, flatten, dense', async () => {
    const m = sequential([
      conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 2] }),
      batchNormalization(),
      conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }),
      maxPooling2d({ poolSize: 2, padding: 'same' }),
      dropout({ rate: 0.3 }),
      flatten(),
      dense({ units: 5, activation: 'softmax' }),
    ]);
    await expectOrtMatches(m, (n) => [normal(n, [8, 8, 2], 2)]);
    m.dispose();
  });
});

// The Fashion-MNIST MLP and a small CNN of the examples train on WebGPU (Dawn over Vulkan
// SwiftShader, the software GPU CI has) to what wasm reaches with the same seed and steps: the
// same training loss within float32 rounding, test accuracies within 0.02, and for the MLP the
// same predictions on nearly every test image. Without a Vulkan driver the test fails and says
// what to install (it never skips); without Fashion-MNIST both runs use the MNIST digits.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tidy } from '@nabla/core';
import { imageSplitToTensors, loadModel } from '@nabla/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { SWIFTSHADER_ICD, useBackend } from './backend.js';
import { type CnnResult, runFashionMnistCnn } from './fashion-mnist-cnn.js';
import { type MlpResult, runFashionMnistMlp } from './fashion-mnist-mlp.js';
import { loadImagesOrDigits } from './image-data.js';

// Dawn's Vulkan loader reads VK_ICD_FILENAMES when Dawn starts (at the first setBackend).
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

// Images per run: software GPUs run at a few hundredths of a GFLOP/s here, and compile each
// kernel on its first dispatch. Both tests take 33 s on this 2-core machine when it is quiet
// and 72–85 s under a load average of 8–11; the timeouts leave room for that.
const LIMIT = 256;
const CNN_LIMIT = 64;
const SEED = 3;

describe('the Fashion-MNIST examples on webgpu', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const on = async <R>(backend: string, run: (outDir: string) => Promise<R>): Promise<R> => {
    const outDir = await mkdtemp(join(tmpdir(), `nabla-${backend}-`));
    dirs.push(outDir);
    expect((await useBackend(backend)).name).toBe(backend);
    return run(outDir);
  };
  const common = { epochs: 1, limit: LIMIT, seed: SEED, verbose: 0, log: () => {} } as const;

  it('MLP: 4 steps of 64 images give wasm loss, accuracy and predictions', async () => {
    const mlp = (outDir: string): Promise<MlpResult> =>
      runFashionMnistMlp({ ...common, batchSize: 64, outDir });
    const gpu = await on('webgpu', mlp);
    const wasm = await on('wasm', mlp);
    expect(gpu.history.loss![0]!).toBeCloseTo(wasm.history.loss![0]!, 2);
    expect(Math.abs(gpu.testAccuracy - wasm.testAccuracy)).toBeLessThanOrEqual(0.02);
    expect(wasm.testAccuracy, 'the runs learn').toBeGreaterThan(0.3);
    // Both saved models, predicting on wasm: their classes agree on nearly every test image.
    const { dataset } = await loadImagesOrDigits({ limit: LIMIT });
    const test = imageSplitToTensors(dataset.test, { flatten: true });
    const classes = async (dir: string) => {
      const net = await loadModel(dir);
      const predicted = tidy(() => net.predict(test.x).argMax({ axis: -1 }));
      const data = await predicted.data();
      predicted.dispose();
      net.dispose();
      return data;
    };
    const [a, b] = [await classes(gpu.modelDir), await classes(wasm.modelDir)];
    test.x.dispose();
    test.y.dispose();
    const same = a.filter((c, i) => c === b[i]).length / a.length;
    expect(same).toBeGreaterThanOrEqual(0.97);
  }, 180_000);

  it('CNN (4 and 8 filters): 4 steps of 16 images give wasm losses and accuracy', async () => {
    const cnn = (outDir: string): Promise<CnnResult> =>
      runFashionMnistCnn({ ...common, limit: CNN_LIMIT, batchSize: 16, filters: [4, 8], outDir });
    const gpu = await on('webgpu', cnn);
    const wasm = await on('wasm', cnn);
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.history.loss![0]!).toBeCloseTo(wasm.history.loss![0]!, 2);
    expect(gpu.history.val_loss![0]!).toBeCloseTo(wasm.history.val_loss![0]!, 2);
    expect(Math.abs(gpu.testAccuracy - wasm.testAccuracy)).toBeLessThanOrEqual(0.02);
  }, 180_000);
});

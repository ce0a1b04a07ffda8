// A tiny run of the transfer-learning example: pretraining on digits, save, load, freeze,
// new head, fine-tuning; both Fashion-MNIST accuracies come out as numbers above chance.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_MNIST_DIR } from '@nabla/nn/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runTransferLearning } from './transfer-learning.js';

const fashionInstalled = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('transfer-learning', () => {
  let outDir = '';
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it.skipIf(!fashionInstalled)(
    `fine-tunes a frozen digit base and trains the baseline${fashionInstalled ? '' : ' (skipped: Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist)'}`,
    async () => {
      outDir = await mkdtemp(join(tmpdir(), 'nabla-transfer-'));
      const r = await runTransferLearning({
        pretrainEpochs: 1,
        pretrainImages: 600,
        fineTuneImages: 300,
        fineTuneEpochs: 2,
        testImages: 300,
        outDir,
        verbose: 0,
        log: () => {},
      });
      expect(existsSync(join(r.modelDir, 'model.json'))).toBe(true);
      expect(r.digitsAccuracy).toBeGreaterThan(0.3);
      expect(r.pretrainedAccuracy).toBeGreaterThan(0.3);
      expect(r.scratchAccuracy).toBeGreaterThan(0.2);
      expect(r.fineTuneImages).toBe(300);
      expect(r.testImages).toBe(300);
      expect(r.baseUnchanged).toBe(true);
      // Freezing leaves only the new head trainable: 800·64 + 64 + 64·10 + 10 parameters.
      expect(r.trainableParams.pretrained).toBe(800 * 64 + 64 + 64 * 10 + 10);
      expect(r.trainableParams.scratch).toBe(r.trainableParams.pretrained + 16 * 9 + 16 + 16 * 32 * 9 + 32);
    },
  );
});

// A short run of the onnx-finetune example: the PyTorch-exported CNN imports, keeps its accuracy
// on the task PyTorch trained it for, and a few epochs on the head alone lift the new task's
// accuracy well above where the imported head starts, with the frozen body untouched.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_DIR } from '@nabla/nn/node';
import { describe, expect, it } from 'vitest';
import { runOnnxFineTune } from './onnx-finetune.js';

const fashionInstalled = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('onnx-finetune', () => {
  it.skipIf(!fashionInstalled)(
    `fine-tunes the head of an imported PyTorch CNN${fashionInstalled ? '' : ' (skipped: Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist)'}`,
    async () => {
      const r = await runOnnxFineTune({
        fineTuneImages: 300,
        testImages: 300,
        epochs: 3,
        verbose: 0,
        log: () => {},
      });
      expect(r.originalAccuracy).toBeGreaterThan(0.7);
      expect(r.afterAccuracy).toBeGreaterThan(0.6);
      expect(r.afterAccuracy).toBeGreaterThan(r.beforeAccuracy + 0.2);
      expect(r.bodyUnchanged).toBe(true);
      expect(r.trainableParams).toBe(784 * 32 + 32 + 32 * 5 + 5);
      expect(r.fineTuneImages).toBe(300);
      expect(r.testImages).toBe(300);
    },
  );
});

// Smoke tests of the MLP example: one epoch of 63 batches on 2,000 images learns far above
// chance (10%), and the run leaves a loadable model folder and the learning-curve SVG behind.

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '@nabla/nn';
import { FASHION_MNIST_DIR } from '@nabla/nn/node';
import { afterAll, describe, expect, it } from 'vitest';
import { runFashionMnistMlp } from './fashion-mnist-mlp.js';

const fashionInstalled = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('fashion-mnist-mlp', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-mlp-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('falls back to the MNIST digits when Fashion-MNIST is missing, says so, and learns', async () => {
    const outDir = await tempDir();
    const lines: string[] = [];
    const r = await runFashionMnistMlp({
      epochs: 1,
      limit: 2000,
      batchSize: 32,
      dir: join(outDir, 'no-such-folder'),
      outDir,
      verbose: 0,
      log: (line) => lines.push(line),
    });
    expect(r.source).toBe('mnist-digits');
    expect(lines.join('\n')).toMatch(/Fashion-MNIST is not installed .* MNIST digits/);
    expect(r.trainImages).toBe(2000);
    expect(r.testAccuracy).toBeGreaterThan(0.6);
    expect(r.secondsPerEpoch).toHaveLength(1);
    const saved = await loadModel(r.modelDir);
    expect(saved.countParams()).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    saved.dispose();
    const svg = await readFile(r.curvesPath, 'utf8');
    expect(svg).toContain('<path');
  });

  it.skipIf(!fashionInstalled)(
    `learns Fashion-MNIST above chance in one epoch on 2,000 images${fashionInstalled ? '' : ' (skipped: Fashion-MNIST is not installed; apt-get install dataset-fashion-mnist)'}`,
    async () => {
      const outDir = await tempDir();
      const r = await runFashionMnistMlp({
        epochs: 1,
        limit: 2000,
        batchSize: 32,
        outDir,
        verbose: 0,
        log: () => {},
      });
      expect(r.source).toBe('fashion-mnist');
      expect(r.testAccuracy).toBeGreaterThan(0.6);
      expect(existsSync(join(r.modelDir, 'model.json'))).toBe(true);
      expect(existsSync(join(r.modelDir, 'model.safetensors'))).toBe(true);
      expect(await readFile(r.curvesPath, 'utf8')).toContain('<path');
    },
  );
});

// A short run of the ONNX export example: one epoch on 1,000 images, exported, run in
// onnxruntime-node on 300 test images with the same predicted classes and probabilities within
// 1e-5 of Nabla's.

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnnxExport } from './onnx-export.js';

describe('onnx-export', () => {
  let outDir = '';
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('serves the trained MLP in ONNX Runtime with Nabla’s predictions', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'nabla-onnx-export-'));
    const lines: string[] = [];
    const r = await runOnnxExport({
      epochs: 1,
      limit: 1000,
      testLimit: 300,
      batchSize: 64,
      outDir,
      verbose: 0,
      log: (line) => lines.push(line),
    });
    expect(existsSync(r.onnxPath)).toBe(true);
    expect(r.onnxBytes).toBeGreaterThan(4 * (784 * 128 + 128 * 10));
    expect(r.testImages).toBe(300);
    expect(r.argmaxAgreement).toBe(300);
    expect(r.maxAbsDiff).toBeLessThan(1e-5);
    expect(r.onnxAccuracy).toBe(r.nablaAccuracy);
    expect(r.nablaAccuracy).toBeGreaterThan(0.3);
    expect(lines.join('\n')).toContain('exported to');
  });
});

// The webgpu pairing at toy sizes: Dawn starts with the `navigator.gpu` shim, TF.js's webgpu
// backend registers on it, and Nabla's WebGPU backend and tfjs-webgpu agree on a matmul, the
// elementwise chain and a softmax on the same adapter, leaving no tensors. Runs on SwiftShader
// (Debian's chromium) when no VK_ICD_FILENAMES is set; without an adapter it fails saying why.

import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { elementwiseRow } from '../src/groups/elementwise.js';
import { matmulCase } from '../src/groups/matmul.js';
import { reductionRow, reductions } from '../src/groups/reduce.js';
import { CHAIN, webgpuGroup } from '../src/groups/webgpu.js';
import { runBench } from '../src/run.js';
import { dawnFlags, SWIFTSHADER_ICD, startWebGpu, WEBGPU_PAIRING, type WebGpuStart } from '../src/webgpu.js';

const TINY_PLAN = { warmup: 1, warmupSeconds: 0, reps: 3, minReps: 3, budgetSeconds: 1, sampleSeconds: 0 };

describe('bench webgpu pairing', () => {
  let gpu: WebGpuStart;
  beforeAll(async () => {
    if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = await startWebGpu([]);
  });

  it('parses Dawn flags', () => {
    expect(dawnFlags(' backend=vulkan, ,enable-dawn-features=x ')).toEqual([
      'backend=vulkan',
      'enable-dawn-features=x',
    ]);
    expect(dawnFlags('')).toEqual([]);
  });

  it('makes matmul 256 and 512, the chain, the reductions and an nn fit on the webgpu pairing', () => {
    const rows = webgpuGroup({ quick: true });
    expect(rows.map((row) => row.name)).toEqual([
      'matmul 256x256 · 256x256',
      'matmul 512x512 · 512x512',
      'chain sigmoid(a·b + a)·b 1024x1024 (1M float32)',
      'sum all 1024x1024 (1M)',
      'sum axis -1 1024x1024',
      'softmax rows 512x1000',
      expect.stringMatching(/^nn mlp 784-256-128-10 fit epoch adam batch 64 × 2 steps/),
    ]);
    for (const row of rows) expect([row.backend, row.peer]).toEqual(['webgpu', 'tfjs-webgpu']);
  });

  it('starts Dawn behind navigator.gpu and registers both sides on one adapter', async () => {
    expect(gpu).toMatchObject({ ok: true });
    if (!gpu.ok) return;
    expect(gpu.versions).toContain('@tensorflow/tfjs-backend-webgpu 4.22.0');
    expect(typeof GPUBufferUsage.STORAGE).toBe('number');
    await expect(startWebGpu()).resolves.toBe(gpu);
  });

  it('measures Nabla webgpu against tfjs-webgpu at toy sizes', async () => {
    const pairing = WEBGPU_PAIRING;
    const report = await runBench({
      quick: true,
      json: null,
      rows: [
        matmulCase({ m: 8, k: 8, n: 8 }, pairing),
        elementwiseRow(CHAIN, 8, pairing),
        reductionRow(reductions(8, 8, [8, 8])[2]!, pairing),
      ],
      plan: TINY_PLAN,
      log: () => {},
    });
    for (const row of report.rows) {
      expect(row.error).toBeUndefined();
      expect(Number.isFinite(row.ratio) && row.ratio! > 0).toBe(true);
      expect(row.relativeError).toBeLessThan(1e-5);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    }
    expect(report.markdown).toContain('### Nabla webgpu vs tfjs-webgpu');
  });

  it('adds the webgpu rows only when asked, and says so either way', async () => {
    const common = { quick: true, sizes: [8], json: null, plan: TINY_PLAN, log: () => {} };
    const without = await runBench({ ...common, filter: '^matmul 8x8 .*\\(cpu' });
    expect(without.notes).toEqual(['webgpu rows not run (opt-in: --webgpu)']);
    const withGpu = await runBench({ ...common, webgpu: true, filter: '^matmul 8x8 .*\\(webgpu' });
    expect(withGpu.rows.map((row) => `${row.name} ${row.backend}`)).toEqual(['matmul 8x8 · 8x8 webgpu']);
    expect(withGpu.rows[0]!.error).toBeUndefined();
    expect(withGpu.markdown).toMatch(/^WebGPU: .+ both sides on this adapter$/m);
  });
});

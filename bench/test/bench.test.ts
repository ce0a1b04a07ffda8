// Smoke test of the bench harness: tiny quick runs, in process, of the matmul rows (cpu and
// wasm pairings) and of conv2d-gradient, MLP training and nn fit/predict rows at toy sizes;
// checks that both sides ran (or the peer is n/a where it lacks the kernel), the ratios are
// finite and positive, outputs agree, nothing leaked and the JSON was written.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { threadCapacity } from '../src/capacity.js';
import { FMA_PEAK_ROUNDS, fmaPeak, mulAddPeak } from '../src/fma-peak.js';
import { convRow } from '../src/groups/conv2d.js';
import { trainRow } from '../src/groups/mlp-train.js';
import { fitRow, predictRow } from '../src/groups/nn.js';
import { CPU_PAIRING, WASM_PAIRING } from '../src/pairings.js';
import { filterText, rowFilter, runBench } from '../src/run.js';

const TINY_PLAN = { warmupSeconds: 0.01, reps: 3, budgetSeconds: 1, sampleSeconds: 0.002 };

describe('bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures matmul on Nabla and TF.js, cpu and wasm, and writes JSON', async () => {
    const jsonPath = join(dir, 'results.json');
    const report = await runBench({
      quick: true,
      filter: 'matmul .*\\((cpu|wasm ×1) vs tfjs',
      sizes: [8, 16],
      json: jsonPath,
      plan: TINY_PLAN,
      log: () => {},
    });

    expect(report.rows.map((row) => `${row.name} ${row.backend}`)).toEqual([
      'matmul 8x8 · 8x8 cpu',
      'matmul 16x16 · 16x16 cpu',
      'matmul 8x8 · 8x8 wasm ×1',
      'matmul 16x16 · 16x16 wasm ×1',
    ]);
    for (const row of report.rows) {
      expect(row.error).toBeUndefined();
      expect(Number.isFinite(row.ratio) && row.ratio! > 0).toBe(true);
      expect(row.ours!.median).toBeGreaterThan(0);
      expect(row.theirs!.median).toBeGreaterThan(0);
      expect(row.relativeError).toBeLessThan(1e-5);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    }
    expect(report.markdown).toContain('### Nabla cpu vs tfjs-cpu');
    expect(report.markdown).toContain('### Nabla wasm ×1 vs tfjs-wasm ×1');
    expect(report.markdown).toMatch(
      /\| matmul 16x16 · 16x16 \| [\d.]+ GFLOP\/s \| [\d.]+ GFLOP\/s \| [\d.]+× \|/,
    );
    expect(report.markdown).toMatch(/Machine: .+ cores/);
    // The % column: against the measured FMA peak where the relaxed build ran, else the measured
    // mul + add peak; the report gives both (the FMA one where the engine has relaxed SIMD).
    const wasm = report.rows.filter((row) => row.backend === 'wasm ×1');
    const relaxed = wasm[0]!.wasmBuild!.includes('build relaxed');
    for (const row of wasm) expect(row.simdPeakBasis).toBe(relaxed ? 'fma' : 'mul-add');
    const perCore = relaxed ? report.machine.fmaPeakPerCore : report.machine.mulAddPeakPerCore;
    expect(report.machine.mulAddPeakPerCore).toBeGreaterThan(0);
    if (relaxed) expect(report.machine.fmaPeakPerCore).toBeGreaterThan(0);
    for (const row of wasm) expect(row.simdPeakPercent).toBeCloseTo((100 * row.ours!.median) / perCore!, 9);
    expect(report.markdown).toContain('128-bit SIMD peak without FMA, measured: ');
    if (relaxed) expect(report.markdown).toMatch(/FMA lifts the ceiling [\d.]+× on this machine/);

    expect(report.jsonPath).toBe(jsonPath);
    expect(existsSync(jsonPath)).toBe(true);
    const written = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(written.rows).toHaveLength(4);
    expect(written.machine.cores).toBeGreaterThan(0);
  });

  it('runs conv2d gradients and an MLP training epoch at toy sizes, with time per epoch', async () => {
    const pairing = CPU_PAIRING;
    const report = await runBench({
      quick: true,
      json: null,
      rows: [
        convRow({ batch: 2, size: 6, inC: 2, outC: 3 }, 'backward', pairing),
        trainRow({ samples: 128, batchSize: 32, units: [784, 16, 10] }, pairing),
      ],
      plan: TINY_PLAN,
      log: () => {},
    });

    expect(report.rows.map((row) => row.group)).toEqual(['conv2d', 'mlp-train']);
    for (const row of report.rows) {
      expect(row.error).toBeUndefined();
      expect(Number.isFinite(row.ratio) && row.ratio! > 0).toBe(true);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    }
    const [conv, train] = report.rows;
    expect(conv!.relativeError).toBeLessThan(1e-5);
    // Same weights, same batches: four Adam steps stay close (verify also checks the losses fell).
    expect(train!.relativeError).toBeLessThan(1e-3);
    expect(train!.name).toContain('32 × 4 steps');
    expect(train!.latency!.per).toBe('epoch');
    expect(train!.latency!.ours).toBeCloseTo(128 / train!.ours!.median, 9);
    expect(report.markdown).toMatch(/s per epoch \|/);
    expect(report.jsonPath).toBeUndefined();
  });

  it('shows n/a where tfjs-wasm lacks a kernel, and runs nn fit and predict on wasm', async () => {
    const report = await runBench({
      quick: true,
      json: null,
      rows: [
        convRow({ batch: 2, size: 6, inC: 2, outC: 3 }, 'backward', WASM_PAIRING),
        fitRow({ kind: 'mlp', samples: 64, batchSize: 32 }, WASM_PAIRING),
        predictRow('mlp', 1, WASM_PAIRING),
      ],
      plan: TINY_PLAN,
      log: () => {},
    });

    const [conv, fit, predict] = report.rows;
    for (const row of report.rows) {
      expect(row.error).toBeUndefined();
      expect(row.ours!.median).toBeGreaterThan(0);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    }
    expect(conv!.peerMissing?.status).toBe('not supported');
    expect(conv!.theirs).toBeUndefined();
    expect(conv!.ratio).toBeUndefined();
    expect(report.markdown).toMatch(
      /\| conv2d fwd\+grads 2x6x6x2 [^|]*\| [\d.]+ GFLOP\/s \| n\/a \(not supported\) \| – \|/,
    );
    expect(report.markdown).toContain('Conv2DBackpropFilter');
    // Same weights, same two batches, no shuffling: the epoch losses agree closely.
    expect(fit!.relativeError).toBeLessThan(1e-3);
    expect(Number.isFinite(fit!.ratio) && fit!.ratio! > 0).toBe(true);
    expect(predict!.relativeError).toBeLessThan(1e-5);
  });

  it("measures the machine's two-thread capacity: a positive ratio per round, their median", async () => {
    for (const work of ['scalar', 'gemm'] as const) {
      const capacity = await threadCapacity(2, 3, work, work === 'scalar' ? 2e6 : 10);
      expect(capacity.threads).toBe(2);
      expect(capacity.work).toBe(work);
      expect(capacity.samples).toHaveLength(3);
      for (const s of capacity.samples) expect(s).toBeGreaterThan(0.2);
      expect(capacity.ratio).toBe([...capacity.samples].sort((a, b) => a - b)[1]);
    }
  });

  it('measures the FMA and mul + add peaks once each: the best of their rounds, each a positive GFLOP/s', () => {
    // Node 20 has relaxed SIMD behind this flag (Node 22+ by default), as the wasm backend sets it.
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    for (const measure of [fmaPeak, mulAddPeak]) {
      const peak = measure();
      if (!peak.ok) throw new Error(peak.reason);
      expect(peak.samples).toHaveLength(FMA_PEAK_ROUNDS);
      for (const s of peak.samples) expect(s).toBeGreaterThan(0.1);
      expect(peak.gflops).toBe(Math.max(...peak.samples));
      expect(measure()).toBe(peak);
    }
  });

  it('filters on the name and the pairing', () => {
    const row = { name: 'matmul 64x64 · 64x64', backend: 'wasm ×1', peer: 'tfjs-wasm ×1' };
    expect(filterText(row)).toBe('matmul 64x64 · 64x64 (wasm ×1 vs tfjs-wasm ×1)');
    expect(rowFilter('wasm')(filterText(row))).toBe(true);
    expect(rowFilter('\\(cpu')(filterText(row))).toBe(false);
  });

  it('filters by regex, or by substring where the pattern is not a regex', () => {
    expect(rowFilter('^matmul 1024')('matmul 1024x1024 · 1024x1024')).toBe(true);
    expect(rowFilter('784')('matmul 128x256 · 256x128')).toBe(false);
    expect(rowFilter('(128x')('matmul 64x64 · 64x64')).toBe(false);
    expect(rowFilter('(128x')('conv (128x')).toBe(true);
  });
});

// Smoke test of the bench harness: tiny quick runs, in process, of the matmul rows and of a
// conv2d-gradient row and an MLP training row at toy sizes; checks that both sides ran, the
// ratios are finite and positive, outputs agree, nothing leaked and the JSON was written.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convRow } from '../src/groups/conv2d.js';
import { trainRow } from '../src/groups/mlp-train.js';
import { PAIRINGS } from '../src/pairings.js';
import { rowFilter, runBench } from '../src/run.js';

const TINY_PLAN = { warmupSeconds: 0.01, reps: 3, budgetSeconds: 1, sampleSeconds: 0.002 };

describe('bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bench-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures matmul on Nabla and TF.js and writes JSON', async () => {
    const jsonPath = join(dir, 'results.json');
    const report = await runBench({
      quick: true,
      filter: 'matmul',
      sizes: [8, 16],
      json: jsonPath,
      plan: TINY_PLAN,
      log: () => {},
    });

    expect(report.rows.map((row) => row.name)).toEqual(['matmul 8x8 · 8x8', 'matmul 16x16 · 16x16']);
    for (const row of report.rows) {
      expect(row.error).toBeUndefined();
      expect(Number.isFinite(row.ratio) && row.ratio! > 0).toBe(true);
      expect(row.ours!.median).toBeGreaterThan(0);
      expect(row.theirs!.median).toBeGreaterThan(0);
      expect(row.relativeError).toBeLessThan(1e-5);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    }
    expect(report.markdown).toContain('| matmul 16x16 · 16x16 | cpu vs tfjs-cpu |');
    expect(report.markdown).toMatch(/Machine: .+ cores/);

    expect(report.jsonPath).toBe(jsonPath);
    expect(existsSync(jsonPath)).toBe(true);
    const written = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(written.rows).toHaveLength(2);
    expect(written.machine.cores).toBeGreaterThan(0);
  });

  it('runs conv2d gradients and an MLP training epoch at toy sizes, with time per epoch', async () => {
    const pairing = PAIRINGS[0]!;
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

  it('filters by regex, or by substring where the pattern is not a regex', () => {
    expect(rowFilter('^matmul 1024')('matmul 1024x1024 · 1024x1024')).toBe(true);
    expect(rowFilter('784')('matmul 128x256 · 256x128')).toBe(false);
    expect(rowFilter('(128x')('matmul 64x64 · 64x64')).toBe(false);
    expect(rowFilter('(128x')('conv (128x')).toBe(true);
  });
});

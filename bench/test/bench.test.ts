// Smoke test of the bench harness: a tiny quick run of the matmul rows, in process, checks that
// both sides ran, the ratios are finite and positive, outputs agree and the JSON was written.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rowFilter, runBench } from '../src/run.js';

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
      plan: { warmupSeconds: 0.01, reps: 3, budgetSeconds: 1, sampleSeconds: 0.002 },
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

  it('filters by regex, or by substring where the pattern is not a regex', () => {
    expect(rowFilter('^matmul 1024')('matmul 1024x1024 · 1024x1024')).toBe(true);
    expect(rowFilter('784')('matmul 128x256 · 256x128')).toBe(false);
    expect(rowFilter('(128x')('matmul 64x64 · 64x64')).toBe(false);
    expect(rowFilter('(128x')('conv (128x')).toBe(true);
  });
});

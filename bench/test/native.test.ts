// Smoke test of the native reference rows at toy sizes: matmul against ONNX Runtime (resolved
// from the workspace) and an MLP epoch against PyTorch CPU (a Python child), or, where either is
// missing, the row still measures Nabla and says why the peer was skipped.

import { describe, expect, it } from 'vitest';
import { ortMatmulRow, torchFitRow } from '../src/groups/native.js';
import { onnxRuntimeNode, pythonWithTorch } from '../src/native.js';
import { runBench } from '../src/run.js';

const TINY_PLAN = { warmupSeconds: 0.01, reps: 3, budgetSeconds: 1, sampleSeconds: 0.002 };
const ONE_THREAD = { threads: 1, nablaBackend: 'bench-wasm-1' } as const;

describe('native reference rows', () => {
  it('runs matmul on ONNX Runtime and an MLP epoch on PyTorch beside Nabla wasm, or says why not', async () => {
    const report = await runBench({
      quick: true,
      json: null,
      rows: [
        ortMatmulRow(24, ONE_THREAD),
        torchFitRow({ kind: 'mlp', samples: 64, batchSize: 32 }, ONE_THREAD),
      ],
      plan: TINY_PLAN,
      log: () => {},
    });
    const [mm, fit] = report.rows;
    for (const [row, found] of [
      [mm!, onnxRuntimeNode()],
      [fit!, pythonWithTorch()],
    ] as const) {
      expect(row.error).toBeUndefined();
      expect(row.ours!.median).toBeGreaterThan(0);
      expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
      expect(row.simdPeakPercent).toBeGreaterThan(0);
      if (found.ok) {
        expect(row.theirs!.median).toBeGreaterThan(0);
        expect(Number.isFinite(row.ratio)).toBe(true);
      } else {
        expect(row.peerMissing).toEqual({ status: 'skipped', reason: found.reason });
      }
    }
    if (onnxRuntimeNode().ok) expect(mm!.relativeError).toBeLessThan(1e-5);
    expect(report.markdown).toContain('### Nabla wasm ×1 vs onnxruntime ×1');
    expect(report.markdown).toContain('### Nabla wasm ×1 vs pytorch-cpu ×1');
    expect(report.markdown).toMatch(/^Nabla wasm build (relaxed|simd)/m);
    // The relaxed build's % column is against the measured FMA peak, the plain one's the nominal.
    expect(report.markdown).toMatch(
      mm!.wasmBuild!.includes('build relaxed')
        ? /^128-bit SIMD peak, measured: [\d.]+ GFLOP\/s per thread/m
        : /^128-bit SIMD peak: [\d.]+ GHz × 16 FLOP\/cycle/m,
    );
  }, 120_000);
});

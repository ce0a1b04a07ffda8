// Smoke test of the onnxruntime-web rows: the nn MLP's predict on Nabla wasm and on ONNX
// Runtime's wasm build from the same exported weights, or, where it is missing, Nabla alone with
// the reason the peer was skipped.

import { describe, expect, it } from 'vitest';
import { onnxRuntimeWeb, ortWebPredictRow } from '../src/groups/ort-web.js';
import { runBench } from '../src/run.js';

const TINY_PLAN = { warmupSeconds: 0.01, reps: 3, budgetSeconds: 1, sampleSeconds: 0.002 };

describe('onnxruntime-web rows', () => {
  it('runs the MLP predict on onnxruntime-web beside Nabla wasm, with the same outputs, or says why not', async () => {
    const report = await runBench({
      quick: true,
      json: null,
      rows: [ortWebPredictRow(2)],
      plan: TINY_PLAN,
      log: () => {},
    });
    const row = report.rows[0]!;
    const found = onnxRuntimeWeb();
    expect(row.error).toBeUndefined();
    expect(row.ours!.median).toBeGreaterThan(0);
    expect(row.leakedTensors).toEqual({ ours: 0, theirs: 0 });
    if (found.ok) {
      expect(row.theirs!.median).toBeGreaterThan(0);
      expect(row.relativeError).toBeLessThan(1e-5);
    } else {
      expect(row.peerMissing).toEqual({ status: 'skipped', reason: found.reason });
    }
    expect(report.markdown).toContain('### Nabla wasm ×1 vs ort-web ×1');
  }, 120_000);
});

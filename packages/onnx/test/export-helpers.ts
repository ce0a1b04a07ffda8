// Shared by the export tests: export a model, run the bytes in onnxruntime-node at several batch
// sizes (the batch axis is dynamic) and compare every output with nn's predict, entry by entry,
// to |onnx − nabla| ≤ tol · (1 + |nabla|).

import '@nabla/backend-cpu';
import { randomNormal, randomUniform, setBackend, type Tensor } from '@nabla/core';
import type { Model } from '@nabla/nn';
import ort from 'onnxruntime-node';
import { beforeAll, expect } from 'vitest';
import { type ExportOnnxOptions, exportOnnx } from '../src/index.js';

/** Selects the CPU backend before the file's tests. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await setBackend('cpu');
  });
}

/** A seeded normal batch of `n` samples of `shape`. */
export function normal(n: number, shape: readonly number[], seed: number): Tensor {
  return randomNormal([n, ...shape], { seed });
}

/**
 * Gives every weight of `model` seeded random values (moving variances in [0.5, 1.5)), so that
 * biases, batch-norm statistics and recurrent biases all take part in the comparison.
 */
export function randomizeWeights(model: Model, seed: number): void {
  const values = model.namedWeights.map((w, i) =>
    w.name.endsWith('moving_variance')
      ? randomUniform(w.variable.shape, { seed: seed + i, minval: 0.5, maxval: 1.5 })
      : randomNormal(w.variable.shape, { seed: seed + i, stddev: 0.5 }),
  );
  model.setWeights(values);
  for (const v of values) v.dispose();
}

/** Seeded integer ids in [0, vocab) as int32. */
export function ids(n: number, shape: readonly number[], vocab: number, seed: number): Tensor {
  const u = randomUniform([n, ...shape], { seed, minval: 0, maxval: vocab });
  const out = u.floor().cast('int32');
  u.dispose();
  return out;
}

/** What a comparison measured. */
export interface OrtCheck {
  bytes: Uint8Array;
  session: ort.InferenceSession;
  maxDiff: number;
}

/**
 * Exports `model`, runs it in ONNX Runtime on `makeInputs(n)` for each batch size and expects
 * ONNX Runtime's outputs to match `model.predictOutputs` to `tol` (abs + rel).
 */
export async function expectOrtMatches(
  model: Model,
  makeInputs: (batch: number) => Tensor[],
  options: { batches?: number[]; tol?: number; export?: ExportOnnxOptions } = {},
): Promise<OrtCheck> {
  const { batches = [2, 3], tol = 1e-5 } = options;
  const bytes = await exportOnnx(model, options.export);
  const session = await ort.InferenceSession.create(bytes);
  let maxDiff = 0;
  for (const n of batches) {
    const xs = makeInputs(n);
    const feeds: Record<string, ort.Tensor> = {};
    for (const [i, name] of session.inputNames.entries()) {
      const x = xs[i]!;
      feeds[name] = new ort.Tensor(x.dtype === 'int32' ? 'int32' : 'float32', await x.data(), x.shape);
    }
    const results = await session.run(feeds);
    const expected = model.predictOutputs(xs.length === 1 ? xs[0]! : xs);
    expect(session.outputNames).toHaveLength(expected.length);
    for (const [k, name] of session.outputNames.entries()) {
      const got = results[name]!;
      const want = expected[k]!;
      expect(got.dims.map(Number)).toEqual(want.shape);
      const a = got.data as Float32Array;
      const b = await want.data();
      for (let j = 0; j < b.length; j++) {
        const diff = Math.abs(a[j]! - b[j]!);
        maxDiff = Math.max(maxDiff, diff);
        if (!(diff <= tol * (1 + Math.abs(b[j]!)))) {
          expect.fail(`output ${name}[${j}] at batch ${n}: onnx ${a[j]} vs nabla ${b[j]} (diff ${diff})`);
        }
      }
    }
    for (const t of [...xs, ...expected]) t.dispose();
  }
  return { bytes, session, maxDiff };
}

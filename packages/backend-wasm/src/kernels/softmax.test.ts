// The wasm softmax kernel against a float64 reference, on the plain and relaxed-SIMD builds:
// rows whose x − max stays within [−87.3365, 0] take the short exponential (a degree-6
// polynomial, 2^n as one factor), wider rows the full one, which keeps subnormal results. Both
// must hold float32 accuracy in relative terms down to the smallest normal results, and a
// split over two threads must give the same bits as one thread.

import { registerBackend, setBackend, softmax, type Tensor, tensor } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { WasmBackend } from '../index.js';

registerBackend('wasm-softmax-relaxed', () => new WasmBackend({ threads: 1, relaxedSimd: true }));
registerBackend('wasm-softmax-plain', () => new WasmBackend({ threads: 1, relaxedSimd: false }));
const split = new WasmBackend({ threads: 2, minParallelWork: 1 });
registerBackend('wasm-softmax-2', () => split);

/** The smallest normal float32. */
const MIN_NORMAL = 2 ** -126;

/**
 * softmax of each row in float64 from the float32 inputs and their float32 differences x − max
 * (whose rounding, up to 2^−24·|x − max| absolute, every float32 softmax has).
 */
function reference(rows: readonly Float32Array[]): number[][] {
  return rows.map((row) => {
    const m = Math.max(...row);
    const e = Array.from(row, (x) => Math.exp(Math.fround(x - m)));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  });
}

/** softmax of `rows` (equal lengths) on backend `name`, flat. */
async function run(name: string, rows: readonly Float32Array[]): Promise<Float32Array> {
  await setBackend(name);
  const cols = rows[0]!.length;
  const flat = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    flat.set(row, r * cols);
  });
  const x: Tensor = tensor(flat, [rows.length, cols]);
  const y = softmax(x);
  const values = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return values;
}

/** Largest relative error over the results of at least the smallest normal float32. */
function worstRelative(got: Float32Array, want: readonly number[][]): { worst: number; checked: number } {
  const cols = want[0]!.length;
  let worst = 0;
  let checked = 0;
  want.forEach((row, r) => {
    row.forEach((w, c) => {
      if (w < MIN_NORMAL) return;
      worst = Math.max(worst, Math.abs(got[r * cols + c]! - w) / w);
      checked++;
    });
  });
  return { worst, checked };
}

/** A seeded generator of floats in [0, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Rows of `cols` values spread over [−span, 0] (plus an offset), each with its maximum at 0. */
function spreadRows(count: number, cols: number, span: number, seed: number): Float32Array[] {
  const next = uniform(seed);
  return Array.from({ length: count }, (_, r) => {
    const offset = (r - count / 2) * 3.25;
    const row = Float32Array.from({ length: cols }, () => offset - next() * span);
    row[r % cols] = offset;
    return row;
  });
}

describe('wasm softmax kernel', () => {
  for (const build of ['relaxed', 'plain'] as const) {
    const name = `wasm-softmax-${build}`;

    it(`${build} build: rows within the short exponential's range hold float32 accuracy`, async () => {
      // 37 columns: the unrolled loop, one single vector and a scalar tail; spans up to 87.
      const rows = [
        ...spreadRows(24, 37, 20, 11),
        ...spreadRows(24, 37, 87.3, 12),
        // The range's end exactly: e^−87.3365 is just above the smallest normal float32.
        Float32Array.from({ length: 37 }, (_, j) => (j === 3 ? 0 : j % 2 ? -87.3365 : -80 + j)),
      ];
      const got = await run(name, rows);
      const { worst, checked } = worstRelative(got, reference(rows));
      expect(checked).toBeGreaterThan(1500);
      // Two float32 ulps (2^−23 each, relative, at worst), the normalisation's roundings
      // included (1.78–1.82 measured on both builds, as with the full exponential).
      expect(worst).toBeLessThan(2 * 2 ** -23);
    });

    it(`${build} build: wider rows keep their subnormal results, −∞ gives exactly 0`, async () => {
      const rows = [
        Float32Array.from({ length: 21 }, (_, j) => -j * 5),
        Float32Array.from({ length: 21 }, (_, j) => (j === 7 ? Number.NEGATIVE_INFINITY : -j * 0.3)),
        // Just past the range: the full exponential.
        Float32Array.from({ length: 21 }, (_, j) => (j === 0 ? 0 : j === 1 ? -87.337 : -j)),
        // Past it by less than one binade of 2^n: e^−87.5 is normal, e^−88 and e^−88.2 not.
        Float32Array.from({ length: 21 }, (_, j) => [0, -87.5, -88, -88.2][j] ?? -j),
      ];
      const got = await run(name, rows);
      const want = reference(rows);
      expect(worstRelative(got, want).worst).toBeLessThan(2 * 2 ** -23);
      // e^−90 … e^−100 relative to a sum near 1: subnormals, as float32 rounds them.
      for (const c of [18, 19, 20]) {
        const w = want[0]![c]!;
        expect(w).toBeLessThan(MIN_NORMAL);
        expect(got[c]!).toBeGreaterThan(0);
        expect(Math.abs(got[c]! - w)).toBeLessThanOrEqual(2 ** -149);
      }
      for (const c of [2, 3]) {
        expect(got[63 + c]!).toBeGreaterThan(0);
        expect(Math.abs(got[63 + c]! - want[3]![c]!)).toBeLessThanOrEqual(2 ** -149);
      }
      expect(got[21 + 7]).toBe(0);
      expect(Math.abs(got[42 + 1]! / want[2]![1]! - 1)).toBeLessThan(2 * 2 ** -23);
    });
  }

  it('gives the same bits split over two threads as on one', async () => {
    const rows = spreadRows(67, 130, 40, 13);
    const one = await run('wasm-softmax-relaxed', rows);
    const jobs = split.threadInfo().parallelJobs;
    const two = await run('wasm-softmax-2', rows);
    expect(split.threadInfo().parallelJobs).toBe(jobs + 1);
    expect(Array.from(two)).toEqual(Array.from(one));
  });
});

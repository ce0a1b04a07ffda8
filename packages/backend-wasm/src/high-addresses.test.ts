// Tensors above 2 GiB: a heap whose first 2 GiB + 1 MiB are one block that is never touched
// (the OS backs untouched pages lazily, so this costs no memory) puts every tensor at an address
// past 2^31, where pointers no longer fit a signed int32. Every kind of kernel, on one thread and
// split over two (whose arguments travel through an Int32Array), must match the CPU backend.

import '@nabla/backend-cpu';
import {
  argMax,
  cast,
  concat,
  conv2d,
  cumsum,
  gather,
  greater,
  matmul,
  maxPool2d,
  mul,
  randomUniform,
  registerBackend,
  reverse,
  setBackend,
  slice,
  sum,
  type Tensor,
  tensor,
  tidy,
  transpose,
  where,
} from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { WasmBackend, wasmHeapOf } from './wasm-backend.js';

const backends = new Map<string, WasmBackend>();

for (const threads of [1, 2]) {
  const name = `wasm-high-${threads}`;
  registerBackend(name, () => {
    const backend = new WasmBackend({
      threads,
      minParallelWork: 0,
      initialBytes: 2 ** 20,
      maximumBytes: 2 ** 32,
    });
    wasmHeapOf(backend).alloc(2 ** 31 + 2 ** 20);
    backends.set(name, backend);
    return backend;
  });
}

/** Deterministic values in [-2, 2). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 30 - 2;
  });
}

/** One result per kind of kernel: elementwise, broadcasting, reductions, movement, GEMM, conv, pooling. */
function results(): number[][] {
  return tidy(() => {
    const a = tensor(values(48 * 40, 1), [48, 40]);
    const b = tensor(values(40 * 36, 2), [40, 36]);
    const row = tensor(values(40, 3), [1, 40]);
    const x = tensor(values(2 * 9 * 9 * 4, 4), [2, 9, 9, 4]);
    const f = tensor(values(3 * 3 * 4 * 8, 5), [3, 3, 4, 8]);
    const out: Tensor[] = [
      mul(a, row),
      where(greater(a, row), a, row),
      cast(a, 'int32'),
      sum(a, { axis: 0 }),
      sum(tensor(values(6 * 5 * 4, 6), [6, 5, 4]), { axis: [0, 2] }),
      argMax(a, { axis: 1 }),
      cumsum(a, { axis: 1 }),
      transpose(a),
      slice(a, '3:10, 5:20'),
      concat([a, a], 1),
      reverse(a, 0),
      gather(a, tensor([5, 0, 47], [3], 'int32')),
      matmul(a, b),
      matmul(tensor(values(3 * 8 * 40, 7), [3, 8, 40]), b),
      conv2d(x, f, { strides: 1, padding: 'same' }),
      conv2d(tensor(values(9 * 9 * 4, 8), [1, 9, 9, 4]), f, { strides: 1, padding: 'same' }),
      maxPool2d(x, { poolSize: 2, strides: 2, padding: 'valid' }),
      randomUniform([100], { seed: 7 }),
    ];
    return out.map((t) => Array.from(t.dataSync()));
  });
}

describe('wasm tensors above 2 GiB', () => {
  it.each([1, 2])('match the CPU backend with %i thread(s)', async (threads) => {
    await setBackend('cpu');
    const expected = results();
    const name = `wasm-high-${threads}`;
    await setBackend(name);
    const backend = backends.get(name)!;
    const got = results();
    expect(wasmHeapOf(backend).top).toBeGreaterThan(2 ** 31);
    for (const [i, want] of expected.entries()) {
      const have = got[i]!;
      expect(have.length, `result ${i}`).toBe(want.length);
      const worst = Math.max(0, ...have.map((v, j) => Math.abs(v - want[j]!) / (1 + Math.abs(want[j]!))));
      expect(worst, `result ${i}`).toBeLessThan(1e-4);
    }
    if (threads === 2) expect(backend.threadInfo().parallelJobs).toBeGreaterThan(0);
    await setBackend('cpu');
    backend.dispose();
  });
});

// The pool's spin between split kernels (`workerSpinMs`): a worker that finished its part spins
// for the next one that long, and on while the main thread keeps running kernels (up to eight
// spins in all), then sleeps,
// so an idle backend costs no CPU; 0 sleeps at once. CPU time is the process's (this file runs
// in a process of its own), read around an idle wait after a split matmul, or around a busy loop
// whose kernels run on this backend or on another one.

import { add, matmul, registerBackend, setBackend, tensor } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { WasmBackend } from './index.js';

/** CPU milliseconds the process spends over `ms` of idle wall time after a split matmul. */
async function idleCpuAfterJob(name: string, ms: number): Promise<number> {
  await setBackend(name);
  const a = tensor(new Float32Array(256 * 256).fill(0.5), [256, 256]);
  const c = matmul(a, a);
  expect(c.dataSync()[0]).toBe(64);
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  a.dispose();
  c.dispose();
  return (used.user + used.system) / 1000;
}

describe('wasm worker spin', () => {
  it('spins for workerSpinMs after a job, then sleeps', async () => {
    const long = new WasmBackend({ threads: 2, workerSpinMs: 60 });
    const short = new WasmBackend({ threads: 2 });
    registerBackend('wasm-spin-60', () => long);
    registerBackend('wasm-spin-default', () => short);
    const spinning = await idleCpuAfterJob('wasm-spin-60', 400);
    const sleeping = await idleCpuAfterJob('wasm-spin-default', 400);
    expect(long.threadInfo().parallelJobs).toBe(1);
    expect(short.threadInfo().parallelJobs).toBe(1);
    // About 60 ms of spinning (less when the machine takes the core away), and never 400.
    expect(spinning).toBeGreaterThan(25);
    expect(spinning).toBeLessThan(200);
    // 0.5 ms of spinning, then asleep.
    expect(sleeping).toBeLessThan(25);
    long.dispose();
    short.dispose();
  });

  it('spins on while the main thread runs kernels here (up to 8 spins), not while it runs them elsewhere', async () => {
    const pooled = new WasmBackend({ threads: 2, workerSpinMs: 60 });
    const capped = new WasmBackend({ threads: 2, workerSpinMs: 10 });
    const other = new WasmBackend({ threads: 1 });
    registerBackend('wasm-spin-beat', () => pooled);
    registerBackend('wasm-spin-capped', () => capped);
    registerBackend('wasm-spin-other', () => other);
    await setBackend('wasm-spin-beat');
    const a = tensor(new Float32Array(256 * 256).fill(0.5), [256, 256]);
    /**
     * CPU milliseconds beyond the calling thread's own over `ms` of small adds on backend `where`
     * (the same JavaScript either way), right after a split matmul on backend `split`.
     */
    const workerCpu = async (split: string, where: string, ms: number): Promise<number> => {
      await setBackend(where);
      const x = tensor([1, 2, 3, 4]);
      await setBackend(split);
      const b = tensor(new Float32Array(256 * 256).fill(0.5), [256, 256]);
      matmul(b, b).dispose();
      // The worker now spins (this await takes microtasks only).
      await setBackend(where);
      const before = process.cpuUsage();
      const start = performance.now();
      let kernels = 0;
      while (performance.now() - start < ms) {
        add(x, x).dispose();
        kernels++;
      }
      const wall = performance.now() - start;
      const used = process.cpuUsage(before);
      x.dispose();
      b.dispose();
      expect(kernels).toBeGreaterThan(1000);
      return (used.user + used.system) / 1000 - wall;
    };
    const elsewhere = await workerCpu('wasm-spin-beat', 'wasm-spin-other', 400);
    const here = await workerCpu('wasm-spin-beat', 'wasm-spin-beat', 400);
    const short = await workerCpu('wasm-spin-capped', 'wasm-spin-capped', 400);
    expect(pooled.threadInfo().parallelJobs).toBe(2);
    expect(capped.threadInfo().parallelJobs).toBe(1);
    // The same JavaScript (and so V8's own threads: about 110 ms here) each time. The worker
    // spins 60 ms alongside the kernels on another backend, and 400 ms alongside those on its
    // own (less when the machine takes the core away) ...
    expect(here - elsewhere).toBeGreaterThan(120);
    // ... but at most 8 spins in all: 80 ms at workerSpinMs 10, then it sleeps.
    expect(short - elsewhere).toBeLessThan(150);
    // Once the kernels stop, the worker sleeps (after at most two more 60 ms spins).
    await setBackend('wasm-spin-beat');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idle = process.cpuUsage(before);
    expect((idle.user + idle.system) / 1000).toBeLessThan(40);
    a.dispose();
    pooled.dispose();
    capped.dispose();
    other.dispose();
  });

  it('gives the same bits with and without spinning', async () => {
    const values = Float32Array.from({ length: 192 * 320 }, (_, i) => Math.sin(i));
    const results: Float32Array[] = [];
    for (const workerSpinMs of [0, 0.5, 5]) {
      const backend = new WasmBackend({ threads: 2, workerSpinMs, minParallelWork: 0 });
      registerBackend(`wasm-spin-${workerSpinMs}`, () => backend);
      await setBackend(`wasm-spin-${workerSpinMs}`);
      const a = tensor(values, [192, 320]);
      const c = matmul(a, a, { transposeB: true });
      results.push(c.dataSync() as Float32Array);
      expect(backend.threadInfo().parallelJobs).toBe(1);
      a.dispose();
      c.dispose();
      backend.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

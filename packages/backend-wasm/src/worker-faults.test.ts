// Injected worker faults: a worker that traps, exits or spins during a split kernel makes the
// call fail within a bounded time with a BackendError naming the op, leaves no bytes held and no
// tensor changed, and the backend goes on (with one thread after a dead or stalled worker).

import { BackendError, matmul, memory, registerBackend, setBackend, type Tensor, tensor } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import type { WorkerFault } from './thread-pool.js';
import { injectWorkerFault, WasmBackend } from './wasm-backend.js';
import { WasmData } from './wasm-data.js';

/** Rows × depth × columns of the product: enough rows for a row split over two threads. */
const [M, K, N] = [64, 24, 40];

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 17) - 8);
}

/** The product in plain JS (small integers, so float32 sums are exact). */
function reference(a: Float32Array, b: Float32Array): number[] {
  const c: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += a[i * K + p]! * b[p * N + j]!;
      c.push(s);
    }
  }
  return c;
}

let backends = 0;

/** A fresh two-thread backend that splits every kernel, made active. */
async function faultyBackend(workerTimeoutMs: number): Promise<WasmBackend> {
  const backend = new WasmBackend({
    threads: 2,
    minParallelWork: 0,
    workerTimeoutMs,
    initialBytes: 2 ** 20,
    maximumBytes: 2 ** 24,
  });
  const name = `wasm-faults-${++backends}`;
  registerBackend(name, () => backend);
  await setBackend(name);
  return backend;
}

function data(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('wasm worker faults', () => {
  const a = values(M * K, 1);
  const b = values(K * N, 2);
  const expected = reference(a, b);

  // Traps and exits are noticed at once, so their bound is only a backstop (generous, for a
  // loaded machine); a spin is noticed by the bound.
  type Case = { fault: WorkerFault; timeoutMs: number; message: RegExp; recovers: 'pool' | 'one thread' };
  const cases: Case[] = [
    {
      fault: 'trap',
      timeoutMs: 4000,
      message: /^matmul: a wasm worker thread failed in sgemm/,
      recovers: 'pool',
    },
    {
      fault: 'exit',
      timeoutMs: 4000,
      message:
        /^matmul: wasm worker thread 1 stopped during sgemm; the wasm backend goes on with one thread$/,
      recovers: 'one thread',
    },
    {
      fault: 'spin',
      timeoutMs: 200,
      message: /^matmul: wasm worker thread 1 did not finish its part of sgemm within 200 ms/,
      recovers: 'one thread',
    },
  ];

  for (const { fault, timeoutMs, message, recovers } of cases) {
    it(`a worker that ${fault}s fails the call quickly, frees its blocks and recovers`, async () => {
      const backend = await faultyBackend(timeoutMs);
      const x = tensor(a, [M, K]);
      const y = tensor(b, [K, N]);
      const canary = tensor([1, 2, 3, 4]);
      const first = matmul(x, y);
      expect(data(first)).toEqual(expected);
      first.dispose();
      const jobs = backend.threadInfo().parallelJobs;
      expect(jobs).toBeGreaterThan(0);
      const before = { core: memory(), bytes: backend.memory().bytesInUse };

      injectWorkerFault(backend, fault);
      const started = performance.now();
      let error: unknown;
      try {
        matmul(x, y).dispose();
      } catch (err) {
        error = err;
      }
      expect(performance.now() - started).toBeLessThan(5000);
      expect(error).toBeInstanceOf(BackendError);
      expect(String((error as Error).message)).toMatch(message);
      expect(memory().numTensors).toBe(before.core.numTensors);
      expect(memory().numBytes).toBe(before.core.numBytes);
      expect(backend.memory().bytesInUse).toBe(before.bytes);
      expect(data(canary)).toEqual([1, 2, 3, 4]);

      const info = backend.threadInfo();
      if (recovers === 'pool') {
        expect(info.threads).toBe(2);
        expect(info.reason).toBeUndefined();
      } else {
        expect(info.threads).toBe(1);
        expect(info.reason).toMatch(/wasm worker thread 1 .*; running on one thread/);
        // The stopped workers really stop, so the blocks held for them go back to the heap.
        const stopped = await Promise.race([
          backend.threadsStopped().then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
        ]);
        expect(stopped).toBe(true);
      }

      const again = matmul(x, y);
      expect(data(again)).toEqual(expected);
      expect(backend.threadInfo().parallelJobs).toBe(recovers === 'pool' ? jobs + 2 : jobs + 1);
      again.dispose();
      expect(backend.memory().bytesInUse).toBe(before.bytes);
      for (const t of [x, y, canary]) t.dispose();
      backend.dispose();
    });
  }

  it('a kernel that traps on every thread fails once, frees its output, and the next call is right', async () => {
    const backend = await faultyBackend(2000);
    const x = tensor(a, [M, K]);
    const y = tensor(b, [K, N]);
    const kernel = backend.kernels.matmul;
    if ('unsupported' in kernel) throw new Error('expected a matmul kernel');
    const bytes = backend.memory().bytesInUse;
    // An operand at the end of the memory's maximum: the calling thread and the worker both trap.
    // (A shared memory does not trap between its current size and its maximum.)
    const outside = new WasmData(2 ** 24 - 16, M * K * 4);
    const inputs = [
      { handle: outside, shape: [M, K], dtype: 'float32' as const, size: M * K },
      { handle: backend.upload(b, 'float32'), shape: [K, N], dtype: 'float32' as const, size: K * N },
    ];
    const params = { transposeA: false, transposeB: false };
    const out = { shape: [M, N], dtype: 'float32' as const, size: M * N };
    expect(() => kernel(inputs, params, out)).toThrow(/^matmul: the wasm kernel trapped/);
    backend.free(inputs[1]!.handle);
    expect(backend.memory().bytesInUse).toBe(bytes);
    const again = matmul(x, y);
    expect(data(again)).toEqual(expected);
    expect(backend.threadInfo().threads).toBe(2);
    for (const t of [x, y, again]) t.dispose();
    backend.dispose();
  });

  it('a worker killed between jobs is noticed: the next call runs on one thread and is right', async () => {
    const backend = await faultyBackend(2000);
    const x = tensor(a, [M, K]);
    const y = tensor(b, [K, N]);
    injectWorkerFault(backend, 'kill');
    // Node reports the exit on the event loop.
    for (let i = 0; i < 500 && backend.threadInfo().threads === 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(backend.threadInfo().threads).toBe(1);
    expect(backend.threadInfo().reason).toBe(
      'wasm worker thread 1 stopped between jobs; running on one thread',
    );
    const jobs = backend.threadInfo().parallelJobs;
    const c = matmul(x, y);
    expect(data(c)).toEqual(expected);
    expect(backend.threadInfo().parallelJobs).toBe(jobs);
    for (const t of [x, y, c]) t.dispose();
    backend.dispose();
  });

  it('a worker killed just before a job costs no failure: its part is taken over, or it finished first', async () => {
    const backend = await faultyBackend(2000);
    const x = tensor(a, [M, K]);
    const y = tensor(b, [K, N]);
    injectWorkerFault(backend, 'kill');
    const started = performance.now();
    const c = matmul(x, y);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(data(c)).toEqual(expected);
    for (const t of [x, y, c]) t.dispose();
    backend.dispose();
  });

  it('rejects a workerTimeoutMs that is not a positive number', () => {
    for (const workerTimeoutMs of [0, -1, Number.NaN]) {
      expect(() => new WasmBackend({ threads: 1, workerTimeoutMs })).toThrow(/workerTimeoutMs/);
    }
  });
});

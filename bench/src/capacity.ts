// How much a second thread can gain on this machine right now: two workers doing the same work
// as one, timed against one alone. On a shared or virtual machine, where another tenant may hold
// the second core part of the time, this is the ceiling for any ×2 row's gain over ×1, and it
// changes from minute to minute, so a run measures it at its start and end. Two kinds of work:
// plain scalar arithmetic (a few dependent multiply-adds, which leave most of a core idle), and
// Nabla's own one-thread wasm matrix product (SIMD-bound, as training is), each worker with a
// backend of its own, so that nothing but the machine is shared between them.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

// A worker: wait for 'go', run a fixed multiply-add loop, post back. Plain script (eval).
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', () => {
  let a = 1, b = 1, c = 1, d = 1;
  const m = 0.9999999;
  for (let i = 0; i < workerData; i++) { a = a * m + 1e-9; b = b * m + 1e-9; c = c * m + 1e-9; d = d * m + 1e-9; }
  parentPort.postMessage(a + b + c + d);
});
parentPort.postMessage('ready');
`;

// A worker: one single-thread wasm backend, then on each 'go' `workerData.repeats` products of
// two 256×256 matrices (they fit in a core's own cache), the same two each time.
const GEMM_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const core = await import(workerData.core);
  const { WasmBackend } = await import(workerData.wasm);
  core.registerBackend('capacity', () => WasmBackend.create({ threads: 1 }));
  await core.setBackend('capacity');
  const a = core.randomUniform([256, 256], { seed: 1 });
  const b = core.randomUniform([256, 256], { seed: 2 });
  parentPort.on('message', () => {
    let last = 0;
    for (let i = 0; i < workerData.repeats; i++) last = core.tidy(() => core.matmul(a, b).dataSync()[0]);
    parentPort.postMessage(last);
  });
  parentPort.postMessage('ready');
})();
`;

/** The file URL of an ESM-only package's main entry (`import.meta.resolve` is not in vitest). */
function entryUrl(name: string): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${name}/package.json`);
  const pkg: { exports: { '.': { import: string } } } = require(manifest);
  return pathToFileURL(join(dirname(manifest), pkg.exports['.'].import)).href;
}

/** What the capacity workers run: plain scalar arithmetic, or Nabla's one-thread wasm GEMM. */
export type CapacityWork = 'scalar' | 'gemm';

/** Milliseconds for these workers to each run their loop once, from a common start. */
async function timeRun(workers: readonly Worker[]): Promise<number> {
  const done = workers.map(
    (w) =>
      new Promise((resolve, reject) => {
        const onError = (error: Error) => {
          w.off('message', onMessage);
          reject(error);
        };
        const onMessage = (value: unknown) => {
          w.off('error', onError);
          resolve(value);
        };
        w.once('message', onMessage);
        w.once('error', onError);
      }),
  );
  const start = performance.now();
  for (const w of workers) w.postMessage('go');
  await Promise.all(done);
  return performance.now() - start;
}

/** The capacity of `threads` threads against one: median of `rounds` alternating timings. */
export interface ThreadCapacity {
  threads: number;
  work: CapacityWork;
  /** threads × (time of one worker) ÷ (time of `threads` workers): `threads` on an idle machine. */
  ratio: number;
  samples: number[];
}

/**
 * Measures how many threads' worth of work `threads` workers get done at once right now
 * (about 0.2 s of work per worker and round): `size` is the scalar loop's iteration count, or the
 * number of 256×256 products per round for `work` 'gemm'.
 * @example
 * const { ratio } = await threadCapacity(2); // 2 on an idle 2-core machine, less when shared
 * const simd = await threadCapacity(2, 5, 'gemm', 200); // the same for SIMD-bound work
 */
export async function threadCapacity(
  threads = 2,
  rounds = 5,
  work: CapacityWork = 'scalar',
  size = work === 'scalar' ? 5e7 : 200,
): Promise<ThreadCapacity> {
  const workers = Array.from({ length: threads }, () =>
    work === 'scalar'
      ? new Worker(SOURCE, { eval: true, workerData: size })
      : new Worker(GEMM_SOURCE, {
          eval: true,
          workerData: {
            core: entryUrl('@nabla/core'),
            wasm: entryUrl('@nabla/backend-wasm'),
            repeats: size,
          },
        }),
  );
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    // Warm up every worker's loop (compiled, not interpreted) before timing.
    await timeRun(workers);
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const one = await timeRun(workers.slice(0, 1));
      const all = await timeRun(workers);
      samples.push((threads * one) / all);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return { threads, work, ratio: sorted[Math.floor(sorted.length / 2)]!, samples };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

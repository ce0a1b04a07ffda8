// How much a second thread can gain on this machine right now: two workers doing the same
// plain arithmetic as one, timed against one alone. On a shared or virtual machine, where
// another tenant may hold the second core part of the time, this is the ceiling for any ×2 row's
// gain over ×1, and it changes from minute to minute, so a run measures it at its start and end.

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
  /** threads × (time of one worker) ÷ (time of `threads` workers): `threads` on an idle machine. */
  ratio: number;
  samples: number[];
}

/**
 * Measures how many threads' worth of work `threads` workers get done at once right now
 * (about 0.2 s of work per worker and round).
 * @example
 * const { ratio } = await threadCapacity(2); // 2 on an idle 2-core machine, less when shared
 */
export async function threadCapacity(threads = 2, rounds = 5, iterations = 5e7): Promise<ThreadCapacity> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(SOURCE, { eval: true, workerData: iterations }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
    // Warm up every worker's loop (compiled, not interpreted) before timing.
    await timeRun(workers);
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const one = await timeRun(workers.slice(0, 1));
      const all = await timeRun(workers);
      samples.push((threads * one) / all);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    return { threads, ratio: sorted[Math.floor(sorted.length / 2)]!, samples };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

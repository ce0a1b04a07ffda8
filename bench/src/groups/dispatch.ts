// Per-op dispatch overhead: a chain of 1000 `x = x.add(1)` on a 4-element tensor inside tidy
// (TF.js: `tf.add(x, 1)`, since tfjs-core alone does not register the chained methods),
// so the arithmetic is nothing and the time is the framework's own work per op (argument
// conversion, shape and dtype checks, kernel lookup, allocation, scope bookkeeping). Reported
// in ops/s (throughput, for the ratio) and µs per op.

import { type Tensor, tensor, tidy } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, PAIRINGS, type Pairing } from '../pairings.js';
import { type BenchCase, type BenchRow, compareCalls, type GroupOptions, timeCall } from '../registry.js';

const CHAIN = 1000;

function dispatchRow(pairing: Pairing): BenchRow {
  return {
    group: 'dispatch',
    name: `dispatch ${CHAIN} × add(1) on [4]`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'ops/s',
    work: CHAIN,
    latency: { unit: 'µs', per: 'op', count: CHAIN },
    // Even in --quick: a cold JIT and one garbage collection in a 10 ms sample swing this row 4×.
    plan: { warmupSeconds: 0.5, sampleSeconds: 0.05 },
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const values = new Float32Array([1, 2, 3, 4]);
      const x0: Tensor = tensor(values, [4]);
      const tx0 = tf.tensor1d(values, 'float32');
      const ours = (): Tensor =>
        tidy(() => {
          let x = x0;
          for (let i = 0; i < CHAIN; i++) x = x.add(1);
          return x;
        });
      const theirs = (): tf.Tensor =>
        tf.tidy(() => {
          let x = tx0;
          for (let i = 0; i < CHAIN; i++) x = tf.add(x, 1);
          return x;
        });
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
        dispose() {
          x0.dispose();
          tx0.dispose();
        },
      };
    },
  };
}

/** The dispatch group: one row per pairing. */
export function dispatchGroup(_options: GroupOptions): BenchRow[] {
  return PAIRINGS.map(dispatchRow);
}

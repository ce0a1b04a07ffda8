// Runs the hostile-input suite and the autodiff exception-safety tests on the wasm backend,
// every result compared with the CPU backend (imported as the reference and as the home of
// "foreign" tensors). The wasm heap is where an unchecked size overwrites other tensors, so
// the canary next to each call matters most here. 'wasm-split' (two threads, no size
// threshold) sends even the suite's small shapes through the worker-split kernel paths.

import '@nabla/backend-cpu';
import { registerBackend } from '@nabla/core';
import { runAutodiffSafetySuite, runHostileSelfTest, runHostileSuite } from '@nabla/core/testing';
import { createWasmBackend } from './index.js';

registerBackend('wasm-split', () => createWasmBackend({ threads: 2, minParallelWork: 0 }));

runHostileSelfTest('wasm', { reference: 'cpu' });
runAutodiffSafetySuite('wasm');
runHostileSuite('wasm', { reference: 'cpu', foreign: 'cpu' });
runHostileSuite('wasm-split', {
  reference: 'cpu',
  foreign: 'wasm',
  numRuns: 20,
  label: 'threads=2, every kernel split',
});

// Runs the hostile-input suite and the autodiff exception-safety tests on the wasm backend,
// every result compared with the CPU backend (imported as the reference and as the home of
// "foreign" tensors). The wasm heap is where an unchecked size overwrites other tensors, so
// the canary next to each call matters most here.

import '@nabla/backend-cpu';
import { runAutodiffSafetySuite, runHostileSelfTest, runHostileSuite } from '@nabla/core/testing';
import './index.js';

runHostileSelfTest('wasm', { reference: 'cpu' });
runAutodiffSafetySuite('wasm');
runHostileSuite('wasm', { reference: 'cpu', foreign: 'cpu' });

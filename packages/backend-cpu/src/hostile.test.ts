// Runs the hostile-input suite on the CPU backend ('cpu', the reference, checked for valid
// results; 'cpu-async', compared with 'cpu'), after the self-test that proves the harness
// catches an op that leaks, throws a raw TypeError, returns wrong values or corrupts a tensor.

import { runHostileSelfTest, runHostileSuite } from '@nabla/core/testing';
import { CpuData, registerCpuAsync } from './index.js';

registerCpuAsync();

runHostileSelfTest('cpu', {
  // An in-place write into another tensor's storage, as an out-of-bounds kernel would do.
  corrupt: (canary) => {
    const handle = canary.storage.handle;
    if (handle instanceof CpuData) handle.values[3] = 42;
  },
});
runHostileSelfTest('cpu-async', { reference: 'cpu' });
runHostileSuite('cpu', { foreign: 'cpu-async' });
runHostileSuite('cpu-async', { reference: 'cpu', foreign: 'cpu', label: 'async-only, compared with cpu' });

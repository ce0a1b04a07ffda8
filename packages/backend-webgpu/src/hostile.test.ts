// Runs the hostile-input suite and the autodiff exception-safety tests on the WebGPU backend
// (Dawn over Vulkan SwiftShader, see device-setup.ts), and the hostile suite again on Dawn's
// OpenGL ES backend over llvmpipe, every result compared with the CPU backend, which also holds
// the "foreign" tensors. The self-test's corruption is a stray write into the canary's GPU
// buffer, as an out-of-bounds kernel store would make. Nothing is skipped.

import '@nabla/backend-cpu';
import { activeBackend } from '@nabla/core';
import { runAutodiffSafetySuite, runHostileSelfTest, runHostileSuite } from '@nabla/core/testing';
import { registerGlesWebGpu, registerSoftwareWebGpu } from './device-setup.js';
import { GpuData } from './gpu-data.js';
import { WebGpuBackend } from './webgpu-backend.js';

registerSoftwareWebGpu();
registerGlesWebGpu('webgpu-gles');

runHostileSelfTest('webgpu', {
  reference: 'cpu',
  corrupt: (canary) => {
    const handle = canary.storage.handle;
    const backend = activeBackend();
    if (backend instanceof WebGpuBackend && handle instanceof GpuData)
      backend.device.queue.writeBuffer(handle.buffer, 12, new Float32Array([42]));
  },
});
runAutodiffSafetySuite('webgpu');
runHostileSuite('webgpu', { reference: 'cpu', foreign: 'cpu' });
runHostileSuite('webgpu-gles', {
  reference: 'cpu',
  foreign: 'cpu',
  label: 'Dawn OpenGL ES over llvmpipe',
});

// Runs the shared conformance suite on the second software GPU: Dawn's OpenGL ES backend over
// Mesa's llvmpipe, a `compatibility` adapter (device-setup.ts), while conformance.test.ts runs it
// on Vulkan SwiftShader, a `core` one. Every case runs on both; SKIP lists only what fails on
// this adapter alone, with the reason, so a case missing a kernel shows up in both files' runs.

import '@nabla/backend-cpu';
import { runConformance } from '@nabla/core/testing';
import { registerGlesWebGpu } from './device-setup.js';

registerGlesWebGpu('webgpu-gles');

// Mesa's GLSL compiler optimises float math as if addition were associative (GLSL ES allows it),
// which the log1p kernel's WGSL relies on.
const GLES_MATH = 'kernels/unary.ts on Mesa GLES: (1 + x) - 1 is folded to x';

const SKIP: Record<string, string> = {
  'activations: softplus and logSigmoid are stable for large |x|': `${GLES_MATH}: log1p(2e-9) gives 0 (Kahan's log(u)·x/(u-1) trick is folded away)`,
};

runConformance('webgpu-gles', { referenceBackend: 'cpu', skip: SKIP, label: 'Dawn OpenGL ES over llvmpipe' });

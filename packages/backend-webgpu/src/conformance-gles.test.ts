// Runs the shared conformance suite on the second software GPU: Dawn's OpenGL ES backend over
// Mesa's llvmpipe, a `compatibility` adapter (device-setup.ts), while conformance.test.ts runs it
// on Vulkan SwiftShader, a `core` one. Every case runs on both; a case that failed on this adapter
// alone would be skipped here with its reason (none is).

import '@nabla/backend-cpu';
import { runConformance } from '@nabla/core/testing';
import { registerGlesWebGpu } from './device-setup.js';

registerGlesWebGpu('webgpu-gles');

runConformance('webgpu-gles', { referenceBackend: 'cpu', label: 'Dawn OpenGL ES over llvmpipe' });

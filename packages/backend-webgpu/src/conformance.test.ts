// Runs the shared conformance suite on the WebGPU backend, on a software GPU (Dawn over Vulkan
// SwiftShader in CI, see device-setup.ts). It has no float64, so gradients are checked against
// the CPU backend. A case skipped here would be listed in SKIP with its reason.

import '@nabla/backend-cpu';
import { runConformance } from '@nabla/core/testing';
import { registerSoftwareWebGpu } from './device-setup.js';

registerSoftwareWebGpu();

// Every kernel family is written: nothing is skipped.
const SKIP: Record<string, string> = {};

runConformance('webgpu', { referenceBackend: 'cpu', skip: SKIP });

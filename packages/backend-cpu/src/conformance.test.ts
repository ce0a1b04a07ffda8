// Runs the shared conformance suite on the CPU backend, in its normal mode and in its
// async-only mode (no readSync), which proves core never reads tensor data synchronously;
// the async-only instance also has no fused kernels, so it runs core's composites for them.

import { runConformance } from '@nabla/core/testing';
import { registerCpuAsync } from './index.js';

// Cases the CPU backend skips, each with its reason. Empty: the CPU backend runs everything.
const SKIP: Record<string, string> = {};

registerCpuAsync();
runConformance('cpu', { skip: SKIP });
runConformance('cpu-async', { skip: SKIP, label: 'async-only: no readSync, no fused kernels' });

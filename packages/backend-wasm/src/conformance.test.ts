// Runs the shared conformance suite on the wasm backend. It has no float64, so gradients are
// checked against the CPU backend (imported here as the reference).

import '@nabla/backend-cpu';
import { runConformance } from '@nabla/core/testing';
import './index.js';

// Cases the wasm backend skips, each with its reason. Empty: the wasm backend runs everything.
const SKIP: Record<string, string> = {};

runConformance('wasm', { referenceBackend: 'cpu', skip: SKIP });

// Runs the shared conformance suite on the wasm backend, with threads and without, on both
// kernel builds. It has no float64, so gradients are checked against the CPU backend (imported
// here as the reference). 'wasm' is the default (threads = cores, relaxed SIMD where the engine
// has it, as Node ≥ 20 does); 'wasm-1' is one thread over an unshared memory; 'wasm-split' runs
// two threads with no size threshold, so every GEMM and convolution of the suite, however small,
// takes the split paths (rows, columns, images, bands of output rows); 'wasm-plain' is one
// thread on the plain SIMD build (separate multiply and add), the fallback of older engines.

import '@nabla/backend-cpu';
import { registerBackend } from '@nabla/core';
import { runConformance } from '@nabla/core/testing';
import { createWasmBackend } from './index.js';

// Cases the wasm backend skips, each with its reason. Empty: the wasm backend runs everything.
const SKIP: Record<string, string> = {};

registerBackend('wasm-1', () => createWasmBackend({ threads: 1 }));
registerBackend('wasm-split', () => createWasmBackend({ threads: 2, minParallelWork: 0 }));
registerBackend('wasm-plain', () => createWasmBackend({ threads: 1, relaxedSimd: false }));

runConformance('wasm', { referenceBackend: 'cpu', skip: SKIP });
runConformance('wasm-1', { referenceBackend: 'cpu', skip: SKIP, label: 'threads=1' });
runConformance('wasm-split', { referenceBackend: 'cpu', skip: SKIP, label: 'threads=2, every kernel split' });
runConformance('wasm-plain', { referenceBackend: 'cpu', skip: SKIP, label: 'threads=1, plain SIMD build' });

// Which Nabla backend runs against which TF.js backend. Both frameworks keep their own engine,
// so a Nabla backend and a peer backend are active side by side in one process: cpu against
// tfjs-cpu, wasm against tfjs-wasm on one thread each, and (matmul and conv2d only) Nabla's
// wasm on two threads against tfjs-wasm, which runs no threads in Node. The webgpu pairing
// (opt-in) lives in `webgpu.ts`, since it loads Dawn and shims `navigator.gpu` first.

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import '@nabla/backend-cpu';
import { WasmBackend } from '@nabla/backend-wasm';
import { activeBackend, getBackend, registerBackend, setBackend } from '@nabla/core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (tf.grads, optimizers fail with "gradient function not
// found"); tfjs-layers registers all of them on import, as `@tensorflow/tfjs` does for its users.
import '@tensorflow/tfjs-layers';

/** A Nabla backend and the peer it is compared with. */
export interface Pairing {
  /** Nabla side in reports: `cpu`, `wasm ×1`, `wasm ×2`. */
  backend: string;
  /** Peer side in reports, e.g. `tfjs-wasm ×1`. */
  peer: string;
  /** The Nabla backend's registered name, as given to `setBackend`. */
  nablaBackend: string;
  /** TF.js backend name, as given to `tf.setBackend`. */
  peerBackend: 'cpu' | 'wasm' | 'webgpu';
  /** Threads asked of Nabla's wasm backend (the calling thread included). */
  threads?: number;
}

/** Plain TypeScript against TF.js's plain JavaScript kernels, both on the calling thread. */
export const CPU_PAIRING: Pairing = {
  backend: 'cpu',
  peer: 'tfjs-cpu',
  nablaBackend: 'cpu',
  peerBackend: 'cpu',
};

/** WebAssembly SIMD against TF.js's XNNPACK build, one thread each. */
export const WASM_PAIRING: Pairing = {
  backend: 'wasm ×1',
  peer: 'tfjs-wasm ×1',
  nablaBackend: 'bench-wasm-1',
  peerBackend: 'wasm',
  threads: 1,
};

/**
 * Nabla's wasm on two threads. tfjs-wasm 4.22 turns threads off in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is false there; forcing it fails to start its pthread
 * workers), so its side stays on one thread and the label says so.
 */
export const WASM_THREADS_PAIRING: Pairing = {
  backend: 'wasm ×2',
  peer: 'tfjs-wasm ×1 (no threads in Node)',
  nablaBackend: 'bench-wasm-2',
  peerBackend: 'wasm',
  threads: 2,
};

/** Pairings every group runs. */
export const PAIRINGS: readonly Pairing[] = [CPU_PAIRING, WASM_PAIRING];

/** Pairings of the groups where threads matter (matmul, conv2d): the single-thread ones and two threads. */
export const THREADED_PAIRINGS: readonly Pairing[] = [...PAIRINGS, WASM_THREADS_PAIRING];

// The bench's own wasm backends, one per thread count, so `wasm ×1` stays on one thread whatever
// the default (the number of cores) is.
for (const pairing of THREADED_PAIRINGS) {
  const threads = pairing.threads;
  if (threads !== undefined) registerBackend(pairing.nablaBackend, () => WasmBackend.create({ threads }));
}

// tfjs-wasm fetches its .wasm files from the package's dist folder; in Node it needs the path.
// Its thread count must be set before the backend starts; 1 is also all Node gives it.
setWasmPaths(`${dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'))}/`);
setThreadsCount(1);

/** Makes `pairing` the active backend on both sides; call it at the start of a row's setup. */
export async function activate(pairing: Pairing): Promise<void> {
  await setBackend(pairing.nablaBackend);
  // PROD silences TF.js's console advice to install tfjs-node and skips its debug checks,
  // as a production user would run it.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(pairing.peerBackend);
  if (!ok) throw new Error(`bench: TF.js backend '${pairing.peerBackend}' failed to initialise`);
  await tf.ready();
}

/** Threads each side really runs on, as report notes, where that differs from what the pairing asked. */
export function threadNotes(pairing: Pick<Pairing, 'threads'> | undefined): string[] {
  const notes: string[] = [];
  const backend = activeBackend();
  if (pairing?.threads !== undefined && backend instanceof WasmBackend) {
    const info = backend.threadInfo();
    if (info.threads !== pairing.threads) {
      notes.push(
        `Nabla ${getBackend()} asked for ${pairing.threads} threads, ran on ${info.threads}: ${info.reason ?? 'unknown'}`,
      );
    }
  }
  if (tf.getBackend() === 'wasm' && getThreadsCount() !== 1) {
    notes.push(`tfjs-wasm ran on ${getThreadsCount()} threads`);
  }
  return notes;
}

/** The pairing a row's labels name. */
export function pairingOf(row: { backend: string; peer: string }): Pairing | undefined {
  return THREADED_PAIRINGS.find((p) => p.backend === row.backend && p.peer === row.peer);
}

/** TF.js core version, for the report. */
export const TFJS_VERSION: string = tf.version_core;

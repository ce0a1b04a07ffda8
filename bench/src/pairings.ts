// Which Nabla backend runs against which TF.js backend. Both frameworks keep their own engine,
// so a Nabla backend and a peer backend are active side by side in one process. Later pairs
// (wasm against tfjs-wasm, webgpu) add a line here and an import that registers the backend.

import '@nabla/backend-cpu';
import { setBackend } from '@nabla/core';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (tf.grads, optimizers fail with "gradient function not
// found"); tfjs-layers registers all of them on import, as `@tensorflow/tfjs` does for its users.
import '@tensorflow/tfjs-layers';

/** A Nabla backend and the peer it is compared with. */
export interface Pairing {
  /** Nabla backend name, as given to `setBackend`. */
  backend: string;
  /** Peer label in reports, e.g. `tfjs-cpu`. */
  peer: string;
  /** TF.js backend name, as given to `tf.setBackend`. */
  peerBackend: string;
}

/** Every pairing the bench knows; groups make one row per pairing. */
export const PAIRINGS: readonly Pairing[] = [{ backend: 'cpu', peer: 'tfjs-cpu', peerBackend: 'cpu' }];

/** Makes `pairing` the active backend on both sides; call it at the start of a row's setup. */
export async function activate(pairing: Pairing): Promise<void> {
  await setBackend(pairing.backend);
  // PROD silences TF.js's console advice to install tfjs-node and skips its debug checks,
  // as a production user would run it.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(pairing.peerBackend);
  if (!ok) throw new Error(`bench: TF.js backend '${pairing.peerBackend}' failed to initialise`);
  await tf.ready();
}

/** TF.js core version, for the report. */
export const TFJS_VERSION: string = tf.version_core;

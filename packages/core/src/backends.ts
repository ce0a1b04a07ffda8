// Public backend registry: backends register themselves by name when their package is
// imported; users pick one (or a preference list) at run time.

import type { Backend, BackendFactory } from './backend.js';
import { ENGINE, type SkippedBackend } from './engine.js';
import { ArgumentError, describeValue } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Registers a backend under `name`. Higher `priority` wins when no backend was chosen.
 * @example
 * registerBackend('cpu', () => new CpuBackend(), 1);
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  ENGINE.register(name, factory, priority);
}

/**
 * Activates a backend, or the first of a preference list that initialises. Resolves to the
 * chosen name; `skippedBackends()` tells why the others were passed over.
 * @example
 * await setBackend(['webgpu', 'wasm', 'cpu']);
 */
export function setBackend(name: string | readonly string[]): Promise<string> {
  return ENGINE.setBackend(name);
}

/**
 * Name of the active backend (choosing the best synchronous one on first use).
 * @example
 * getBackend(); // 'cpu'
 */
export function getBackend(): string {
  return ENGINE.backendName;
}

/**
 * The active backend object (for backend authors and tests).
 * @example
 * activeBackend().memory().bytesInUse;
 */
export function activeBackend(): Backend {
  return ENGINE.backend;
}

/**
 * Backends of the last preference list that were skipped, and why.
 * @example
 * await setBackend(['webgpu', 'cpu']); skippedBackends(); // [{ name: 'webgpu', reason: '...' }]
 */
export function skippedBackends(): SkippedBackend[] {
  return ENGINE.skippedBackends();
}

/**
 * Registered backend names, best first.
 * @example
 * registeredBackends(); // ['cpu']
 */
export function registeredBackends(): string[] {
  return ENGINE.registered();
}

/**
 * Removes a backend and frees everything it holds.
 * @example
 * removeBackend('cpu-async');
 */
export function removeBackend(name: string): void {
  ENGINE.removeBackend(name);
}

/**
 * Waits for queued work on the active backend to finish.
 * @example
 * await ready();
 */
export function ready(): Promise<void> {
  return ENGINE.backend.sync();
}

/**
 * Copies a tensor to another backend (moving between backends is always explicit).
 * @example
 * const onCpu = await toBackend(gpuTensor, 'cpu');
 */
export function toBackend(t: Tensor, name: string): Promise<Tensor> {
  if (arguments.length > 2) {
    throw new ArgumentError(
      `toBackend: expected 2 arguments, as in toBackend(t, 'cpu'), got ${arguments.length}`,
    );
  }
  if (!(t instanceof Tensor))
    throw new ArgumentError(`toBackend: expected a tensor, got ${describeValue(t)}`);
  return ENGINE.moveTo(t, name);
}

/**
 * Seeds the engine's sequence of seeds used by random ops called without `seed`.
 * @example
 * setRandomSeed(42);
 */
export function setRandomSeed(seed: number): void {
  ENGINE.setSeed(seed);
}

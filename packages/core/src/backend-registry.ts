// Public backend registry: backends register themselves by name when their package is
// imported; users pick one (or a preference list) at run time.

import type { Backend, BackendFactory } from './backend-interface.js';
import { ENGINE, type SkippedBackend } from './engine.js';
import { ArgumentError, checkArgCount, describeValue } from './errors.js';
import { Tensor } from './tensor.js';

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string' || name === '') {
    throw new ArgumentError(`${op}: expected a backend name, got ${describeValue(name)}`);
  }
}

/**
 * Registers a backend under `name`. Higher `priority` wins when no backend was chosen.
 * @example
 * registerBackend('cpu', () => new CpuBackend(), 1);
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 0): void {
  checkArgCount('registerBackend', arguments.length, 3, "registerBackend('name', factory, priority?)");
  checkName('registerBackend', name);
  if (typeof factory !== 'function') {
    throw new ArgumentError(`registerBackend: factory must be a function, got ${describeValue(factory)}`);
  }
  if (!Number.isFinite(priority)) {
    throw new ArgumentError(
      `registerBackend: priority must be a finite number, got ${describeValue(priority)}`,
    );
  }
  ENGINE.register(name, factory, priority);
}

/**
 * Activates a backend, or the first of a preference list that initialises. Resolves to the
 * chosen name; `skippedBackends()` tells why the others were passed over.
 * @example
 * await setBackend(['webgpu', 'wasm', 'cpu']);
 */
export function setBackend(name: string | readonly string[]): Promise<string> {
  checkArgCount('setBackend', arguments.length, 1, "setBackend(['wasm', 'cpu'])");
  return ENGINE.setBackend(name);
}

/**
 * Name of the active backend (choosing the best synchronous one on first use).
 * @example
 * getBackend(); // 'cpu'
 */
export function getBackend(): string {
  checkArgCount('getBackend', arguments.length, 0, 'getBackend()');
  return ENGINE.backendName;
}

/**
 * The active backend object (for backend authors and tests).
 * @example
 * activeBackend().memory().bytesInUse;
 */
export function activeBackend(): Backend {
  checkArgCount('activeBackend', arguments.length, 0, 'activeBackend()');
  return ENGINE.backend;
}

/**
 * Backends of the last preference list that were skipped, and why.
 * @example
 * await setBackend(['webgpu', 'cpu']); skippedBackends(); // [{ name: 'webgpu', reason: '...' }]
 */
export function skippedBackends(): SkippedBackend[] {
  checkArgCount('skippedBackends', arguments.length, 0, 'skippedBackends()');
  return ENGINE.skippedBackends();
}

/**
 * Registered backend names, best first.
 * @example
 * registeredBackends(); // ['cpu']
 */
export function registeredBackends(): string[] {
  checkArgCount('registeredBackends', arguments.length, 0, 'registeredBackends()');
  return ENGINE.registered();
}

/**
 * Removes a backend and frees everything it holds.
 * @example
 * removeBackend('cpu-async');
 */
export function removeBackend(name: string): void {
  checkArgCount('removeBackend', arguments.length, 1, "removeBackend('name')");
  checkName('removeBackend', name);
  ENGINE.removeBackend(name);
}

/**
 * Waits for queued work on the active backend to finish.
 * @example
 * await ready();
 */
export function ready(): Promise<void> {
  checkArgCount('ready', arguments.length, 0, 'ready()');
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
  checkArgCount('setRandomSeed', arguments.length, 1, 'setRandomSeed(42)');
  if (!Number.isSafeInteger(seed)) {
    throw new ArgumentError(`setRandomSeed: seed must be an integer, got ${describeValue(seed)}`);
  }
  ENGINE.setSeed(seed);
}

// Memory management for users: tidy scopes, dispose, keep, memory() and the debug leak report.

import { collectTensors, ENGINE, type LiveTensorInfo, type MemoryInfo } from './engine.js';
import { ArgumentError, checkArgCount, describeValue } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Runs `fn` and frees every tensor it made except those it returns (at any depth of arrays
 * and plain objects) and those passed to `keep`. `fn` must be synchronous.
 * @example
 * const y = tidy(() => x.mul(2).add(1)); // the x.mul(2) intermediate is freed
 */
export function tidy<T>(fn: () => T): T {
  checkArgCount('tidy', arguments.length, 1, 'tidy(() => ...)');
  if (typeof fn !== 'function')
    throw new ArgumentError(`tidy: expected a function, got ${describeValue(fn)}`);
  ENGINE.startScope();
  let result: T | undefined;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new ArgumentError(
        'tidy: the function must be synchronous (it returned a Promise); await outside tidy',
      );
    }
    return result;
  } finally {
    ENGINE.endScope(result);
  }
}

/**
 * Frees the tensors in `value` (a tensor, or arrays/objects of tensors).
 * @example
 * dispose([a, b]);
 */
export function dispose(value: unknown): void {
  checkArgCount('dispose', arguments.length, 1, 'dispose([a, b])');
  const found = new Set<Tensor>();
  collectTensors(value, found);
  for (const t of found) t.dispose();
}

/**
 * Exempts a tensor from the enclosing `tidy`, so it outlives the scope.
 * @example
 * tidy(() => { saved = keep(x.mul(2)); });
 */
export function keep<T extends Tensor>(t: T): T {
  checkArgCount('keep', arguments.length, 1, 'keep(t)');
  if (!(t instanceof Tensor)) throw new ArgumentError(`keep: expected a tensor, got ${describeValue(t)}`);
  return ENGINE.keep(t);
}

/**
 * Live tensors, buffers and bytes, overall and per backend.
 * @example
 * console.log(memory().numTensors);
 */
export function memory(): MemoryInfo {
  checkArgCount('memory', arguments.length, 0, 'memory()');
  return ENGINE.memory();
}

/**
 * Debug mode records where each tensor was made, warns when one is garbage-collected without
 * `dispose()`, and lets `liveTensors()` list what is still alive.
 * @example
 * setDebugMode(true);
 */
export function setDebugMode(on: boolean): void {
  checkArgCount('setDebugMode', arguments.length, 1, 'setDebugMode(true)');
  if (typeof on !== 'boolean')
    throw new ArgumentError(`setDebugMode: expected a boolean, got ${describeValue(on)}`);
  ENGINE.setDebug(on);
}

/**
 * In debug mode: the tensors alive now, with the stack where each was made.
 * @example
 * for (const t of liveTensors()) console.log(t.shape, t.createdAt);
 */
export function liveTensors(): LiveTensorInfo[] {
  checkArgCount('liveTensors', arguments.length, 0, 'liveTensors()');
  return ENGINE.liveTensors();
}

// Run-time checks of the WebGPU backend's options, for JS callers who have no compiler: an
// unknown key (with the closest valid one suggested), or a value of the wrong kind or range,
// is an ArgumentError naming the function and the option, raised before any device is made.
// The checked copy is read once, so a getter cannot answer differently later.

import { ArgumentError } from '@nabla/core';
import { closestName, describeValue } from '@nabla/core/internal';

type Check = (value: unknown) => string | null;

const isObject = (v: unknown) => typeof v === 'object' && v !== null;
const positive: Check = (v) =>
  typeof v === 'number' && v > 0 && Number.isFinite(v) ? null : 'a positive number';
const count =
  (max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max ? null : `an integer in [1, ${max}]`;
const object: Check = (v) => (isObject(v) ? null : 'an object');
const names: Check = (v) =>
  typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string'))
    ? null
    : 'a backend name or a non-empty array of them';

/** The checks of `createWebGpuBackend`'s options (`createNodeWebGpuBackend` adds `dawnFlags`). */
export const BACKEND_OPTIONS: Readonly<Record<string, Check>> = {
  gpu: (v) =>
    isObject(v) && typeof (v as GPU).requestAdapter === 'function' ? null : 'a GPU (navigator.gpu)',
  adapter: object,
  poolBytes: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer'),
  // The uniform ring holds one 256-byte parameter slot per dispatch of a batch.
  flushEvery: count(256),
  readTimeoutMs: positive,
  fallback: names,
  fused: (v) => (typeof v === 'boolean' ? null : 'a boolean'),
  keepAlive: () => null,
};

/**
 * A checked copy of `options` (undefined reads as {}), or an ArgumentError naming `where`.
 * @example
 * const o = checkBackendOptions('createWebGpuBackend', { flushEvery: 8 }, BACKEND_OPTIONS);
 */
export function checkBackendOptions<T extends object>(
  where: string,
  options: unknown,
  checks: Readonly<Record<string, Check>>,
): T {
  if (options === undefined) return {} as T;
  if (!isObject(options) || Array.isArray(options)) {
    throw new ArgumentError(`${where}: expected an options object, got ${describeValue(options)}`);
  }
  const out: Record<string, unknown> = {};
  const valid = Object.keys(checks);
  for (const key of Object.keys(options)) {
    const check = Object.hasOwn(checks, key) ? checks[key] : undefined;
    if (!check) {
      const guess = closestName(key, valid);
      throw new ArgumentError(
        `${where}: unknown option '${key}'${guess ? `; did you mean '${guess}'?` : ''} (valid: ${valid.join(', ')})`,
      );
    }
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const expected = check(value);
    if (expected)
      throw new ArgumentError(`${where}: expected ${key} to be ${expected}, got ${describeValue(value)}`);
    out[key] = value;
  }
  return out as T;
}

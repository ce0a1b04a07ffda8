// Run-time checks of a backend's construction options, for JS callers who have no compiler: an
// unknown key (with the closest valid one suggested), or a value of the wrong kind or range, is
// an ArgumentError naming the function and the option, raised before the backend takes anything.
// Every backend package checks its options here; the checked copy is read once, so a getter
// cannot answer differently later.

import { ArgumentError, describeValue } from './errors.js';
import { closestName } from './names.js';

/** Checks one option's value: null when it is fine, else what was expected ("a boolean"). */
export type OptionCheck = (value: unknown) => string | null;

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Common option checks, to build a backend's table from. */
export const optionChecks = {
  boolean: ((v) => (typeof v === 'boolean' ? null : 'a boolean')) as OptionCheck,
  object: ((v) => (isObject(v) ? null : 'an object')) as OptionCheck,
  positive: ((v) =>
    typeof v === 'number' && v > 0 && Number.isFinite(v) ? null : 'a positive number') as OptionCheck,
  /** A number at least 0 (Infinity included: "never"). */
  nonNegative: ((v) => (typeof v === 'number' && v >= 0 ? null : 'a number at least 0')) as OptionCheck,
  /** A finite number in [min, max]. */
  range:
    (min: number, max: number): OptionCheck =>
    (v) =>
      typeof v === 'number' && v >= min && v <= max ? null : `a number in [${min}, ${max}]`,
  /** An integer in [min, max]. */
  integer:
    (min: number, max: number): OptionCheck =>
    (v) =>
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max
        ? null
        : `an integer in [${min}, ${max}]`,
} as const;

/**
 * A checked copy of `options` (undefined reads as {}), or an ArgumentError naming `where`. Keys
 * are looked up as own properties of `checks`; a key set to undefined is left out of the copy.
 * @example
 * const o = checkBackendOptions('new CpuBackend', { fused: false }, { fused: optionChecks.boolean });
 */
export function checkBackendOptions<T extends object>(
  where: string,
  options: unknown,
  checks: Readonly<Record<string, OptionCheck>>,
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

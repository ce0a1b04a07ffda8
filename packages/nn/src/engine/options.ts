// Run-time checks of the options objects of compile, fit, evaluate, predict and the
// optimizers: JS callers have no compiler, so an unknown key, a string where a number belongs
// or a NaN is an ArgumentError naming the call and the option, raised before any work.
// The kinds, the value rendering and the unknown-key error are option-kinds.ts's, shared with
// the declarative layer options, so both read and report alike.

import { ArgumentError } from '@nabla/core';
import { checkOption, isPlainObject, readKeys, showValue, unknownOption } from './option-kinds.js';

export { showValue };

/**
 * A copy of the options object (`{}` when undefined), each key read once, after rejecting
 * anything that is not a plain object and any key not in `valid`.
 * @example
 * const o = checkOptions('fit', { epochs: 2 }, ['epochs', 'batchSize']);
 * checkOptions('fit', { epoch: 2 }, ['epochs']); // throws: unknown option 'epoch'; did you mean 'epochs'?
 */
export function checkOptions(
  where: string,
  options: unknown,
  valid: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  // A class instance or an object with a prototype would have inherited keys read as options.
  if (!isPlainObject(options)) {
    throw new ArgumentError(`${where}: expected an options object, got ${showValue(options)}`);
  }
  const record = readKeys(options);
  for (const key of Object.keys(record)) {
    if (!valid.includes(key)) throw unknownOption(where, key, valid);
  }
  return record;
}

/**
 * A plain options object copied once, so each getter is read once and the checks and the code
 * after them see the same values; anything else is returned as it is for the checks to refuse.
 * @example
 * options = readOnce(options); // then check and use `options`
 */
export function readOnce<T>(options: T): T {
  return isPlainObject(options) ? { ...options } : options;
}

/**
 * Checks an optional integer option against a lower bound.
 * @example
 * checkInteger('fit', 'epochs', 3, 1); // ok
 * checkInteger('fit', 'epochs', -1, 1); // throws: expected epochs to be an integer >= 1, got -1
 */
export function checkInteger(where: string, option: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ArgumentError(
      `${where}: expected ${option} to be an integer >= ${min}, got ${showValue(value)}`,
    );
  }
}

/** Bounds of `checkNumber`; `maxExclusive`/`minExclusive` make that end open. */
export interface NumberRange {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
}

/**
 * Checks an optional finite number option against a range.
 * @example
 * checkNumber('fit', 'validationSplit', 0.1, { min: 0, max: 1, maxExclusive: true }); // ok
 * checkNumber('adam', 'epsilon', 0, { min: 0, minExclusive: true }); // throws
 */
export function checkNumber(where: string, option: string, value: unknown, range: NumberRange = {}): void {
  if (value !== undefined) checkOption(where, option, { kind: 'number', ...range }, value);
}

/**
 * Checks an optional boolean option.
 * @example
 * checkBoolean('fit', 'shuffle', 'yes'); // throws: expected shuffle to be a boolean, got "yes"
 */
export function checkBoolean(where: string, option: string, value: unknown): void {
  if (value !== undefined) checkOption(where, option, { kind: 'boolean' }, value);
}

/**
 * Checks an optional option against a closed set of values.
 * @example
 * checkOneOf('fit', 'verbose', 1, [0, 1, 2]); // ok
 */
export function checkOneOf(where: string, option: string, value: unknown, allowed: readonly unknown[]): void {
  if (value !== undefined && !allowed.includes(value)) {
    throw new ArgumentError(
      `${where}: expected ${option} to be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${showValue(value)}`,
    );
  }
}

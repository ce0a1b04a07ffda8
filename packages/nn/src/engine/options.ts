// Run-time checks of the options objects of compile, fit, evaluate, predict and the
// optimizers: JS callers have no compiler, so an unknown key, a string where a number belongs
// or a NaN is an ArgumentError naming the call and the option, raised before any work.

import { ArgumentError, closestName, describeValue } from '@nabla/core';
import { isPlainObject } from './option-kinds.js';

/**
 * How a bad value reads in an error: numbers as written, everything else described.
 * @example
 * showValue(-1); // '-1'
 * showValue('2'); // '"2"'
 */
export function showValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : describeValue(value);
}

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
    throw new ArgumentError(`${where}: expected an options object, got ${describeValue(options)}`);
  }
  // Each key read once: the caller checks and uses this copy, so a getter cannot answer twice.
  const record: Record<string, unknown> = {};
  for (const key of Object.keys(options)) record[key] = options[key];
  for (const key of Object.keys(record)) {
    if (valid.includes(key)) continue;
    const guess = closestName(key, valid);
    throw new ArgumentError(
      `${where}: unknown option '${key}'${guess ? `; did you mean '${guess}'?` : ''} (valid: ${valid.join(', ')})`,
    );
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

function rangeText(range: NumberRange): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined)
    return `in ${range.minExclusive ? '(' : '['}${min}, ${max}${range.maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${range.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${range.maxExclusive ? '<' : '<='} ${max}`;
  return 'finite';
}

/**
 * Checks an optional finite number option against a range.
 * @example
 * checkNumber('fit', 'validationSplit', 0.1, { min: 0, max: 1, maxExclusive: true }); // ok
 * checkNumber('adam', 'epsilon', 0, { min: 0, minExclusive: true }); // throws
 */
export function checkNumber(where: string, option: string, value: unknown, range: NumberRange = {}): void {
  if (value === undefined) return;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxExclusive ? value < range.max : value <= range.max));
  if (!ok) {
    throw new ArgumentError(
      `${where}: expected ${option} to be a finite number ${rangeText(range)}, got ${showValue(value)}`,
    );
  }
}

/**
 * Checks an optional boolean option.
 * @example
 * checkBoolean('fit', 'shuffle', 'yes'); // throws: expected shuffle to be a boolean, got "yes"
 */
export function checkBoolean(where: string, option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ArgumentError(`${where}: expected ${option} to be a boolean, got ${showValue(value)}`);
  }
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

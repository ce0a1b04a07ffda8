// Declarative run-time checks of layer options (and of initializer and regularizer configs).
// Each layer class declares its option keys and their kinds once (`layerOptions`); the Layer
// base constructor checks every construction against that declaration, from user code and from
// a model.json alike, and keeps the snapshot it checked so a getter cannot answer differently
// later. JS callers have no compiler: an unknown key, a wrong kind or an out-of-range value is an
// ArgumentError (DTypeError for dtypes) naming the layer and the option, raised before any work.

import { ArgumentError, DTYPES, type DType, DTypeError } from '@nabla/core';
import { closestName, describeValue } from '@nabla/core/internal';

/**
 * What one option accepts:
 * - `integer`: a safe integer in [min, max]; `number`: a finite number in the range
 * - `boolean`, `string` (non-empty), `enum` (one of `values`), `dtype` (one of core's DTYPES)
 * - `size2d`: a positive integer, or a pair of them (spatial sizes)
 * - `shape`: an array of non-negative integers (`unknownDim`: one -1 allowed; `nullDims`: null
 *   for an unknown size)
 * - `axes`: an integer, or a non-empty array of them
 * - `array`: any array (its items checked by the reader, e.g. a model config's layer specs)
 * - `resolve`: a value a resolver accepts (initializers, regularizers); the resolved value is kept
 * - `nullable`: null, or `of` (null reads as absent)
 */
export type OptionKind =
  | { readonly kind: 'integer'; readonly min: number; readonly max?: number }
  | {
      readonly kind: 'number';
      readonly min?: number;
      readonly max?: number;
      readonly minExclusive?: boolean;
      readonly maxExclusive?: boolean;
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'dtype'; readonly float?: boolean }
  | { readonly kind: 'size2d' }
  | { readonly kind: 'shape'; readonly unknownDim?: boolean; readonly nullDims?: boolean }
  | { readonly kind: 'axes' }
  | { readonly kind: 'array' }
  | {
      readonly kind: 'resolve';
      readonly description: string;
      readonly resolve: (value: unknown, where: string) => unknown;
    }
  | { readonly kind: 'nullable'; readonly of: OptionKind };

/**
 * Kind constructors, so declarations read as tables.
 * @example
 * const keys = { units: K.positive, rate: K.number({ min: 0, max: 1, maxExclusive: true }) };
 */
export const K = {
  positive: { kind: 'integer', min: 1 },
  integer: { kind: 'integer', min: Number.MIN_SAFE_INTEGER },
  int: (min: number, max?: number): OptionKind =>
    max === undefined ? { kind: 'integer', min } : { kind: 'integer', min, max },
  finite: { kind: 'number' },
  number: (range: Omit<Extract<OptionKind, { kind: 'number' }>, 'kind'>): OptionKind => ({
    kind: 'number',
    ...range,
  }),
  boolean: { kind: 'boolean' },
  string: { kind: 'string' },
  enum: (...values: string[]): OptionKind => ({ kind: 'enum', values }),
  dtype: { kind: 'dtype' },
  floatDType: { kind: 'dtype', float: true },
  size2d: { kind: 'size2d' },
  shape: { kind: 'shape' },
  axes: { kind: 'axes' },
  array: { kind: 'array' },
  nullable: (of: OptionKind): OptionKind => ({ kind: 'nullable', of }),
} as const satisfies Record<string, OptionKind | ((...a: never[]) => OptionKind)>;

/**
 * A phrase for error messages.
 * @example
 * describeKind(K.positive); // 'a positive integer'
 */
export function describeKind(kind: OptionKind): string {
  switch (kind.kind) {
    case 'integer':
      if (kind.max !== undefined) return `an integer in [${kind.min}, ${kind.max}]`;
      if (kind.min === 1) return 'a positive integer';
      if (kind.min === 0) return 'a non-negative integer';
      return kind.min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${kind.min}`;
    case 'number': {
      const { min, max } = kind;
      const lo = kind.minExclusive ? '(' : '[';
      const hi = kind.maxExclusive ? ')' : ']';
      if (min !== undefined && max !== undefined) return `a finite number in ${lo}${min}, ${max}${hi}`;
      if (min !== undefined) return `a finite number ${kind.minExclusive ? '>' : '>='} ${min}`;
      if (max !== undefined) return `a finite number ${kind.maxExclusive ? '<' : '<='} ${max}`;
      return 'a finite number';
    }
    case 'boolean':
      return 'a boolean';
    case 'string':
      return 'a non-empty string';
    case 'enum':
      return `one of ${kind.values.map((v) => `'${v}'`).join(', ')}`;
    case 'dtype':
      return `one of ${dtypesOf(kind)
        .map((d) => `'${d}'`)
        .join(', ')}`;
    case 'size2d':
      return 'a positive integer or a pair of them';
    case 'shape':
      if (kind.nullDims) return 'an array of sizes (non-negative integers, or null for unknown)';
      return `an array of non-negative integers${kind.unknownDim ? ' (at most one -1)' : ''}`;
    case 'axes':
      return 'an integer or a non-empty array of integers';
    case 'array':
      return 'an array';
    case 'resolve':
      return kind.description;
    case 'nullable':
      return `${describeKind(kind.of)}, or null`;
    default:
      return kind satisfies never;
  }
}

const FLOAT_DTYPES: readonly DType[] = ['float32', 'float64'];
const dtypesOf = (kind: { float?: boolean }) => (kind.float ? FLOAT_DTYPES : DTYPES);

/**
 * How a bad value reads in an error: numbers as written, small arrays spelled out, the rest
 * described by core's `describeValue`.
 * @example
 * showValue(-1); // '-1'
 * showValue([2, 'a']); // '[2,"a"]'
 */
export function showValue(value: unknown): string {
  if (typeof value === 'number' || value === undefined) return String(value);
  if (Array.isArray(value) && value.length <= 6 && value.every((v) => v === null || typeof v !== 'object')) {
    return `[${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',')}]`;
  }
  if (typeof value === 'function') return 'a function';
  return describeValue(value);
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * The checked value of one option (arrays copied, resolvers applied), or throws naming `where`
 * and `label`.
 * @example
 * checkOption('dense', 'units', K.positive, 3); // 3
 * checkOption('dense', 'units', K.positive, 0); // throws: dense: expected units to be a positive integer, got 0
 */
export function checkOption(where: string, label: string, kind: OptionKind, value: unknown): unknown {
  const fail = (): never => {
    const cls = kind.kind === 'dtype' ? DTypeError : ArgumentError;
    throw new cls(`${where}: expected ${label} to be ${describeKind(kind)}, got ${showValue(value)}`);
  };
  switch (kind.kind) {
    case 'integer':
      if (!isInt(value) || value < kind.min || (kind.max !== undefined && value > kind.max)) fail();
      return value;
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail();
      const { min, max } = kind;
      if (min !== undefined && (kind.minExclusive ? value <= min : value < min)) fail();
      if (max !== undefined && (kind.maxExclusive ? value >= max : value > max)) fail();
      return value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : fail();
    case 'string':
      return typeof value === 'string' && value.length > 0 ? value : fail();
    case 'enum':
      return typeof value === 'string' && kind.values.includes(value) ? value : fail();
    case 'dtype':
      return (dtypesOf(kind) as readonly unknown[]).includes(value) ? value : fail();
    case 'size2d': {
      if (isInt(value) && value >= 1) return value;
      if (!Array.isArray(value) || value.length !== 2) return fail();
      const pair = [value[0], value[1]];
      return pair.every((d) => isInt(d) && d >= 1) ? pair : fail();
    }
    case 'shape': {
      if (!Array.isArray(value)) return fail();
      const copy: unknown[] = [...value];
      let unknown = 0;
      for (const d of copy) {
        if (isInt(d) && d >= 0) continue;
        if (d === null && kind.nullDims) continue;
        if (d === -1 && kind.unknownDim && unknown++ === 0) continue;
        fail();
      }
      return copy;
    }
    case 'axes': {
      if (isInt(value)) return value;
      if (!Array.isArray(value) || value.length === 0) return fail();
      const copy: unknown[] = [...value];
      return copy.every(isInt) ? copy : fail();
    }
    case 'array':
      return Array.isArray(value) ? [...value] : fail();
    case 'resolve':
      return kind.resolve(value, `${where}: ${label}`);
    case 'nullable':
      return value === null ? null : checkOption(where, label, kind.of, value);
    default:
      return kind satisfies never;
  }
}

/** True for an object made by `{}` or `Object.create(null)`: not an array, class instance or proxy of one. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a plain object's own enumerable keys, each read once: the checks and the code after
 * them use the copy, so a getter cannot answer twice.
 * @example
 * const raw = readKeys(options);
 */
export function readKeys(options: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(options)) raw[key] = options[key];
  return raw;
}

/**
 * The error for a key not among `valid` (an option, or a `what` such as a config's 'key'),
 * suggesting the closest one.
 * @example
 * throw unknownOption('fit', 'epoch', ['epochs']); // fit: unknown option 'epoch'; did you mean 'epochs'? (valid: epochs)
 */
export function unknownOption(
  where: string,
  key: string,
  valid: readonly string[],
  what = 'option',
): ArgumentError {
  const guess = closestName(key, valid);
  return new ArgumentError(
    `${where}: unknown ${what} '${key}'${guess ? `; did you mean '${guess}'?` : ''} (valid: ${valid.join(', ')})`,
  );
}

/** How `checkOptionsObject` reads and reports. */
export interface OptionsCheck {
  /** Prefix of every message: the factory ('dense') or the config ('Dense config'). */
  readonly where: string;
  /** Quote option names in messages (`'units'`, as in a model.json). */
  readonly quote?: boolean;
  /** Keys that must be present. */
  readonly required?: readonly string[];
  /** Accept keys not in `keys` (unchecked, kept): a user subclass reads its own. */
  readonly allowOthers?: boolean;
  /** A key whose value, when a non-empty string, prefixes messages instead (a layer's `name`). */
  readonly nameKey?: string;
  /** What a key is called in the unknown-key error (default 'option'; a model config's 'key'). */
  readonly what?: string;
}

/**
 * Checks an options object against declared keys and returns a snapshot of it: each own
 * enumerable key read once, checked, and (arrays, resolved names) normalized. `undefined` values
 * read as absent and are left out. Undefined options read as `{}`.
 * @example
 * const o = checkOptionsObject({ units: 3 }, { units: K.positive }, { where: 'dense', required: ['units'] });
 * checkOptionsObject({ unitz: 3 }, { units: K.positive }, { where: 'dense' }); // throws: unknown option 'unitz'; did you mean 'units'?
 */
export function checkOptionsObject(
  options: unknown,
  keys: Readonly<Record<string, OptionKind>>,
  check: OptionsCheck,
): Record<string, unknown> {
  const { required = [] } = check;
  let where = check.where;
  const label = (key: string) => (check.quote ? `'${key}'` : key);
  const valid = Object.keys(keys);
  if (options === undefined && required.length === 0) return {};
  if (!isPlainObject(options)) {
    const needs = required.length > 0 ? ` with ${required.join(', ')}` : '';
    throw new ArgumentError(`${where}: expected an options object${needs}, got ${showValue(options)}`);
  }
  const raw = readKeys(options);
  const named = check.nameKey === undefined ? undefined : raw[check.nameKey];
  if (typeof named === 'string' && named.length > 0) where = named;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(keys, key)) {
      if (check.allowOthers) {
        out[key] = value;
        continue;
      }
      throw unknownOption(where, key, valid, check.what);
    }
    if (value === undefined) continue;
    const checked = checkOption(where, label(key), keys[key]!, value);
    // A nullable option given as null reads as absent (a saved config writes null for "none").
    if (checked !== null) out[key] = checked;
  }
  for (const key of required) {
    if (out[key] === undefined) {
      throw new ArgumentError(
        `${where}: expected ${label(key)} to be given (${describeKind(keys[key]!)}), got ${showValue(raw[key])}`,
      );
    }
  }
  return out;
}

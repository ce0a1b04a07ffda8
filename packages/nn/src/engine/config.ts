// Typed reads from a layer config (as found in a model.json): each accessor checks the type of
// one field and names the layer class and the field when it is wrong, so a malformed file fails
// with a clear message instead of a layer built from garbage.

import { ArgumentError, type DType } from '@nabla/core';
import type { LayerArgs } from './layer.js';
import { unknownOption } from './option-kinds.js';

/** A serialised initializer or regularizer: `{ name, config }`. */
export interface NamedSpec {
  name: string;
  config?: Record<string, unknown>;
}

/** Checked accessors over one config object. */
export interface ConfigReader {
  number(key: string): number;
  optNumber(key: string): number | undefined;
  string(key: string): string;
  optString(key: string): string | undefined;
  optBool(key: string): boolean | undefined;
  numbers(key: string): number[];
  optNumbers(key: string): number[] | undefined;
  /** A `{ name, config }` object or a name; null/undefined when absent. */
  optSpec(key: string): NamedSpec | string | undefined;
  /** The options every layer takes: name, trainable, inputShape, dtype. */
  layerArgs(): LayerArgs;
}

const DTYPES: readonly string[] = ['float32', 'int32', 'bool', 'float64'];

/**
 * True for a plain (non-array) object.
 * @example
 * isRecord({ a: 1 }); // true
 * isRecord([1]); // false
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checked accessors for the config of `className`.
 * @example
 * const r = readConfig('Dense', config);
 * new Dense({ ...r.layerArgs(), units: r.number('units') });
 */
export function readConfig(className: string, config: Record<string, unknown>): ConfigReader {
  const fail = (key: string, expected: string): never => {
    throw new ArgumentError(
      `${className} config: expected '${key}' to be ${expected}, got ${JSON.stringify(config[key])}`,
    );
  };
  const absent = (key: string) => config[key] === undefined || config[key] === null;
  const reader: ConfigReader = {
    number: (key) => (typeof config[key] === 'number' ? config[key] : fail(key, 'a number')),
    optNumber: (key) => (absent(key) ? undefined : reader.number(key)),
    string: (key) => (typeof config[key] === 'string' ? config[key] : fail(key, 'a string')),
    optString: (key) => (absent(key) ? undefined : reader.string(key)),
    optBool: (key) => {
      if (absent(key)) return undefined;
      const v = config[key];
      return typeof v === 'boolean' ? v : fail(key, 'a boolean');
    },
    numbers: (key) => {
      const v = config[key];
      if (!Array.isArray(v) || !v.every((d) => typeof d === 'number'))
        return fail(key, 'an array of numbers');
      return v.map(Number);
    },
    optNumbers: (key) => (absent(key) ? undefined : reader.numbers(key)),
    optSpec: (key) => {
      if (absent(key)) return undefined;
      const v = config[key];
      if (typeof v === 'string') return v;
      if (isRecord(v) && typeof v.name === 'string') {
        return { name: v.name, config: isRecord(v.config) ? v.config : {} };
      }
      return fail(key, 'a name or { name, config }');
    },
    layerArgs: () => {
      const dtype = reader.optString('dtype');
      if (dtype !== undefined && !DTYPES.includes(dtype)) fail('dtype', `one of ${DTYPES.join(', ')}`);
      return {
        name: reader.optString('name'),
        trainable: reader.optBool('trainable'),
        inputShape: reader.optNumbers('inputShape'),
        dtype: dtype as DType | undefined,
      };
    },
  };
  return reader;
}

/**
 * Throws on a key of a saved model config that the loader would not read (a typo or a foreign
 * field would otherwise be ignored), listing the valid ones with the closest suggested.
 * @example
 * checkConfigKeys('Sequential config', config, ['name', 'trainable', 'layers', 'buildInputShape']);
 */
export function checkConfigKeys(
  where: string,
  config: Record<string, unknown>,
  valid: readonly string[],
): void {
  for (const key of Object.keys(config)) {
    if (!valid.includes(key)) throw unknownOption(where, key, valid, 'key');
  }
}

// The name tables of nn (activations, losses, metrics, optimizers, initializers, regularizers):
// every Keras spelling of a name ('sparse_categorical_crossentropy', 'sparseCategorical-
// Crossentropy', 'LeakyReLU') resolves to one entry, lookups are own-property only (Maps), and
// a miss goes through core's `lookupName`, so 'toString' or 'constructor' is an unknown name
// (listing the valid ones and the closest), never something inherited from Object.prototype.

import { ArgumentError } from '@nabla/core';
import { describeValue, lookupName } from '@nabla/core/internal';
import { isPlainObject } from './option-kinds.js';

/**
 * The spelling-insensitive key of a name: no '_', '-' or spaces, lower case.
 * @example
 * normalizeName('Sparse_Categorical_Crossentropy'); // 'sparsecategoricalcrossentropy'
 */
export function normalizeName(name: string): string {
  return name.replace(/[_\-\s]/g, '').toLowerCase();
}

/**
 * A registry of named entries that answers to any Keras spelling of a name.
 * @example
 * const table = new NameTable([['relu', reluFn], ['leakyRelu', leakyFn]]);
 * table.lookup('leaky_relu', 'dense_1', 'activation'); // leakyFn
 */
export class NameTable<T> {
  readonly #byName: ReadonlyMap<string, T>;
  readonly #byKey = new Map<string, T>();

  constructor(entries: readonly (readonly [string, T])[]) {
    this.#byName = new Map(entries);
    for (const [name, value] of entries) this.#byKey.set(normalizeName(name), value);
  }

  /** The names as listed in errors. */
  get names(): string[] {
    return [...this.#byName.keys()];
  }

  /** The entry for `name`; anything else throws an ArgumentError naming `where` and `what`. */
  lookup(name: unknown, where: string, what: string): T {
    if (typeof name === 'string') {
      const hit = this.#byKey.get(normalizeName(name));
      if (hit !== undefined) return hit;
    }
    return lookupName(this.#byName, name, where, what);
  }
}

/**
 * Reads a by-name spec, a name or `{ name, config }`: the table's entry for the name and the
 * config as given (unchecked, for the entry's keys). Anything else, or an extra key beside
 * name and config, throws naming `where`; `expected` says what was wanted.
 * @example
 * const { entry, name, config } = readNamedSpec(BY_NAME, 'l1_l2', 'dense: kernelRegularizer', 'regularizer', 'a regularizer name');
 */
export function readNamedSpec<T>(
  table: NameTable<T>,
  spec: unknown,
  where: string,
  what: string,
  expected: string,
): { entry: T; name: unknown; config: unknown } {
  if (typeof spec === 'object' && spec !== null && !isPlainObject(spec)) {
    throw new ArgumentError(`${where}: expected ${expected}, got ${describeValue(spec)}`);
  }
  const record = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>) : undefined;
  const name: unknown = record ? record.name : spec;
  const entry = table.lookup(name, where, what);
  const extra = record ? Object.keys(record).find((k) => k !== 'name' && k !== 'config') : undefined;
  if (extra !== undefined)
    throw new ArgumentError(`${where}: expected { name, config }, got an unknown key '${extra}'`);
  return { entry, name, config: record?.config };
}

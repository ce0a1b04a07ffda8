// The name tables of nn (activations, losses, metrics, optimizers, initializers, regularizers):
// every Keras spelling of a name ('sparse_categorical_crossentropy', 'sparseCategorical-
// Crossentropy', 'LeakyReLU') resolves to one entry, lookups are own-property only (Maps), and
// a miss goes through core's `lookupName`, so 'toString' or 'constructor' is an unknown name
// (listing the valid ones and the closest), never something inherited from Object.prototype.

import { lookupName } from '@nabla/core';

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

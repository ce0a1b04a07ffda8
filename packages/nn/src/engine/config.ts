// Shape checks of a saved model config's structure (a model.json): plain objects, and the keys
// of a layer spec. The values of each layer's config are checked by the layer class itself
// (its declared options, through the constructor), the same way in code and from a file.

import { unknownOption } from './option-kinds.js';

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

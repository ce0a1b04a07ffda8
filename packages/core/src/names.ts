// Name registries (activations, losses, layers, backends ...): own-property lookups only, so
// `'toString'` or `'constructor'` never resolve to something inherited from Object.prototype,
// and an unknown name gets an error listing the valid ones with the closest suggested.

import { ArgumentError, describeValue } from './errors.js';

/** Levenshtein distance, for "did you mean" suggestions (names are short). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The known name closest to `name` (case-insensitive edit distance), if one is close enough to
 * be a likely typo.
 * @example
 * closestName('rleu', ['relu', 'tanh']); // 'relu'
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(lower.length / 3)) ? best : undefined;
}

/**
 * Looks `name` up in a registry by own key only; an unknown name (or a non-string) throws an
 * `ArgumentError` naming `where` and `what`, listing the valid names and the closest one.
 * @example
 * const act = lookupName(ACTIVATIONS, 'relu', 'dense', 'activation');
 */
export function lookupName<T>(
  registry: ReadonlyMap<string, T>,
  name: unknown,
  where: string,
  what: string,
): T {
  if (typeof name === 'string') {
    const found = registry.get(name);
    if (found !== undefined || registry.has(name)) return found as T;
  }
  const known = [...registry.keys()];
  const guess = typeof name === 'string' ? closestName(name, known) : undefined;
  throw new ArgumentError(
    `${where}: unknown ${what} ${describeValue(name)}${guess ? `; did you mean '${guess}'?` : ''} (valid: ${known.join(', ')})`,
  );
}

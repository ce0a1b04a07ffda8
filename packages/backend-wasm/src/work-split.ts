// How kernels cut their work into per-thread parts: contiguous ranges, aligned to the kernel's
// register tile so that no two threads write the same tile.

/**
 * Splits [0, total) into at most `parts` ranges whose inner boundaries are multiples of `align`
 * and which hold at least `minEach` each; returns the boundaries (length = ranges + 1).
 * @example
 * splitRange(100, 2, 4, 8); // [0, 52, 100]
 */
export function splitRange(total: number, parts: number, align: number, minEach: number): number[] {
  const count = Math.max(1, Math.min(parts, Math.floor(total / Math.max(minEach, 1))));
  const bounds = [0];
  for (let t = 1; t < count; t++) {
    const at = Math.round((total * t) / count / align) * align;
    if (at > bounds[bounds.length - 1]! && at < total) bounds.push(at);
  }
  bounds.push(total);
  return bounds;
}

// How kernels cut their work into per-thread parts: contiguous ranges, aligned to the kernel's
// register tile so that no two threads write the same tile.

/**
 * Ranges per thread of a kernel split into ranges the threads claim as they come (a late worker
 * leaves its share to the others): element ranges of Adam, unary and binary kernels, row ranges
 * of softmax.
 */
export const RANGES_PER_THREAD = 4;

/**
 * The length of each claimed range when [0, total) is cut into about `ranges` of them, a
 * multiple of `align` (the last range is shorter; the caller clamps it).
 * @example
 * rangeLength(100, 8, 4); // 16: ranges [0, 16), [16, 32), …, [96, 100)
 */
export function rangeLength(total: number, ranges: number, align: number): number {
  return Math.ceil(total / ranges / align) * align;
}

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

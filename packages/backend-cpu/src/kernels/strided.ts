// Strided iteration shared by the elementwise and movement kernels. Walks a shape row by row
// (all axes but the last), keeping one flat offset per operand, so that broadcasting (stride
// 0), transposes (permuted strides), slices and reversals (negative strides) are one loop.

import type { TypedArray } from '@nabla/core';

/**
 * Calls `row(offsets)` once per row of `shape` (the last axis is the row), in row-major order.
 * `offsets[k]` is operand k's flat offset of the row's first element under `strides[k]`.
 * A scalar shape has one row. The `offsets` array is reused: read it, do not keep it.
 * @example
 * forEachRow([2, 3], [[3, 1]], (o) => console.log(o[0])); // 0, 3
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  row: (offsets: number[]) => void,
  start: readonly number[] = [],
): void {
  const outerRank = shape.length - 1;
  const offsets = strides.map((_, k) => start[k] ?? 0);
  if (outerRank <= 0) {
    row(offsets);
    return;
  }
  let rows = 1;
  for (let d = 0; d < outerRank; d++) rows *= shape[d];
  if (rows === 0) return;
  const counter = new Array<number>(outerRank).fill(0);
  for (let r = 0; r < rows; r++) {
    row(offsets);
    // Odometer step: bump the innermost outer axis, carrying into the ones before it.
    for (let d = outerRank - 1; d >= 0; d--) {
      const dim = shape[d];
      counter[d]++;
      for (let k = 0; k < offsets.length; k++) offsets[k] += strides[k][d];
      if (counter[d] < dim) break;
      counter[d] = 0;
      for (let k = 0; k < offsets.length; k++) offsets[k] -= strides[k][d] * dim;
    }
  }
}

/**
 * Copies `shape` elements from `src` (read at `srcOffset` with `srcStrides`) into `dst`
 * (written at `dstOffset` with `dstStrides`). With `add`, accumulates instead of overwriting.
 * The one loop behind transpose, slice, pad, concat, tile, reverse and broadcastTo.
 * @example
 * stridedCopy([3, 2], a, 0, [1, 3], out, 0, [2, 1]); // transpose a [2,3] into out [3,2]
 */
export function stridedCopy(
  shape: readonly number[],
  src: TypedArray,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: TypedArray,
  dstOffset: number,
  dstStrides: readonly number[],
  add = false,
): void {
  const rank = shape.length;
  const n = rank === 0 ? 1 : shape[rank - 1];
  const ss = rank === 0 ? 0 : srcStrides[rank - 1];
  const ds = rank === 0 ? 0 : dstStrides[rank - 1];
  forEachRow(
    shape,
    [srcStrides, dstStrides],
    (o) => {
      let s = o[0];
      let d = o[1];
      if (add) {
        for (let j = 0; j < n; j++, s += ss, d += ds) dst[d] += src[s];
      } else if (ss === 1 && ds === 1) {
        for (let j = 0; j < n; j++) dst[d + j] = src[s + j];
      } else {
        for (let j = 0; j < n; j++, s += ss, d += ds) dst[d] = src[s];
      }
    },
    [srcOffset, dstOffset],
  );
}

// The movement family's one kernel: a strided copy over a row walk (common.ts) with a source and
// a destination operand, which covers transpose, slice, sliceGrad, pad, concat, tile, reverse
// and broadcastTo (the JS side picks offsets and strides). Plus fills.

import { at, param, walkLen, walkNext, walkOffset, walkRows, walkStride } from './common';

/** Tile edge of the blocked 2-D transpose: a 16×16 tile of 4-byte values touches 16 cache lines each way. */
const TILE = 16;

/**
 * dst[r·ds0 + c] = src[r + c·ss1] for a [rows, cols] output: a 2-D transpose, in tiles so that
 * both the strided reads and the contiguous writes stay in cache.
 */
function transposeTiled(src: usize, ss1: i32, dst: usize, ds0: i32, rows: i32, cols: i32): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const d = at(dst, r * ds0, 2);
        for (let c = c0; c < c1; c++) store<i32>(at(d, c, 2), load<i32>(at(src, r + c * ss1, 2)));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function copyWalk<T>(src: usize, dst: usize, p: usize): void {
  const shift = <i32>alignof<T>();
  const rows = walkRows(p);
  const len = walkLen(p);
  const ss = walkStride(p, 0);
  const ds = walkStride(p, 1);
  // [rows, len] with source strides [1, ss] and destination [ds0, 1]: a plain 2-D transpose.
  if (sizeof<T>() == 4 && param(p, 0) == 2 && ds == 1 && param(p, 3) == 1 && ss > 1 && rows >= TILE) {
    transposeTiled(at(src, walkOffset(p, 2, 0), 2), ss, at(dst, walkOffset(p, 2, 1), 2), param(p, 5), rows, len);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = at(src, walkOffset(p, 2, 0), shift);
    const d = at(dst, walkOffset(p, 2, 1), shift);
    if (ss == 1 && ds == 1) {
      memory.copy(d, s, <usize>len << shift);
    } else if (ss == 0 && ds == 1 && sizeof<T>() == 4) {
      const v = v128.load32_splat(s);
      let i = 0;
      for (; i + 4 <= len; i += 4) v128.store(at(d, i, 2), v);
      for (; i < len; i++) store<T>(at(d, i, shift), load<T>(s));
    } else {
      for (let i = 0; i < len; i++) store<T>(at(d, i * ds, shift), load<T>(at(s, i * ss, shift)));
    }
    walkNext(p, 2);
  }
}

/** Strided copy of 4-byte elements (float32, int32). */
export function copy32(src: usize, dst: usize, p: usize): void {
  copyWalk<i32>(src, dst, p);
}

/** Strided copy of 1-byte elements (bool). */
export function copy8(src: usize, dst: usize, p: usize): void {
  copyWalk<u8>(src, dst, p);
}

/** Fills n 4-byte elements with the bit pattern `bits`. */
export function fill32(dst: usize, bits: i32, n: i32): void {
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(dst, i, 2), v);
  for (; i < n; i++) store<i32>(at(dst, i, 2), bits);
}

/** Fills n bytes with `value`. */
export function fill8(dst: usize, value: i32, n: i32): void {
  memory.fill(dst, <u8>value, <usize>n);
}

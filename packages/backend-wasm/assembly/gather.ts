// gather along an axis and its adjoint scatterAdd, over [outer, n, inner] views: each index
// moves one contiguous run of `inner` values, and an index outside [0, n) gathers zeros and
// scatters nothing (core cannot range-check indices without a read).

import { at } from './common';

/**
 * gather: y[o, t, j] = x[o, idx[t], j] for x [outer, n, inner] and nIdx int32 indices; zeros
 * where idx[t] is outside [0, n). `shift` is log2 of the element size.
 */
export function gather(
  shift: i32,
  x: usize,
  idx: usize,
  y: usize,
  outer: i32,
  n: i32,
  inner: i32,
  nIdx: i32,
): void {
  const rowBytes = <usize>inner << shift;
  let out = y;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < nIdx; t++) {
      const index = load<i32>(at(idx, t, 2));
      if (index >= 0 && index < n) memory.copy(out, at(x, (o * n + index) * inner, shift), rowBytes);
      else memory.fill(out, 0, rowBytes);
      out += rowBytes;
    }
  }
}

// @ts-ignore: decorator
@inline
function scatterAddImpl<T>(u: usize, idx: usize, y: usize, outer: i32, n: i32, inner: i32, nIdx: i32): void {
  memory.fill(y, 0, <usize>(outer * n * inner) << 2);
  let from = u;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < nIdx; t++) {
      const index = load<i32>(at(idx, t, 2));
      if (index >= 0 && index < n) {
        const to = at(y, (o * n + index) * inner, 2);
        let j = 0;
        for (; j + 4 <= inner; j += 4) {
          const a = v128.load(at(to, j, 2));
          const b = v128.load(at(from, j, 2));
          v128.store(at(to, j, 2), isFloat<T>() ? f32x4.add(a, b) : i32x4.add(a, b));
        }
        for (; j < inner; j++) store<T>(at(to, j, 2), load<T>(at(to, j, 2)) + load<T>(at(from, j, 2)));
      }
      from = at(from, inner, 2);
    }
  }
}

/** scatterAdd of float32 updates [outer, nIdx, inner] into zeros of [outer, n, inner]. */
export function scatterAddF32(u: usize, idx: usize, y: usize, outer: i32, n: i32, inner: i32, nIdx: i32): void {
  scatterAddImpl<f32>(u, idx, y, outer, n, inner, nIdx);
}

/** The int32 form of scatterAddF32. */
export function scatterAddI32(u: usize, idx: usize, y: usize, outer: i32, n: i32, inner: i32, nIdx: i32): void {
  scatterAddImpl<i32>(u, idx, y, outer, n, inner, nIdx);
}

// Reductions, argMax/argMin and cumulative scans. The JS side views the input as
// [outer, n, inner] around one contiguous block of reduced axes (other patterns are first
// transposed into that form). Op codes are the ABI's (src/abi.ts). Float32 sums
// along a contiguous row accumulate in float64 lanes, matching the CPU backend's doubles.

import { at, store8 } from './common';
import {
  REDUCE_SUM as SUM,
  REDUCE_PROD as PROD,
  REDUCE_MAX as MAX,
  REDUCE_MIN as MIN,
  REDUCE_ANY as ANY,
  REDUCE_ALL as ALL,
} from '../src/abi';

// @ts-ignore: decorator
@inline
function identity<T>(op: i32): T {
  switch (op) {
    case PROD:
    case ALL:
      return <T>1;
    case MAX:
      if (isFloat<T>()) return <T>-Infinity;
      return <T>(sizeof<T>() == 1 ? 0 : i32.MIN_VALUE);
    case MIN:
      if (isFloat<T>()) return <T>Infinity;
      return <T>(sizeof<T>() == 1 ? 1 : i32.MAX_VALUE);
  }
  return <T>0;
}

/** Folds v into acc; once a float accumulator is NaN it stays NaN. */
// @ts-ignore: decorator
@inline
function step<T>(op: i32, acc: T, v: T): T {
  switch (op) {
    case SUM:
      return acc + v;
    case PROD:
      return acc * v;
    case MAX:
      if (isFloat<T>()) return v > acc || v != v ? v : acc;
      return max<T>(acc, v);
    case MIN:
      if (isFloat<T>()) return v < acc || v != v ? v : acc;
      return min<T>(acc, v);
    case ANY:
      return acc != <T>0 || v != <T>0 ? <T>1 : <T>0;
    case ALL:
      return acc != <T>0 && v != <T>0 ? <T>1 : <T>0;
  }
  return acc;
}

/** Reduces one contiguous float32 row of n values. */
// @ts-ignore: decorator
@inline
function rowF32(op: i32, x: usize, n: i32): f32 {
  let i = 0;
  if (op == SUM) {
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i, 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    }
    const both = f64x2.add(lo, hi);
    let acc = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; i < n; i++) acc += <f64>load<f32>(at(x, i, 2));
    return <f32>acc;
  }
  if (op == PROD) {
    let acc: f64 = 1;
    for (; i < n; i++) acc *= <f64>load<f32>(at(x, i, 2));
    return <f32>acc;
  }
  let acc = identity<f32>(op);
  if (op == MAX || op == MIN) {
    let v4 = f32x4.splat(acc);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i, 2));
      v4 = op == MAX ? f32x4.max(v4, v) : f32x4.min(v4, v);
    }
    acc = step<f32>(op, acc, f32x4.extract_lane(v4, 0));
    acc = step<f32>(op, acc, f32x4.extract_lane(v4, 1));
    acc = step<f32>(op, acc, f32x4.extract_lane(v4, 2));
    acc = step<f32>(op, acc, f32x4.extract_lane(v4, 3));
  }
  for (; i < n; i++) acc = step<f32>(op, acc, load<f32>(at(x, i, 2)));
  return acc;
}

/** Reduces one contiguous int32 or bool row of n values. */
// @ts-ignore: decorator
@inline
function rowInt<T>(op: i32, x: usize, n: i32): T {
  const shift = <i32>alignof<T>();
  let acc = identity<T>(op);
  let i = 0;
  if (sizeof<T>() == 4 && (op == SUM || op == MAX || op == MIN)) {
    let v4 = i32x4.splat(<i32>acc);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i, 2));
      v4 = op == SUM ? i32x4.add(v4, v) : op == MAX ? i32x4.max_s(v4, v) : i32x4.min_s(v4, v);
    }
    acc = step<T>(op, acc, <T>i32x4.extract_lane(v4, 0));
    acc = step<T>(op, acc, <T>i32x4.extract_lane(v4, 1));
    acc = step<T>(op, acc, <T>i32x4.extract_lane(v4, 2));
    acc = step<T>(op, acc, <T>i32x4.extract_lane(v4, 3));
  }
  for (; i < n; i++) acc = step<T>(op, acc, load<T>(at(x, i, shift)));
  return acc;
}

/** Folds a contiguous row x of n values into the accumulator row y, elementwise. */
// @ts-ignore: decorator
@inline
function foldRow<T>(op: i32, x: usize, y: usize, n: i32): void {
  const shift = <i32>alignof<T>();
  let i = 0;
  if (sizeof<T>() == 4 && (op == SUM || op == MAX || op == MIN)) {
    for (; i + 4 <= n; i += 4) {
      const a = v128.load(at(y, i, 2));
      const v = v128.load(at(x, i, 2));
      let r: v128;
      if (isFloat<T>()) {
        r = op == SUM ? f32x4.add(a, v) : op == MAX ? f32x4.max(a, v) : f32x4.min(a, v);
      } else {
        r = op == SUM ? i32x4.add(a, v) : op == MAX ? i32x4.max_s(a, v) : i32x4.min_s(a, v);
      }
      v128.store(at(y, i, 2), r);
    }
  }
  for (; i < n; i++) store<T>(at(y, i, shift), step<T>(op, load<T>(at(y, i, shift)), load<T>(at(x, i, shift))));
}

// @ts-ignore: decorator
@inline
function reduceBlock<T>(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  const shift = <i32>alignof<T>();
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = at(x, o * n, shift);
      let v: T;
      if (isFloat<T>()) v = <T>rowF32(op, row, n);
      else v = rowInt<T>(op, row, n);
      store<T>(at(y, o, shift), v);
    }
    return;
  }
  const lanes = sizeof<T>() == 4 && (op == SUM || op == MAX || op == MIN);
  for (let o = 0; o < outer; o++) {
    const yRow = at(y, o * inner, shift);
    const xBlock = at(x, o * n * inner, shift);
    // Columns in registers, four lanes at a time; the rest (bool, prod, any, all, a ragged
    // tail) folded row by row through y.
    const done = lanes ? foldColumns<T>(op, xBlock, yRow, n, inner) : 0;
    if (done == inner) continue;
    const init = identity<T>(op);
    for (let j = done; j < inner; j++) store<T>(at(yRow, j, shift), init);
    for (let r = 0; r < n; r++) {
      foldRow<T>(op, at(xBlock, r * inner + done, shift), at(yRow, done, shift), inner - done);
    }
  }
}

/** One lane step of SUM, MAX or MIN on four floats or int32s. */
// @ts-ignore: decorator
@inline
function lanesStep<T>(op: i32, a: v128, v: v128): v128 {
  if (isFloat<T>()) return op == SUM ? f32x4.add(a, v) : op == MAX ? f32x4.max(a, v) : f32x4.min(a, v);
  return op == SUM ? i32x4.add(a, v) : op == MAX ? i32x4.max_s(a, v) : i32x4.min_s(a, v);
}

/**
 * Reduces the columns of x [n, inner] (4-byte values) into y [inner], 32 columns at a time in
 * eight registers while the rows stream past (then 4 at a time), instead of folding every row
 * into y through memory. Each column still folds its rows in order from the identity, so the
 * result is the same bits. Returns how many columns it did (a multiple of 4).
 */
// @ts-ignore: decorator
@inline
function foldColumns<T>(op: i32, x: usize, y: usize, n: i32, inner: i32): i32 {
  const rowBytes = <usize>inner * 4;
  const init = isFloat<T>() ? f32x4.splat(<f32>identity<T>(op)) : i32x4.splat(<i32>identity<T>(op));
  let j = 0;
  for (; j + 32 <= inner; j += 32) {
    let a0 = init;
    let a1 = init;
    let a2 = init;
    let a3 = init;
    let a4 = init;
    let a5 = init;
    let a6 = init;
    let a7 = init;
    let p = x + <usize>j * 4;
    for (let r = 0; r < n; r++) {
      a0 = lanesStep<T>(op, a0, v128.load(p));
      a1 = lanesStep<T>(op, a1, v128.load(p, 16));
      a2 = lanesStep<T>(op, a2, v128.load(p, 32));
      a3 = lanesStep<T>(op, a3, v128.load(p, 48));
      a4 = lanesStep<T>(op, a4, v128.load(p, 64));
      a5 = lanesStep<T>(op, a5, v128.load(p, 80));
      a6 = lanesStep<T>(op, a6, v128.load(p, 96));
      a7 = lanesStep<T>(op, a7, v128.load(p, 112));
      p += rowBytes;
    }
    const q = y + <usize>j * 4;
    store8(q, a0, a1, a2, a3, a4, a5, a6, a7);
  }
  for (; j + 4 <= inner; j += 4) {
    let a = init;
    let p = x + <usize>j * 4;
    for (let r = 0; r < n; r++) {
      a = lanesStep<T>(op, a, v128.load(p));
      p += rowBytes;
    }
    v128.store(y + <usize>j * 4, a);
  }
  return j;
}

// @ts-ignore: decorator
@inline
function reduceDispatch<T>(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  switch (op) {
    case SUM: reduceBlock<T>(SUM, x, y, outer, n, inner); break;
    case PROD: reduceBlock<T>(PROD, x, y, outer, n, inner); break;
    case MAX: reduceBlock<T>(MAX, x, y, outer, n, inner); break;
    case MIN: reduceBlock<T>(MIN, x, y, outer, n, inner); break;
    case ANY: reduceBlock<T>(ANY, x, y, outer, n, inner); break;
    case ALL: reduceBlock<T>(ALL, x, y, outer, n, inner); break;
  }
}

/** Reduces float32 x viewed as [outer, n, inner] over its middle axis into y [outer, inner]. */
export function reduceF32(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  reduceDispatch<f32>(op, x, y, outer, n, inner);
}

/** The int32 form of reduceF32 (sums wrap like the CPU backend's Int32Array stores). */
export function reduceI32(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  reduceDispatch<i32>(op, x, y, outer, n, inner);
}

/** The bool form of reduceF32 (any, all, max, min). */
export function reduceU8(op: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  reduceDispatch<u8>(op, x, y, outer, n, inner);
}

// @ts-ignore: decorator
@inline
function argExtreme<T>(sign: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = 0;
      let bestValue = load<T>(at(x, base, 2));
      // The first NaN wins, as in NumPy.
      for (let r = 1; r < n && bestValue == bestValue; r++) {
        const v = load<T>(at(x, base + r * inner, 2));
        const better = sign > 0 ? v > bestValue : v < bestValue;
        if (better || v != v) {
          best = r;
          bestValue = v;
        }
      }
      store<i32>(at(y, o * inner + j, 2), best);
    }
  }
}

/** argMax (sign 1) or argMin (sign -1) of float32 x [outer, n, inner] along n, into int32 y. */
export function argExtremeF32(sign: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  argExtreme<f32>(sign, x, y, outer, n, inner);
}

/** The int32 form of argExtremeF32. */
export function argExtremeI32(sign: i32, x: usize, y: usize, outer: i32, n: i32, inner: i32): void {
  argExtreme<i32>(sign, x, y, outer, n, inner);
}

// @ts-ignore: decorator
@inline
function cumulative<T>(
  isSum: bool,
  exclusive: bool,
  reverse: bool,
  x: usize,
  y: usize,
  outer: i32,
  n: i32,
  inner: i32,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      // Float32 scans accumulate in float64, as the CPU backend does.
      let acc: f64 = isSum ? 0 : 1;
      let iacc: i32 = isSum ? 0 : 1;
      for (let s = 0; s < n; s++) {
        const r = reverse ? n - 1 - s : s;
        const k = (o * n + r) * inner + j;
        if (isFloat<T>()) {
          const v = <f64>load<f32>(at(x, k, 2));
          if (exclusive) store<f32>(at(y, k, 2), <f32>acc);
          acc = isSum ? acc + v : acc * v;
          if (!exclusive) store<f32>(at(y, k, 2), <f32>acc);
        } else {
          const v = load<i32>(at(x, k, 2));
          if (exclusive) store<i32>(at(y, k, 2), iacc);
          iacc = isSum ? iacc + v : iacc * v;
          if (!exclusive) store<i32>(at(y, k, 2), iacc);
        }
      }
    }
  }
}

/** cumsum (isSum) or cumprod of float32 x [outer, n, inner] along n. */
export function cumulativeF32(
  isSum: bool,
  exclusive: bool,
  reverse: bool,
  x: usize,
  y: usize,
  outer: i32,
  n: i32,
  inner: i32,
): void {
  cumulative<f32>(isSum, exclusive, reverse, x, y, outer, n, inner);
}

/** The int32 form of cumulativeF32. */
export function cumulativeI32(
  isSum: bool,
  exclusive: bool,
  reverse: bool,
  x: usize,
  y: usize,
  outer: i32,
  n: i32,
  inner: i32,
): void {
  cumulative<i32>(isSum, exclusive, reverse, x, y, outer, n, inner);
}

// topkIndices: each last-axis row is ranked by a heapsort of its indices in a scratch block the
// JS side lends (the binary allocates nothing itself). The order is total (NaN above every
// number, ties to the lower index), so an unstable sort still gives one answer.
let topX: usize = 0;
let topInt: bool = false;
let topByIndex: bool = false;

// @ts-ignore: decorator
@inline
function topValue(i: i32): f64 {
  return topInt ? <f64>load<i32>(at(topX, i, 2)) : <f64>load<f32>(at(topX, i, 2));
}

/** Whether index a comes before index b: a larger value, NaN first, ties to the lower index. */
function ranksBefore(a: i32, b: i32): bool {
  if (topByIndex) return a < b;
  const va = topValue(a);
  const vb = topValue(b);
  const nanA = isNaN(va);
  if (nanA != isNaN(vb)) return nanA;
  if (!nanA && va != vb) return va > vb;
  return a < b;
}

function siftDown(p: usize, start: i32, end: i32): void {
  let root = start;
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) return;
    if (child + 1 < end && ranksBefore(load<i32>(at(p, child, 2)), load<i32>(at(p, child + 1, 2)))) child++;
    const r = load<i32>(at(p, root, 2));
    const c = load<i32>(at(p, child, 2));
    if (!ranksBefore(r, c)) return;
    store<i32>(at(p, root, 2), c);
    store<i32>(at(p, child, 2), r);
    root = child;
  }
}

/** Sorts the n int32 indices at p so that each ranks before the next. */
function heapSort(p: usize, n: i32): void {
  for (let s = (n >> 1) - 1; s >= 0; s--) siftDown(p, s, n);
  for (let end = n - 1; end > 0; end--) {
    const top = load<i32>(p);
    store<i32>(p, load<i32>(at(p, end, 2)));
    store<i32>(at(p, end, 2), top);
    siftDown(p, 0, end);
  }
}

/**
 * y [rows, k] (int32) = the indices of the k largest of each row of x [rows, n], best first, or
 * in increasing index order unless `sorted`; `scratch` holds n int32s.
 */
export function topkIndices(
  isInt: i32,
  x: usize,
  y: usize,
  scratch: usize,
  rows: i32,
  n: i32,
  k: i32,
  sorted: i32,
): void {
  topInt = isInt != 0;
  for (let r = 0; r < rows; r++) {
    topX = at(x, r * n, 2);
    for (let i = 0; i < n; i++) store<i32>(at(scratch, i, 2), i);
    topByIndex = false;
    heapSort(scratch, n);
    if (sorted == 0) {
      topByIndex = true;
      heapSort(scratch, k);
    }
    memory.copy(at(y, r * k, 2), scratch, <usize>k << 2);
  }
}

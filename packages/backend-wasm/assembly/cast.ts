// The cast kernel: conversions between float32, int32 and bool, four lanes at a time where
// WebAssembly has the instruction. Dtype codes are the ABI's (src/abi.ts).

import { at, toInt32 } from './common';
import {
  DTYPE_FLOAT32 as F32,
  DTYPE_INT32 as I32,
  DTYPE_BOOL as BOOL,
} from '../src/abi';

/**
 * Converts n values between dtypes (codes 0 float32, 1 int32, 2 bool): float → int32 is
 * JavaScript's ToInt32 (truncation, NaN → 0, wrapping); anything → bool is x != 0.
 */
export function cast(from: i32, to: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (from == F32 && to == I32) {
    const limit = f32x4.splat(2147483648.0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(at(x, i, 2));
      // Lanes past ±2^31 (or NaN) wrap in JavaScript but saturate here: leave them to the scalar loop.
      if (!i32x4.all_true(f32x4.lt(f32x4.abs(v), limit))) break;
      v128.store(at(y, i, 2), i32x4.trunc_sat_f32x4_s(v));
    }
    for (; i < n; i++) store<i32>(at(y, i, 2), toInt32(<f64>load<f32>(at(x, i, 2))));
  } else if (from == I32 && to == F32) {
    for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), f32x4.convert_i32x4_s(v128.load(at(x, i, 2))));
    for (; i < n; i++) store<f32>(at(y, i, 2), <f32>load<i32>(at(x, i, 2)));
  } else if (from == F32 && to == BOOL) {
    for (; i < n; i++) store<u8>(y + <usize>i, load<f32>(at(x, i, 2)) != 0 ? 1 : 0);
  } else if (from == I32 && to == BOOL) {
    for (; i < n; i++) store<u8>(y + <usize>i, load<i32>(at(x, i, 2)) != 0 ? 1 : 0);
  } else if (from == BOOL && to == F32) {
    for (; i < n; i++) store<f32>(at(y, i, 2), <f32>load<u8>(x + <usize>i));
  } else if (from == BOOL && to == I32) {
    for (; i < n; i++) store<i32>(at(y, i, 2), <i32>load<u8>(x + <usize>i));
  } else {
    memory.copy(y, x, <usize>n << (from == BOOL ? 0 : 2));
  }
}

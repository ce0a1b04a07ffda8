// Broadcasting binary kernels and `where`. Op codes are the ABI's
// (src/abi.ts). The JS side merges axes and hands a row walk over two operands
// (see common.ts); each row is then contiguous, a scalar against a row, or strided. Arithmetic
// rows run four lanes at a time where WebAssembly has the instruction.

import { at, toInt32, walkLen, walkNext, walkOffset, walkRows, walkStride } from './common';
import {
  BINARY_ADD as ADD,
  BINARY_SUB as SUB,
  BINARY_MUL as MUL,
  BINARY_DIV as DIV,
  BINARY_POW as POW,
  BINARY_MAXIMUM as MAXIMUM,
  BINARY_MINIMUM as MINIMUM,
  BINARY_MOD as MOD,
  BINARY_EQUAL as EQUAL,
  BINARY_NOT_EQUAL as NOT_EQUAL,
  BINARY_LESS as LESS,
  BINARY_LESS_EQUAL as LESS_EQUAL,
  BINARY_GREATER as GREATER,
  BINARY_GREATER_EQUAL as GREATER_EQUAL,
  BINARY_LOGICAL_AND as LOGICAL_AND,
  BINARY_LOGICAL_OR as LOGICAL_OR,
} from '../src/abi';

/** Floored modulo with the divisor's sign; integer division by zero gives 0 (as the CPU backend). */
// @ts-ignore: decorator
@inline
function floorMod<T>(a: T, b: T): T {
  if (!isFloat<T>()) {
    if (b == <T>0) return <T>0;
  }
  const r = a % b;
  return r != <T>0 && r < <T>0 != b < <T>0 ? r + b : r;
}

// @ts-ignore: decorator
@inline
export function arith<T>(op: i32, a: T, b: T): T {
  switch (op) {
    case ADD:
      return a + b;
    case SUB:
      return a - b;
    case MUL:
      return a * b;
    case DIV:
      if (isFloat<T>()) return a / b;
      return <T>0;
    case POW:
      if (isFloat<T>()) return <T>Math.pow(<f64>a, <f64>b);
      return <T>toInt32(Math.pow(<f64>a, <f64>b));
    case MAXIMUM:
      return max<T>(a, b);
    case MINIMUM:
      return min<T>(a, b);
    case MOD:
      return floorMod<T>(a, b);
  }
  return a;
}

// @ts-ignore: decorator
@inline
export function arithHasSimd<T>(op: i32): bool {
  if (isFloat<T>()) return op == ADD || op == SUB || op == MUL || op == DIV || op == MAXIMUM || op == MINIMUM;
  return op == ADD || op == SUB || op == MUL || op == MAXIMUM || op == MINIMUM;
}

// @ts-ignore: decorator
@inline
export function arithSimd<T>(op: i32, a: v128, b: v128): v128 {
  if (isFloat<T>()) {
    switch (op) {
      case ADD:
        return f32x4.add(a, b);
      case SUB:
        return f32x4.sub(a, b);
      case MUL:
        return f32x4.mul(a, b);
      case DIV:
        return f32x4.div(a, b);
      case MAXIMUM:
        return f32x4.max(a, b);
      case MINIMUM:
        return f32x4.min(a, b);
    }
  } else {
    switch (op) {
      case ADD:
        return i32x4.add(a, b);
      case SUB:
        return i32x4.sub(a, b);
      case MUL:
        return i32x4.mul(a, b);
      case MAXIMUM:
        return i32x4.max_s(a, b);
      case MINIMUM:
        return i32x4.min_s(a, b);
    }
  }
  return a;
}

// @ts-ignore: decorator
@inline
function splat<T>(v: T): v128 {
  if (isFloat<T>()) return f32x4.splat(<f32>v);
  return i32x4.splat(<i32>v);
}

/** One output row of an arithmetic op: a and b at element strides sa and sb. */
// @ts-ignore: decorator
@inline
function arithRow<T>(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  let i = 0;
  if (arithHasSimd<T>(op)) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        v128.store(at(y, i, 2), arithSimd<T>(op, v128.load(at(a, i, 2)), v128.load(at(b, i, 2))));
      }
    } else if (sa == 1 && sb == 0) {
      const vb = splat<T>(load<T>(b));
      for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), arithSimd<T>(op, v128.load(at(a, i, 2)), vb));
    } else if (sa == 0 && sb == 1) {
      const va = splat<T>(load<T>(a));
      for (; i + 4 <= n; i += 4) v128.store(at(y, i, 2), arithSimd<T>(op, va, v128.load(at(b, i, 2))));
    }
  }
  for (; i < n; i++) store<T>(at(y, i, 2), arith<T>(op, load<T>(at(a, i * sa, 2)), load<T>(at(b, i * sb, 2))));
}

// @ts-ignore: decorator
@inline
function arithWalk<T>(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  const rows = walkRows(p);
  const len = walkLen(p);
  const sa = walkStride(p, 0);
  const sb = walkStride(p, 1);
  for (let r = 0; r < rows; r++) {
    const rowA = at(a, walkOffset(p, 2, 0), 2);
    const rowB = at(b, walkOffset(p, 2, 1), 2);
    arithRow<T>(op, rowA, sa, rowB, sb, at(y, r * len, 2), len);
    walkNext(p, 2);
  }
}

/** Broadcasting arithmetic on float32 (ops add..mod). */
export function binaryF32(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  switch (op) {
    case ADD: arithWalk<f32>(ADD, a, b, y, p); break;
    case SUB: arithWalk<f32>(SUB, a, b, y, p); break;
    case MUL: arithWalk<f32>(MUL, a, b, y, p); break;
    case DIV: arithWalk<f32>(DIV, a, b, y, p); break;
    case POW: arithWalk<f32>(POW, a, b, y, p); break;
    case MAXIMUM: arithWalk<f32>(MAXIMUM, a, b, y, p); break;
    case MINIMUM: arithWalk<f32>(MINIMUM, a, b, y, p); break;
    case MOD: arithWalk<f32>(MOD, a, b, y, p); break;
  }
}

/** Broadcasting arithmetic on int32 (ops add..mod, wrapping like the CPU backend's stores). */
export function binaryI32(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  switch (op) {
    case ADD: arithWalk<i32>(ADD, a, b, y, p); break;
    case SUB: arithWalk<i32>(SUB, a, b, y, p); break;
    case MUL: arithWalk<i32>(MUL, a, b, y, p); break;
    case POW: arithWalk<i32>(POW, a, b, y, p); break;
    case MAXIMUM: arithWalk<i32>(MAXIMUM, a, b, y, p); break;
    case MINIMUM: arithWalk<i32>(MINIMUM, a, b, y, p); break;
    case MOD: arithWalk<i32>(MOD, a, b, y, p); break;
  }
}

// @ts-ignore: decorator
@inline
export function compare<T>(op: i32, a: T, b: T): bool {
  switch (op) {
    case EQUAL:
      return a == b;
    case NOT_EQUAL:
      return a != b;
    case LESS:
      return a < b;
    case LESS_EQUAL:
      return a <= b;
    case GREATER:
      return a > b;
    case GREATER_EQUAL:
      return a >= b;
    case LOGICAL_AND:
      return a != <T>0 && b != <T>0;
    case LOGICAL_OR:
      return a != <T>0 || b != <T>0;
  }
  return false;
}

// @ts-ignore: decorator
@inline
function compareWalk<T>(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  const rows = walkRows(p);
  const len = walkLen(p);
  const sa = walkStride(p, 0);
  const sb = walkStride(p, 1);
  const shift = <i32>alignof<T>();
  for (let r = 0; r < rows; r++) {
    const rowA = at(a, walkOffset(p, 2, 0), shift);
    const rowB = at(b, walkOffset(p, 2, 1), shift);
    const rowY = y + <usize>(r * len);
    for (let i = 0; i < len; i++) {
      const v = compare<T>(op, load<T>(at(rowA, i * sa, shift)), load<T>(at(rowB, i * sb, shift)));
      store<u8>(rowY + <usize>i, v ? 1 : 0);
    }
    walkNext(p, 2);
  }
}

// @ts-ignore: decorator
@inline
function compareDispatch<T>(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  switch (op) {
    case EQUAL: compareWalk<T>(EQUAL, a, b, y, p); break;
    case NOT_EQUAL: compareWalk<T>(NOT_EQUAL, a, b, y, p); break;
    case LESS: compareWalk<T>(LESS, a, b, y, p); break;
    case LESS_EQUAL: compareWalk<T>(LESS_EQUAL, a, b, y, p); break;
    case GREATER: compareWalk<T>(GREATER, a, b, y, p); break;
    case GREATER_EQUAL: compareWalk<T>(GREATER_EQUAL, a, b, y, p); break;
    case LOGICAL_AND: compareWalk<T>(LOGICAL_AND, a, b, y, p); break;
    case LOGICAL_OR: compareWalk<T>(LOGICAL_OR, a, b, y, p); break;
  }
}

/** Broadcasting comparisons of float32 operands into bools. */
export function compareF32(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  compareDispatch<f32>(op, a, b, y, p);
}

/** Broadcasting comparisons of int32 operands into bools. */
export function compareI32(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  compareDispatch<i32>(op, a, b, y, p);
}

/** Broadcasting comparisons and logic of bool operands into bools. */
export function compareU8(op: i32, a: usize, b: usize, y: usize, p: usize): void {
  compareDispatch<u8>(op, a, b, y, p);
}

// @ts-ignore: decorator
@inline
function whereWalk<T>(c: usize, a: usize, b: usize, y: usize, p: usize): void {
  const rows = walkRows(p);
  const len = walkLen(p);
  const sc = walkStride(p, 0);
  const sa = walkStride(p, 1);
  const sb = walkStride(p, 2);
  const shift = <i32>alignof<T>();
  for (let r = 0; r < rows; r++) {
    const rowC = c + <usize>walkOffset(p, 3, 0);
    const rowA = at(a, walkOffset(p, 3, 1), shift);
    const rowB = at(b, walkOffset(p, 3, 2), shift);
    const rowY = at(y, r * len, shift);
    let i = 0;
    if (sizeof<T>() == 4 && sc == 1 && sa == 1 && sb == 1) {
      const zero = i32x4.splat(0);
      for (; i + 4 <= len; i += 4) {
        // Four condition bytes widened to four lane masks.
        const bytes = v128.load32_zero(rowC + <usize>i);
        const mask = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), zero);
        const va = v128.load(at(rowA, i, shift));
        const vb = v128.load(at(rowB, i, shift));
        v128.store(at(rowY, i, shift), v128.bitselect(va, vb, mask));
      }
    }
    for (; i < len; i++) {
      const pick = load<u8>(rowC + <usize>(i * sc)) != 0;
      const v = pick ? load<T>(at(rowA, i * sa, shift)) : load<T>(at(rowB, i * sb, shift));
      store<T>(at(rowY, i, shift), v);
    }
    walkNext(p, 3);
  }
}

/** where(c, a, b) for 4-byte elements (float32, int32). */
export function where32(c: usize, a: usize, b: usize, y: usize, p: usize): void {
  whereWalk<i32>(c, a, b, y, p);
}

/** where(c, a, b) for bools. */
export function where8(c: usize, a: usize, b: usize, y: usize, p: usize): void {
  whereWalk<u8>(c, a, b, y, p);
}

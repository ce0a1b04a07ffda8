// WGSL building blocks shared by the kernels: the storage type of each dtype (float16 as f16,
// computed in f32), conversions
// with JavaScript's semantics (float → int32 truncates and wraps like ToInt32; NaN and ±∞ give
// 0), NaN tests on bit patterns (WGSL has no isNan, and compilers may fold `x != x`), the grid
// index of a folded 2-D dispatch, and the parameter block every elementwise shader reads.

import { BackendError, type DType } from '@nabla/core';
import { mergeAxes } from '@nabla/core/internal';

/** Threads per workgroup of the 1-D kernels. */
export const WORKGROUP = 64;
/** Most axes an index walk supports (after merging contiguous axes). */
export const MAX_RANK = 8;

/** WGSL scalar types values are computed in. */
export type Scalar = 'f32' | 'i32' | 'bool';

/**
 * The WGSL storage element type of a dtype: bool is a u32 0 or 1; float16 is f16 (the device's
 * `shader-f16`), 2 bytes per element, computed in f32 registers (see `scalarOf`).
 */
export function storageType(dtype: DType): 'f32' | 'i32' | 'u32' | 'f16' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    case 'float16':
      return 'f16';
    case 'float64':
      throw new BackendError('webgpu: float64 is not supported (WGSL has no f64)');
    default:
      return dtype satisfies never;
  }
}

/**
 * The scalar type a stored value of `dtype` is computed in. float16 is f32: every kernel loads
 * halves into f32, computes and accumulates there, and rounds once when it stores. For + − × ÷
 * and √ that is exactly IEEE half arithmetic (f32's 24 bits are at least 2·11 + 2, so the double
 * rounding is innocuous); sums and dot products gain f32 accumulation.
 */
export function scalarOf(dtype: DType): Scalar {
  return dtype === 'float32' || dtype === 'float16' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

/** The element type raw copies move: f16 for float16's 2-byte elements, else a 32-bit word. */
export function wordType(dtype: DType): 'u32' | 'f16' {
  return dtype === 'float16' ? 'f16' : 'u32';
}

/** `expr`, a stored value of `dtype`, as a scalar of its dtype (bool: u32 → bool; f16 → f32). */
export function loadScalar(expr: string, dtype: DType): string {
  return dtype === 'bool' ? `(${expr} != 0u)` : dtype === 'float16' ? `f32(${expr})` : expr;
}

/**
 * Declarations for the float-only kernels (pooling, convolution, resize, random, optimizer
 * updates), written once over `F`, the storage type of `dtype` (f32 or f16): they read with
 * `f32(x[i])` and store with `st(v)`.
 */
export function floatStorage(dtype: DType): string {
  const half = dtype === 'float16';
  return `alias F = ${half ? 'f16' : 'f32'};\nfn st(v: f32) -> F { return ${half ? 'to_f16(v)' : 'v'}; }\n`;
}

/** `expr` of scalar type `from` converted to `to` with JavaScript's semantics. */
export function convert(expr: string, from: Scalar, to: Scalar): string {
  if (from === to) return expr;
  if (to === 'f32') return from === 'i32' ? `f32(${expr})` : `select(0.0, 1.0, ${expr})`;
  if (to === 'i32') return from === 'f32' ? `f2i(${expr})` : `select(0, 1, ${expr})`;
  // to bool: x != 0, NaN included (NaN != 0).
  return from === 'f32' ? `(${expr} != 0.0 || is_nan(${expr}))` : `(${expr} != 0)`;
}

/** `expr`, a scalar of type `from`, as the stored value of `dtype`. */
export function storeAs(expr: string, from: Scalar, dtype: DType): string {
  const s = convert(expr, from, scalarOf(dtype));
  return dtype === 'bool' ? `select(0u, 1u, ${s})` : dtype === 'float16' ? `to_f16(${s})` : s;
}

/** Helper functions every shader may call. */
export const PRELUDE = /* wgsl */ `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// Private variables, not constants: WGSL refuses NaN and infinity in constant expressions.
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn nan() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf() -> f32 { return bitcast<f32>(INF_BITS); }
// ToInt32: truncate toward zero, wrap modulo 2^32; NaN and infinities give 0.
fn f2i(x: f32) -> i32 {
  if (is_nan(x) || is_inf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  let m = t - 4294967296.0 * floor(t / 4294967296.0);
  return bitcast<i32>(u32(m));
}
`;

/**
 * f32 → f16 rounded to nearest even on the bits (WGSL leaves out-of-range conversions and the
 * rounding direction to the implementation): NaN stays NaN, 65520 and beyond is ±∞, below 2^-14
 * a subnormal. The same rounding as the upload's (half.ts).
 */
const HALF = /* wgsl */ `
fn to_f16(x: f32) -> f16 {
  let b = bitcast<u32>(x);
  let a = b & 0x7fffffffu;
  var h: u32;
  if (a > 0x7f800000u) { h = 0x7e00u; }
  else if (a >= 0x477ff000u) { h = 0x7c00u; }
  else if (a >= 0x38800000u) { h = ((a + 0xfffu + ((a >> 13u) & 1u)) >> 13u) - 0x1c000u; }
  else { h = u32(round(bitcast<f32>(a) * 16777216.0)); }
  return bitcast<vec2<f16>>(((b >> 16u) & 0x8000u) | h).x;
}
`;

/**
 * A shader's source as compiled: one that mentions f16 gets `enable f16;` (which must come
 * first) and the rounding helper, so kernels never repeat either.
 * @example
 * withExtensions('var<storage> x: array<f16>;'); // 'enable f16;\n...'
 */
export function withExtensions(code: string): string {
  return /\bf16\b/.test(code) ? `enable f16;\n${HALF}${code}` : code;
}

/**
 * The parameter block of the elementwise shaders: the element count, the rank, then the output
 * shape and each input's strides, eight u32 per array (two vec4 for uniform layout).
 */
export function paramsStruct(inputs: number): string {
  const strides = Array.from({ length: inputs }, (_, i) => `  s${i}: array<vec4<u32>, 2>,`).join('\n');
  return `struct Params {\n  n: u32,\n  rank: u32,\n  e0: u32,\n  e1: u32,\n  shape: array<vec4<u32>, 2>,\n${strides}\n}\n@group(0) @binding(0) var<uniform> p: Params;\n`;
}

/** Packs `[n, rank, e0, e1, shape[8], strides[k][8]...]` for `paramsStruct`. */
export function packParams(
  n: number,
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  extra: readonly [number, number] = [0, 0],
): Uint32Array {
  const out = new Uint32Array(4 + 8 * (1 + strides.length));
  out[0] = n;
  out[1] = shape.length;
  out[2] = extra[0];
  out[3] = extra[1];
  shape.forEach((d, i) => {
    out[4 + i] = d;
  });
  strides.forEach((s, k) => {
    s.forEach((v, i) => {
      out[12 + 8 * k + i] = v;
    });
  });
  return out;
}

/** The flat index of this thread in a folded 2-D grid of WORKGROUP-wide groups. */
export const GRID_INDEX = `let i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;`;
export const ENTRY = `@compute @workgroup_size(${WORKGROUP})\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;

/**
 * Core's `mergeAxes`, refused past MAX_RANK axes (a walk the shaders' parameter block cannot hold).
 * @example
 * collapseAxes([2, 3, 4], [[12, 4, 1]]); // { shape: [24], strides: [[1]] }
 */
export function collapseAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const merged = mergeAxes(shape, strides);
  if (merged.shape.length > MAX_RANK) {
    throw new BackendError(
      `webgpu: an index walk over ${merged.shape.length} axes (most ${MAX_RANK} after merging)`,
    );
  }
  return merged;
}

/** Workgroups for `n` threads. */
export function groupsFor(n: number): number {
  return Math.max(1, Math.ceil(n / WORKGROUP));
}

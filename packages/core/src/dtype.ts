// dtypes, their typed-array storage, and the type promotion rules, written down in one place.
// Promotion follows a lattice bool < int32 < float16 < float32 < float64. JS numbers passed to ops are
// "weak": they take the dtype of the tensor they meet (like JAX and NumPy 2), except that a
// non-integer number meeting an int32/bool tensor promotes to float32.

import { DTypeError } from './errors.js';

/**
 * Element types a tensor can hold. `float64` is available where a backend supports it (CPU);
 * `float16` where one stores half floats (WebGPU with `shader-f16`): its values travel in JS as a
 * Float32Array, rounded to half precision by the backend.
 */
export type DType = 'float32' | 'int32' | 'bool' | 'float64' | 'float16';

/** The typed array that stores each dtype (bool is stored as one byte per element, 0 or 1). */
export interface DTypeArrayMap {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
  float64: Float64Array;
  /** JS has no Float16Array before Node 24: float16 values are float32 numbers on the JS side. */
  float16: Float32Array;
}

export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;
export type DataFor<D extends DType> = DTypeArrayMap[D];

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float16', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float16: 2, float32: 3, float64: 4 };

/** Bytes per element of each dtype. */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'bool':
      return 1;
    case 'float16':
      return 2;
    case 'float64':
      return 8;
    default:
      return dtype satisfies never;
  }
}

/** A zero-filled typed array of `size` elements for `dtype`. */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
    case 'float16':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
    case 'float64':
      return new Float64Array(size);
    default:
      return dtype satisfies never;
  }
}

/** Copies `values` into a fresh typed array of `dtype` (bool: nonzero → 1; int32: truncates). */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    // bool follows NumPy: anything but 0 is true, NaN included (as cast does).
    out[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
  }
  return out;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/**
 * The dtype two tensors promote to: the larger of the two on
 * bool < int32 < float16 < float32 < float64.
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a JS number takes when it meets a tensor of dtype `other` (weak typing). */
export function weakNumberDType(value: number | boolean, other: DType): DType {
  if (typeof value === 'boolean') return other;
  if (isFloat(other)) return other;
  if (Number.isInteger(value)) return other === 'bool' ? 'int32' : other;
  return 'float32';
}

/** The dtype a JS value gets when it is turned into a tensor on its own. */
export function inferDType(value: unknown): DType {
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Int32Array) return 'int32';
  if (value instanceof Uint8Array) return 'bool';
  if (value instanceof Float64Array) return 'float64';
  return 'float32';
}

/** Throws unless `dtype` is one of `allowed`. */
export function assertDType(op: string, arg: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) {
    throw new DTypeError(`${op}: expected ${arg} to have dtype ${allowed.join(' or ')}, got ${dtype}`);
  }
}

export function isDType(value: unknown): value is DType {
  return (
    value === 'float32' || value === 'int32' || value === 'bool' || value === 'float64' || value === 'float16'
  );
}

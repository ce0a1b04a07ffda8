// Helpers for this package's kernel tests (excluded from the build): wrap typed arrays as
// kernel inputs, run one primitive on a CpuBackend, make seeded data, compare with tolerance,
// and convert between flat indices and coordinates for the naive reference implementations.

import type { DType, TypedArray } from '@nabla/core';
import {
  allocArray,
  type OutInfo,
  type Prim,
  type PrimParams,
  sizeOf,
  type TensorInfo,
} from '@nabla/core/internal';
import { expect } from 'vitest';
import type { CpuBackend } from './cpu-backend.js';

/** Uploads `values` and describes them as a kernel input of `shape`. */
export function input(
  backend: CpuBackend,
  values: TypedArray,
  shape: readonly number[],
  dtype: DType,
): TensorInfo {
  return { handle: backend.upload(values, dtype), shape, dtype, size: sizeOf(shape) };
}

/** Runs one kernel and reads its output back synchronously. */
export function run<P extends Prim>(
  backend: CpuBackend,
  prim: P,
  inputs: readonly TensorInfo[],
  params: PrimParams[P],
  shape: readonly number[],
  dtype: DType,
): TypedArray {
  const kernel = backend.kernels[prim];
  if ('unsupported' in kernel) throw new Error(`${prim} is unsupported`);
  const out: OutInfo = { shape, dtype, size: sizeOf(shape) };
  const handle = kernel(inputs, params, out);
  const values = backend.readSync?.(handle, dtype, out.size);
  if (values === undefined) throw new Error('readSync missing');
  backend.free(handle);
  return values;
}

/** Deterministic values in [lo, hi) from a small LCG, as `dtype`'s typed array. */
export function seeded(size: number, seed: number, dtype: DType = 'float32', lo = -1, hi = 1): TypedArray {
  const out = allocArray(dtype, size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    out[i] = dtype === 'int32' || dtype === 'bool' ? Math.floor(lo + u * (hi - lo)) : lo + u * (hi - lo);
  }
  return out;
}

/** Asserts equal length and |a − e| ≤ atol + rtol·|e| everywhere; NaN must match NaN. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol = 1e-5,
  rtol = 1e-5,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      expect(
        Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)),
        `index ${i}: got ${a}, expected ${e}`,
      ).toBe(true);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`index ${i}: got ${a}, expected ${e}`);
    }
  }
}

/** Coordinates of flat index `i` in a row-major `shape`. */
export function coords(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return out;
}

/** Flat row-major index of `c` in `shape`. */
export function flat(c: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + c[d];
  return i;
}

// The dtype table on its own: the promotion lattice bool < int32 < float16 < float32 < float64,
// weak JS numbers, and float16's storage facts (2 bytes on a backend, float32 numbers in JS).

import { describe, expect, it } from 'vitest';
import {
  allocArray,
  bytesPerElement,
  DTYPES,
  type DType,
  inferDType,
  isDType,
  isFloat,
  promoteTypes,
  weakNumberDType,
} from './dtype.js';

describe('dtypes', () => {
  it('promote along bool < int32 < float16 < float32 < float64', () => {
    expect(DTYPES).toEqual(['bool', 'int32', 'float16', 'float32', 'float64']);
    for (let i = 0; i < DTYPES.length; i++) {
      for (let j = 0; j < DTYPES.length; j++) {
        expect(promoteTypes(DTYPES[i]!, DTYPES[j]!)).toBe(DTYPES[Math.max(i, j)]);
      }
    }
  });

  it('weak numbers take float16 from a float16 tensor, even fractional ones', () => {
    expect(weakNumberDType(0.1, 'float16')).toBe('float16');
    expect(weakNumberDType(3, 'float16')).toBe('float16');
    expect(weakNumberDType(true, 'float16')).toBe('float16');
    // A fraction meeting an int tensor still goes to float32, never float16.
    expect(weakNumberDType(0.5, 'int32')).toBe('float32');
  });

  it('float16 is a float of 2 bytes whose JS values are a Float32Array', () => {
    expect(isDType('float16')).toBe(true);
    expect(isDType('float8')).toBe(false);
    expect(isFloat('float16')).toBe(true);
    expect(bytesPerElement('float16')).toBe(2);
    expect(allocArray('float16', 3)).toBeInstanceOf(Float32Array);
    // A Float32Array on its own is float32: float16 is only ever asked for.
    expect(inferDType(new Float32Array(1))).toBe('float32');
    const sizes = Object.fromEntries(DTYPES.map((d: DType) => [d, bytesPerElement(d)]));
    expect(sizes).toEqual({ bool: 1, int32: 4, float16: 2, float32: 4, float64: 8 });
  });
});

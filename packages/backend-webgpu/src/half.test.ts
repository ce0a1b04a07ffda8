// The half-precision bit helpers on their own (no GPU): exact bits for normals, subnormals,
// ties, overflow, infinities and NaN, and every one of the 65,536 patterns surviving a round
// trip through its value.

import { halfBits, halfValue } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { packHalf, unpackHalf } from './half.js';

describe('half bits', () => {
  it('rounds to nearest even, with subnormals, overflow, infinities and NaN', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      // 65519.99 rounds down to the largest half, 65520 is the tie that goes to infinity.
      [65519.99, 0x7bff],
      [65520, 0x7c00],
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [Number.NaN, 0x7e00],
      [2 ** -14, 0x0400],
      [2 ** -24, 0x0001],
      // Ties between subnormals go to the even one: 0.5 · 2^-24 → 0, 1.5 · 2^-24 → 2 · 2^-24.
      [2 ** -25, 0x0000],
      [3 * 2 ** -25, 0x0002],
      [2 ** -14 - 2 ** -25, 0x0400],
      // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: to even (1); 1 + 3·2^-11 goes up.
      [1 + 2 ** -11, 0x3c00],
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66],
      [2047.5, 0x6800],
      [2046.5, 0x67fe],
      [2049, 0x6800],
    ];
    for (const [x, bits] of cases) expect(halfBits(x), String(x)).toBe(bits);
  });

  it('every bit pattern survives value → bits (NaNs as the one NaN)', () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = halfValue(b);
      const isNaN = (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
      expect(halfBits(v)).toBe(isNaN ? 0x7e00 : b);
    }
  });

  it('packs to whole 32-bit words and unpacks the first size values', () => {
    const packed = packHalf(new Float32Array([1, 2, 3]));
    expect(Array.from(packed)).toEqual([0x3c00, 0x4000, 0x4200, 0]);
    expect(Array.from(unpackHalf(packed.buffer as ArrayBuffer, 3))).toEqual([1, 2, 3]);
  });
});

// Half-precision (IEEE 754 binary16) bits by hand, for float16 storage (WebGPU uploads and
// reads) and half-precision files (safetensors F16, TensorFlow.js float16 weights): Node 20 has
// no Float16Array. A half is 1 sign bit, 5 exponent bits (bias 15) and 10 fraction bits; numbers
// below 2^-14 are subnormal (fraction · 2^-24), and 65520 or more rounds to infinity. Rounding
// is to nearest, ties to even, from the exact JS number (no detour through float32).

/** Rounds a non-negative number to the nearest integer, ties to even. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * The binary16 bits of `x`, rounded to nearest even (NaN → 0x7e00, ±65520 and beyond → ±∞).
 * @example
 * halfBits(1); // 0x3c00
 * halfBits(2 ** -24); // 0x0001, the smallest subnormal
 */
export function halfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  // Subnormal: a multiple of 2^-24 (rounding up to 2^-14 gives 0x400, the smallest normal).
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24);
  let e = Math.floor(Math.log2(a));
  // log2 may be off by one next to a power of two.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let fraction = roundEven((a / 2 ** e - 1) * 1024);
  if (fraction === 1024) {
    fraction = 0;
    e++;
  }
  return sign | ((e + 15) << 10) | fraction;
}

/**
 * The number that binary16 `bits` hold.
 * @example
 * halfValue(0x3c00); // 1
 * halfValue(0x7c00); // Infinity
 */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (e === 0) return sign * fraction * 2 ** -24;
  if (e === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (e - 15);
}

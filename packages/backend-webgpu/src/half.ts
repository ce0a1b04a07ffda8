// float16 storage on the GPU: values packed as binary16 bits (core's halfBits) padded to whole
// 32-bit words for writeBuffer, and unpacked on read.

import { halfBits, halfValue } from '@nabla/core/internal';

/**
 * `values` as binary16 bits, padded to an even count so the bytes are a multiple of 4 (what
 * `writeBuffer` takes).
 * @example
 * packHalf(new Float32Array([1, 2, 3])); // Uint16Array [0x3c00, 0x4000, 0x4200, 0]
 */
export function packHalf(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length + (values.length % 2));
  for (let i = 0; i < values.length; i++) out[i] = halfBits(values[i]!);
  return out;
}

/**
 * The first `size` binary16 values in `bytes`, as a Float32Array (every half is exact there).
 * @example
 * unpackHalf(packHalf([0.1]).buffer, 1); // Float32Array [0.0999755859375]
 */
export function unpackHalf(bytes: ArrayBuffer, size: number): Float32Array {
  const bits = new Uint16Array(bytes, 0, size);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = halfValue(bits[i]!);
  return out;
}

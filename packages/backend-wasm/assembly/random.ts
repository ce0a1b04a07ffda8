// The counter-based uniform fill of core's random.ts, four lanes at a time: element i is
// (hashAt(seed, i) >>> 8) / 2^24, bit for bit what every other backend produces.

import { at } from './common';

// @ts-ignore: decorator
@inline
function fmix32(h: u32): u32 {
  let x = h;
  x ^= x >>> 16;
  x *= 0x85ebca6b;
  x ^= x >>> 13;
  x *= 0xc2b2ae35;
  x ^= x >>> 16;
  return x;
}

// @ts-ignore: decorator
@inline
function fmix32x4(h: v128): v128 {
  let x = h;
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(0x85ebca6b));
  x = v128.xor(x, i32x4.shr_u(x, 13));
  x = i32x4.mul(x, i32x4.splat(0xc2b2ae35));
  x = v128.xor(x, i32x4.shr_u(x, 16));
  return x;
}

/** y[i] = uniformAt(seed, start + i) for i < n, as float32. */
export function randomUniform(seed: u32, y: usize, start: i32, n: i32): void {
  const seedMix = fmix32(seed);
  const scale = f32x4.splat(1.0 / 16777216.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = start + i;
    const index = i32x4(k, k + 1, k + 2, k + 3);
    const mixed = fmix32x4(v128.xor(i32x4.mul(index, i32x4.splat(0x9e3779b9)), i32x4.splat(seedMix)));
    const h = fmix32x4(i32x4.add(mixed, i32x4.splat(0x6a09e667)));
    v128.store(at(y, i, 2), f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(h, 8)), scale));
  }
  for (; i < n; i++) {
    const mixed = fmix32((<u32>(start + i) * 0x9e3779b9) ^ seedMix);
    const h = fmix32(mixed + 0x6a09e667);
    store<f32>(at(y, i, 2), <f32>(h >>> 8) / 16777216.0);
  }
}

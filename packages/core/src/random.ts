// Counter-based random numbers: element `i` of a fill with seed `s` is a pure function of
// (s, i), so every backend, and every run, produces the same numbers for the same seed.
// The hash is two rounds of the murmur3 32-bit finaliser over the seed-mixed counter; the top
// 24 bits become a float in [0, 1) exactly representable in float32.

/** murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** A uint32 hash of (seed, index). */
export function hashAt(seed: number, index: number): number {
  const mixed = fmix32((Math.imul(index >>> 0, 0x9e3779b9) ^ fmix32(seed >>> 0)) >>> 0);
  return fmix32((mixed + 0x6a09e667) >>> 0);
}

/** Uniform float in [0, 1) for element `index` of a fill seeded with `seed`. */
export function uniformAt(seed: number, index: number): number {
  return (hashAt(seed, index) >>> 8) / 16777216;
}

/** Derives an independent seed from a seed and a stream number. */
export function deriveSeed(seed: number, stream: number): number {
  return hashAt(seed ^ 0x5bd1e995, stream);
}

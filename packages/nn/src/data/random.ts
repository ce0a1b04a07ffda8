// Seeded shuffling for data pipelines: mulberry32 (a tiny 32-bit PRNG whose nearby seeds give
// unrelated streams) driving a Fisher–Yates shuffle, so the same seed gives the same order on
// every platform and every run.

import { ArgumentError } from '@nabla/core';

/**
 * A seeded generator of floats in [0, 1) (mulberry32).
 * @example
 * const rand = mulberry32(42);
 * rand(); // same value on every run
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed drawn from Math.random, for callers that asked for no particular seed.
 * @example
 * const seed = options.seed ?? randomSeed();
 * shuffleIndices(10, seed);
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296);
}

/**
 * A permutation of 0..n-1, the same for the same seed (Fisher–Yates over mulberry32).
 * @example
 * shuffleIndices(5, 1); // e.g. Int32Array [3, 0, 4, 1, 2], identical on every run
 * shuffleIndices(5, 1).length; // 5
 */
export function shuffleIndices(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > 2147483647) {
    throw new ArgumentError(`shuffleIndices: expected n to be a non-negative int32, got ${n}`);
  }
  if (!Number.isFinite(seed)) throw new ArgumentError(`shuffleIndices: expected a finite seed, got ${seed}`);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

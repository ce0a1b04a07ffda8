// The Rosenblatt perceptron on a 7-point data set: the learning rule w ← w + η·(y - ŷ)·x
// converges to zero mistakes because the points are linearly separable; on XOR it never does,
// because no line separates {(0,0), (1,1)} from {(0,1), (1,0)}.

import { add, dot, greaterEqual, mul, scalar, sub, type Tensor, tensor, tidy, zeros } from '@nabla/core';
import { useBackend } from './backend.js';
import { backendFlag, type ExampleFlags, type ExampleSpec, runExample } from './cli.js';

/** The data set from the issue: seven 2-D points and their 0/1 labels. */
export const POINTS: readonly (readonly [number, number])[] = [
  [0.8, 0.4],
  [0.3, 0.1],
  [0.8, 0.8],
  [0.4, 0.6],
  [0.6, 0.8],
  [0.4, 0.2],
  [0.4, 0.5],
];
export const LABELS: readonly number[] = [0, 0, 1, 1, 1, 0, 1];

/** What a perceptron run ends with. */
export interface PerceptronResult {
  weights: number[];
  bias: number;
  /** Mistakes made in each epoch. */
  mistakes: number[];
  converged: boolean;
}

/**
 * Trains a perceptron with the Rosenblatt rule until an epoch makes no mistake.
 * @example
 * const { converged, mistakes } = await trainPerceptron(POINTS, LABELS);
 */
export async function trainPerceptron(
  points: readonly (readonly number[])[],
  labels: readonly number[],
  options: { learningRate?: number; maxEpochs?: number } = {},
): Promise<PerceptronResult> {
  const { learningRate = 0.1, maxEpochs = 100 } = options;
  let w: Tensor = zeros([points[0]!.length]);
  let b: Tensor = scalar(0);
  const mistakes: number[] = [];
  for (let epoch = 0; epoch < maxEpochs; epoch++) {
    let wrong = 0;
    for (let i = 0; i < points.length; i++) {
      const x = tensor(points[i]!);
      // ŷ = [w·x + b >= 0]
      const yHat = tidy(() => greaterEqual(add(dot(w, x), b), 0).cast('float32'));
      const error = labels[i]! - (await yHat.data())[0]!;
      yHat.dispose();
      if (error !== 0) {
        wrong++;
        const [nextW, nextB] = tidy(() => [
          add(w, mul(x, learningRate * error)),
          add(b, learningRate * error),
        ]);
        w.dispose();
        b.dispose();
        w = nextW!;
        b = nextB!;
      }
      x.dispose();
    }
    mistakes.push(wrong);
    if (wrong === 0) break;
  }
  const result = {
    weights: Array.from(await w.data()),
    bias: (await b.data())[0]!,
    mistakes,
    converged: mistakes[mistakes.length - 1] === 0,
  };
  w.dispose();
  b.dispose();
  return result;
}

/** Counts how many points a trained perceptron classifies wrongly. */
export async function countErrors(
  result: PerceptronResult,
  points: readonly (readonly number[])[],
  labels: readonly number[],
): Promise<number> {
  const w = tensor(result.weights);
  const x = tensor(points.map((p) => [...p]));
  const pred = tidy(() =>
    greaterEqual(add(x.matmul(w.reshape([-1, 1])).reshape([-1]), result.bias), 0).cast('float32'),
  );
  const y = tensor([...labels]);
  const wrong = tidy(() => sub(pred, y).abs().sum());
  const count = (await wrong.data())[0]!;
  for (const t of [w, x, pred, y, wrong]) t.dispose();
  return count;
}

const SPEC: ExampleSpec = {
  name: 'perceptron',
  summary:
    'The Rosenblatt perceptron rule on a 7-point linearly separable data set (it converges),\nthen on XOR (it never does).',
  flags: { backend: backendFlag() },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const run = await trainPerceptron(POINTS, LABELS);
  console.log('Perceptron on the 7-point data set');
  for (const [i, m] of run.mistakes.entries()) console.log(`  epoch ${i + 1}: ${m} mistakes`);
  console.log(
    `  converged: w = [${run.weights.map((v) => v.toFixed(2)).join(', ')}], b = ${run.bias.toFixed(2)}`,
  );
  const xor = await trainPerceptron(
    [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    [0, 1, 1, 0],
    { maxEpochs: 50 },
  );
  console.log(
    `\nXOR: after ${xor.mistakes.length} epochs the perceptron still makes ${xor.mistakes.at(-1)} mistakes per epoch.`,
  );
  console.log('No line w·x + b = 0 puts (0,0) and (1,1) on one side and (0,1), (1,0) on the other,');
  console.log('so the rule never stops updating: XOR needs a hidden layer (see the xor example).');
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);

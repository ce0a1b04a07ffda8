// Gradient descent on f(x) = (x - 2)² from x = 4 with learning rate 0.01: each step is
// x ← x - η·f'(x) = x - 0.02·(x - 2), taken with core's `grad`, until the step is below 1e-6.

import { type DType, getBackend, grad, scalar, type Tensor, tidy } from '@nabla/core';
import { useBackend } from './backend.js';
import { backendFlag, type ExampleFlags, type ExampleSpec, runExample } from './cli.js';

/**
 * Runs gradient descent on (x - 2)² and returns every iterate.
 * @example
 * const xs = await gradientDescent({ start: 4, learningRate: 0.01 }); // [3.96, 3.92, ...]
 */
export async function gradientDescent(
  options: { start?: number; learningRate?: number; tolerance?: number; maxSteps?: number } = {},
): Promise<number[]> {
  const { start = 4, learningRate = 0.01, tolerance = 1e-6, maxSteps = 10_000 } = options;
  const df = grad((x: Tensor) => x.sub(2).square());
  const iterates: number[] = [];
  // float64 where the backend has it (the CPU backends); float32 elsewhere.
  const dtype: DType = getBackend().startsWith('cpu') ? 'float64' : 'float32';
  let x = start;
  for (let i = 0; i < maxSteps; i++) {
    const step = tidy(() => df(scalar(x, dtype)).mul(learningRate));
    const delta = (await step.data())[0]!;
    step.dispose();
    x -= delta;
    iterates.push(x);
    if (Math.abs(delta) < tolerance) break;
  }
  return iterates;
}

const SPEC: ExampleSpec = {
  name: 'gradient-descent',
  summary:
    "Gradient descent on f(x) = (x - 2)² from x = 4 with learning rate 0.01, with core's grad, until\nthe step falls below 1e-6 (in float64 on the CPU backends, float32 elsewhere).",
  flags: { backend: backendFlag('cpu') },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend ?? 'cpu');
  console.log(line);
  const xs = await gradientDescent();
  console.log('Minimising f(x) = (x - 2)² from x = 4 with learning rate 0.01');
  for (const [i, x] of xs.slice(0, 10).entries()) console.log(`  step ${i + 1}: x = ${x.toFixed(6)}`);
  console.log(
    `  ... ${xs.length} steps in all; stopped when the step fell below 1e-6 at x = ${xs.at(-1)!.toFixed(6)}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);

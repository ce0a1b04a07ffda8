// XOR with a two-layer network: no line separates {(0,0), (1,1)} from {(0,1), (1,0)} (the
// perceptron example fails on it), but 8 tanh units and a sigmoid output learn it in a few
// hundred Adam steps with binary cross-entropy, through sequential / compile / fit / predict.

import { tensor } from '@nabla/core';
import { adam, dense, glorotUniform, sequential } from '@nabla/nn';
import { useBackend } from './backend.js';
import { backendFlag, type ExampleFlags, type ExampleSpec, runExample } from './cli.js';

/** The four XOR inputs and their labels. */
export const XOR_INPUTS = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
] as const;
export const XOR_LABELS = [0, 1, 1, 0] as const;

/** Options of {@link runXor}. */
export interface XorOptions {
  epochs?: number;
  learningRate?: number;
  /** Seed of the weight initialisers and of the shuffles. */
  seed?: number;
}

/** What {@link runXor} measured. */
export interface XorResult {
  /** Fraction of the four points classified right (prediction > 0.5). */
  accuracy: number;
  /** Final binary cross-entropy. */
  loss: number;
  /** The network's output for each of the four points. */
  predictions: number[];
  seconds: number;
}

/**
 * Trains 2-8-1 (tanh, sigmoid) on XOR with Adam and binary cross-entropy.
 * @example
 * const { accuracy, predictions } = await runXor(); // accuracy 1
 */
export async function runXor(options: XorOptions = {}): Promise<XorResult> {
  const { epochs = 300, learningRate = 0.05, seed = 1 } = options;
  const start = performance.now();
  const net = sequential([
    dense({ units: 8, activation: 'tanh', inputShape: [2], kernelInitializer: glorotUniform({ seed }) }),
    dense({ units: 1, activation: 'sigmoid', kernelInitializer: glorotUniform({ seed: seed + 1 }) }),
  ]);
  net.compile({ optimizer: adam({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const x = tensor(XOR_INPUTS.map((row) => [...row]));
  const y = tensor(XOR_LABELS.map((label) => [label]));
  try {
    await net.fit(x, y, { epochs, batchSize: 4, verbose: 0, seed });
    const { loss = Number.NaN, accuracy = Number.NaN } = await net.evaluate(x, y, { batchSize: 4 });
    const out = net.predict(x);
    const predictions = Array.from(await out.data());
    out.dispose();
    return { accuracy, loss, predictions, seconds: (performance.now() - start) / 1000 };
  } finally {
    x.dispose();
    y.dispose();
    net.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'xor',
  summary: 'Trains a 2-8-1 network (tanh, sigmoid) on XOR with Adam and binary cross-entropy.',
  flags: { backend: backendFlag(), epochs: { help: 'training epochs', default: '300' } },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const result = await runXor({ epochs: flags.epochs });
  XOR_INPUTS.forEach((input, i) => {
    const p = result.predictions[i]!;
    console.log(
      `xor(${input.join(', ')}) = ${XOR_LABELS[i]}: network says ${p.toFixed(4)} -> ${p > 0.5 ? 1 : 0}`,
    );
  });
  console.log(
    `accuracy ${(result.accuracy * 100).toFixed(0)}%, loss ${result.loss.toFixed(4)}, ${result.seconds.toFixed(1)} s`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);

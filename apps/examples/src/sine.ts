// Regression with @nabla/nn: a 1-32-32-1 tanh network fits sin(x) on [-π, π] with mean squared
// error and Adam, then draws the true curve and the fit into out/sine.svg. (core-sine.ts does
// the same fit by hand with valueAndGrads, to show the core API underneath.)

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { linspace, reshape, sin } from '@nabla/core';
import { adam, dense, glorotUniform, sequential } from '@nabla/nn';
import { useBackend } from './backend.js';
import { backendFlag, type ExampleFlags, type ExampleSpec, OUT_DIR, runExample } from './cli.js';
import { lineChartSvg } from './plot.js';

/** Options of {@link runSine}. */
export interface SineOptions {
  epochs?: number;
  /** Sample points on [-π, π]. */
  points?: number;
  /** Where sine.svg goes (default apps/examples/out). */
  outDir?: string;
  seed?: number;
  /** 0 silent, 1 progress bar, 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
}

/** What {@link runSine} measured. */
export interface SineResult {
  /** Mean squared error of the fit over the sample points. */
  mse: number;
  svgPath: string;
  seconds: number;
}

/**
 * Fits sin(x) and writes the plot.
 * @example
 * const { mse, svgPath } = await runSine(); // mse < 0.01
 */
export async function runSine(options: SineOptions = {}): Promise<SineResult> {
  const { epochs = 200, points = 256, outDir = OUT_DIR, seed = 1, verbose = 0 } = options;
  const start = performance.now();
  const x = reshape(linspace(-Math.PI, Math.PI, points), [points, 1]);
  const y = sin(x);
  const net = sequential([
    dense({ units: 32, activation: 'tanh', inputShape: [1], kernelInitializer: glorotUniform({ seed }) }),
    dense({ units: 32, activation: 'tanh', kernelInitializer: glorotUniform({ seed: seed + 1 }) }),
    dense({ units: 1, kernelInitializer: glorotUniform({ seed: seed + 2 }) }),
  ]);
  net.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
  try {
    await net.fit(x, y, { epochs, batchSize: 32, verbose, seed });
    const { loss: mse = Number.NaN } = await net.evaluate(x, y, { batchSize: points });
    const fit = net.predict(x);
    const xs = Array.from(await x.data());
    const truth = Array.from(await y.data());
    const ys = Array.from(await fit.data());
    fit.dispose();
    const svg = lineChartSvg([
      {
        title: `sin(x) and a 1-32-32-1 network (MSE ${mse.toExponential(2)})`,
        xLabel: 'x',
        yLabel: 'y',
        series: [
          { name: 'sin(x)', xs, ys: truth, color: '#1f77b4' },
          { name: 'network', xs, ys, color: '#d62728', dashed: true },
        ],
      },
    ]);
    await mkdir(outDir, { recursive: true });
    const svgPath = join(outDir, 'sine.svg');
    await writeFile(svgPath, svg);
    return { mse, svgPath, seconds: (performance.now() - start) / 1000 };
  } finally {
    x.dispose();
    y.dispose();
    net.dispose();
  }
}

const SPEC: ExampleSpec = {
  name: 'sine',
  summary:
    'Fits sin(x) on [-π, π] with a 1-32-32-1 tanh network (compile/fit, MSE, Adam) and draws\nthe true curve and the fit into apps/examples/out/sine.svg.',
  flags: { backend: backendFlag(), epochs: { help: 'training epochs', default: '200' } },
};

async function main(flags: ExampleFlags): Promise<void> {
  const { line } = await useBackend(flags.backend);
  console.log(line);
  const { mse, svgPath, seconds } = await runSine({ epochs: flags.epochs, verbose: 0 });
  console.log(`mean squared error ${mse.toFixed(5)} after ${seconds.toFixed(1)} s; plot: ${svgPath}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);

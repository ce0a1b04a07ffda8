// What the image-classification examples measure and draw: the seconds each epoch spends on
// its training batches (validation excluded), and the loss / accuracy curves of a History.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallbackHooks, History } from '@nabla/nn';
import { lineChartSvg, type Series } from './plot.js';

/** A callback that times the training batches of each epoch. */
export interface EpochTimer extends CallbackHooks {
  /** Seconds from an epoch's start to its last training batch, one entry per epoch. */
  readonly trainSeconds: number[];
}

/**
 * A fresh epoch timer to pass in `fit(..., { callbacks: [timer] })`.
 * @example
 * const timer = epochTimer();
 * await model.fit(x, y, { epochs: 2, callbacks: [timer] }); timer.trainSeconds; // [41.2, 40.8]
 */
export function epochTimer(): EpochTimer {
  const trainSeconds: number[] = [];
  let start = 0;
  let lastBatch = 0;
  return {
    trainSeconds,
    onEpochBegin: () => {
      start = performance.now();
      lastBatch = start;
    },
    onBatchEnd: () => {
      lastBatch = performance.now();
    },
    onEpochEnd: () => {
      trainSeconds.push((lastBatch - start) / 1000);
    },
  };
}

/** The mean of some numbers (NaN for none). */
export function average(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Writes loss and accuracy per epoch, training and validation, as a two-panel SVG.
 * @example
 * await writeCurvesSvg(history, 'MLP on Fashion-MNIST', 'out/curves.svg');
 */
export async function writeCurvesSvg(history: History, title: string, path: string): Promise<void> {
  const epochs = history.epoch.map((e) => e + 1);
  const series = (key: string, name: string, color: string, dashed: boolean): Series[] => {
    const ys = history.history[key];
    return ys ? [{ name, xs: epochs, ys, color, dashed }] : [];
  };
  const svg = lineChartSvg([
    {
      title: `${title}: loss`,
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [...series('loss', 'train', '#1f77b4', false), ...series('val_loss', 'test', '#d62728', true)],
    },
    {
      title: `${title}: accuracy`,
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: [
        ...series('accuracy', 'train', '#1f77b4', false),
        ...series('val_accuracy', 'test', '#d62728', true),
      ],
    },
  ]);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, svg);
}

// The text of `model.summary()`: a Keras-like table of layers (name and class), output shapes
// and parameter counts, with totals for all, trainable and non-trainable parameters.

import { InputLayer } from './input-layer.js';
import { formatShape, type SymbolicShape } from './input-spec.js';
import type { Layer } from './layer.js';

/** The minimum a model gives the summary. */
export interface SummaryModel {
  readonly name: string;
  readonly layers: Layer[];
  readonly trainableWeights: readonly { size: number }[];
  readonly nonTrainableWeights: readonly { size: number }[];
}

const WIDTHS = [29, 26, 12];

/**
 * 1234567 → '1,234,567'.
 * @example
 * formatCount(200960); // '200,960'
 * formatCount(12); // '12'
 */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function outputShape(layer: Layer): string {
  if (layer instanceof InputLayer) return formatShape([null, ...layer.sampleShape]);
  const input = layer.lastInputShape;
  if (!input) return '?';
  try {
    return formatShape(layer.computeOutputShape(input) as SymbolicShape | SymbolicShape[]);
  } catch {
    return 'multiple';
  }
}

function row(cells: readonly string[]): string {
  return cells
    .map((c, i) => ` ${c}`.padEnd(WIDTHS[i]!))
    .join(' ')
    .trimEnd();
}

/**
 * The summary table of a model, as `model.summary()` prints it.
 * @example
 * const text = summarize(model);
 * text.includes('Total params'); // true
 */
export function summarize(model: SummaryModel): string {
  const width = WIDTHS.reduce((a, b) => a + b, 0) + WIDTHS.length - 1;
  const lines: string[] = [`Model: "${model.name}"`, '_'.repeat(width)];
  lines.push(row(['Layer (type)', 'Output Shape', 'Param #']));
  lines.push('='.repeat(width));
  model.layers.forEach((layer, i) => {
    lines.push(
      row([`${layer.name} (${layer.className})`, outputShape(layer), formatCount(layer.countParams())]),
    );
    if (i < model.layers.length - 1) lines.push('');
  });
  const trainable = model.trainableWeights.reduce((n, w) => n + w.size, 0);
  const frozen = model.nonTrainableWeights.reduce((n, w) => n + w.size, 0);
  lines.push('='.repeat(width));
  lines.push(`Total params: ${formatCount(trainable + frozen)}`);
  lines.push(`Trainable params: ${formatCount(trainable)}`);
  lines.push(`Non-trainable params: ${formatCount(frozen)}`);
  lines.push('_'.repeat(width));
  return lines.join('\n');
}

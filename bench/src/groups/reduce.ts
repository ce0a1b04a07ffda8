// Reduction throughput in million input elements per second (Melem/s): sum of every element of
// a 1024×1024 float32 tensor, sum over its last axis, and softmax over the rows of 512×1000
// (a batch of 512 over ImageNet-sized logits: max, subtract, exp, sum, divide).

import { softmax, sum, type Tensor, tensor } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, PAIRINGS, type Pairing } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  compareCalls,
  type GroupOptions,
  randomValues,
  timeCall,
} from '../registry.js';
import { countLabel } from './elementwise.js';

/** One reduction on each side, over a tensor of `shape`. */
export interface Reduction {
  label: string;
  shape: [number, number];
  ours(x: Tensor): Tensor;
  theirs(x: tf.Tensor): tf.Tensor;
}

/** sum of all, sum over the last axis (both `rows × cols`), softmax over the rows of `softmaxShape`. */
export function reductions(rows: number, cols: number, softmaxShape: [number, number]): Reduction[] {
  return [
    {
      label: `sum all ${rows}x${cols} (${countLabel(rows * cols)})`,
      shape: [rows, cols],
      ours: (x) => sum(x),
      theirs: (x) => tf.sum(x),
    },
    {
      label: `sum axis -1 ${rows}x${cols}`,
      shape: [rows, cols],
      ours: (x) => sum(x, { axis: -1 }),
      theirs: (x) => tf.sum(x, -1),
    },
    {
      label: `softmax rows ${softmaxShape.join('x')}`,
      shape: softmaxShape,
      ours: (x) => softmax(x),
      theirs: (x) => tf.softmax(x),
    },
  ];
}

/** One reduction row: `reduction` on `pairing`, in input Melem/s. */
export function reductionRow(reduction: Reduction, pairing: Pairing): BenchRow {
  const { shape } = reduction;
  const size = shape[0] * shape[1];
  return {
    group: 'reduce',
    name: reduction.label,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'Melem/s',
    work: size / 1e6,
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      // Values in [0, 1), so a sum of a million of them does not cancel towards zero.
      const values = randomValues(size, 31).map((v) => (v + 1) / 2);
      const x: Tensor = tensor(values, shape);
      const tx = tf.tensor2d(values, shape, 'float32');
      const ours = (): Tensor => reduction.ours(x);
      const theirs = (): tf.Tensor => reduction.theirs(tx);
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
        dispose() {
          x.dispose();
          tx.dispose();
        },
      };
    },
  };
}

/** The reduction group on every pairing; `--sizes` makes every tensor `[s, s]`. */
export function reduceGroup(options: GroupOptions): BenchRow[] {
  const list = options.sizes
    ? options.sizes.flatMap((s) => reductions(s, s, [s, s]))
    : reductions(1024, 1024, [512, 1000]);
  return PAIRINGS.flatMap((pairing) => list.map((reduction) => reductionRow(reduction, pairing)));
}

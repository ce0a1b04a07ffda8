// The webgpu rows (opt-in, `--webgpu`): Nabla's WebGPU backend against tfjs-backend-webgpu on
// the same Dawn adapter. A subset of the CPU groups' rows, since a software adapter runs a
// 512-square matmul in seconds: matmul 256 and 512, an elementwise chain, the reductions, and
// one `fit` epoch of the nn MLP against tfjs-layers.

import { sigmoid, tidy } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import type { BenchRow, GroupOptions } from '../registry.js';
import { WEBGPU_PAIRING } from '../webgpu.js';
import { type ElementwiseOp, elementwiseRow, elementwiseSides } from './elementwise.js';
import { matmulCase } from './matmul.js';
import { fitRow } from './nn.js';
import { reductionRow, reductions } from './reduce.js';

const MATMUL_SIZES = [256, 512];

/** Four ops in a row, each reading the previous result: what a fusing backend would make one kernel. */
export const CHAIN: ElementwiseOp = {
  name: 'chain sigmoid(a·b + a)·b',
  ours: (a, b) => tidy(() => sigmoid(a.mul(b).add(a)).mul(b)),
  theirs: (a, b) => tf.tidy(() => tf.mul(tf.sigmoid(tf.add(tf.mul(a, b), a)), b)),
};

/** The webgpu group; `--sizes` replaces the matmul squares and the elementwise and reduce shapes. */
export function webgpuGroup(options: GroupOptions): BenchRow[] {
  const pairing = WEBGPU_PAIRING;
  const square = (s: number) => ({ m: s, k: s, n: s });
  const sizes = options.sizes ?? MATMUL_SIZES;
  const list = options.sizes
    ? options.sizes.flatMap((s) => reductions(s, s, [s, s]))
    : reductions(1024, 1024, [512, 1000]);
  const fit = options.quick ? { samples: 128, batchSize: 64 } : { samples: 1280, batchSize: 128 };
  return [
    ...sizes.map((s) => matmulCase(square(s), pairing)),
    ...elementwiseSides(options).map((side) => elementwiseRow(CHAIN, side, pairing)),
    ...list.map((reduction) => reductionRow(reduction, pairing)),
    fitRow({ kind: 'mlp', ...fit }, pairing),
  ];
}

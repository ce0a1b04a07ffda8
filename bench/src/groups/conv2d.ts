// conv2d throughput in GFLOP/s at the shapes of a Fashion-MNIST CNN (3×3 filters, stride 1,
// 'same' padding, NHWC): the forward pass alone, and forward plus both gradients (input and
// filter) for a given dy, the work of one training step through the layer.

import { conv2d, type Tensor, tensor, vjp } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, type Pairing, THREADED_PAIRINGS } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  compareCalls,
  type GroupOptions,
  type PeerMissing,
  randomValues,
  timeCall,
} from '../registry.js';

/** x is `[batch, size, size, inC]`, the filter `[3, 3, inC, outC]`, the output `[batch, size, size, outC]`. */
export interface ConvShape {
  batch: number;
  size: number;
  inC: number;
  outC: number;
}

const FILTER = 3;
const BATCH = 32;
const QUICK_BATCH = 8;
/** tfjs-cpu's conv2d gradients run at about 0.02 GFLOP/s: batch 8 would take half of `--quick`. */
const QUICK_BACKWARD_BATCH = 2;

/** The two conv layers of the CNN: 28×28×1 → 32 and (after a 2×2 pool) 14×14×32 → 64. */
export function convShapes(options: GroupOptions, pass: ConvPass = 'forward'): ConvShape[] {
  const quickBatch = pass === 'forward' ? QUICK_BATCH : QUICK_BACKWARD_BATCH;
  const batch = options.quick ? quickBatch : BATCH;
  return [
    { batch, size: 28, inC: 1, outC: 32 },
    { batch, size: 14, inC: 32, outC: 64 },
  ];
}

/** Floating-point operations of one pass (forward, input gradient or filter gradient): 2·N·H·W·outC·fh·fw·inC. */
export function convFlops({ batch, size, inC, outC }: ConvShape): number {
  return 2 * batch * size * size * outC * FILTER * FILTER * inC;
}

/** Which work a row times: the forward pass, or forward and both gradients. */
export type ConvPass = 'forward' | 'backward';

/** tfjs-wasm 4.22 registers Conv2DBackpropInput but no Conv2DBackpropFilter. */
export const NO_FILTER_GRADIENT: PeerMissing = {
  status: 'not supported',
  reason:
    'tfjs-wasm has no Conv2DBackpropFilter kernel, so it takes no filter gradient and cannot train a CNN',
};

/** One conv2d row: `forward` counts one pass, `backward` three (forward, dx, dw). */
export function convRow(shape: ConvShape, pass: ConvPass, pairing: Pairing): BenchRow {
  const { batch, size, inC, outC } = shape;
  const xShape: [number, number, number, number] = [batch, size, size, inC];
  const wShape: [number, number, number, number] = [FILTER, FILTER, inC, outC];
  const yShape: [number, number, number, number] = [batch, size, size, outC];
  const label = pass === 'forward' ? 'fwd' : 'fwd+grads';
  const peerMissing = pass === 'backward' && pairing.peerBackend === 'wasm' ? NO_FILTER_GRADIENT : undefined;
  return {
    group: 'conv2d',
    name: `conv2d ${label} ${xShape.join('x')} ⋆ ${wShape.join('x')} same`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'GFLOP/s',
    work: ((pass === 'forward' ? 1 : 3) * convFlops(shape)) / 1e9,
    peerMissing,
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const xValues = randomValues(batch * size * size * inC, 11);
      const wValues = randomValues(FILTER * FILTER * inC * outC, 12);
      const dyValues = randomValues(batch * size * size * outC, 13);
      const x: Tensor = tensor(xValues, xShape);
      const w: Tensor = tensor(wValues, wShape);
      const dy: Tensor = tensor(dyValues, yShape);
      const ourForward = (): Tensor => conv2d(x, w, { padding: 'same' });
      // vjp returns the forward value too; it is computed either way, and freed with the gradients.
      const ourBackward = (): Tensor[] => {
        const { value, grads } = vjp((a, b) => conv2d(a, b, { padding: 'same' }), [x, w], dy);
        value.dispose();
        return grads;
      };
      const ours = pass === 'forward' ? ourForward : ourBackward;
      const disposeOurs = (): void => {
        for (const t of [x, w, dy]) t.dispose();
      };
      if (peerMissing) return { ours: () => timeCall(ours), dispose: disposeOurs };

      const tx = tf.tensor4d(xValues, xShape, 'float32');
      const tw = tf.tensor4d(wValues, wShape, 'float32');
      const tdy = tf.tensor4d(dyValues, yShape, 'float32');

      const theirForward = (): tf.Tensor => tf.conv2d(tx, tw, 1, 'same');
      const theirBackward = (): tf.Tensor[] =>
        tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))([tx, tw], tdy);
      const theirs = pass === 'forward' ? theirForward : theirBackward;
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
        dispose() {
          disposeOurs();
          for (const t of [tx, tw, tdy]) t.dispose();
        },
      };
    },
  };
}

/** The conv2d group: both CNN layers, forward and forward+gradients, on every pairing and on two threads. */
export function conv2dGroup(options: GroupOptions): BenchRow[] {
  const passes: ConvPass[] = ['forward', 'backward'];
  return THREADED_PAIRINGS.flatMap((pairing) =>
    passes.flatMap((pass) => convShapes(options, pass).map((shape) => convRow(shape, pass, pairing))),
  );
}

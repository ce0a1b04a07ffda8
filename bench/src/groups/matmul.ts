// matmul throughput in GFLOP/s (2·m·k·n floating-point operations per call), float32, on square
// sizes and on the shapes of a Fashion-MNIST MLP's forward pass (batch 128).

import { matmul, type Tensor, tensor } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate, type Pairing, THREADED_PAIRINGS } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  compareCalls,
  type GroupOptions,
  randomValues,
  timeCall,
} from '../registry.js';

/** a is m×k, b is k×n. */
export interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

const SQUARE_SIZES = [64, 128, 256, 512, 1024];
const QUICK_MAX_SIZE = 512;
const MLP_SHAPES: MatmulShape[] = [
  { m: 128, k: 784, n: 256 },
  { m: 128, k: 256, n: 128 },
  { m: 128, k: 128, n: 10 },
];

/** The shapes a run measures: `--sizes` replaces the defaults (squares and MLP shapes) with squares. */
export function matmulShapes(options: GroupOptions): MatmulShape[] {
  const square = (s: number): MatmulShape => ({ m: s, k: s, n: s });
  if (options.sizes) return options.sizes.map(square);
  const sizes = options.quick ? SQUARE_SIZES.filter((s) => s <= QUICK_MAX_SIZE) : SQUARE_SIZES;
  return [...sizes.map(square), ...MLP_SHAPES];
}

/** One matmul row: `shape` on `pairing`, in GFLOP/s. */
export function matmulCase(shape: MatmulShape, pairing: Pairing): BenchRow {
  const { m, k, n } = shape;
  return {
    group: 'matmul',
    name: `matmul ${m}x${k} · ${k}x${n}`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'GFLOP/s',
    work: (2 * m * k * n) / 1e9,
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const aValues = randomValues(m * k, 1);
      const bValues = randomValues(k * n, 2);
      const a: Tensor = tensor(aValues, [m, k]);
      const b: Tensor = tensor(bValues, [k, n]);
      const ta = tf.tensor2d(aValues, [m, k], 'float32');
      const tb = tf.tensor2d(bValues, [k, n], 'float32');
      return {
        ours: () => timeCall(() => matmul(a, b)),
        theirs: () => timeCall(() => tf.matMul(ta, tb)),
        verify: () =>
          compareCalls(
            () => matmul(a, b),
            () => tf.matMul(ta, tb),
          ),
        dispose() {
          a.dispose();
          b.dispose();
          ta.dispose();
          tb.dispose();
        },
      };
    },
  };
}

/** The matmul group: every shape on every pairing, and on two threads. */
export function matmulGroup(options: GroupOptions): BenchRow[] {
  const shapes = matmulShapes(options);
  return THREADED_PAIRINGS.flatMap((pairing) => shapes.map((shape) => matmulCase(shape, pairing)));
}

// Elementwise throughput in million elements per second (Melem/s, output elements): add and mul
// of two float32 tensors, exp and relu of one, 2^20 (about 1M) elements by default. These are
// memory-bound: one element moves 12 bytes for a binary op and 8 for a unary one.

import { add, exp, mul, relu, type Tensor, tensor } from '@nabla/core';
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

/** 1024 × 1024 = 2^20 elements. */
const SIDE = 1024;

/** One elementwise computation of one or two same-shape tensors, on each side. */
export interface ElementwiseOp {
  name: string;
  ours(a: Tensor, b: Tensor): Tensor;
  theirs(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

const OPS: readonly ElementwiseOp[] = [
  { name: 'add', ours: (a, b) => add(a, b), theirs: (a, b) => tf.add(a, b) },
  { name: 'mul', ours: (a, b) => mul(a, b), theirs: (a, b) => tf.mul(a, b) },
  { name: 'exp', ours: (a) => exp(a), theirs: (a) => tf.exp(a) },
  { name: 'relu', ours: (a) => relu(a), theirs: (a) => tf.relu(a) },
];

/** The tensor sides a run measures: `[side, side]` for each side, 1024 unless `--sizes` says. */
export function elementwiseSides(options: GroupOptions): number[] {
  return options.sizes ?? [SIDE];
}

/** A human count: 1048576 → `1M`, 65536 → `64K`. */
export function countLabel(n: number): string {
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  if (n >= 2 ** 10 && n % 2 ** 10 === 0) return `${n / 2 ** 10}K`;
  return String(n);
}

/** One elementwise row: `op` on `[side, side]` float32 on `pairing`, in output Melem/s. */
export function elementwiseRow(op: ElementwiseOp, side: number, pairing: Pairing): BenchRow {
  const shape: [number, number] = [side, side];
  const size = side * side;
  return {
    group: 'elementwise',
    name: `${op.name} ${side}x${side} (${countLabel(size)} float32)`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'Melem/s',
    work: size / 1e6,
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const aValues = randomValues(size, 21);
      const bValues = randomValues(size, 22);
      const a: Tensor = tensor(aValues, shape);
      const b: Tensor = tensor(bValues, shape);
      const ta = tf.tensor2d(aValues, shape, 'float32');
      const tb = tf.tensor2d(bValues, shape, 'float32');
      const ours = (): Tensor => op.ours(a, b);
      const theirs = (): tf.Tensor => op.theirs(ta, tb);
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
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

/** The elementwise group: add, mul, exp and relu on every pairing. */
export function elementwiseGroup(options: GroupOptions): BenchRow[] {
  const sides = elementwiseSides(options);
  return PAIRINGS.flatMap((pairing) =>
    sides.flatMap((side) => OPS.map((op) => elementwiseRow(op, side, pairing))),
  );
}

// Conformance cases: activations (ops/activations.ts) and the other elementwise composites (clip
// in ops/unary.ts; floorDiv, squaredDifference, logicalXor in ops/binary.ts).
// Forward values against float64 formulas (Φ from known values for the exact GELU), the
// stability of softplus and logSigmoid at large |x|, and gradients away from kinks.

import { ArgumentError } from '../../errors.js';
import {
  elu,
  gelu,
  hardSigmoid,
  leakyRelu,
  logSigmoid,
  relu6,
  selu,
  silu,
  softplus,
  softsign,
  square,
} from '../../ops/activations.js';
import { floorDiv, logicalXor, squaredDifference } from '../../ops/binary.js';
import { clip } from '../../ops/unary.js';
import type { Tensor } from '../../tensor.js';
import type { ConformanceCase } from '../harness.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplusRef = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const eluRef = (x: number, alpha = 1): number => (x > 0 ? x : alpha * Math.expm1(x));

/** Φ(x), the standard normal CDF, at the points the exact GELU is checked at. */
const PHI: readonly (readonly [number, number])[] = [
  [-2, 0.022750131948179195],
  [-1, 0.15865525393145707],
  [-0.5, 0.3085375387259869],
  [0, 0.5],
  [0.5, 0.6914624612740131],
  [1, 0.8413447460685429],
  [2, 0.9772498680518208],
];

function geluTanhRef(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

const XS = [-3, -1.5, -0.5, 0, 0.5, 2, 7];

/** Inputs for gradient checks: away from 0 and from every clip/relu6 boundary. */
const GRAD_XS = [-2.5, -0.7, -0.2, 0.3, 1.1, 2.4];

interface Spec {
  readonly name: string;
  readonly op: (x: Tensor) => Tensor;
  readonly ref: (x: number) => number;
  readonly xs?: readonly number[];
  readonly gradXs?: readonly number[];
}

const SPECS: readonly Spec[] = [
  { name: 'square', op: (x) => square(x), ref: (x) => x * x },
  {
    name: 'relu6',
    op: (x) => relu6(x),
    ref: (x) => Math.min(Math.max(x, 0), 6),
    gradXs: [-2, -0.5, 0.5, 3, 5.5, 7.5],
  },
  { name: 'leakyRelu', op: (x) => leakyRelu(x), ref: (x) => (x > 0 ? x : 0.2 * x) },
  { name: 'leakyRelu alpha 0.01', op: (x) => leakyRelu(x, 0.01), ref: (x) => (x > 0 ? x : 0.01 * x) },
  { name: 'elu', op: (x) => elu(x), ref: (x) => eluRef(x) },
  { name: 'elu alpha 0.5', op: (x) => elu(x, 0.5), ref: (x) => eluRef(x, 0.5) },
  { name: 'selu', op: (x) => selu(x), ref: (x) => SELU_SCALE * eluRef(x, SELU_ALPHA) },
  {
    name: 'gelu',
    op: (x) => gelu(x),
    ref: (x) => x * PHI.find(([k]) => k === x)![1],
    xs: PHI.map(([k]) => k),
  },
  { name: 'gelu approximate', op: (x) => gelu(x, { approximate: true }), ref: geluTanhRef },
  { name: 'softplus', op: (x) => softplus(x), ref: softplusRef },
  { name: 'logSigmoid', op: (x) => logSigmoid(x), ref: (x) => -softplusRef(-x) },
  { name: 'silu', op: (x) => silu(x), ref: (x) => x * sigmoid(x) },
  {
    name: 'hardSigmoid',
    op: (x) => hardSigmoid(x),
    ref: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
    gradXs: [-3, -1.2, -0.2, 0.3, 2.1, 4],
  },
  { name: 'softsign', op: (x) => softsign(x), ref: (x) => x / (1 + Math.abs(x)) },
  {
    name: 'clip',
    op: (x) => clip(x, -1, 1.5),
    ref: (x) => Math.min(Math.max(x, -1), 1.5),
    gradXs: [-2.5, -0.7, -0.2, 0.3, 1.1, 2.4],
  },
];

export const ACTIVATION_CASES: ConformanceCase[] = [
  ...SPECS.map(
    (s): ConformanceCase => ({
      name: `activations: ${s.name}`,
      run: async (t) => {
        const xs = s.xs ?? XS;
        const x = t.input([...xs]);
        await t.expectValues(s.op(x), xs.map(s.ref), { dtype: 'float32' });
        const m = t.input(xs.slice(0, 6), [2, 3]);
        const want = xs.slice(0, 6).map(s.ref);
        await t.expectValues(s.op(m), [want.slice(0, 3), want.slice(3)], { dtype: 'float32' });
        const e = t.input([], [0]);
        await t.expectValues(s.op(e), [], { shape: [0], dtype: 'float32' });
      },
    }),
  ),
  ...SPECS.map(
    (s): ConformanceCase => ({
      name: `activations: ${s.name} gradient`,
      run: async (t) => {
        const x = t.input([...(s.gradXs ?? GRAD_XS)]);
        await t.checkGrad((a) => s.op(a), [x]);
      },
    }),
  ),
  {
    name: 'activations: softplus and logSigmoid are stable for large |x|',
    run: async (t) => {
      const x = t.input([-100, -20, 20, 100]);
      // softplus(-100) = 3.7e-44 (a float32 subnormal, or 0 where subnormals flush): finite and close.
      await t.expectValues(
        softplus(x),
        [3.720075976020836e-44, 2.061153620314381e-9, 20.000000002061153, 100],
        { atol: 1e-12 },
      );
      await t.expectValues(
        logSigmoid(x),
        [-100, -20.000000002061153, -2.061153620314381e-9, -3.720075976020836e-44],
        {
          atol: 1e-12,
        },
      );
      const big = t.input([-1000, 1000]);
      await t.expectValues(softplus(big), [0, 1000]);
      await t.expectValues(logSigmoid(big), [-1000, 0]);
    },
  },
  {
    name: 'activations: int32 inputs',
    run: async (t) => {
      const i = t.input([-2, 0, 3, 8], [4], 'int32');
      await t.expectValues(square(i), [4, 0, 9, 64], { dtype: 'int32' });
      await t.expectValues(relu6(i), [0, 0, 3, 6], { dtype: 'int32' });
      await t.expectValues(clip(i, -1, 5), [-1, 0, 3, 5], { dtype: 'int32' });
      await t.expectValues(softplus(i), [-2, 0, 3, 8].map(softplusRef), { dtype: 'float32' });
    },
  },
  {
    name: 'activations: clip rejects min > max',
    run: async (t) => {
      const x = t.input([1, 2]);
      t.expectError(() => clip(x, 2, 1), ArgumentError, /clip: expected min <= max, got min=2 and max=1/);
    },
  },
  {
    name: 'activations: floorDiv',
    run: async (t) => {
      const a = t.input([7, -7, 7.5, -7.5, 6, 0]);
      await t.expectValues(floorDiv(a, 2), [3, -4, 3, -4, 3, 0], { dtype: 'float32' });
      const b = t.input([2, 2, -2, -2, 4, 5]);
      await t.expectValues(floorDiv(a, b), [3, -4, -4, 3, 1, 0], { dtype: 'float32' });
      const col = t.input([[1], [-3]]);
      const row = t.input([2, -2]);
      await t.expectValues(floorDiv(col, row), [
        [0, -1],
        [-2, 1],
      ]);
      const ai = t.input([7, -7, 9], [3], 'int32');
      const bi = t.input([2, 2, -4], [3], 'int32');
      await t.expectValues(floorDiv(ai, bi), [3, -4, -3], { dtype: 'int32' });
    },
  },
  {
    name: 'activations: squaredDifference',
    run: async (t) => {
      const a = t.input([
        [3, -1],
        [0.5, 2],
      ]);
      const b = t.input([1, -2]);
      await t.expectValues(
        squaredDifference(a, b),
        [
          [4, 1],
          [0.25, 16],
        ],
        { dtype: 'float32' },
      );
      const i = t.input([5, -3], [2], 'int32');
      await t.expectValues(squaredDifference(i, 1), [16, 16], { dtype: 'int32' });
    },
  },
  {
    name: 'activations: logicalXor',
    run: async (t) => {
      const p = t.input([true, true, false, false]);
      const q = t.input([true, false, true, false]);
      await t.expectValues(logicalXor(p, q), [false, true, true, false], { dtype: 'bool' });
      const col = t.input([[true], [false]]);
      await t.expectValues(
        logicalXor(col, q),
        [
          [false, true, false, true],
          [true, false, true, false],
        ],
        { dtype: 'bool' },
      );
      const x = t.input([0, 2, -1]);
      await t.expectValues(logicalXor(x, 1), [true, false, false], { dtype: 'bool' });
    },
  },
  {
    name: 'activations: floorDiv and squaredDifference gradients',
    run: async (t) => {
      const a = t.rand([2, 3], { min: -2, max: 2, seed: 51 });
      const b = t.rand([3], { min: -2, max: 2, seed: 52 });
      await t.checkGrad((x, y) => squaredDifference(x, y), [a, b]);
      // floor is piecewise constant: away from its jumps the gradient is zero on both sides.
      const n = t.input([0.7, -1.3, 2.2, 5.5]);
      const d = t.input([2, 1.5, -1.7, 2]);
      await t.checkGrad((x, y) => floorDiv(x, y), [n, d]);
    },
  },
  {
    name: 'activations: gelu gradient on a matrix',
    run: async (t) => {
      const x = t.rand([3, 4], { min: -3, max: 3, seed: 53 });
      await t.checkGrad((a) => gelu(a), [x]);
      await t.checkGrad((a) => gelu(a, { approximate: true }), [x]);
      await t.checkGrad((a) => silu(softplus(a)), [x]);
    },
  },
];

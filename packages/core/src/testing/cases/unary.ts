// Conformance cases: unary elementwise ops. Forward values are checked against Math.* on the
// float32-rounded inputs; special values (NaN, ±Infinity) exactly; int32 and bool inputs for
// the dtype rules; empty and rank-0 tensors; and every gradient against finite differences.

import type { DType } from '../../dtype.js';
import type { TensorLike } from '../../ops/convert.js';
import {
  abs,
  ceil,
  cos,
  erf,
  exp,
  expm1,
  floor,
  isFinite as isFiniteOp,
  isNaN as isNaNOp,
  log,
  log1p,
  logicalNot,
  neg,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  tan,
  tanh,
} from '../../ops/unary.js';
import type { Tensor } from '../../tensor.js';
import type { ConformanceCase, Tolerance } from '../harness.js';

type UnaryFn = (x: TensorLike) => Tensor;

interface UnarySpec {
  readonly name: string;
  readonly op: UnaryFn;
  /** Reference in float64 on the float32-rounded input. */
  readonly ref: (x: number) => number;
  readonly inputs: readonly number[];
  readonly tol?: Tolerance;
  /** Inputs for the gradient check, away from kinks and poles. */
  readonly gradAt: readonly number[];
}

function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Known values of erf (from mpmath), since Math has no erf. */
const ERF_TABLE: ReadonlyMap<number, number> = new Map([
  [0, 0],
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [-0.5, -0.5204998778130465],
  [1, 0.8427007929497149],
  [-1, -0.8427007929497149],
  [2, 0.9953222650189527],
  [3, 0.9999779095030014],
]);

function erfRef(x: number): number {
  for (const [k, v] of ERF_TABLE) if (Math.fround(k) === x) return v;
  throw new Error(`erf reference: no table value for ${x}`);
}

const TRIG_TOL: Tolerance = { rtol: 1e-5, atol: 2e-6 };

const SPECS: readonly UnarySpec[] = [
  { name: 'neg', op: neg, ref: (x) => -x, inputs: [-2.5, -1, 0, 0.5, 3], gradAt: [-2.5, -1, 0.5, 3] },
  { name: 'abs', op: abs, ref: Math.abs, inputs: [-2.5, -1, 0, 0.5, 3], gradAt: [-2.5, -0.3, 0.5, 3] },
  { name: 'sign', op: sign, ref: Math.sign, inputs: [-2.5, -0.1, 0, 0.5, 3], gradAt: [-2, -0.5, 0.7] },
  { name: 'exp', op: exp, ref: Math.exp, inputs: [-3, -1, 0, 0.5, 2, 10], gradAt: [-1, 0, 0.5, 1.5] },
  { name: 'log', op: log, ref: Math.log, inputs: [0.01, 0.5, 1, 2, 100], gradAt: [0.2, 1, 3] },
  { name: 'log1p', op: log1p, ref: Math.log1p, inputs: [-0.5, 1e-7, 0, 1, 10], gradAt: [-0.5, 0, 2] },
  { name: 'expm1', op: expm1, ref: Math.expm1, inputs: [-2, -1e-7, 0, 1e-7, 1, 3], gradAt: [-1, 0.2, 1] },
  { name: 'sqrt', op: sqrt, ref: Math.sqrt, inputs: [0, 0.25, 2, 9, 100], gradAt: [0.3, 1, 4] },
  { name: 'rsqrt', op: rsqrt, ref: (x) => 1 / Math.sqrt(x), inputs: [0.25, 1, 2, 9], gradAt: [0.3, 1, 4] },
  {
    name: 'sin',
    op: sin,
    ref: Math.sin,
    inputs: [-3, -1, 0, 0.5, 2, 10],
    tol: TRIG_TOL,
    gradAt: [-2, 0.3, 1.2],
  },
  {
    name: 'cos',
    op: cos,
    ref: Math.cos,
    inputs: [-3, -1, 0, 0.5, 2, 10],
    tol: TRIG_TOL,
    gradAt: [-2, 0.3, 1.2],
  },
  {
    name: 'tan',
    op: tan,
    ref: Math.tan,
    inputs: [-1.2, -0.5, 0, 0.5, 1.2],
    tol: TRIG_TOL,
    gradAt: [-0.9, -0.2, 0.4, 0.8],
  },
  { name: 'tanh', op: tanh, ref: Math.tanh, inputs: [-20, -1, 0, 0.5, 3, 20], gradAt: [-2, -0.5, 0.3, 1] },
  {
    name: 'sigmoid',
    op: sigmoid,
    ref: stableSigmoid,
    inputs: [-1000, -5, 0, 1, 5, 1000],
    gradAt: [-3, -0.5, 0.4, 2],
  },
  { name: 'erf', op: erf, ref: erfRef, inputs: [...ERF_TABLE.keys()], gradAt: [-1.5, -0.2, 0.5, 1] },
  {
    name: 'floor',
    op: floor,
    ref: Math.floor,
    inputs: [-2.5, -1.5, -0.2, 0, 0.7, 1.5, 3],
    gradAt: [-1.3, 0.4, 2.7],
  },
  {
    name: 'ceil',
    op: ceil,
    ref: Math.ceil,
    inputs: [-2.5, -1.5, -0.2, 0, 0.7, 1.5, 3],
    gradAt: [-1.3, 0.4, 2.7],
  },
  {
    name: 'round',
    op: round,
    ref: roundHalfEven,
    inputs: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4, 0.6, -0.6, 3.5, -3.7],
    gradAt: [-1.3, 0.2, 2.7],
  },
  {
    name: 'reciprocal',
    op: reciprocal,
    ref: (x) => 1 / x,
    inputs: [-4, -0.5, 0.25, 2, 10],
    gradAt: [-2, -0.5, 0.7, 3],
  },
  {
    name: 'relu',
    op: relu,
    ref: (x) => Math.max(x, 0),
    inputs: [-2, -0.5, 0, 0.5, 3],
    gradAt: [-2, -0.4, 0.3, 1.5],
  },
];

function forwardCase(spec: UnarySpec): ConformanceCase {
  return {
    name: `unary: ${spec.name}`,
    run: async (t) => {
      const x = t.input([...spec.inputs]);
      const want = spec.inputs.map((v) => spec.ref(Math.fround(v)));
      await t.expectValues(spec.op(x), want, { dtype: 'float32', ...spec.tol });
      // The same values as a [rows, cols] matrix where the count allows, to cover rank 2.
      if (spec.inputs.length % 2 === 0) {
        const cols = spec.inputs.length / 2;
        const x2 = t.input([...spec.inputs], [2, cols]);
        const rows = [want.slice(0, cols), want.slice(cols)];
        await t.expectValues(spec.op(x2), rows, { dtype: 'float32', ...spec.tol });
      }
    },
  };
}

function gradCase(spec: UnarySpec): ConformanceCase {
  return {
    name: `unary: ${spec.name} gradient`,
    run: async (t) => {
      const x = t.input([...spec.gradAt]);
      await t.checkGrad((a) => spec.op(a), [x]);
    },
  };
}

interface SpecialSpec {
  readonly op: UnaryFn;
  readonly x: readonly number[];
  readonly y: readonly (number | boolean)[];
}

const N = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

/** NaN and infinities, compared exactly (NaN must stay NaN). */
const SPECIALS: Readonly<Record<string, SpecialSpec>> = {
  neg: { op: neg, x: [N, INF, -INF], y: [N, -INF, INF] },
  abs: { op: abs, x: [N, INF, -INF], y: [N, INF, INF] },
  sign: { op: sign, x: [N, INF, -INF], y: [N, 1, -1] },
  exp: { op: exp, x: [N, INF, -INF, 1000], y: [N, INF, 0, INF] },
  log: { op: log, x: [N, INF, 0, -1], y: [N, INF, -INF, N] },
  log1p: { op: log1p, x: [N, INF, -1, -2], y: [N, INF, -INF, N] },
  expm1: { op: expm1, x: [N, INF, -INF], y: [N, INF, -1] },
  sqrt: { op: sqrt, x: [N, INF, -1], y: [N, INF, N] },
  rsqrt: { op: rsqrt, x: [N, INF, 0], y: [N, 0, INF] },
  sin: { op: sin, x: [N, INF, -INF], y: [N, N, N] },
  cos: { op: cos, x: [N, INF, -INF], y: [N, N, N] },
  tan: { op: tan, x: [N, INF, -INF], y: [N, N, N] },
  tanh: { op: tanh, x: [N, INF, -INF], y: [N, 1, -1] },
  sigmoid: { op: sigmoid, x: [N, INF, -INF], y: [N, 1, 0] },
  erf: { op: erf, x: [N, INF, -INF], y: [N, 1, -1] },
  floor: { op: floor, x: [N, INF, -INF], y: [N, INF, -INF] },
  ceil: { op: ceil, x: [N, INF, -INF], y: [N, INF, -INF] },
  round: { op: round, x: [N, INF, -INF], y: [N, INF, -INF] },
  reciprocal: { op: reciprocal, x: [N, INF, -INF, 0], y: [N, 0, 0, INF] },
  relu: { op: relu, x: [N, INF, -INF], y: [N, INF, 0] },
  isNaN: { op: isNaNOp, x: [N, INF, -INF, 1, 0], y: [true, false, false, false, false] },
  isFinite: { op: isFiniteOp, x: [N, INF, -INF, 1, 0], y: [false, false, false, true, true] },
  // → bool is x != 0, so NaN is true and its negation false (as in NumPy).
  logicalNot: { op: logicalNot, x: [N, 0, INF, -2.5], y: [false, true, false, false] },
};

/**
 * Every rotation of `values`, twice over: each value lands in every SIMD lane (four wide) and in
 * a scalar tail, whatever the backend's vector loop and unrolling.
 */
function onEveryLane<T>(values: readonly T[]): T[] {
  const out: T[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < values.length; k++) out.push(...values.slice(k), ...values.slice(0, k));
  }
  return out;
}

const specialCases: ConformanceCase[] = Object.entries(SPECIALS).map(([name, s]) => ({
  name: `unary: ${name} of NaN and infinities, on every lane`,
  run: async (t) => {
    const dtype: DType = typeof s.y[0] === 'boolean' ? 'bool' : 'float32';
    await t.expectValues(s.op(t.input([...s.x])), [...s.y], { dtype });
    await t.expectValues(s.op(t.input(onEveryLane(s.x))), onEveryLane(s.y), { dtype });
  },
}));

/** relu(−0) is +0 (max(−0, 0) orders −0 below +0), on every lane, beside NaN and ±∞. */
const reluZeroCase: ConformanceCase = {
  name: 'unary: relu of −0 is +0 on every lane; NaN stays NaN',
  run: async (t) => {
    const x = onEveryLane([-0, Number.NaN, 0, -0, Number.NEGATIVE_INFINITY, -0, 2.5]);
    const y = t.own(relu(t.input(x)));
    const got = await y.data();
    x.forEach((v, i) => {
      const r = got[i]!;
      const ok = Number.isNaN(v) ? Number.isNaN(r) : Object.is(r, v > 0 ? v : 0);
      if (!ok)
        throw new Error(
          `relu at [${i}] of ${Object.is(v, -0) ? '-0' : v}: expected ${v > 0 ? v : 0}, got ${Object.is(r, -0) ? '-0' : r}`,
        );
    });
  },
};

export const UNARY_CASES: ConformanceCase[] = [
  ...SPECS.map(forwardCase),
  ...SPECS.map(gradCase),
  ...specialCases,
  reluZeroCase,
  {
    name: 'unary: isNaN, isFinite and logicalNot values',
    run: async (t) => {
      const x = t.input([
        [1.5, -2],
        [0, 3],
      ]);
      await t.expectValues(
        isNaNOp(x),
        [
          [false, false],
          [false, false],
        ],
        { dtype: 'bool' },
      );
      await t.expectValues(
        isFiniteOp(x),
        [
          [true, true],
          [true, true],
        ],
        { dtype: 'bool' },
      );
      await t.expectValues(
        logicalNot(x),
        [
          [false, false],
          [true, false],
        ],
        { dtype: 'bool' },
      );
      const b = t.input([true, false, true]);
      await t.expectValues(logicalNot(b), [false, true, false], { dtype: 'bool' });
    },
  },
  {
    name: 'unary: int32 inputs keep int32 for neg, abs, sign, floor, ceil, round, relu',
    run: async (t) => {
      const x = t.input([-3, 0, 2, 7], [4], 'int32');
      await t.expectValues(neg(x), [3, 0, -2, -7], { dtype: 'int32' });
      await t.expectValues(abs(x), [3, 0, 2, 7], { dtype: 'int32' });
      await t.expectValues(sign(x), [-1, 0, 1, 1], { dtype: 'int32' });
      await t.expectValues(floor(x), [-3, 0, 2, 7], { dtype: 'int32' });
      await t.expectValues(ceil(x), [-3, 0, 2, 7], { dtype: 'int32' });
      await t.expectValues(round(x), [-3, 0, 2, 7], { dtype: 'int32' });
      await t.expectValues(relu(x), [0, 0, 2, 7], { dtype: 'int32' });
    },
  },
  {
    name: 'unary: int32 inputs give float32 for float math',
    run: async (t) => {
      const x = t.input([-3, 0, 2], [3], 'int32');
      await t.expectValues(exp(x), [Math.exp(-3), 1, Math.exp(2)], { dtype: 'float32' });
      await t.expectValues(sigmoid(x), [stableSigmoid(-3), 0.5, stableSigmoid(2)], { dtype: 'float32' });
      await t.expectValues(tanh(x), [Math.tanh(-3), 0, Math.tanh(2)], { dtype: 'float32' });
      const p = t.input([1, 4, 9, 2], [4], 'int32');
      await t.expectValues(sqrt(p), [1, 2, 3, Math.SQRT2], { dtype: 'float32' });
      await t.expectValues(log(p), [0, Math.log(4), Math.log(9), Math.LN2], { dtype: 'float32' });
      // Not truncated to an integer: 1/2 is 0.5.
      await t.expectValues(reciprocal(p), [1, 0.25, 1 / 9, 0.5], { dtype: 'float32' });
      await t.expectValues(rsqrt(p), [1, 0.5, 1 / 3, Math.SQRT1_2], { dtype: 'float32' });
      await t.expectValues(isNaNOp(p), [false, false, false, false], { dtype: 'bool' });
      await t.expectValues(isFiniteOp(p), [true, true, true, true], { dtype: 'bool' });
      const z = t.input([0, 3, -1], [3], 'int32');
      await t.expectValues(logicalNot(z), [true, false, false], { dtype: 'bool' });
    },
  },
  {
    name: 'unary: bool inputs',
    run: async (t) => {
      const b = t.input([true, false]);
      await t.expectValues(neg(b), [-1, 0], { dtype: 'int32' });
      await t.expectValues(abs(b), [1, 0], { dtype: 'int32' });
      await t.expectValues(exp(b), [Math.E, 1], { dtype: 'float32' });
      await t.expectValues(isNaNOp(b), [false, false], { dtype: 'bool' });
    },
  },
  {
    name: 'unary: empty tensors',
    run: async (t) => {
      const e = t.input([], [0]);
      await t.expectValues(exp(e), [], { shape: [0], dtype: 'float32' });
      await t.expectValues(sqrt(e), [], { shape: [0], dtype: 'float32' });
      await t.expectValues(isNaNOp(e), [], { shape: [0], dtype: 'bool' });
      const e2 = t.input([], [2, 0], 'int32');
      await t.expectValues(neg(e2), [], { shape: [2, 0], dtype: 'int32' });
      await t.expectValues(sin(e2), [], { shape: [2, 0], dtype: 'float32' });
      await t.expectValues(round(e2), [], { shape: [2, 0], dtype: 'int32' });
    },
  },
  {
    name: 'unary: rank-0 tensors and plain numbers',
    run: async (t) => {
      const s = t.input(2, []);
      await t.expectValues(exp(s), Math.exp(2), { shape: [], dtype: 'float32' });
      await t.expectValues(neg(s), -2, { shape: [], dtype: 'float32' });
      await t.expectValues(sqrt(4), 2, { shape: [], dtype: 'float32' });
      await t.expectValues(abs(-3.5), 3.5, { shape: [], dtype: 'float32' });
      const i = t.input(-7, [], 'int32');
      await t.expectValues(abs(i), 7, { shape: [], dtype: 'int32' });
      await t.expectValues(log(i), Number.NaN, { shape: [], dtype: 'float32' });
    },
  },
  {
    name: 'unary: gradient of a composition on a matrix',
    run: async (t) => {
      const x = t.rand([3, 4], { min: 0.2, max: 2, seed: 11 });
      await t.checkGrad((a) => sin(expm1(log1p(sqrt(a)))), [x]);
      const y = t.rand([2, 3], { min: -2, max: 2, seed: 12 });
      await t.checkGrad((a) => tanh(sigmoid(exp(neg(a)))), [y]);
    },
  },
];

// Conformance cases: binary elementwise ops and where. Forward values are checked against a
// plain-JS broadcasting reference over several broadcast patterns; special cases (floor-mod
// signs, NaN in maximum/minimum, integer powers, dtypes) explicitly; gradients, including
// broadcast ones that go through sumTo, against finite differences.

import { grad, grads } from '../../autodiff.js';
import type { DType } from '../../dtype.js';
import { ShapeError } from '../../errors.js';
import { memory, tidy } from '../../memory.js';
import { relu6 } from '../../ops/activations.js';
import {
  add,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  logicalAnd,
  logicalOr,
  maximum,
  minimum,
  mod,
  mul,
  notEqual,
  pow,
  sub,
} from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import type { TensorLike } from '../../ops/convert.js';
import { sum } from '../../ops/reduce.js';
import { clip } from '../../ops/unary.js';
import { where } from '../../ops/where.js';
import type { NestedArray, Tensor } from '../../tensor.js';
import { type ConformanceCase, ConformanceError } from '../harness.js';

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConformanceError(message);
}

type BinaryFn = (a: TensorLike, b: TensorLike) => Tensor;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Reshapes flat values into nested arrays of `shape`. */
function nest(flat: readonly (number | boolean)[], shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0]!;
  const [n, ...rest] = shape;
  const step = sizeOf(rest);
  return Array.from({ length: n! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

/** NumPy broadcasting of any number of shapes. */
function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1);
    return dims.find((d) => d !== 1) ?? 1;
  });
}

/** Applies `fn` elementwise over broadcast operands, in float64. */
function reference(
  operands: readonly { values: readonly number[]; shape: readonly number[] }[],
  fn: (...xs: number[]) => number | boolean,
): { out: NestedArray; shape: number[] } {
  const shape = broadcastShape(operands.map((o) => o.shape));
  const flat: (number | boolean)[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const index: number[] = [];
    let rem = i;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
    }
    const args = operands.map(({ values, shape: s }) => {
      let offset = 0;
      for (let d = 0; d < s.length; d++) {
        const outD = shape.length - s.length + d;
        offset = offset * s[d]! + (s[d] === 1 ? 0 : index[outD]!);
      }
      return values[offset]!;
    });
    flat.push(fn(...args));
  }
  return { out: nest(flat, shape), shape };
}

/** Python's floor modulo: the result takes the divisor's sign. */
function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** Deterministic float32-exact values in [-2.5, 2.5] (steps of 0.5, some repeated). */
const generic = (n: number): number[] => Array.from({ length: n }, (_, i) => (((i * 7) % 11) - 5) * 0.5);
/** Nonzero divisors of both signs. */
const nonzero = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => [0.5, -2, 3, 1.5, -0.75, 4][i % 6]!);
/** Positive bases. */
const positive = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => [0.5, 2, 3, 1.5, 0.25, 4][i % 6]!);
/** Small exponents, integer and fractional. */
const exponents = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => [2, -1, 0.5, 3, 0, -0.5][i % 6]!);

interface BinarySpec {
  readonly name: string;
  readonly op: BinaryFn;
  readonly ref: (a: number, b: number) => number | boolean;
  readonly out: DType;
  readonly a: (n: number) => number[];
  readonly b: (n: number) => number[];
}

const bool = (x: boolean): boolean => x;

const SPECS: readonly BinarySpec[] = [
  { name: 'add', op: add, ref: (a, b) => a + b, out: 'float32', a: generic, b: nonzero },
  { name: 'sub', op: sub, ref: (a, b) => a - b, out: 'float32', a: generic, b: nonzero },
  { name: 'mul', op: mul, ref: (a, b) => a * b, out: 'float32', a: generic, b: nonzero },
  { name: 'div', op: div, ref: (a, b) => a / b, out: 'float32', a: generic, b: nonzero },
  { name: 'pow', op: pow, ref: Math.pow, out: 'float32', a: positive, b: exponents },
  { name: 'maximum', op: maximum, ref: Math.max, out: 'float32', a: generic, b: generic },
  { name: 'minimum', op: minimum, ref: Math.min, out: 'float32', a: generic, b: generic },
  { name: 'mod', op: mod, ref: floorMod, out: 'float32', a: generic, b: nonzero },
  { name: 'equal', op: equal, ref: (a, b) => bool(a === b), out: 'bool', a: generic, b: generic },
  { name: 'notEqual', op: notEqual, ref: (a, b) => bool(a !== b), out: 'bool', a: generic, b: generic },
  { name: 'less', op: less, ref: (a, b) => bool(a < b), out: 'bool', a: generic, b: generic },
  { name: 'lessEqual', op: lessEqual, ref: (a, b) => bool(a <= b), out: 'bool', a: generic, b: generic },
  { name: 'greater', op: greater, ref: (a, b) => bool(a > b), out: 'bool', a: generic, b: generic },
  {
    name: 'greaterEqual',
    op: greaterEqual,
    ref: (a, b) => bool(a >= b),
    out: 'bool',
    a: generic,
    b: generic,
  },
  {
    name: 'logicalAnd',
    op: logicalAnd,
    ref: (a, b) => a !== 0 && b !== 0,
    out: 'bool',
    a: generic,
    b: generic,
  },
  {
    name: 'logicalOr',
    op: logicalOr,
    ref: (a, b) => a !== 0 || b !== 0,
    out: 'bool',
    a: generic,
    b: generic,
  },
];

/** Broadcast patterns: equal shapes, a trailing vector, an outer product, rank 0 on either side. */
const PATTERNS: readonly (readonly [readonly number[], readonly number[]])[] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [
    [2, 1],
    [1, 3],
  ],
  [
    [2, 1, 3],
    [4, 1],
  ],
  [[], [2, 2]],
  [[2, 2], []],
  [[], []],
  [[1], [2, 2]],
  [[0, 3], [3]],
];

function forwardCase(spec: BinarySpec): ConformanceCase {
  return {
    name: `binary: ${spec.name} with broadcasting`,
    run: async (t) => {
      for (const [sa, sb] of PATTERNS) {
        const av = spec.a(sizeOf(sa));
        const bv = spec.b(sizeOf(sb)).reverse();
        const a = t.input(av, sa);
        const b = t.input(bv, sb);
        const { out, shape } = reference(
          [
            { values: av, shape: sa },
            { values: bv, shape: sb },
          ],
          spec.ref,
        );
        await t.expectValues(spec.op(a, b), out, { shape, dtype: spec.out });
      }
    },
  };
}

interface GradSpec {
  readonly name: string;
  readonly op: BinaryFn;
  readonly a: { min: number; max: number };
  readonly b: { min: number; max: number };
}

const GRAD_SPECS: readonly GradSpec[] = [
  { name: 'add', op: add, a: { min: -2, max: 2 }, b: { min: -2, max: 2 } },
  { name: 'sub', op: sub, a: { min: -2, max: 2 }, b: { min: -2, max: 2 } },
  { name: 'mul', op: mul, a: { min: -2, max: 2 }, b: { min: -2, max: 2 } },
  { name: 'div', op: div, a: { min: -2, max: 2 }, b: { min: 0.5, max: 2 } },
  { name: 'pow', op: pow, a: { min: 0.5, max: 2 }, b: { min: -1.5, max: 2.5 } },
  { name: 'maximum', op: maximum, a: { min: -2, max: 2 }, b: { min: -2, max: 2 } },
  { name: 'minimum', op: minimum, a: { min: -2, max: 2 }, b: { min: -2, max: 2 } },
  { name: 'mod', op: mod, a: { min: -3, max: 3 }, b: { min: 1, max: 2 } },
];

const GRAD_PATTERNS: readonly (readonly [readonly number[], readonly number[]])[] = [
  [
    [2, 3],
    [2, 3],
  ],
  [[2, 3], [3]],
  [
    [2, 1],
    [1, 3],
  ],
  [[], [2, 2]],
  [[3, 1], []],
];

function gradCase(spec: GradSpec): ConformanceCase {
  return {
    name: `binary: ${spec.name} gradient with broadcasting`,
    run: async (t) => {
      let seed = 100;
      for (const [sa, sb] of GRAD_PATTERNS) {
        const a = t.rand(sa, { ...spec.a, seed: seed++ });
        const b = t.rand(sb, { ...spec.b, seed: seed++ });
        await t.checkGrad((x, y) => spec.op(x, y), [a, b]);
      }
    },
  };
}

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;

export const BINARY_CASES: ConformanceCase[] = [
  ...SPECS.map(forwardCase),
  ...GRAD_SPECS.map(gradCase),
  {
    name: 'binary: mod follows the sign of the divisor',
    run: async (t) => {
      const a = t.input([7, -7, 7, -7, 5.5, -1.5, 0, 6]);
      const b = t.input([3, 3, -3, -3, -2, 1, 3, 3]);
      await t.expectValues(mod(a, b), [1, 2, -2, -1, -0.5, 0.5, 0, 0], { dtype: 'float32' });
      const ai = t.input([7, -7, 7, -7, 0, 9], [6], 'int32');
      const bi = t.input([3, 3, -3, -3, 5, 3], [6], 'int32');
      await t.expectValues(mod(ai, bi), [1, 2, -2, -1, 0, 0], { dtype: 'int32' });
      await t.expectValues(mod(ai, 4), [3, 1, 3, 1, 0, 1], { dtype: 'int32' });
      const d = t.input([7, -7, 4], [3], 'int32');
      await t.expectValues(mod(-1, d), [6, -1, 3], { dtype: 'int32' });
    },
  },
  {
    name: 'binary: pow with integer exponents',
    run: async (t) => {
      const x = t.input([2, -2, 3, -0.5, 0]);
      await t.expectValues(pow(x, 2), [4, 4, 9, 0.25, 0], { dtype: 'float32' });
      await t.expectValues(pow(x, 3), [8, -8, 27, -0.125, 0]);
      await t.expectValues(pow(x, 0), [1, 1, 1, 1, 1]);
      await t.expectValues(pow(x, -1), [0.5, -0.5, 1 / 3, -2, INF]);
      await t.expectValues(pow(x, 0.5), [Math.SQRT2, NAN, Math.sqrt(3), NAN, 0]);
      const i = t.input([2, 3, -2], [3], 'int32');
      await t.expectValues(pow(i, 3), [8, 27, -8], { dtype: 'int32' });
      await t.expectValues(pow(i, 2.5), [2 ** 2.5, 3 ** 2.5, NAN], { dtype: 'float32' });
      const e = t.input([0, 1, 4], [3], 'int32');
      await t.expectValues(pow(2, e), [1, 2, 16], { dtype: 'int32' });
      await t.expectValues(pow(0, e), [1, 0, 0], { dtype: 'int32' });
    },
  },
  {
    name: 'binary: maximum and minimum propagate NaN',
    run: async (t) => {
      const a = t.input([NAN, 1, NAN, -INF, 2]);
      const b = t.input([0, NAN, NAN, 3, INF]);
      await t.expectValues(maximum(a, b), [NAN, NAN, NAN, 3, INF]);
      await t.expectValues(minimum(a, b), [NAN, NAN, NAN, -INF, 2]);
      const i = t.input([1, 5, -3], [3], 'int32');
      await t.expectValues(maximum(i, 2), [2, 5, 2], { dtype: 'int32' });
      await t.expectValues(minimum(i, 2), [1, 2, -3], { dtype: 'int32' });
    },
  },
  {
    name: 'binary: comparisons with NaN, mixed dtypes and numbers',
    run: async (t) => {
      const a = t.input([NAN, 1, INF]);
      const b = t.input([NAN, NAN, INF]);
      await t.expectValues(equal(a, b), [false, false, true], { dtype: 'bool' });
      await t.expectValues(notEqual(a, b), [true, true, false], { dtype: 'bool' });
      await t.expectValues(less(a, 2), [false, true, false], { dtype: 'bool' });
      await t.expectValues(greaterEqual(a, 1), [false, true, true], { dtype: 'bool' });
      const i = t.input([1, 2, 3], [3], 'int32');
      await t.expectValues(less(i, 1.5), [true, false, false], { dtype: 'bool' });
      await t.expectValues(equal(i, 2), [false, true, false], { dtype: 'bool' });
      const f = t.input([1, 2.5, 3]);
      await t.expectValues(equal(i, f), [true, false, true], { dtype: 'bool' });
      await t.expectValues(lessEqual(2, i), [false, true, true], { dtype: 'bool' });
      const bo = t.input([true, false]);
      await t.expectValues(equal(bo, true), [true, false], { dtype: 'bool' });
    },
  },
  {
    name: 'binary: logical ops on bool and on numbers',
    run: async (t) => {
      const p = t.input([true, true, false, false]);
      const q = t.input([true, false, true, false]);
      await t.expectValues(logicalAnd(p, q), [true, false, false, false], { dtype: 'bool' });
      await t.expectValues(logicalOr(p, q), [true, true, true, false], { dtype: 'bool' });
      const x = t.input([0, 2, -1, 0.5]);
      const y = t.input([1, 1, 0, 0]);
      await t.expectValues(logicalAnd(x, y), [false, true, false, false], { dtype: 'bool' });
      await t.expectValues(logicalOr(x, y), [true, true, true, true], { dtype: 'bool' });
      const col = t.input([[true], [false]]);
      await t.expectValues(
        logicalAnd(col, q),
        [
          [true, false, true, false],
          [false, false, false, false],
        ],
        { dtype: 'bool' },
      );
    },
  },
  {
    name: 'binary: dtypes of arithmetic results',
    run: async (t) => {
      const i = t.input([6, -7], [2], 'int32');
      const j = t.input([4, 2], [2], 'int32');
      await t.expectValues(add(i, j), [10, -5], { dtype: 'int32' });
      await t.expectValues(sub(i, j), [2, -9], { dtype: 'int32' });
      await t.expectValues(mul(i, j), [24, -14], { dtype: 'int32' });
      await t.expectValues(div(i, j), [1.5, -3.5], { dtype: 'float32' });
      await t.expectValues(maximum(i, j), [6, 2], { dtype: 'int32' });
      const b = t.input([true, false]);
      await t.expectValues(mul(b, b), [1, 0], { dtype: 'int32' });
      await t.expectValues(div(b, 2), [0.5, 0], { dtype: 'float32' });
      await t.expectValues(sub(10, i), [4, 17], { dtype: 'int32' });
      const f = t.input([1, 2]);
      await t.expectValues(add(f, [0.5, 0.25]), [1.5, 2.25], { dtype: 'float32' });
    },
  },
  {
    name: 'binary: broadcast error names the op and both shapes',
    run: async (t) => {
      const a = t.input([1, 2, 3, 4, 5, 6], [2, 3]);
      const b = t.input([1, 2, 3, 4]);
      t.expectError(
        () => add(a, b),
        ShapeError,
        /^add: shapes cannot be broadcast together, got a\.shape=\[2,3\] and b\.shape=\[4\]$/,
      );
      t.expectError(
        () => mul(b, a),
        ShapeError,
        /^mul: shapes cannot be broadcast together, got a\.shape=\[4\] and b\.shape=\[2,3\]$/,
      );
      t.expectError(() => less(a, b), ShapeError, /less: shapes cannot be broadcast together/);
      const c = t.input([1, 2, 3, 4], [2, 2]);
      const d = t.input([1, 2, 3], [3, 1]);
      t.expectError(() => sub(c, d), ShapeError, /sub: .*a\.shape=\[2,2\] and b\.shape=\[3,1\]/);
    },
  },
  {
    name: 'binary: where selects with broadcasting',
    run: async (t) => {
      const c = t.input([
        [true, false, true],
        [false, false, true],
      ]);
      const a = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const b = t.input([
        [-1, -2, -3],
        [-4, -5, -6],
      ]);
      await t.expectValues(
        where(c, a, b),
        [
          [1, -2, 3],
          [-4, -5, 6],
        ],
        { dtype: 'float32' },
      );
      const row = t.input([10, 20, 30]);
      await t.expectValues(
        where(c, row, 0),
        [
          [10, 0, 30],
          [0, 0, 30],
        ],
        { dtype: 'float32' },
      );
      const col = t.input([[true], [false]]);
      await t.expectValues(where(col, row, b), [
        [10, 20, 30],
        [-4, -5, -6],
      ]);
      const s = t.input(false, []);
      await t.expectValues(where(s, a, b), [
        [-1, -2, -3],
        [-4, -5, -6],
      ]);
      const ai = t.input([1, 2, 3], [3], 'int32');
      await t.expectValues(
        where(c, ai, 0.5),
        [
          [1, 0.5, 3],
          [0.5, 0.5, 3],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(
        where(c, ai, 0),
        [
          [1, 0, 3],
          [0, 0, 3],
        ],
        { dtype: 'int32' },
      );
      const cf = t.input([0, 2, -1]);
      await t.expectValues(where(cf, 1, 0), [0, 1, 1]);
      const e = t.input([], [0, 3]);
      const ce = t.input([], [0, 3], 'bool');
      await t.expectValues(where(ce, e, row), [], { shape: [0, 3], dtype: 'float32' });
    },
  },
  {
    name: 'binary: where rejects shapes that do not broadcast',
    run: async (t) => {
      const c = t.input([true, false]);
      const a = t.input([1, 2, 3]);
      t.expectError(() => where(c, a, a), ShapeError, /where: shapes cannot be broadcast together/);
    },
  },
  {
    name: 'binary: where gradient with broadcasting',
    run: async (t) => {
      // Conditions as plain arrays, not tensors: a backend without float64 checks gradients by
      // re-running the function on the reference backend, where a captured tensor cannot go.
      const c = [
        [true, false, true],
        [false, true, false],
      ];
      const a = t.rand([2, 3], { seed: 31 });
      const b = t.rand([3], { seed: 32 });
      await t.checkGrad((x, y) => where(c, x, y), [a, b]);
      const col = [[true], [false]];
      const s = t.rand([], { seed: 33 });
      await t.checkGrad((x, y) => where(col, x, y), [a, s]);
      await t.checkGrad((x) => where(greater(x, 0), mul(x, x), mul(x, -3)), [a]);
    },
  },
  {
    name: 'binary: gradients of a composition',
    run: async (t) => {
      const a = t.rand([2, 3], { min: 0.5, max: 2, seed: 41 });
      const b = t.rand([3], { min: 0.5, max: 2, seed: 42 });
      await t.checkGrad((x, y) => div(mul(add(x, y), sub(x, y)), pow(y, 2)), [a, b]);
      // The same tensor on both sides: gradients from both operands add up.
      await t.checkGrad((x) => mul(x, x), [a]);
      await t.checkGrad((x) => pow(x, x), [a]);
    },
  },
  {
    name: 'binary: maximum/minimum split the gradient on ties, relu6 passes none at 0 or 6, clip all at its bounds, as in PyTorch',
    run: async (t) => {
      const a = t.input([1, 2, 5]);
      const b = t.input([1, 3, 4]);
      const [da, db] = grads((x, y) => sum(maximum(x, y)))([a, b]);
      await t.expectValues(da!, [0.5, 0, 1]);
      await t.expectValues(db!, [0.5, 1, 0]);
      const [ea, eb] = grads((x, y) => sum(minimum(x, y)))([a, b]);
      await t.expectValues(ea!, [0.5, 1, 0]);
      await t.expectValues(eb!, [0.5, 0, 1]);
      await t.expectValues(grad((x) => sum(relu6(x)))(t.input([-1, 0, 3, 6, 7])), [0, 0, 1, 0, 0]);
      // clip (built on maximum/minimum) still passes the whole gradient at its bounds, as clamp does.
      await t.expectValues(grad((x) => sum(clip(x, 0, 1)))(t.input([-1, 0, 0.5, 1, 2])), [0, 1, 1, 1, 0]);
    },
  },
  {
    name: 'binary: JS numbers in a tidy scope share one scalar per value and dtype, −0 apart',
    run: async (t) => {
      const x = t.input([-0, 1, 2]);
      const n = t.input([1, 2, 3], [3], 'int32');
      const before = memory().numTensors;
      const inside: number[] = [];
      const [y, z, w, k] = tidy(() => {
        const base = memory().numTensors;
        let acc = x;
        for (let i = 0; i < 10; i++) acc = add(acc, 1);
        // Ten results and one shared 1.
        inside.push(memory().numTensors - base);
        // −0 and 0 are different scalars: x + 0 turns −0 into 0, x + (−0) keeps it.
        const plusZero = add(x, 0);
        const plusNegZero = add(x, -0);
        // An int32 operand makes an int32 1 alongside the float32 one.
        const ints = add(n, 1);
        // A scalar handed back by an op and disposed does not break later ops.
        const one = cast(1, 'float32');
        one.dispose();
        return [plusZero, plusNegZero, ints, mul(acc, 1)];
      });
      check(inside[0] === 11, `expected 10 results and 1 shared scalar, got ${inside[0]} new tensors`);
      // Many distinct constants, each result disposed as the loop goes: the scope shares at most
      // 64 scalars, so what it holds stays bounded.
      const held = tidy(() => {
        const base = memory().numTensors;
        let acc = add(x, 0.5);
        for (let i = 0; i < 200; i++) {
          const next = add(acc, i);
          acc.dispose();
          acc = next;
        }
        return memory().numTensors - base;
      });
      check(held <= 66, `expected at most 64 shared scalars and one result, got ${held} tensors`);
      check(
        memory().numTensors === before + 4,
        `expected the 4 results alone, got ${memory().numTensors - before}`,
      );
      const [zero] = await y!.data();
      const [negZero] = await z!.data();
      check(Object.is(zero, 0), `x + 0 at x = −0: expected 0, got ${Object.is(zero, -0) ? '-0' : zero}`);
      check(Object.is(negZero, -0), `x + (−0) at x = −0: expected −0, got ${negZero}`);
      await t.expectValues(y!, [0, 1, 2]);
      await t.expectValues(z!, [0, 1, 2]);
      await t.expectValues(w!, [2, 3, 4], { dtype: 'int32' });
      await t.expectValues(k!, [10, 11, 12]);
    },
  },
];

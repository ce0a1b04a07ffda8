// Conformance cases: creation (from values, fills, ranges, identity, one-hot, seeded random
// fills, variables), cast, dtype promotion, reading values back and NumPy-style printing.

import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { memory } from '../../memory.js';
import { add, div, mul, sub } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import {
  arange,
  clone,
  eye,
  full,
  linspace,
  oneHot,
  ones,
  onesLike,
  randomNormal,
  randomUniform,
  scalar,
  tensor,
  tensor1d,
  tensor2d,
  tensor3d,
  tensor4d,
  tensor5d,
  tensor6d,
  truncatedNormal,
  variable,
  zeros,
  zerosLike,
} from '../../ops/creation.js';
import type { Tensor } from '../../tensor.js';
import { type ConformanceCase, ConformanceError } from '../harness.js';

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConformanceError(message);
}

/** Reads a tensor's values into a plain array and disposes it. */
async function take(x: Tensor): Promise<number[]> {
  try {
    return Array.from((await x.data()) as ArrayLike<number>);
  } finally {
    x.dispose();
  }
}

function stats(values: readonly number[]): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    s += v;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const mean = s / values.length;
  let q = 0;
  for (const v of values) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / values.length), min: lo, max: hi };
}

function near(what: string, got: number, want: number, tol: number): void {
  check(Math.abs(got - want) <= tol, `${what}: expected ${want} ± ${tol}, got ${got}`);
}

const SAMPLES = 10000;

export const CREATION_CASES: ConformanceCase[] = [
  {
    name: 'creation: tensor from nested arrays',
    run: async (t) => {
      await t.expectValues(
        tensor([
          [1, 2],
          [3, 4],
        ]),
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(
        tensor([
          [[1], [2]],
          [[3], [4]],
        ]),
        [
          [[1], [2]],
          [[3], [4]],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(tensor([true, false, true]), [true, false, true], { dtype: 'bool' });
      await t.expectValues(tensor([1.5, -2], undefined, 'int32'), [1, -2], { dtype: 'int32' });
      await t.expectValues(tensor([0, 2, -1], undefined, 'bool'), [false, true, true], { dtype: 'bool' });
      await t.expectValues(tensor(3.5), 3.5, { shape: [], dtype: 'float32' });
      await t.expectValues(tensor([]), [], { shape: [0], dtype: 'float32' });
      await t.expectValues(tensor([[], []]), [], { shape: [2, 0] });
    },
  },
  {
    name: 'creation: tensor from typed arrays, with shape and dtype',
    run: async (t) => {
      await t.expectValues(
        tensor(new Float32Array([1, 2, 3, 4]), [2, 2]),
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(tensor(new Int32Array([5, -6, 7])), [5, -6, 7], { dtype: 'int32' });
      await t.expectValues(tensor(new Uint8Array([1, 0])), [true, false], { dtype: 'bool' });
      await t.expectValues(
        tensor([1, 2, 3, 4, 5, 6], [3, 2], 'int32'),
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(tensor(new Int32Array([1, 2]), undefined, 'float32'), [1, 2], {
        dtype: 'float32',
      });
      // A single value fills the shape.
      await t.expectValues(
        tensor(7, [2, 2]),
        [
          [7, 7],
          [7, 7],
        ],
        { dtype: 'float32' },
      );
    },
  },
  {
    name: 'creation: tensor rejects ragged values and a wrong value count',
    run: async (t) => {
      t.expectError(() => tensor([[1, 2], [3]]), ShapeError, /tensor: expected values to be rectangular/);
      t.expectError(() => tensor([[1, 2], 3]), ShapeError, /tensor: expected values to be rectangular/);
      t.expectError(
        () =>
          tensor([
            [[1, 2]],
            [
              [3, 4],
              [5, 6],
            ],
          ]),
        ShapeError,
        /ragged/,
      );
      t.expectError(
        () => tensor([1, 2, 3], [2, 2]),
        ShapeError,
        /tensor: shape \[2,2\] needs 4 values, got 3/,
      );
      t.expectError(
        () => tensor([1, 2], [-1, 2]),
        ShapeError,
        /tensor: expected shape to be an array of non-negative integers, got \[-1,2\]/,
      );
    },
  },
  {
    name: 'creation: tensor1d ... tensor6d from nested or flat values',
    run: async (t) => {
      await t.expectValues(tensor1d([1, 2, 3]), [1, 2, 3], { dtype: 'float32' });
      await t.expectValues(tensor1d(new Int32Array([4, 5])), [4, 5], { dtype: 'int32' });
      await t.expectValues(tensor1d([1, 0], 'bool'), [1, 0], { dtype: 'bool' });
      await t.expectValues(tensor1d([]), [], { shape: [0] });
      await t.expectValues(
        tensor2d([
          [1, 2],
          [3, 4],
        ]),
        [
          [1, 2],
          [3, 4],
        ],
      );
      await t.expectValues(tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), [1, 2, 3, 4, 5, 6], {
        shape: [3, 2],
        dtype: 'int32',
      });
      await t.expectValues(tensor2d([], [0, 3]), [], { shape: [0, 3] });
      await t.expectValues(
        tensor3d([
          [[1], [2]],
          [[3], [4]],
        ]),
        [1, 2, 3, 4],
        { shape: [2, 2, 1] },
      );
      await t.expectValues(tensor3d(new Float32Array([1, 2, 3, 4]), [1, 2, 2]), [1, 2, 3, 4], {
        shape: [1, 2, 2],
      });
      await t.expectValues(tensor4d([[[[1, 2]]]], [1, 1, 1, 2]), [1, 2], { shape: [1, 1, 1, 2] });
      await t.expectValues(tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), [1, 2, 3, 4], { shape: [1, 2, 2, 1] });
      await t.expectValues(tensor5d([[[[[7]]]]]), [7], { shape: [1, 1, 1, 1, 1] });
      await t.expectValues(tensor5d([1, 2], [1, 1, 1, 2, 1], 'int32'), [1, 2], {
        shape: [1, 1, 1, 2, 1],
        dtype: 'int32',
      });
      await t.expectValues(tensor6d([[[[[[1, 2]]]]]]), [1, 2], { shape: [1, 1, 1, 1, 1, 2] });
      await t.expectValues(tensor6d([1, 2, 3, 4, 5, 6], [1, 1, 1, 2, 3, 1]), [1, 2, 3, 4, 5, 6], {
        shape: [1, 1, 1, 2, 3, 1],
      });
    },
  },
  {
    name: 'creation: tensor1d ... tensor6d check the rank',
    run: async (t) => {
      const x = t.input([1, 2]);
      t.expectError(
        () =>
          tensor1d([
            [1, 2],
            [3, 4],
          ]),
        ShapeError,
        'tensor1d: expected values nested 1 deep, got values of shape [2,2]',
      );
      t.expectError(
        () => tensor1d(5),
        ShapeError,
        'tensor1d: expected values nested 1 deep, got values of shape []',
      );
      t.expectError(() => tensor1d([1, 2], [2] as never), DTypeError, /^tensor1d: expected dtype/);
      t.expectError(
        () => tensor2d([[[1]]]),
        ShapeError,
        'tensor2d: expected values nested 2 deep or flat, got values of shape [1,1,1]',
      );
      t.expectError(
        () => tensor2d(3),
        ShapeError,
        'tensor2d: expected values nested 2 deep or flat, got values of shape []',
      );
      t.expectError(
        () => tensor3d([1, 2, 3, 4]),
        ArgumentError,
        'tensor3d: expected a shape of rank 3 with flat values, got none',
      );
      t.expectError(
        () => tensor4d([1, 2, 3, 4], [2, 2]),
        ShapeError,
        'tensor4d: expected shape to have rank 4, got shape=[2,2]',
      );
      t.expectError(
        () => tensor5d([1, 2, 3], [1, 1, 1, 2, 2]),
        ShapeError,
        /tensor5d: shape \[1,1,1,2,2\] needs 4 values, got 3/,
      );
      t.expectError(() => tensor6d(x), ArgumentError, /^tensor6d: values is already a tensor/);
      t.expectError(
        () => tensor2d([[1, 2], [3]]),
        ShapeError,
        /^tensor2d: expected values to be rectangular/,
      );
      t.expectError(() => tensor2d([1, 2], [1, 2], 'complex64' as never), DTypeError, /^tensor2d: /);
    },
  },
  {
    name: 'creation: scalar',
    run: async (t) => {
      await t.expectValues(scalar(3.5), 3.5, { shape: [], dtype: 'float32' });
      await t.expectValues(scalar(2, 'int32'), 2, { shape: [], dtype: 'int32' });
      await t.expectValues(scalar(true), 1, { shape: [], dtype: 'bool' });
      await t.expectValues(scalar(-0.25, 'float32'), -0.25, { shape: [] });
    },
  },
  {
    name: 'creation: zeros, ones and full',
    run: async (t) => {
      await t.expectValues(
        zeros([2, 3]),
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(zeros([2], 'int32'), [0, 0], { dtype: 'int32' });
      await t.expectValues(zeros([2], 'bool'), [false, false], { dtype: 'bool' });
      await t.expectValues(zeros([0, 3]), [], { shape: [0, 3] });
      await t.expectValues(zeros([]), 0, { shape: [] });
      await t.expectValues(ones([3]), [1, 1, 1], { dtype: 'float32' });
      await t.expectValues(ones([1, 2], 'int32'), [[1, 1]], { dtype: 'int32' });
      await t.expectValues(ones([2], 'bool'), [true, true], { dtype: 'bool' });
      await t.expectValues(
        full([2, 2], 7),
        [
          [7, 7],
          [7, 7],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(full([2], -1.5), [-1.5, -1.5], { dtype: 'float32' });
      await t.expectValues(full([2], true), [true, true], { dtype: 'bool' });
      await t.expectValues(full([3], 4, 'int32'), [4, 4, 4], { dtype: 'int32' });
      await t.expectValues(full([], 2), 2, { shape: [] });
      t.expectError(
        () => zeros([2, -1]),
        ShapeError,
        /zeros: expected shape to be an array of non-negative integers, got \[2,-1\]/,
      );
      t.expectError(
        () => ones([1.5]),
        ShapeError,
        /ones: expected shape to be an array of non-negative integers, got \[1.5\]/,
      );
    },
  },
  {
    name: 'creation: zerosLike and onesLike keep shape and dtype',
    run: async (t) => {
      const f = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const i = t.input([7, 8], [2], 'int32');
      const b = t.input([true, false, true]);
      await t.expectValues(
        zerosLike(f),
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(
        onesLike(f),
        [
          [1, 1, 1],
          [1, 1, 1],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(zerosLike(i), [0, 0], { dtype: 'int32' });
      await t.expectValues(onesLike(i), [1, 1], { dtype: 'int32' });
      await t.expectValues(zerosLike(b), [false, false, false], { dtype: 'bool' });
      await t.expectValues(onesLike(b), [true, true, true], { dtype: 'bool' });
      const e = t.input([], [0, 2]);
      await t.expectValues(onesLike(e), [], { shape: [0, 2], dtype: 'float32' });
    },
  },
  {
    name: 'creation: arange with integers',
    run: async (t) => {
      await t.expectValues(arange(5), [0, 1, 2, 3, 4], { dtype: 'int32' });
      await t.expectValues(arange(1, 10, 3), [1, 4, 7], { dtype: 'int32' });
      await t.expectValues(arange(-2, 2), [-2, -1, 0, 1], { dtype: 'int32' });
      await t.expectValues(arange(5, 0, -1), [5, 4, 3, 2, 1], { dtype: 'int32' });
      await t.expectValues(arange(5, -5, -4), [5, 1, -3], { dtype: 'int32' });
      await t.expectValues(arange(0, 3, 1, 'float32'), [0, 1, 2], { dtype: 'float32' });
    },
  },
  {
    name: 'creation: arange with floats',
    run: async (t) => {
      await t.expectValues(arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], { dtype: 'float32' });
      await t.expectValues(arange(0.5, 3), [0.5, 1.5, 2.5], { dtype: 'float32' });
      await t.expectValues(arange(1, 0, -0.5), [1, 0.5], { dtype: 'float32' });
      await t.expectValues(arange(0, 1, 0.3), [0, 0.3, 0.6, 0.9], { dtype: 'float32' });
    },
  },
  {
    name: 'creation: arange empty and invalid',
    run: async (t) => {
      await t.expectValues(arange(3, 3), [], { shape: [0], dtype: 'int32' });
      await t.expectValues(arange(5, 0), [], { shape: [0], dtype: 'int32' });
      await t.expectValues(arange(0, 5, -1), [], { shape: [0] });
      await t.expectValues(arange(0), [], { shape: [0] });
      t.expectError(() => arange(0, 5, 0), ArgumentError, /arange: expected a nonzero step, got 0/);
    },
  },
  {
    name: 'creation: linspace',
    run: async (t) => {
      await t.expectValues(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], { dtype: 'float32' });
      await t.expectValues(linspace(1, -1, 3), [1, 0, -1], { dtype: 'float32' });
      await t.expectValues(linspace(0, 1, 3, 'float32'), [0, 0.5, 1]);
      // The last value is exactly `stop`, even when the step does not divide evenly.
      await t.expectValues(linspace(0, 1, 7), [0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1], { rtol: 1e-6 });
      await t.expectValues(linspace(2, 5, 1), [2]);
      await t.expectValues(linspace(0, 1, 0), [], { shape: [0] });
      t.expectError(
        () => linspace(0, 1, -1),
        ArgumentError,
        /linspace: expected num to be an integer >= 0, got number -1/,
      );
    },
  },
  {
    name: 'creation: eye',
    run: async (t) => {
      await t.expectValues(
        eye(3),
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(eye(2, 3), [
        [1, 0, 0],
        [0, 1, 0],
      ]);
      await t.expectValues(eye(3, 2), [
        [1, 0],
        [0, 1],
        [0, 0],
      ]);
      await t.expectValues(
        eye(2, 2, 'int32'),
        [
          [1, 0],
          [0, 1],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(eye(0), [], { shape: [0, 0] });
    },
  },
  {
    name: 'creation: oneHot',
    run: async (t) => {
      const idx = t.input([0, 2, 1], [3], 'int32');
      await t.expectValues(
        oneHot(idx, 3),
        [
          [1, 0, 0],
          [0, 0, 1],
          [0, 1, 0],
        ],
        { dtype: 'float32' },
      );
      await t.expectValues(
        oneHot(idx, 4, { dtype: 'int32' }),
        [
          [1, 0, 0, 0],
          [0, 0, 1, 0],
          [0, 1, 0, 0],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(oneHot(idx, 3, { onValue: 5, offValue: -1 }), [
        [5, -1, -1],
        [-1, -1, 5],
        [-1, 5, -1],
      ]);
      const idx2 = t.input(
        [
          [1, 0],
          [0, 1],
        ],
        [2, 2],
        'int32',
      );
      await t.expectValues(oneHot(idx2, 2), [
        [
          [0, 1],
          [1, 0],
        ],
        [
          [1, 0],
          [0, 1],
        ],
      ]);
      await t.expectValues(oneHot([1, 0], 2), [
        [0, 1],
        [1, 0],
      ]);
      const s = t.input(1, [], 'int32');
      await t.expectValues(oneHot(s, 3), [0, 1, 0]);
    },
  },
  {
    name: 'creation: oneHot out of range gives all off values',
    run: async (t) => {
      const idx = t.input([3, -1, 1, 100], [4], 'int32');
      await t.expectValues(oneHot(idx, 3), [
        [0, 0, 0],
        [0, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
      ]);
      await t.expectValues(oneHot(idx, 3, { onValue: 1, offValue: 0.5 }), [
        [0.5, 0.5, 0.5],
        [0.5, 0.5, 0.5],
        [0.5, 1, 0.5],
        [0.5, 0.5, 0.5],
      ]);
      const f = t.input([0, 1]);
      t.expectError(
        () => oneHot(f, 2),
        DTypeError,
        /oneHot: expected indices to have dtype int32, got float32/,
      );
    },
  },
  {
    name: 'creation: randomUniform is seeded and in [min, max)',
    run: async () => {
      const a = await take(randomUniform([SAMPLES], { seed: 7 }));
      const b = await take(randomUniform([SAMPLES], { seed: 7 }));
      const c = await take(randomUniform([SAMPLES], { seed: 8 }));
      check(
        a.every((v, i) => v === b[i]),
        'the same seed must give the same numbers',
      );
      check(
        a.filter((v, i) => v !== c[i]).length > SAMPLES * 0.99,
        'different seeds must give different numbers',
      );
      const s = stats(a);
      check(s.min >= 0 && s.max < 1, `expected values in [0, 1), got min ${s.min} and max ${s.max}`);
      near('mean of U[0,1)', s.mean, 0.5, 0.01);
      near('std of U[0,1)', s.std, Math.sqrt(1 / 12), 0.01);
      const r = stats(await take(randomUniform([SAMPLES], { minval: -3, maxval: 5, seed: 9 })));
      check(r.min >= -3 && r.max < 5, `expected values in [-3, 5), got min ${r.min} and max ${r.max}`);
      near('mean of U[-3,5)', r.mean, 1, 0.08);
      near('std of U[-3,5)', r.std, 8 / Math.sqrt(12), 0.08);
      const shaped = randomUniform([2, 3], { seed: 1 });
      check(
        shaped.dtype === 'float32' && shaped.shape.join() === '2,3',
        `expected float32 [2,3], got ${shaped.dtype} [${shaped.shape}]`,
      );
      shaped.dispose();
    },
  },
  {
    name: 'creation: randomUniform int32 covers [min, max)',
    run: async () => {
      const x = randomUniform([SAMPLES], { minval: -3, maxval: 3, seed: 5, dtype: 'int32' });
      check(x.dtype === 'int32', `expected int32, got ${x.dtype}`);
      const v = await take(x);
      const counts = new Map<number, number>();
      for (const k of v) counts.set(k, (counts.get(k) ?? 0) + 1);
      check(
        [...counts.keys()].every((k) => k >= -3 && k < 3),
        `expected integers in [-3, 3), got ${[...counts.keys()].sort()}`,
      );
      for (let k = -3; k < 3; k++) {
        const share = (counts.get(k) ?? 0) / SAMPLES;
        near(`share of ${k}`, share, 1 / 6, 0.02);
      }
    },
  },
  {
    name: 'creation: randomNormal is seeded with mean and std',
    run: async () => {
      const a = await take(randomNormal([SAMPLES], { seed: 3 }));
      const b = await take(randomNormal([SAMPLES], { seed: 3 }));
      const c = await take(randomNormal([SAMPLES], { seed: 4 }));
      check(
        a.every((v, i) => v === b[i]),
        'the same seed must give the same numbers',
      );
      check(
        a.filter((v, i) => v !== c[i]).length > SAMPLES * 0.99,
        'different seeds must give different numbers',
      );
      check(a.every(Number.isFinite), 'normal samples must be finite');
      const s = stats(a);
      near('mean of N(0,1)', s.mean, 0, 0.04);
      near('std of N(0,1)', s.std, 1, 0.04);
      const within1 = a.filter((v) => Math.abs(v) < 1).length / SAMPLES;
      near('share within one std', within1, 0.6827, 0.02);
      const m = stats(await take(randomNormal([SAMPLES], { mean: 5, stddev: 0.5, seed: 11 })));
      near('mean of N(5,0.5)', m.mean, 5, 0.02);
      near('std of N(5,0.5)', m.std, 0.5, 0.02);
    },
  },
  {
    name: 'creation: truncatedNormal stays within two std',
    run: async () => {
      const a = await take(truncatedNormal([SAMPLES], { seed: 21 }));
      const b = await take(truncatedNormal([SAMPLES], { seed: 21 }));
      const c = await take(truncatedNormal([SAMPLES], { seed: 22 }));
      check(
        a.every((v, i) => v === b[i]),
        'the same seed must give the same numbers',
      );
      check(
        a.filter((v, i) => v !== c[i]).length > SAMPLES * 0.99,
        'different seeds must give different numbers',
      );
      const s = stats(a);
      check(s.min >= -2 && s.max <= 2, `expected values in [-2, 2], got min ${s.min} and max ${s.max}`);
      near('mean of truncated N(0,1)', s.mean, 0, 0.04);
      // The std of a normal truncated at ±2σ is 0.8796σ.
      near('std of truncated N(0,1)', s.std, 0.8796, 0.03);
      const m = stats(await take(truncatedNormal([SAMPLES], { mean: 1, stddev: 0.1, seed: 23 })));
      check(
        m.min >= 0.8 - 1e-6 && m.max <= 1.2 + 1e-6,
        `expected values in [0.8, 1.2], got min ${m.min} and max ${m.max}`,
      );
      near('mean of truncated N(1,0.1)', m.mean, 1, 0.005);
    },
  },
  {
    name: 'creation: variable and assign',
    run: async (t) => {
      const init = t.input([1, 2, 3]);
      const v = t.own(variable(init, { name: 'conformance_creation_v' }));
      check(v.name === 'conformance_creation_v', `expected the name conformance_creation_v, got ${v.name}`);
      check(v.trainable, 'a variable is trainable by default');
      await t.expectValues(clone(v), [1, 2, 3], { dtype: 'float32' });
      const next = t.input([4, 5, 6]);
      v.assign(next);
      await t.expectValues(clone(v), [4, 5, 6]);
      // The initial value is untouched: tensors are immutable.
      await t.expectValues(clone(init), [1, 2, 3]);
      const computed = add(v, 1);
      v.assign(computed);
      computed.dispose();
      await t.expectValues(mul(v, 2), [10, 12, 14]);
      const w = t.own(variable([1, 2], { name: 'conformance_creation_w', dtype: 'int32', trainable: false }));
      check(
        w.dtype === 'int32' && !w.trainable,
        `expected a non-trainable int32 variable, got ${w.dtype}, trainable=${w.trainable}`,
      );
      await t.expectValues(clone(w), [1, 2], { dtype: 'int32' });
    },
  },
  {
    name: 'creation: assign rejects another shape or dtype',
    run: async (t) => {
      const v = t.own(variable(t.own(zeros([2])), { name: 'conformance_creation_assign' }));
      const wrongShape = t.input([1, 2, 3]);
      const wrongDType = t.input([1, 2], [2], 'int32');
      t.expectError(
        () => v.assign(wrongShape),
        ShapeError,
        /assign: variable 'conformance_creation_assign' has shape \[2\].*got shape \[3\]/,
      );
      t.expectError(
        () => v.assign(wrongDType),
        DTypeError,
        /assign: variable 'conformance_creation_assign' .*dtype float32.*dtype int32/,
      );
      await t.expectValues(clone(v), [0, 0]);
    },
  },
  {
    name: 'creation: clone',
    run: async (t) => {
      const x = t.input([
        [1, 2],
        [3, 4],
      ]);
      const y = clone(x);
      check(y !== x && y.id !== x.id, 'clone must return a new tensor');
      await t.expectValues(
        y,
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'float32' },
      );
      // Disposing the clone leaves the original readable.
      await t.expectValues(clone(x), [
        [1, 2],
        [3, 4],
      ]);
      const b = t.input([true, false]);
      await t.expectValues(clone(b), [true, false], { dtype: 'bool' });
    },
  },
  {
    name: 'creation: cast float to int32 truncates toward zero',
    run: async (t) => {
      const x = t.input([1.7, -1.7, 2.5, -0.5, 0, 3, -3, 1e6]);
      await t.expectValues(cast(x, 'int32'), [1, -1, 2, 0, 0, 3, -3, 1000000], { dtype: 'int32' });
      const i = t.input([-2, 0, 7], [3], 'int32');
      await t.expectValues(cast(i, 'float32'), [-2, 0, 7], { dtype: 'float32' });
      await t.expectValues(cast(i, 'int32'), [-2, 0, 7], { dtype: 'int32' });
    },
  },
  {
    name: 'creation: cast to and from bool',
    run: async (t) => {
      const x = t.input([0, 0.5, -2, Number.NaN, Number.POSITIVE_INFINITY]);
      // → bool is x != 0, so NaN becomes true (as in NumPy).
      await t.expectValues(cast(x, 'bool'), [false, true, true, true, true], { dtype: 'bool' });
      const i = t.input([0, 3, -1], [3], 'int32');
      await t.expectValues(cast(i, 'bool'), [false, true, true], { dtype: 'bool' });
      const b = t.input([true, false, true]);
      await t.expectValues(cast(b, 'float32'), [1, 0, 1], { dtype: 'float32' });
      await t.expectValues(cast(b, 'int32'), [1, 0, 1], { dtype: 'int32' });
      const e = t.input([], [0]);
      await t.expectValues(cast(e, 'int32'), [], { shape: [0], dtype: 'int32' });
    },
  },
  {
    name: 'creation: dtype promotion',
    run: async (t) => {
      const i = t.input([1, 2], [2], 'int32');
      const f = t.input([0.5, 0.25]);
      const b = t.input([true, false]);
      await t.expectValues(add(i, f), [1.5, 2.25], { dtype: 'float32' });
      await t.expectValues(add(f, i), [1.5, 2.25], { dtype: 'float32' });
      await t.expectValues(add(i, 2.5), [3.5, 4.5], { dtype: 'float32' });
      await t.expectValues(add(i, 2), [3, 4], { dtype: 'int32' });
      await t.expectValues(mul(3, i), [3, 6], { dtype: 'int32' });
      await t.expectValues(add(f, 2), [2.5, 2.25], { dtype: 'float32' });
      await t.expectValues(add(b, b), [2, 0], { dtype: 'int32' });
      await t.expectValues(add(b, 1), [2, 1], { dtype: 'int32' });
      await t.expectValues(add(b, i), [2, 2], { dtype: 'int32' });
      await t.expectValues(add(b, f), [1.5, 0.25], { dtype: 'float32' });
      await t.expectValues(sub(b, 0.5), [0.5, -0.5], { dtype: 'float32' });
      const j = t.input([3, 4], [2], 'int32');
      await t.expectValues(div(j, i), [3, 2], { dtype: 'float32' });
      const k = t.input([1, 3], [2], 'int32');
      await t.expectValues(div(k, 2), [0.5, 1.5], { dtype: 'float32' });
    },
  },
  {
    name: 'creation: toString is NumPy-like',
    run: async (t) => {
      const f = t.input([
        [1, 2],
        [3, 4],
      ]);
      const want = 'tensor([[1., 2.],\n        [3., 4.]], dtype=float32)';
      const got = await f.toStringAsync();
      check(got === want, `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      const i = t.input(
        [
          [1, 2],
          [3, 4],
        ],
        [2, 2],
        'int32',
      );
      const wantInt = 'tensor([[1, 2],\n        [3, 4]], dtype=int32)';
      const gotInt = await i.toStringAsync();
      check(gotInt === wantInt, `expected ${JSON.stringify(wantInt)}, got ${JSON.stringify(gotInt)}`);
      // toString() prints the same where the backend reads synchronously, and says to use
      // toStringAsync() where it cannot.
      const sync = String(f);
      check(sync === want || /toStringAsync/.test(sync), `toString(): unexpected ${JSON.stringify(sync)}`);
    },
  },
  {
    name: 'creation: data() and array() read values back',
    run: async (t) => {
      const f = t.input([
        [1.5, 2],
        [3, 4],
      ]);
      const fd = await f.data();
      check(
        fd instanceof Float32Array && Array.from(fd).join() === '1.5,2,3,4',
        `float32 data(): got ${String(fd)}`,
      );
      const fa = await f.array();
      check(JSON.stringify(fa) === '[[1.5,2],[3,4]]', `float32 array(): got ${JSON.stringify(fa)}`);
      const i = t.input([-1, 2, 3], [3], 'int32');
      const id = await i.data();
      check(
        id instanceof Int32Array && Array.from(id).join() === '-1,2,3',
        `int32 data(): got ${String(id)}`,
      );
      const b = t.input([
        [true, false],
        [false, true],
      ]);
      const bd = await b.data();
      check(
        bd instanceof Uint8Array && Array.from(bd).join() === '1,0,0,1',
        `bool data(): got ${String(bd)}`,
      );
      const ba = await b.array();
      check(
        JSON.stringify(ba) === '[[true,false],[false,true]]',
        `bool array() must give booleans, got ${JSON.stringify(ba)}`,
      );
      const s = t.input(5, [], 'int32');
      const sa = await s.array();
      check(sa === 5, `rank-0 array() must give a number, got ${JSON.stringify(sa)}`);
      const e = t.input([], [2, 0]);
      const ea = await e.array();
      check(JSON.stringify(ea) === '[[],[]]', `empty array(): got ${JSON.stringify(ea)}`);
      // data() returns a copy: writing to it does not change the tensor.
      fd[0] = 100;
      await t.expectValues(clone(f), [
        [1.5, 2],
        [3, 4],
      ]);
    },
  },
  {
    name: 'creation: making and disposing tensors balances memory()',
    run: async () => {
      const before = memory().numTensors;
      const x = tensor([1, 2, 3]);
      const y = ones([4, 4]);
      check(
        memory().numTensors === before + 2,
        `expected ${before + 2} live tensors, got ${memory().numTensors}`,
      );
      x.dispose();
      y.dispose();
      y.dispose();
      check(
        memory().numTensors === before,
        `expected ${before} live tensors after dispose, got ${memory().numTensors}`,
      );
      check(x.isDisposed, 'isDisposed must be true after dispose()');
    },
  },
];

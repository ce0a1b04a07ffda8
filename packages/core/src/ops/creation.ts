// Tensor creation: from values, constant fills, ranges, identity, one-hot, seeded random fills
// (counter-based, so the same seed gives the same numbers on every backend) and variables.

import { allocArray, type DType, isDType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import { deriveSeed } from '../random.js';
import { assertShape, sizeOf } from '../shape.js';
import type { Tensor, Variable } from '../tensor.js';
import { defineOp, describeArg, isNumericTypedArray, opt, req, S } from './args.js';
import { add, equal, greater, mul, sub } from './binary.js';
import { cast } from './cast.js';
import { fromValues, inferShape, type TensorLike, toTensor } from './convert.js';
import { reshape } from './movement.js';
import { abs, cos, floor, log, sqrt } from './unary.js';
import { where } from './where.js';

const NUMBER_OR_BOOL = S.oneOf(S.anyNumber, S.boolean);
const SHAPE_DTYPE = [req('shape', S.shape), opt('dtype', S.dtype)] as const;
const COUNT = S.number({ integer: true, min: 0 });

/**
 * A tensor from nested arrays, a typed array or a number, with optional shape and dtype.
 * @example
 * tensor([[1, 2], [3, 4]]); tensor([1, 2, 3, 4], [2, 2], 'int32');
 */
export const tensor = defineOp(
  'tensor',
  // `tensor(values, 'int32')` is accepted as short for `tensor(values, undefined, 'int32')`.
  [req('values', S.tensor), opt('shape', S.oneOf(S.shape, S.dtype)), opt('dtype', S.dtype)],
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor => {
    if (shape !== undefined && !Array.isArray(shape) && isDType(shape)) {
      if (dtype !== undefined) {
        throw new ArgumentError(
          `tensor: expected shape or a dtype as argument 2 and no argument 3 after a dtype, got '${shape}' and ${describeArg(dtype)}`,
        );
      }
      return fromValues('tensor', values, undefined, shape);
    }
    return fromValues('tensor', values, shape, dtype);
  },
);

/**
 * `tensor` with its rank checked, as TensorFlow.js's `tensor1d` ... `tensor6d`: values nested
 * `rank` deep, or flat values with a shape of that rank.
 */
function tensorOfRank(
  op: string,
  rank: number,
  values: TensorLike,
  shape: readonly number[] | undefined,
  dtype: DType | undefined,
): Tensor {
  if (shape !== undefined && shape.length !== rank) {
    throw new ShapeError(`${op}: expected shape to have rank ${rank}, got shape=${fmtShape(shape)}`);
  }
  // Anything but plain values (a tensor, an object) gets fromValues' own error.
  if (
    typeof values === 'number' ||
    typeof values === 'boolean' ||
    Array.isArray(values) ||
    isNumericTypedArray(values)
  ) {
    const given = inferShape(op, values);
    const flat = given.length === 1;
    if (rank === 1 ? !flat : given.length !== rank && !flat) {
      throw new ShapeError(
        `${op}: expected values nested ${rank} deep${rank === 1 ? '' : ' or flat'}, got values of shape ${fmtShape(given)}`,
      );
    }
    if (flat && rank > 1 && shape === undefined) {
      throw new ArgumentError(`${op}: expected a shape of rank ${rank} with flat values, got none`);
    }
  }
  return fromValues(op, values, shape, dtype);
}

const RANKED = [req('values', S.tensor), opt('shape', S.shape), opt('dtype', S.dtype)] as const;

/**
 * A rank-1 tensor from flat values (an array or a typed array).
 * @example
 * tensor1d([1, 2, 3]); tensor1d(new Int32Array([1, 2]), 'int32');
 */
export const tensor1d = defineOp(
  'tensor1d',
  [req('values', S.tensor), opt('dtype', S.dtype)],
  (values: TensorLike, dtype?: DType): Tensor => tensorOfRank('tensor1d', 1, values, undefined, dtype),
);

/**
 * A rank-2 tensor from values nested 2 deep, or flat values and a shape of rank 2.
 * @example
 * tensor2d([[1, 2], [3, 4]]); tensor2d([1, 2, 3, 4], [2, 2], 'int32');
 */
export const tensor2d = defineOp(
  'tensor2d',
  RANKED,
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor =>
    tensorOfRank('tensor2d', 2, values, shape, dtype),
);

/**
 * A rank-3 tensor from values nested 3 deep, or flat values and a shape of rank 3.
 * @example
 * tensor3d([[[1], [2]], [[3], [4]]]); tensor3d([1, 2, 3, 4], [2, 2, 1]);
 */
export const tensor3d = defineOp(
  'tensor3d',
  RANKED,
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor =>
    tensorOfRank('tensor3d', 3, values, shape, dtype),
);

/**
 * A rank-4 tensor from values nested 4 deep, or flat values and a shape of rank 4.
 * @example
 * tensor4d([[[[1], [2]], [[3], [4]]]]); tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
 */
export const tensor4d = defineOp(
  'tensor4d',
  RANKED,
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor =>
    tensorOfRank('tensor4d', 4, values, shape, dtype),
);

/**
 * A rank-5 tensor from values nested 5 deep, or flat values and a shape of rank 5.
 * @example
 * tensor5d([[[[[1], [2]], [[3], [4]]]]]); tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]);
 */
export const tensor5d = defineOp(
  'tensor5d',
  RANKED,
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor =>
    tensorOfRank('tensor5d', 5, values, shape, dtype),
);

/**
 * A rank-6 tensor from values nested 6 deep, or flat values and a shape of rank 6.
 * @example
 * tensor6d([[[[[[1], [2]], [[3], [4]]]]]]); tensor6d([1, 2, 3, 4], [1, 1, 1, 2, 2, 1]);
 */
export const tensor6d = defineOp(
  'tensor6d',
  RANKED,
  (values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor =>
    tensorOfRank('tensor6d', 6, values, shape, dtype),
);

/**
 * A rank-0 tensor.
 * @example
 * scalar(3.5); scalar(2, 'int32');
 */
export const scalar = defineOp(
  'scalar',
  [req('value', NUMBER_OR_BOOL), opt('dtype', S.dtype)],
  (value: number | boolean, dtype?: DType): Tensor => fromValues('scalar', value, [], dtype, 'value'),
);

/** A value as `dtype` stores it: bool is 0 or 1 (anything but 0 is true, NaN included, as cast does). */
function storedAs(dtype: DType, value: number): number {
  return dtype === 'bool' ? Number(value !== 0) : value;
}

function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  assertShape(op, shape);
  ENGINE.checkSize(op, shape, dtype);
  const data = allocArray(dtype, sizeOf(shape));
  if (value !== 0) data.fill(storedAs(dtype, value));
  return ENGINE.makeTensor(data, shape, dtype);
}

/** Zeros of a shape. @example zeros([2, 3]); */
export const zeros = defineOp(
  'zeros',
  SHAPE_DTYPE,
  (shape: readonly number[], dtype: DType = 'float32'): Tensor => filled('zeros', shape, 0, dtype),
);

/** Ones of a shape. @example ones([2, 3], 'int32'); */
export const ones = defineOp(
  'ones',
  SHAPE_DTYPE,
  (shape: readonly number[], dtype: DType = 'float32'): Tensor => filled('ones', shape, 1, dtype),
);

/**
 * A shape filled with one value (dtype inferred from the value when not given).
 * @example
 * full([2, 2], 7);
 */
export const full = defineOp(
  'full',
  [req('shape', S.shape), req('value', NUMBER_OR_BOOL), opt('dtype', S.dtype)],
  (shape: readonly number[], value: number | boolean, dtype?: DType): Tensor => {
    const dt = dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
    return filled('full', shape, Number(value), dt);
  },
);

/** Zeros with `x`'s shape and dtype. @example zerosLike(x); */
export const zerosLike = defineOp('zerosLike', [req('x', S.tensorInstance)], (x: Tensor): Tensor => {
  x.assertAlive('zerosLike');
  return filled('zerosLike', x.shape, 0, x.dtype);
});

/** Ones with `x`'s shape and dtype. @example onesLike(x); */
export const onesLike = defineOp('onesLike', [req('x', S.tensorInstance)], (x: Tensor): Tensor => {
  x.assertAlive('onesLike');
  return filled('onesLike', x.shape, 1, x.dtype);
});

/**
 * Evenly spaced values in `[start, stop)`, like NumPy: `arange(5)` or `arange(1, 10, 2)`.
 * int32 when every argument is an integer, float32 otherwise.
 * @example
 * arange(0, 1, 0.25); // [0, 0.25, 0.5, 0.75]
 */
export const arange = defineOp(
  'arange',
  [req('start', S.finite), opt('stop', S.finite), opt('step', S.finite), opt('dtype', S.dtype)],
  (start: number, stop?: number, step: number = 1, dtype?: DType): Tensor => {
    const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
    if (step === 0) throw new ArgumentError(`arange: expected a nonzero step, got ${step}`);
    const n = Math.max(0, Math.ceil((hi - lo) / step));
    const dt = dtype ?? ([lo, hi, step].every(Number.isInteger) ? 'int32' : 'float32');
    ENGINE.checkSize('arange', [n], dt);
    const data = allocArray(dt, n);
    for (let i = 0; i < n; i++) data[i] = storedAs(dt, lo + i * step);
    return ENGINE.makeTensor(data, [n], dt);
  },
);

/**
 * `num` evenly spaced values from `start` to `stop` inclusive.
 * @example
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export const linspace = defineOp(
  'linspace',
  [req('start', S.finite), req('stop', S.finite), req('num', COUNT), opt('dtype', S.dtype)],
  (start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor => {
    ENGINE.checkSize('linspace', [num], dtype);
    const data = allocArray(dtype, num);
    const step = num > 1 ? (stop - start) / (num - 1) : 0;
    for (let i = 0; i < num; i++)
      data[i] = storedAs(dtype, i === num - 1 && num > 1 ? stop : start + i * step);
    return ENGINE.makeTensor(data, [num], dtype);
  },
);

/**
 * The identity matrix `n × m` (m defaults to n).
 * @example
 * eye(3);
 */
export const eye = defineOp(
  'eye',
  [req('n', COUNT), opt('m', COUNT), opt('dtype', S.dtype)],
  (n: number, m: number = n, dtype: DType = 'float32'): Tensor => {
    assertShape('eye', [n, m]);
    ENGINE.checkSize('eye', [n, m], dtype);
    const data = allocArray(dtype, n * m);
    for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
    return ENGINE.makeTensor(data, [n, m], dtype);
  },
);

/** Options of `oneHot`. */
export interface OneHotOptions {
  onValue?: number;
  offValue?: number;
  dtype?: DType;
}

/**
 * One-hot encodes int32 indices along a new last axis of size `depth` (out-of-range → all off).
 * @example
 * oneHot(tensor([0, 2], undefined, 'int32'), 3); // [[1,0,0],[0,0,1]]
 */
export const oneHot = defineOp(
  'oneHot',
  [
    req('indices', S.tensor),
    req('depth', COUNT),
    opt(
      'options',
      S.object(
        { onValue: S.anyNumber, offValue: S.anyNumber, dtype: S.dtype },
        { positional: ['onValue', 'offValue', 'dtype'] },
      ),
    ),
  ],
  (indices: TensorLike, depth: number, options: OneHotOptions = {}): Tensor => {
    const idx = toTensor('oneHot', 'indices', indices, 'int32');
    if (idx.dtype !== 'int32') {
      if (idx !== indices) idx.dispose();
      throw new DTypeError(`oneHot: expected indices to have dtype int32, got ${idx.dtype}`);
    }
    const { onValue = 1, offValue = 0, dtype = 'float32' } = options;
    try {
      ENGINE.checkSize('oneHot', [...idx.shape, depth], dtype);
      return tidy(() => {
        const hit = equal(reshape(idx, [...idx.shape, 1]), arange(0, depth, 1, 'int32'));
        if (onValue === 1 && offValue === 0) return cast(hit, dtype);
        return where(hit, full([], onValue, dtype), full([], offValue, dtype));
      });
    } finally {
      if (idx !== indices) idx.dispose();
    }
  },
);

/** Options shared by the random fills. */
export interface RandomOptions {
  /** Same seed, same numbers, on every backend. Defaults to the engine's seed sequence. */
  seed?: number;
  dtype?: DType;
}

function randomBits(op: string, shape: readonly number[], seed: number, dtype: DType): Tensor {
  assertShape(op, shape);
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'float16')
    throw new DTypeError(`${op}: expected dtype float32, float64 or float16, got ${dtype}`);
  return ENGINE.run('randomUniform', [], { seed: seed >>> 0 }, shape, dtype);
}

/**
 * Uniform random numbers in `[minval, maxval)`.
 * @example
 * randomUniform([2, 2], { minval: -1, maxval: 1, seed: 42 });
 */
export const randomUniform = defineOp(
  'randomUniform',
  [
    req('shape', S.shape),
    opt(
      'options',
      S.object(
        {
          minval: S.finite,
          maxval: S.finite,
          dtype: S.dtypeOf('float32', 'float64', 'float16', 'int32'),
          seed: S.finite,
        },
        { positional: ['minval', 'maxval', 'dtype', 'seed'] },
      ),
    ),
  ],
  (shape: readonly number[], options: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor => {
    const { minval = 0, maxval = 1, seed = ENGINE.nextSeed(), dtype = 'float32' } = options;
    if (dtype === 'int32') {
      // floor, not the cast's truncation toward zero, so negative ranges stay uniform.
      return tidy(() =>
        cast(
          floor(add(mul(randomBits('randomUniform', shape, seed, 'float32'), maxval - minval), minval)),
          'int32',
        ),
      );
    }
    if (minval === 0 && maxval === 1) return randomBits('randomUniform', shape, seed, dtype);
    return tidy(() => add(mul(randomBits('randomUniform', shape, seed, dtype), maxval - minval), minval));
  },
);

const NORMAL_PARAMS = [
  req('shape', S.shape),
  opt(
    'options',
    S.object(
      { mean: S.finite, stddev: S.finite, dtype: S.dtypeOf('float32', 'float64', 'float16'), seed: S.finite },
      { positional: ['mean', 'stddev', 'dtype', 'seed'] },
    ),
  ),
] as const;

/** A standard normal fill from two uniform streams (Box–Muller). */
function standardNormal(shape: readonly number[], seed: number, dtype: DType): Tensor {
  return tidy(() => {
    const u1 = randomBits('randomNormal', shape, deriveSeed(seed, 1), dtype);
    const u2 = randomBits('randomNormal', shape, deriveSeed(seed, 2), dtype);
    // z = √(-2 ln(1 - u1)) · cos(2π u2); 1 - u1 lies in (0, 1], so the log is finite.
    return mul(sqrt(mul(log(sub(1, u1)), -2)), cos(mul(u2, 2 * Math.PI)));
  });
}

/**
 * Normally distributed random numbers.
 * @example
 * randomNormal([3], { mean: 0, stddev: 1, seed: 1 });
 */
export const randomNormal = defineOp(
  'randomNormal',
  NORMAL_PARAMS,
  (shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor => {
    const { mean = 0, stddev = 1, seed = ENGINE.nextSeed(), dtype = 'float32' } = options;
    return tidy(() => add(mul(standardNormal(shape, seed, dtype), stddev), mean));
  },
);

/**
 * Normal random numbers redrawn when beyond two standard deviations (as in Keras). Up to eight
 * independent draws are tried per element; the chance all eight fall outside is 2e-11, and
 * such a value is clamped to the boundary.
 * @example
 * truncatedNormal([256, 128], { stddev: 0.05, seed: 7 });
 */
export const truncatedNormal = defineOp(
  'truncatedNormal',
  NORMAL_PARAMS,
  (shape: readonly number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor => {
    const { mean = 0, stddev = 1, seed = ENGINE.nextSeed(), dtype = 'float32' } = options;
    return tidy(() => {
      let z = standardNormal(shape, deriveSeed(seed, 100), dtype);
      for (let k = 1; k < 8; k++) {
        const candidate = standardNormal(shape, deriveSeed(seed, 100 + k), dtype);
        z = where(greater(abs(z), 2), candidate, z);
      }
      const clamped = where(greater(z, 2), 2, where(greater(-2, z), -2, z));
      return add(mul(clamped, stddev), mean);
    });
  },
);

/** Options of `variable`. */
export interface VariableOptions {
  name?: string;
  trainable?: boolean;
  dtype?: DType;
}

/**
 * A mutable, named tensor for model state; `tidy` never frees it.
 * @example
 * const w = variable(randomNormal([3, 1], { seed: 0 }), { name: 'w' });
 */
export const variable = defineOp(
  'variable',
  [
    req('initial', S.tensor),
    opt(
      'options',
      S.object(
        { name: S.string, trainable: S.boolean, dtype: S.dtype },
        { positional: ['trainable', 'name', 'dtype'] },
      ),
    ),
  ],
  (initial: TensorLike, options: VariableOptions = {}): Variable => {
    const t = toTensor('variable', 'initial', initial, options.dtype);
    let source = t;
    try {
      if (options.dtype && t.dtype !== options.dtype) source = cast(t, options.dtype);
      return ENGINE.makeVariable(source, options.name, options.trainable ?? true);
    } finally {
      if (source !== t) source.dispose();
      if (t !== initial) t.dispose();
    }
  },
);

/**
 * A new tensor with the same values (storage is shared; tensors are immutable).
 * @example
 * const y = clone(x);
 */
export const clone = defineOp('clone', [req('x', S.tensorInstance)], (x: Tensor): Tensor => {
  x.assertAlive('clone');
  return ENGINE.share(x, x.shape);
});

// Weight initializers, addressable by name like Keras ('glorotUniform' or 'glorot_uniform').
// Fan-in/fan-out follow Keras: for a dense kernel [in, out]; for a conv kernel
// [fh, fw, in, out] the receptive field fh·fw multiplies both.

import {
  type DType,
  full,
  randomNormal,
  randomUniform,
  type Tensor,
  tensor,
  truncatedNormal,
  zeros,
} from '@nabla/core';
import { uniformAt } from '@nabla/core/internal';
import { NameTable, readNamedSpec } from '../engine/names.js';
import { checkOptionsObject, K, type OptionKind } from '../engine/option-kinds.js';

/** Makes an initial weight value. */
export interface Initializer {
  readonly name: string;
  init(shape: readonly number[], dtype: DType): Tensor;
  getConfig(): Record<string, unknown>;
}

/** Fan-in and fan-out of a weight shape. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

const SEED = K.nullable(K.integer);
const VARIANCE_KEYS = {
  scale: K.number({ min: 0, minExclusive: true }),
  mode: K.enum('fanIn', 'fanOut', 'fanAvg'),
  distribution: K.enum('uniform', 'truncatedNormal', 'normal'),
  seed: SEED,
};
const SEED_KEYS = { seed: SEED };
const CONSTANT_KEYS = { value: K.finite };
const NORMAL_KEYS = { mean: K.finite, stddev: K.number({ min: 0 }), seed: SEED };
const UNIFORM_KEYS = { minval: K.finite, maxval: K.finite, seed: SEED };
const ORTHOGONAL_KEYS = { gain: K.finite, seed: SEED };

/**
 * The checked options of an initializer factory called directly (a JS caller has no compiler):
 * an unknown key or a bad value throws naming the factory, never a silent NaN or a dropped key.
 */
function checked<T>(where: string, options: unknown, keys: Readonly<Record<string, OptionKind>>): T {
  return checkOptionsObject(options, keys, { where }) as T;
}

/** Options of the variance-scaling family. */
export interface VarianceScalingOptions {
  scale?: number;
  mode?: 'fanIn' | 'fanOut' | 'fanAvg';
  distribution?: 'uniform' | 'truncatedNormal' | 'normal';
  seed?: number;
}

/**
 * Variance scaling: variance = scale / n with n the fan picked by `mode` (Keras semantics;
 * the truncated normal's stddev is corrected by 0.8796 for the truncation at 2σ).
 * @example
 * varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' }); // heNormal
 */
export function varianceScaling(options: VarianceScalingOptions = {}, name = 'varianceScaling'): Initializer {
  const {
    scale = 1,
    mode = 'fanIn',
    distribution = 'truncatedNormal',
    seed,
  } = checked<VarianceScalingOptions>(name, options, VARIANCE_KEYS);
  return {
    name,
    init(shape, dtype) {
      const { fanIn, fanOut } = fans(shape);
      const n = Math.max(1, mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
      const variance = scale / n;
      if (distribution === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        return randomUniform(shape, { minval: -limit, maxval: limit, seed, dtype });
      }
      if (distribution === 'normal') return randomNormal(shape, { stddev: Math.sqrt(variance), seed, dtype });
      return truncatedNormal(shape, { stddev: Math.sqrt(variance) / 0.8796256610342398, seed, dtype });
    },
    getConfig: () => ({ scale, mode, distribution, seed }),
  };
}

/** The seed of a fixed variance-scaling variant, its only option. */
const seedOf = (where: string, o: unknown): number | undefined =>
  checked<{ seed?: number }>(where, o, SEED_KEYS).seed;

/** Glorot (Xavier) uniform: U(±√(6 / (fanIn + fanOut))). @example glorotUniform({ seed: 1 }); */
export const glorotUniform = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: seedOf('glorotUniform', o) },
    'glorotUniform',
  );
/** Glorot normal. @example glorotNormal(); */
export const glorotNormal = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: seedOf('glorotNormal', o) },
    'glorotNormal',
  );
/** He normal: truncated N(0, 2 / fanIn). @example heNormal(); */
export const heNormal = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: seedOf('heNormal', o) },
    'heNormal',
  );
/** He uniform. @example heUniform(); */
export const heUniform = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 2, mode: 'fanIn', distribution: 'uniform', seed: seedOf('heUniform', o) },
    'heUniform',
  );
/** LeCun normal. @example lecunNormal(); */
export const lecunNormal = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: seedOf('lecunNormal', o) },
    'lecunNormal',
  );
/** LeCun uniform. @example lecunUniform(); */
export const lecunUniform = (o: { seed?: number } = {}) =>
  varianceScaling(
    { scale: 1, mode: 'fanIn', distribution: 'uniform', seed: seedOf('lecunUniform', o) },
    'lecunUniform',
  );

/** A constant fill. @example constant({ value: 0.1 }); */
export function constant(o: { value?: number } = {}): Initializer {
  const value = checked<{ value?: number }>('constant', o, CONSTANT_KEYS).value ?? 0;
  return {
    name: 'constant',
    init: (shape, dtype) => full(shape, value, dtype),
    getConfig: () => ({ value }),
  };
}
/** Zeros. @example zerosInit(); */
export const zerosInit = (): Initializer => ({
  name: 'zeros',
  init: (s, d) => zeros(s, d),
  getConfig: () => ({}),
});
/** Ones. @example onesInit(); */
export const onesInit = (): Initializer => ({
  ...constant({ value: 1 }),
  name: 'ones',
  getConfig: () => ({}),
});
/** N(mean, stddev). @example randomNormalInit({ stddev: 0.05 }); */
export function randomNormalInit(o: { mean?: number; stddev?: number; seed?: number } = {}): Initializer {
  const { mean = 0, stddev = 0.05, seed } = checked<typeof o>('randomNormal', o, NORMAL_KEYS);
  return {
    name: 'randomNormal',
    init: (s, dtype) => randomNormal(s, { mean, stddev, seed, dtype }),
    getConfig: () => ({ mean, stddev, seed }),
  };
}
/** U(minval, maxval). @example randomUniformInit({ minval: -0.05, maxval: 0.05 }); */
export function randomUniformInit(o: { minval?: number; maxval?: number; seed?: number } = {}): Initializer {
  const { minval = -0.05, maxval = 0.05, seed } = checked<typeof o>('randomUniform', o, UNIFORM_KEYS);
  return {
    name: 'randomUniform',
    init: (s, dtype) => randomUniform(s, { minval, maxval, seed, dtype }),
    getConfig: () => ({ minval, maxval, seed }),
  };
}

/**
 * A (semi-)orthogonal matrix, Keras's default recurrent initializer: the Q of a QR
 * decomposition (Gram–Schmidt) of a standard normal [max(r, c), min(r, c)] matrix, transposed
 * when r < c, with r the product of the leading axes and c the last. Drawn in JS from the
 * counter-based generator, so it is the same on every backend and needs no device read.
 * @example
 * const init = orthogonal({ seed: 1 });
 * init.init([4, 4], 'float32'); // QᵀQ = I
 */
export function orthogonal(options: { gain?: number; seed?: number } = {}): Initializer {
  const { gain = 1, seed } = checked<typeof options>('orthogonal', options, ORTHOGONAL_KEYS);
  return {
    name: 'orthogonal',
    init(shape: readonly number[], dtype: DType): Tensor {
      const cols = shape[shape.length - 1] ?? 1;
      const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const [n, m] = [Math.max(rows, cols), Math.min(rows, cols)];
      const s = seed ?? Math.floor(Math.random() * 2 ** 32);
      // Box–Muller normals; q holds m orthonormal columns of length n, column-major.
      const normal = (i: number) =>
        Math.sqrt(-2 * Math.log(1 - uniformAt(s, 2 * i))) * Math.cos(2 * Math.PI * uniformAt(s, 2 * i + 1));
      const q = Array.from({ length: m }, (_, j) => Array.from({ length: n }, (_, i) => normal(j * n + i)));
      q.forEach((col, j) => {
        for (let k = 0; k < j; k++) {
          const d = col.reduce((acc, v, i) => acc + v * q[k]![i]!, 0);
          for (let i = 0; i < n; i++) col[i] = col[i]! - d * q[k]![i]!;
        }
        const norm = Math.sqrt(col.reduce((acc, v) => acc + v * v, 0));
        for (let i = 0; i < n; i++) col[i] = col[i]! / norm;
      });
      const values = new Array<number>(rows * cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) values[r * cols + c] = gain * (rows >= cols ? q[c]![r]! : q[r]![c]!);
      }
      return tensor(values, shape, dtype);
    },
    getConfig: () => ({ gain, seed }),
  };
}

/** A variance-scaling variant: its fixed options, overridable by a saved config (which records them). */
const variant =
  (name: string, fixed: VarianceScalingOptions) =>
  (c: VarianceScalingOptions): Initializer =>
    varianceScaling({ ...fixed, ...c }, name);

interface InitializerEntry {
  /** The config keys this initializer reads; any other key is an error, never ignored. */
  readonly keys: Readonly<Record<string, OptionKind>>;
  readonly make: (config: Record<string, unknown>) => Initializer;
}

const entry = <C>(keys: Record<string, OptionKind>, make: (c: C) => Initializer): InitializerEntry => ({
  keys,
  make: (c) => make(c as C),
});

const BY_NAME = new NameTable<InitializerEntry>([
  [
    'glorotUniform',
    entry(VARIANCE_KEYS, variant('glorotUniform', { mode: 'fanAvg', distribution: 'uniform' })),
  ],
  ['glorotNormal', entry(VARIANCE_KEYS, variant('glorotNormal', { mode: 'fanAvg' }))],
  ['heNormal', entry(VARIANCE_KEYS, variant('heNormal', { scale: 2 }))],
  ['heUniform', entry(VARIANCE_KEYS, variant('heUniform', { scale: 2, distribution: 'uniform' }))],
  ['lecunNormal', entry(VARIANCE_KEYS, variant('lecunNormal', {}))],
  ['lecunUniform', entry(VARIANCE_KEYS, variant('lecunUniform', { distribution: 'uniform' }))],
  ['zeros', entry({}, () => zerosInit())],
  ['ones', entry({}, () => onesInit())],
  ['constant', entry(CONSTANT_KEYS, constant)],
  ['randomNormal', entry(NORMAL_KEYS, randomNormalInit)],
  ['randomUniform', entry(UNIFORM_KEYS, randomUniformInit)],
  ['varianceScaling', entry(VARIANCE_KEYS, (c: VarianceScalingOptions) => varianceScaling(c))],
  ['orthogonal', entry(ORTHOGONAL_KEYS, orthogonal)],
]);

const INITIALIZER_SPEC = 'an initializer name, { name, config } or an initializer object';

/**
 * An initializer from a name ('heNormal', 'he_normal'), a `{ name, config }` object, or itself.
 * The config is checked against the keys that initializer reads. `where` names the caller in
 * errors (a layer passes 'dense: kernelInitializer').
 * @example
 * getInitializer('glorot_uniform');
 * getInitializer({ name: 'constant', config: { value: 0.1 } });
 */
export function getInitializer(
  spec: Initializer | string | { name: string; config?: Record<string, unknown> },
  where = 'getInitializer',
): Initializer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Initializer).init === 'function')
    return spec as Initializer;
  const { entry: found, name, config } = readNamedSpec(BY_NAME, spec, where, 'initializer', INITIALIZER_SPEC);
  const checked = checkOptionsObject(config ?? undefined, found.keys, {
    where: `${where} (${String(name)})`,
  });
  return found.make(checked);
}

/** An initializer by name, `{ name, config }`, or object (what layer options accept). */
export type InitializerSpec = Parameters<typeof getInitializer>[0];

/** The serialisable form of an initializer. */
export function serializeInitializer(init: Initializer): { name: string; config: Record<string, unknown> } {
  return { name: init.name, config: init.getConfig() };
}

/**
 * The saved form of an initializer option (a name, `{ name, config }` or an initializer).
 * @example
 * initializerConfig('zeros'); // { name: 'zeros', config: {} }
 */
export function initializerConfig(spec: InitializerSpec): { name: string; config: Record<string, unknown> } {
  return serializeInitializer(getInitializer(spec));
}

/** The option kind of a layer's initializer options: resolved once, when the layer is made. */
export const INITIALIZER: OptionKind = {
  kind: 'resolve',
  description: INITIALIZER_SPEC,
  resolve: (value, where) => getInitializer(value as Initializer, where),
};

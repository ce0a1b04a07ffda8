// Calls every run tries first, before the random ones: the hostile inputs issue 8 reported
// (overflowing sizes, dropped positional arguments, ragged and deep nesting, unknown dtypes,
// garbage options) and the crashes this suite found, so each stays fixed on every backend.

import type { ArgSpec, CallSpec } from './specs.js';

const t = (shape: readonly number[], dtype = 'float32'): ArgSpec => ({
  kind: 'tensor',
  shape,
  dtype,
  fill: 'small',
});
const v = (value: unknown): ArgSpec => ({ kind: 'value', value });
const deep = (depth: number): unknown => {
  let x: unknown = 1;
  for (let i = 0; i < depth; i++) x = [x];
  return x;
};

const X = t([2, 3]);
const special = (shape: readonly number[]): ArgSpec => ({
  kind: 'tensor',
  shape,
  dtype: 'float32',
  fill: 'special',
});

/** Known hostile calls by target name (`sum`, `Tensor#sum`); receivers come first. */
export const HOSTILE_EXAMPLES: Readonly<Record<string, readonly (readonly ArgSpec[])[]>> = {
  // Was a crasher: a zero-sized axis split into 2^31 empty pieces (an array of 2^31 tensors).
  'Tensor#split': [[t([0, 1, 2]), v(2 ** 31), v(-3)]],
  // A product of 2^30 elements computed in 32 bits wrapped around on wasm.
  mul: [[t([32768, 1]), t([1, 32769])]],
  add: [[t([65536, 1]), t([1, 65536])]],
  randomUniform: [
    [v([1e6, 1e6])],
    [v([3]), v(0), v(3), v('int32')],
    [v([3]), { kind: 'flipFlop', key: 'dtype', good: 'int32', bad: 'float8' }],
  ],
  cumsum: [[X, { kind: 'flipFlop', key: 'axis', good: 1, bad: 0 }]],
  randomNormal: [[v([2 ** 31, 2])]],
  zeros: [[v([2 ** 53, 2])], [v([2]), v('float8')], [v([2]), v('uint8')]],
  ones: [[v([1e308])]],
  full: [[v([65536, 65536]), v(1)]],
  // Positional forms TensorFlow.js users write: accepted correctly or refused, never dropped.
  'Tensor#sum': [
    [X, v(1)],
    [X, v(1), v(true)],
  ],
  sum: [
    // Options read twice: validated as one value, used as another.
    [X, { kind: 'flipFlop', key: 'axis', good: 0, bad: '1' }],
    [X, { kind: 'flipFlop', key: 'keepDims', good: false, bad: 'yes' }],
    [X, v({ axis: '1' })],
    [X, v({ axis: 1.5 })],
    [X, v({ axis: [0, 0] })],
    [X, v({ axes: 1 })],
  ],
  argMax: [[X, v(1)]],
  // 1e30·1e30 overflows float32 but not a float64 accumulator: -Inf + Inf must agree across backends.
  matmul: [[special([3, 3]), special([3, 3])]],
  'Tensor#slice': [[X, v([0, 0]), v([1, 2])]],
  // The hint for an extra argument rendered a deep array recursively: a stack overflow.
  slice: [
    [X, v([0, 0]), v([1, 2])],
    [X, v(deep(100_000)), v(1)],
  ],
  tensor: [
    [v([1, [2]])],
    [v([[1, 2], [3]])],
    [v([1, '2'])],
    [v(deep(100_000))],
    [v([1, 2]), v(undefined), v('float8')],
    [v(-2.5), v(deep(100_000))],
    [v(7), v([65536, 65536])],
  ],
  cast: [
    [X, v('uint8')],
    [X, v('')],
    [X, v('toString')],
  ],
  reshape: [[X, v(deep(100_000))]],
  gather: [[X, v(deep(100_000))]],
  split: [
    [t([0, 1, 2]), v(2 ** 31), v(-3)],
    [t([4]), v(1e9)],
    [t([4]), v([1, 2 ** 53])],
  ],
  oneHot: [
    [v([3, 3, 2]), v(2), v({ dtype: 'float64' })],
    [v([0, 1]), v(2 ** 31)],
  ],
  linspace: [[v(-1), v(1), v(3), v('bool')]],
  arange: [
    [v(-1), v(1), v(0.5), v('bool')],
    [v(0), v(1e10)],
  ],
  eye: [[v(65536), v(65536)]],
  tile: [[X, v([2 ** 20, 2 ** 20])]],
  pad: [
    [
      X,
      v([
        [2 ** 31, 0],
        [0, 0],
      ]),
    ],
  ],
  broadcastTo: [[X, v([65536, 65536, 3])]],
};

/**
 * Calls that, unfixed, kill the test process (out of memory) instead of failing one test, so
 * they would hide every other result of the run: tried only with NABLA_HOSTILE_CRASHERS=1.
 */
export const HOSTILE_CRASHERS: Readonly<Record<string, readonly (readonly ArgSpec[])[]>> = {};

/** The examples of one target as calls (with the crashers when `crashers` is set). */
export function examplesFor(name: string, crashers = false): CallSpec[] {
  const pick = (table: Readonly<Record<string, readonly (readonly ArgSpec[])[]>>) =>
    Object.hasOwn(table, name) ? table[name]! : [];
  const list = [...pick(HOSTILE_EXAMPLES), ...(crashers ? pick(HOSTILE_CRASHERS) : [])];
  return list.map((args) => ({ op: name, args }));
}

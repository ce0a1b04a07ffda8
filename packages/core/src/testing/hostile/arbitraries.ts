// fast-check generators of argument specs: well-typed values for each kind of parameter (so
// calls reach the kernels, not only the validation) and hostile ones (garbage of every JS
// type, bad shapes and dtypes, option objects with unknown keys or wrong types, ragged and
// deep nested arrays, disposed and foreign tensors), mixed per parameter, plus mutations of
// the argument list itself (too few, extra, swapped).

import fc from 'fast-check';
import type { ArgSpec, CallSpec, Derived, Fill, SpecShape } from './specs.js';

/** What a parameter expects; drives the well-typed half of its generator. */
export type ParamKind =
  | 'x' // any TensorLike
  | 'x2' // a TensorLike meant to broadcast against the first tensor
  | 'xint' // int32 indices
  | 'xbool' // a bool condition
  | 'x4' // a 4-D (NHWC) tensor
  | 'filter' // a 4-D conv filter
  | 'xs' // a list of TensorLikes for concat/stack
  | 'tensor' // a Tensor object (no conversion)
  | 'values' // nested arrays / typed arrays for tensor()
  | 'axis' // one axis
  | 'axes' // an axis or a list of axes
  | 'shape' // a shape for a new tensor
  | 'reshape' // a shape that the first tensor might fit
  | 'perm' // a permutation of the first tensor's axes
  | 'reps' // tile repetitions
  | 'paddings' // [before, after] per axis
  | 'sliceSpec' // slice()'s string or entry list
  | 'begin' // sliceRange's begin / size
  | 'splits' // split()'s count or sizes
  | 'tensordotAxes'
  | 'dtype'
  | 'num'
  | 'int' // a small count (depth, n, num)
  | 'bool'
  | 'seed'
  | 'name'
  | 'backend'
  | 'size2' // conv strides/dilations/poolSize
  | 'padding' // conv padding
  | 'activation'
  | 'ord'
  | { readonly options: Readonly<Record<string, ParamKind>> }
  | { readonly state: Readonly<Record<string, ParamKind>> };

/** Valid dtype names. */
export const VALID_DTYPES = ['float32', 'int32', 'bool', 'float64'] as const;

const BAD_DTYPES = [
  'float8',
  'uint8',
  'int64',
  'complex64',
  'string',
  '',
  'Float32',
  'toString',
  '__proto__',
  'constructor',
] as const;

/** Dimension sizes no backend can hold, or that are not sizes at all. */
const HOSTILE_DIMS: readonly unknown[] = [
  -1,
  -0,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 31,
  2 ** 32 + 1,
  65536,
  2 ** 53,
  2 ** 53 + 2,
  1e308,
  '2',
  null,
  undefined,
  true,
];

/** Numbers a careless caller passes (never the slow middle range of 1e6–1e9 elements). */
const HOSTILE_NUMBERS: readonly number[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  0.5,
  -1.5,
  -1,
  -5,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

// Built once: a 100k-deep nest makes recursive walkers overflow the stack.
const DEEP: unknown[] = (() => {
  let v: unknown = 1;
  for (let i = 0; i < 100_000; i++) v = [v];
  return v as unknown[];
})();

// A hole (not an undefined element): `1 in sparse` is false.
const sparse: unknown[] = [1];
sparse[2] = 3;

const FLIP_FLOPS: readonly (readonly [string, unknown, unknown])[] = [
  ['axis', 0, '1'],
  ['axis', [0], [0, Number.NaN]],
  ['keepDims', false, 'yes'],
  ['dtype', 'float32', 'float8'],
  ['learningRate', 0.1, Number.NaN],
  ['padding', 'valid', 'toString'],
];

function withProto(): object {
  return Object.create({ axis: 0, keepDims: true, dtype: 'int32' });
}

const GARBAGE_VALUES: readonly unknown[] = [
  undefined,
  null,
  true,
  false,
  '',
  '1',
  'abc',
  'toString',
  '__proto__',
  Symbol('hostile'),
  10n,
  () => 1,
  [],
  [[]],
  [[], []],
  {},
  Object.create(null),
  new Date(0),
  new Map(),
  Promise.resolve(1),
  new Uint8Array([1, 2, 3]),
  new Float64Array([1.5, Number.NaN]),
  new Int8Array([-1, 2]),
  { valueOf: () => 2 },
  { length: 2, 0: 1, 1: 2 },
];

const NESTED_GARBAGE: readonly unknown[] = [
  [1, [2]],
  [[1, 2], [3]],
  [[1, 2], 3],
  [1, '2'],
  ['a', 'b'],
  [1, null],
  [1, undefined],
  [1, {}],
  [[1], [Symbol('s')]],
  sparse,
  [Number.NaN, Number.POSITIVE_INFINITY],
  [true, 1],
  [[[]]],
  [new Float32Array([1, 2]), [3, 4]],
  [new Float32Array([1, 2]), new Float32Array([3])],
  DEEP,
];

/** A plain-value argument. */
export const value = (v: unknown): ArgSpec => ({ kind: 'value', value: v });
/** An argument computed from the first tensor (its shape, size, …). */
export const derived = (of: Derived): ArgSpec => ({ kind: 'derived', of });

const smallDim = fc.integer({ min: 0, max: 4 });
const posDim = fc.integer({ min: 1, max: 3 });
/** Shapes of rank ≤ 4 with dims 0–4. */
export const smallShape = fc.array(smallDim, { maxLength: 4 });

/** Float32 mostly: it is the dtype every backend and op supports. */
const tensorDType = fc.oneof(
  { arbitrary: fc.constant('float32'), weight: 5 },
  { arbitrary: fc.constantFrom('int32', 'bool', 'float64'), weight: 2 },
);
const fill = fc.constantFrom<Fill>('small', 'float', 'special');

/** Tensor arguments of the given shapes (float32 mostly) and any fill. */
export function tensorSpec(shape: fc.Arbitrary<SpecShape>, dtype = tensorDType): fc.Arbitrary<ArgSpec> {
  return fc.record({ shape, dtype, fill }).map(({ shape: s, dtype: d, fill: f }) => ({
    kind: 'tensor' as const,
    shape: s,
    dtype: d,
    fill: f,
  }));
}

const smallNumber = fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(0.5, -2.5, 1.25));
const axisInt = fc.integer({ min: -4, max: 4 });

/** Shapes that must be rejected (or are enormous), as arrays. */
const hostileShape: fc.Arbitrary<unknown[]> = fc.oneof(
  fc.array(
    fc.oneof(
      smallDim.map((d): unknown => d),
      fc.constantFrom(...HOSTILE_DIMS),
    ),
    {
      minLength: 1,
      maxLength: 4,
    },
  ),
  fc.constantFrom<unknown[]>([65536, 65536], [32768, 32769, 1], [2 ** 26, 2 ** 26], [1e6, 1e6], [0, 2 ** 60]),
);

/** Any value of any type: the hostile half of every parameter. */
export const hostileArg: fc.Arbitrary<ArgSpec> = fc.oneof(
  fc.constantFrom(...GARBAGE_VALUES).map(value),
  fc.constantFrom(...HOSTILE_NUMBERS).map(value),
  fc.constantFrom(...BAD_DTYPES).map(value),
  fc.constantFrom(...NESTED_GARBAGE).map(value),
  hostileShape.map(value),
  fc.record({ shape: smallShape, dtype: tensorDType }).map(({ shape, dtype }) => ({
    kind: 'disposed' as const,
    shape,
    dtype,
  })),
  fc.record({ shape: smallShape, dtype: tensorDType }).map(({ shape, dtype }) => ({
    kind: 'foreign' as const,
    shape,
    dtype,
  })),
  fc.constant(withProto()).map(value),
  // Options that validate as one value and are then read as another.
  fc
    .constantFrom(...FLIP_FLOPS)
    .map(([key, good, bad]): ArgSpec => ({ kind: 'flipFlop', key, good, bad })),
  fc
    .dictionary(
      fc.constantFrom('axis', 'keepDims', 'dtype', 'axes', 'keepdims', 'seed', 'toString', 'sparse', 'x'),
      fc.oneof(
        fc.constantFrom<unknown>('1', null, Number.NaN, [0], {}, true, 'float8', -1),
        smallNumber.map((n): unknown => n),
      ),
      { maxKeys: 3 },
    )
    .map(value),
  tensorSpec(smallShape),
);

/** Values that fit a parameter kind. */
export function wellTyped(kind: ParamKind): fc.Arbitrary<ArgSpec> {
  if (typeof kind === 'object') {
    const isState = 'state' in kind;
    const spec = isState ? kind.state : kind.options;
    const keys = Object.keys(spec);
    const fields: Record<string, fc.Arbitrary<ArgSpec>> = {};
    for (const k of keys) fields[k] = param(spec[k]!);
    const record = fc.record(fields, { requiredKeys: isState ? keys : [] });
    return fc
      .tuple(
        record,
        fc.option(fc.constantFrom<'null' | 'inherit'>('null', 'inherit'), { freq: 8, nil: undefined }),
      )
      .map(([r, proto]) => ({
        kind: 'object' as const,
        // Only defined fields: `{ axis: undefined }` is a separate, hostile case.
        entries: Object.entries(r).filter((e): e is [string, ArgSpec] => e[1] !== undefined),
        ...(proto ? { proto } : {}),
      }));
  }
  switch (kind) {
    case 'x':
      return fc.oneof(
        { arbitrary: tensorSpec(smallShape), weight: 8 },
        { arbitrary: fc.array(smallNumber, { maxLength: 4 }).map(value), weight: 1 },
        { arbitrary: smallNumber.map(value), weight: 1 },
      );
    case 'x2':
      return fc.oneof(
        { arbitrary: tensorSpec(fc.constant<SpecShape>('like')), weight: 6 },
        { arbitrary: tensorSpec(fc.array(posDim, { maxLength: 3 })), weight: 2 },
        { arbitrary: smallNumber.map(value), weight: 1 },
      );
    case 'xint':
      return fc.oneof(
        { arbitrary: tensorSpec(smallShape, fc.constant('int32')), weight: 5 },
        { arbitrary: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }).map(value), weight: 1 },
      );
    case 'xbool':
      return tensorSpec(fc.constantFrom<SpecShape>('like', []), fc.constant('bool'));
    case 'x4':
      return tensorSpec(fc.array(posDim, { minLength: 4, maxLength: 4 }));
    case 'filter':
      return tensorSpec(
        fc.oneof(fc.array(posDim, { minLength: 4, maxLength: 4 }), fc.constant<SpecShape>('like')),
      );
    case 'xs':
      return fc
        .array(tensorSpec(fc.constantFrom<SpecShape>('like', 'like', [2], [1, 2])), {
          minLength: 1,
          maxLength: 3,
        })
        .map((items) => ({ kind: 'list' as const, items }));
    case 'tensor':
      return tensorSpec(smallShape);
    case 'values':
      return fc.oneof(
        fc.array(smallNumber, { maxLength: 6 }).map(value),
        fc.array(fc.array(smallNumber, { minLength: 2, maxLength: 2 }), { maxLength: 3 }).map(value),
        fc.array(fc.boolean(), { maxLength: 4 }).map(value),
        smallNumber.map(value),
        fc.constant(value(new Float32Array([1, 2, 3, 4]))),
      );
    case 'axis':
      return fc.oneof(
        { arbitrary: axisInt.map(value), weight: 5 },
        { arbitrary: fc.constant(derived('lastAxis')), weight: 1 },
      );
    case 'axes':
      return fc.oneof(
        axisInt.map(value),
        fc.uniqueArray(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }).map(value),
      );
    case 'shape':
      return fc.oneof(
        { arbitrary: smallShape.map(value), weight: 5 },
        { arbitrary: fc.constant(derived('shape')), weight: 1 },
      );
    case 'reshape':
      return fc.oneof(
        fc.constantFrom<Derived>('shape', 'flat', 'halfShape').map(derived),
        fc.array(fc.constantFrom(1, 2, 3, 4, -1), { maxLength: 3 }).map(value),
      );
    case 'perm':
      return fc.oneof(
        { arbitrary: fc.constant(derived('perm')), weight: 3 },
        { arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }).map(value), weight: 1 },
      );
    case 'reps':
      return fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }).map(value);
    case 'paddings':
      return fc.oneof(
        { arbitrary: fc.constant(derived('pairs')), weight: 3 },
        {
          arbitrary: fc
            .array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { maxLength: 4 })
            .map(value),
          weight: 1,
        },
      );
    case 'sliceSpec':
      return fc.oneof(
        fc
          .constantFrom(':', '0', '1:', '::-1', ':, 1:-1', '..., 0', '0, ..., ::2', '', ':-1, ::2')
          .map(value),
        fc
          .array(
            fc.oneof(
              fc.integer({ min: -2, max: 2 }).map((n): unknown => n),
              fc.constant(null),
              fc.constant('...'),
              fc.record(
                {
                  start: fc.integer({ min: -3, max: 3 }),
                  stop: fc.integer({ min: -3, max: 3 }),
                  step: fc.constantFrom(1, 2, -1),
                },
                { requiredKeys: [] },
              ),
            ),
            { maxLength: 3 },
          )
          .map(value),
      );
    case 'begin':
      return fc.oneof(
        fc.integer({ min: -1, max: 2 }).map(value),
        fc.array(fc.integer({ min: -1, max: 2 }), { maxLength: 3 }).map(value),
      );
    case 'splits':
      return fc.oneof(
        fc.integer({ min: 1, max: 3 }).map(value),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }).map(value),
      );
    case 'tensordotAxes':
      return fc.oneof(
        fc.integer({ min: 0, max: 2 }).map(value),
        fc
          .tuple(
            fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
            fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
          )
          .map(value),
      );
    case 'dtype':
      return fc.constantFrom(...VALID_DTYPES).map(value);
    case 'num':
      return smallNumber.map(value);
    case 'int':
      return fc.integer({ min: 0, max: 5 }).map(value);
    case 'bool':
      return fc.boolean().map(value);
    case 'seed':
      return fc.integer({ min: 0, max: 2 ** 31 - 1 }).map(value);
    case 'name':
      return fc.constantFrom('w', 'bias', 'layer/kernel', 'hostile').map(value);
    case 'backend':
      return fc.constantFrom('cpu', 'cpu-async', 'wasm').map(value);
    case 'size2':
      return fc.oneof(posDim.map(value), fc.tuple(posDim, posDim).map(value));
    case 'padding':
      return fc.oneof(fc.constantFrom('valid', 'same').map(value), fc.integer({ min: 0, max: 1 }).map(value));
    case 'activation':
      return fc.constantFrom('linear', 'relu', 'relu6', 'sigmoid', 'tanh').map(value);
    case 'ord':
      return fc.constantFrom<unknown>(1, 2, Number.POSITIVE_INFINITY, 'euclidean', 'fro').map(value);
    default:
      kind satisfies never;
      return fc.constant(value(undefined));
  }
}

/** Mostly well-typed, sometimes hostile: the generator of one parameter. */
export function param(kind: ParamKind): fc.Arbitrary<ArgSpec> {
  return fc.oneof({ arbitrary: wellTyped(kind), weight: 4 }, { arbitrary: hostileArg, weight: 1 });
}

type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'drop'; readonly count: number }
  | { readonly kind: 'extra'; readonly extra: readonly ArgSpec[] }
  | { readonly kind: 'swap'; readonly i: number; readonly j: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant<Mutation>({ kind: 'none' }), weight: 12 },
  {
    arbitrary: fc.integer({ min: 1, max: 3 }).map((count): Mutation => ({ kind: 'drop', count })),
    weight: 1,
  },
  {
    arbitrary: fc
      .array(hostileArg, { minLength: 1, maxLength: 2 })
      .map((extra): Mutation => ({ kind: 'extra', extra })),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(fc.nat(3), fc.nat(3)).map(([i, j]): Mutation => ({ kind: 'swap', i, j })),
    weight: 1,
  },
);

function applyMutation(args: readonly ArgSpec[], m: Mutation, fixedFirst: boolean): ArgSpec[] {
  const out = [...args];
  if (m.kind === 'drop') out.length = Math.max(fixedFirst ? 1 : 0, out.length - m.count);
  else if (m.kind === 'extra') out.push(...m.extra);
  else if (m.kind === 'swap') {
    const lo = fixedFirst ? 1 : 0;
    const i = m.i;
    const j = m.j;
    if (i >= lo && j >= lo && i < out.length && j < out.length) [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The arguments a call declares, so extra ones can be told apart. */
export interface CallShape {
  readonly op: string;
  /** One generator per parameter, or undefined when the op is unknown (any 0–4 arguments then). */
  readonly params: readonly fc.Arbitrary<ArgSpec>[] | undefined;
  /** A method: the first parameter is the receiver and always a tensor (possibly disposed). */
  readonly method: boolean;
  /** The receiver's class, for methods (default 'tensor'). */
  readonly receiver?: 'tensor' | 'variable';
}

/** A generator of whole calls of one op. */
export function callArbitrary(shape: CallShape): fc.Arbitrary<CallSpec> {
  const receiver: fc.Arbitrary<ArgSpec> = fc.oneof(
    { arbitrary: tensorSpec(smallShape), weight: 10 },
    {
      arbitrary: fc.record({ shape: smallShape, dtype: tensorDType }).map(({ shape: s, dtype }) => ({
        kind: 'disposed' as const,
        shape: s,
        dtype,
      })),
      weight: 1,
    },
    {
      arbitrary: fc.record({ shape: smallShape, dtype: tensorDType }).map(({ shape: s, dtype }) => ({
        kind: 'variable' as const,
        shape: s,
        dtype,
      })),
      weight: 1,
    },
  );
  const rest = shape.params ? fc.tuple(...shape.params) : fc.array(hostileArg, { maxLength: 4 });
  const variableReceiver = fc
    .record({ shape: smallShape, dtype: tensorDType })
    .map(({ shape: s, dtype }): ArgSpec => ({ kind: 'variable', shape: s, dtype }));
  const self = shape.receiver === 'variable' ? variableReceiver : receiver;
  const args = shape.method ? fc.tuple(self, rest).map(([r, xs]) => [r, ...xs]) : rest;
  return fc.tuple(args, mutation).map(([a, m]) => {
    const call: CallSpec = { op: shape.op, args: applyMutation(a, m, shape.method) };
    return call;
  });
}

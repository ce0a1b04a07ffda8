// Which functions the hostile suite calls, and what their parameters are. Ops are enumerated
// from the module's exports, so a new op is hammered with untyped garbage the day it lands;
// the parameter kinds below let the generator also reach the valid space of the known ones.

import fc from 'fast-check';
import * as autodiff from '../../autodiff.js';
import { opSignatures, type Param } from '../../ops/args.js';
import * as opsModule from '../../ops/index.js';
import { Tensor, Variable } from '../../tensor.js';
import '../../tensor-methods.js';
import { hostileArg, type ParamKind, wellTyped } from './arbitraries.js';
import { breaking, fitting } from './from-spec.js';
import type { ArgSpec } from './specs.js';

/**
 * Exports of the ops modules that are plumbing, not ops: argument conversion, the primitive
 * dispatchers that take a primitive's name, and helpers the gradient rules share. They take
 * internal arguments (an op name, a primitive) and are not meant to be called by users.
 */
export const NON_OPS: ReadonlySet<string> = new Set([
  'inferShape',
  'fromValues',
  'convertArgs',
  'toTensor',
  'withArgs',
  'resultType',
  'binary',
  'unary',
  'sumTo',
  'runSlice',
  'sliceAxis',
]);

/** Tensor members that are not ops (lifecycle, printing to the console, internals). */
export const NON_METHODS: ReadonlySet<string> = new Set(['constructor', 'dispose', 'print', 'assertAlive']);

const reduceOpts: ParamKind = { options: { axis: 'axes', keepDims: 'bool' } };
const argOpts: ParamKind = { options: { axis: 'axis' } };
const cumOpts: ParamKind = { options: { axis: 'axis', exclusive: 'bool', reverse: 'bool' } };
const varOpts: ParamKind = { options: { axis: 'axes', keepDims: 'bool', ddof: 'int' } };
const convOpts: ParamKind = { options: { strides: 'size2', padding: 'padding', dilations: 'size2' } };
const poolOpts: ParamKind = { options: { poolSize: 'size2', strides: 'size2', padding: 'padding' } };
const resizeOpts: ParamKind = { options: { alignCorners: 'bool', halfPixelCenters: 'bool' } };
const matmulOpts: ParamKind = { options: { transposeA: 'bool', transposeB: 'bool' } };
const randOpts = (a: string, b: string): ParamKind => ({
  options: { [a]: 'num', [b]: 'num', seed: 'seed', dtype: 'dtype' },
});

const UNARY = (
  'neg abs sign exp log log1p expm1 sqrt rsqrt sin cos tan tanh sigmoid erf floor ceil ' +
  'round reciprocal relu isNaN isFinite logicalNot square relu6 selu softplus logSigmoid ' +
  'silu'
).split(' ');
const BINARY = (
  'add sub mul div pow maximum minimum mod equal notEqual less lessEqual greater ' +
  'greaterEqual logicalAnd logicalOr floorDiv squaredDifference logicalXor dot outer'
).split(' ');
const REDUCE = ['sum', 'max', 'min', 'any', 'all', 'prod', 'mean', 'logSumExp'];

function table(ops: readonly string[], params: readonly ParamKind[]): Record<string, readonly ParamKind[]> {
  return Object.fromEntries(ops.map((op) => [op, params]));
}

/**
 * Parameter kinds of the known ops, receiver first: the suite's own model of the API, which
 * knows how arguments relate (a second operand shaped like the first, a permutation of its
 * axes). Core's signature table says what each parameter accepts; both feed the generators.
 */
export const PARAMS: Readonly<Record<string, readonly ParamKind[]>> = {
  ...table(UNARY, ['x']),
  ...table(BINARY, ['x', 'x2']),
  ...table(REDUCE, ['x', reduceOpts]),
  leakyRelu: ['x', 'num'],
  elu: ['x', 'num'],
  gelu: ['x', { options: { approximate: 'bool' } }],
  clip: ['x', 'num', 'num'],
  cast: ['x', 'dtype'],
  conv2d: ['x4', 'filter', convOpts],
  depthwiseConv2d: ['x4', 'filter', convOpts],
  conv2dTranspose: [
    'x4',
    'filter',
    { options: { strides: 'size2', padding: 'padding', dilations: 'size2', outputShape: 'shape' } },
  ],
  maxPool2d: ['x4', poolOpts],
  avgPool2d: ['x4', poolOpts],
  resizeBilinear: ['x4', 'size2', resizeOpts],
  resizeNearestNeighbor: ['x4', 'size2', resizeOpts],
  // fromPixels' pixels and toPixels' canvas come from core's specs (from-spec.ts).
  toPixels: ['x'],
  tensor: ['values', 'shape', 'dtype'],
  tensor1d: ['values', 'dtype'],
  tensor2d: ['values', 'shape', 'dtype'],
  tensor3d: ['values', 'shape', 'dtype'],
  tensor4d: ['values', 'shape', 'dtype'],
  tensor5d: ['values', 'shape', 'dtype'],
  tensor6d: ['values', 'shape', 'dtype'],
  scalar: ['num', 'dtype'],
  zeros: ['shape', 'dtype'],
  ones: ['shape', 'dtype'],
  full: ['shape', 'num', 'dtype'],
  zerosLike: ['tensor'],
  onesLike: ['tensor'],
  arange: ['num', 'num', 'num', 'dtype'],
  linspace: ['num', 'num', 'int', 'dtype'],
  eye: ['int', 'int', 'dtype'],
  oneHot: ['xint', 'int', { options: { onValue: 'num', offValue: 'num', dtype: 'dtype' } }],
  randomUniform: ['shape', randOpts('minval', 'maxval')],
  randomNormal: ['shape', randOpts('mean', 'stddev')],
  truncatedNormal: ['shape', randOpts('mean', 'stddev')],
  variable: ['x', { options: { name: 'name', trainable: 'bool', dtype: 'dtype' } }],
  clone: ['tensor'],
  stopGradient: ['tensor'],
  fusedMatmul: [
    'x',
    'x2',
    { options: { bias: 'x2', activation: 'activation', transposeA: 'bool', transposeB: 'bool' } },
  ],
  softmaxCrossEntropy: ['x', 'x2', { options: { sparse: 'bool' } }],
  sgdStep: [
    { state: { param: 'tensor', grad: 'x2', velocity: 'x2' } },
    { options: { learningRate: 'num', momentum: 'num', nesterov: 'bool' } },
  ],
  adamStep: [
    { state: { param: 'tensor', grad: 'x2', m: 'x2', v: 'x2' } },
    { options: { learningRate: 'num', step: 'int', beta1: 'num', beta2: 'num', epsilon: 'num' } },
  ],
  gather: ['x', 'xint', 'axis'],
  matmul: ['x', 'x2', matmulOpts],
  tensordot: ['x', 'x2', 'tensordotAxes'],
  reshape: ['x', 'reshape'],
  expandDims: ['x', 'axis'],
  squeeze: ['x', 'axes'],
  flatten: ['x', { options: { startDim: 'axis', endDim: 'axis' } }],
  broadcastTo: ['x', 'shape'],
  transpose: ['x', 'perm'],
  concat: ['xs', 'axis'],
  stack: ['xs', 'axis'],
  unstack: ['x', 'axis'],
  split: ['x', 'splits', 'axis'],
  tile: ['x', 'reps'],
  pad: ['x', 'paddings', 'num'],
  reverse: ['x', 'axes'],
  argMax: ['x', argOpts],
  topk: ['x', 'int', { options: { sorted: 'bool' } }],
  argMin: ['x', argOpts],
  cumsum: ['x', cumOpts],
  cumprod: ['x', cumOpts],
  softmax: ['x', 'axis'],
  logSoftmax: ['x', 'axis'],
  moments: ['x', varOpts],
  variance: ['x', varOpts],
  norm: ['x', { options: { axis: 'axes', keepDims: 'bool', ord: 'ord' } }],
  slice: ['x', 'sliceSpec'],
  sliceRange: ['x', 'begin', 'begin'],
  where: ['xbool', 'x2', 'x2'],
  assign: ['tensor', 'x2'],
  toBackend: ['tensor', 'backend'],
};

/** Own entries only: `PARAMS['toString']` must not find Object.prototype.toString. */
function paramsOf(name: string): readonly ParamKind[] | undefined {
  return Object.hasOwn(PARAMS, name) ? PARAMS[name] : undefined;
}

/** One function the suite calls. */
export interface HostileTarget {
  /** `sum` for a function, `Tensor#sum` for a method. */
  readonly name: string;
  /** The name an error message must carry. */
  readonly opName: string;
  readonly method: boolean;
  /** For methods: the receiver is a Variable (and `assign` may change it). */
  readonly receiver?: 'tensor' | 'variable';
  readonly fn: (...args: unknown[]) => unknown;
  /** Parameter kinds (receiver first for methods), when known. */
  readonly params: readonly ParamKind[] | undefined;
  /** Core's declared parameters (receiver first for methods), when the op is in `opSignatures()`. */
  readonly signature: readonly Param[] | undefined;
}

/** Number of declared parameters (receiver included), when known. */
export function arityOf(target: HostileTarget): number | undefined {
  return target.signature?.length ?? target.params?.length;
}

/**
 * One generator per parameter (receiver excluded for methods): mostly values that fit (from
 * the suite's kinds and core's specs), sometimes values that break the spec or plain garbage,
 * and `undefined` for optional parameters. Undefined for an op nothing is known about.
 */
export function paramArbitraries(target: HostileTarget): fc.Arbitrary<ArgSpec>[] | undefined {
  const n = arityOf(target);
  if (n === undefined) return undefined;
  const out: fc.Arbitrary<ArgSpec>[] = [];
  for (let i = target.method ? 1 : 0; i < n; i++) {
    const kind = target.params?.[i];
    const declared = target.signature?.[i];
    const good = [
      ...(kind !== undefined ? [wellTyped(kind)] : []),
      ...(declared ? [fitting(declared.spec)] : []),
    ];
    const bad = declared ? fc.oneof(breaking(declared.spec), hostileArg) : hostileArg;
    out.push(
      fc.oneof(
        { arbitrary: good.length ? fc.oneof(...good) : hostileArg, weight: 8 },
        { arbitrary: bad, weight: 2 },
        ...(declared?.optional
          ? [{ arbitrary: fc.constant<ArgSpec>({ kind: 'value', value: undefined }), weight: 1 }]
          : []),
      ),
    );
  }
  return out;
}

/** Every public op function and every op method of `Tensor`, with what is known of its parameters. */
export function hostileTargets(): HostileTarget[] {
  const out: HostileTarget[] = [];
  const signatures = opSignatures();
  const functions = new Map<string, unknown>([
    ...Object.entries(opsModule),
    ['stopGradient', autodiff.stopGradient],
  ]);
  // An op registered with a signature but not exported from the ops modules is still called.
  for (const [name, sig] of signatures) if (!functions.has(name)) functions.set(name, sig.fn);
  for (const [name, fn] of functions) {
    if (typeof fn !== 'function' || NON_OPS.has(name) || /^[A-Z]/.test(name)) continue;
    out.push({
      name,
      opName: name,
      method: false,
      fn: fn as (...args: unknown[]) => unknown,
      params: paramsOf(name),
      signature: signatures.get(name)?.params,
    });
  }
  const classes = [
    ['Tensor', Tensor.prototype, 'tensor'],
    ['Variable', Variable.prototype, 'variable'],
  ] as const;
  for (const [cls, proto, receiver] of classes) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      if (!desc || typeof desc.value !== 'function' || NON_METHODS.has(name)) continue;
      const method = desc.value as (...args: unknown[]) => unknown;
      out.push({
        name: `${cls}#${name}`,
        opName: name,
        method: true,
        receiver,
        fn: (self: unknown, ...rest: unknown[]) => method.apply(self, rest),
        params: paramsOf(name),
        signature: signatures.get(name)?.params,
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

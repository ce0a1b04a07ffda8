// ONNX operators on backend tensors, written with core ops so every backend runs them and
// autodiff differentiates them (fine-tuning an imported model needs nothing else): the table
// of every operator that runs on the backend. The NCHW image operators are in spatial.ts, the
// recurrent ones in recurrent.ts.

import {
  abs,
  add,
  argMax,
  argMin,
  broadcastTo,
  cast,
  ceil,
  clip,
  concat,
  cos,
  div,
  elu,
  equal,
  erf,
  exp,
  expandDims,
  floor,
  gather,
  gelu,
  greater,
  greaterEqual,
  leakyRelu,
  less,
  lessEqual,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSoftmax,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  pad,
  pow,
  prod,
  reciprocal,
  relu,
  reshape,
  type SliceEntry,
  sigmoid,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  split,
  sqrt,
  squeeze,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  tile,
  transpose,
  UnsupportedError,
  where,
} from '@nabla/core';
import { type Arg, asTensor, ints, isHost, optInts } from './arg.js';
import { broadcastShapes, intsOf, normAxis, reshapeTarget, sizeOf, unsqueezeShape } from './host.js';
import { attr, type NodeInfo } from './read.js';
import { gru, lstm } from './recurrent.js';
import { batchNorm, conv, convTranspose, instanceNorm, pool, resize } from './spatial.js';

/** A device operator: inputs to every output. */
export type DeviceOp = (args: readonly Arg[], node: NodeInfo) => Tensor[];

/** What the importer needs to know about a device operator. */
export interface DeviceSpec {
  readonly run: DeviceOp;
  /** Inputs read as integers (shapes, axes, pads): given as host values, never as weights. */
  readonly hostInputs?: readonly number[];
  /** Inputs that are state, not parameters: initializers there become non-trainable weights. */
  readonly frozenInputs?: readonly number[];
}

const T = asTensor;

/** A one-input operator that reads the node's attributes. */
function unary(f: (x: Tensor, node: NodeInfo) => Tensor): DeviceSpec {
  return { run: (args, node) => [f(T(args[0], node, 0), node)] };
}

/** A one-input core op (called with the tensor alone: core ops check their argument count). */
function plain(f: (x: Tensor) => Tensor): DeviceSpec {
  return { run: (args, node) => [f(T(args[0], node, 0))] };
}

function binary(f: (a: Tensor, b: Tensor) => Tensor): DeviceSpec {
  return { run: (args, node) => [f(T(args[0], node, 0), T(args[1], node, 1))] };
}

/** Max, Min, Sum, Mean over any number of inputs. */
function variadic(f: (a: Tensor, b: Tensor) => Tensor, average = false): DeviceSpec {
  return {
    run: (args, node) => {
      const xs = args.map((a, i) => T(a, node, i));
      const total = xs.reduce((a, b) => f(a, b));
      return [average ? div(total, xs.length) : total];
    },
  };
}

/** Axes of a Reduce* node: the attribute (opset ≤ 17) or input 1 (opset 18). */
function reduce(f: (x: Tensor, o: { axis?: number[]; keepDims: boolean }) => Tensor): DeviceSpec {
  return {
    hostInputs: [1],
    run: (args, node) => {
      const x = T(args[0], node, 0);
      const axes = optInts(args[1], node, 1) ?? attr.ints(node, 'axes');
      const keepDims = attr.int(node, 'keepdims', 1) === 1;
      if (!axes && attr.int(node, 'noop_with_empty_axes', 0) === 1) return [x.clone()];
      return [f(x, { axis: axes ?? undefined, keepDims })];
    },
  };
}

function gemm(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const alpha = attr.float(node, 'alpha', 1);
  const beta = attr.float(node, 'beta', 1);
  let y = matmul(T(args[0], node, 0), T(args[1], node, 1), {
    transposeA: attr.int(node, 'transA', 0) === 1,
    transposeB: attr.int(node, 'transB', 0) === 1,
  });
  if (alpha !== 1) y = mul(y, alpha);
  const c = args[2];
  if (!c) return [y];
  const ct = T(c, node, 2);
  return [add(y, beta === 1 ? ct : mul(ct, beta))];
}

function layerNorm(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const axis = normAxis('LayerNormalization', attr.int(node, 'axis', -1), x.rank);
  const axes = x.shape.map((_, i) => i).filter((i) => i >= axis);
  const centred = sub(x, mean(x, { axis: axes, keepDims: true }));
  const variance = mean(mul(centred, centred), { axis: axes, keepDims: true });
  let y = div(centred, sqrt(add(variance, attr.float(node, 'epsilon', 1e-5))));
  y = mul(y, T(args[1], node, 1));
  return [args[2] ? add(y, T(args[2], node, 2)) : y];
}

function sliceOp(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const starts = ints(args[1], node, 1);
  const ends = ints(args[2], node, 2);
  const axes = optInts(args[3], node, 3) ?? starts.map((_, i) => i);
  const steps = optInts(args[4], node, 4) ?? axes.map(() => 1);
  const spec: SliceEntry[] = x.shape.map(() => null);
  axes.forEach((a, i) => {
    // core's slice clamps out-of-range bounds as NumPy (and ONNX) do.
    spec[normAxis('Slice', a, x.rank)] = { start: starts[i]!, stop: ends[i]!, step: steps[i]! };
  });
  return [slice(x, spec)];
}

function gatherOp(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const axis = normAxis('Gather', attr.int(node, 'axis', 0), x.rank);
  const idx = args[1];
  if (idx && isHost(idx)) {
    const n = x.shape[axis]!;
    const values = intsOf(idx).map((i) => (i < 0 ? i + n : i));
    return [gather(x, tensor(values, [...idx.shape], 'int32'), axis)];
  }
  return [gather(x, cast(T(idx, node, 1), 'int32'), axis)];
}

function splitOp(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const axis = attr.int(node, 'axis', 0);
  const sizes = optInts(args[1], node, 1) ?? attr.ints(node, 'split');
  return split(x, sizes ?? attr.int(node, 'num_outputs', node.outputs.length), axis);
}

function castOp(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const to = attr.int(node, 'to', 1);
  const dtype = to === 1 || to === 11 || to === 10 ? 'float32' : to === 9 ? 'bool' : 'int32';
  return [cast(T(args[0], node, 0), dtype)];
}

function padOp(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const mode = attr.string(node, 'mode', 'constant');
  if (mode !== 'constant') throw new UnsupportedError(`${node.label}: mode '${mode}' is not supported`);
  const p = ints(args[1], node, 1);
  const value = args[2] ? (isHost(args[2]) ? (args[2].data[0] ?? 0) : null) : 0;
  if (value === null) throw new UnsupportedError(`${node.label}: constant_value must be a constant`);
  const axes = (optInts(args[3], node, 3) ?? x.shape.map((_, i) => i)).map((a) => normAxis('Pad', a, x.rank));
  const pairs = x.shape.map((): [number, number] => [0, 0]);
  axes.forEach((a, i) => {
    pairs[a] = [p[i]!, p[i + axes.length]!];
  });
  if (pairs.some(([b, e]) => b < 0 || e < 0))
    throw new UnsupportedError(`${node.label}: negative pads are not supported`);
  return [pairs.every(([b, e]) => b === 0 && e === 0) ? x.clone() : pad(x, pairs, value)];
}

function argReduce(f: typeof argMax): DeviceSpec {
  return unary((x, node) => {
    if (attr.int(node, 'select_last_index', 0) !== 0) {
      throw new UnsupportedError(`${node.label}: select_last_index=1 is not supported`);
    }
    const axis = normAxis(node.opType, attr.int(node, 'axis', 0), x.rank);
    const y = f(x, { axis });
    return attr.int(node, 'keepdims', 1) === 1 ? expandDims(y, axis) : y;
  });
}

/**
 * Softmax and LogSoftmax: over one axis (default -1) from opset 13; before, over every axis
 * from `axis` (default 1) on, as if x were flattened to 2-D there.
 */
function softmaxOver(x: Tensor, node: NodeInfo, f: (x: Tensor, axis: number) => Tensor): Tensor {
  if (node.opset >= 13) return f(x, attr.int(node, 'axis', -1));
  const axis = normAxis(node.opType, attr.int(node, 'axis', 1), x.rank);
  const flat = reshape(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
  return reshape(f(flat, -1), x.shape);
}

function hardSigmoid(x: Tensor, node: NodeInfo): Tensor {
  return clip(add(mul(x, attr.float(node, 'alpha', 0.2)), attr.float(node, 'beta', 0.5)), 0, 1);
}

/** The device operators by ONNX op type. */
export const DEVICE_OPS: Readonly<Record<string, DeviceSpec>> = {
  Identity: unary((x) => x.clone()),
  Dropout: { hostInputs: [1, 2], run: (args, node) => [T(args[0], node, 0).clone()] },
  Relu: plain(relu),
  Sigmoid: plain(sigmoid),
  Tanh: plain(tanh),
  Exp: plain(exp),
  Log: plain(log),
  Sqrt: plain(sqrt),
  Neg: plain(neg),
  Abs: plain(abs),
  Erf: plain(erf),
  Reciprocal: plain(reciprocal),
  Floor: plain(floor),
  Ceil: plain(ceil),
  Not: plain(logicalNot),
  Softplus: plain(softplus),
  LeakyRelu: unary((x, node) => leakyRelu(x, attr.float(node, 'alpha', 0.01))),
  Elu: unary((x, node) => elu(x, attr.float(node, 'alpha', 1))),
  HardSigmoid: unary(hardSigmoid),
  // HardSwish(x) = x · HardSigmoid(x) with α = 1/6, β = 1/2.
  HardSwish: plain((x) => mul(x, clip(add(div(x, 6), 0.5), 0, 1))),
  // PRelu(x) = max(x, 0) + slope · min(x, 0), slope broadcast as NumPy.
  PRelu: {
    run: (args, node) => [
      add(relu(T(args[0], node, 0)), mul(T(args[1], node, 1), minimum(T(args[0], node, 0), 0))),
    ],
  },
  // Selu(x) = γ · elu(x, α).
  Selu: unary((x, node) =>
    mul(elu(x, attr.float(node, 'alpha', 1.6732632)), attr.float(node, 'gamma', 1.050701)),
  ),
  Softsign: plain((x) => div(x, add(abs(x), 1))),
  Sin: plain(sin),
  Cos: plain(cos),
  Sign: plain(sign),
  ArgMax: argReduce(argMax),
  ArgMin: argReduce(argMin),
  InstanceNormalization: { run: instanceNorm },
  Tile: {
    hostInputs: [1],
    run: (args, node) => [tile(T(args[0], node, 0), ints(args[1], node, 1))],
  },
  Gelu: unary((x, node) => gelu(x, { approximate: attr.string(node, 'approximate', 'none') === 'tanh' })),
  Softmax: unary((x, node) => softmaxOver(x, node, softmax)),
  LogSoftmax: unary((x, node) => softmaxOver(x, node, logSoftmax)),
  Add: binary(add),
  Sub: binary(sub),
  Mul: binary(mul),
  Div: binary(div),
  Pow: binary(pow),
  Equal: binary(equal),
  Less: binary(less),
  Greater: binary(greater),
  LessOrEqual: binary(lessEqual),
  GreaterOrEqual: binary(greaterEqual),
  And: binary(logicalAnd),
  Or: binary(logicalOr),
  Max: variadic(maximum),
  Min: variadic(minimum),
  Sum: variadic(add),
  Mean: variadic(add, true),
  Where: { run: (args, node) => [where(T(args[0], node, 0), T(args[1], node, 1), T(args[2], node, 2))] },
  Clip: {
    hostInputs: [1, 2],
    run: (args, node) => {
      const bound = (i: number, fallback: number): number => {
        const a = args[i];
        if (a === null || a === undefined) return fallback;
        if (!isHost(a)) throw new UnsupportedError(`${node.label}: input ${i} must be a constant`);
        return a.data[0] ?? fallback;
      };
      return [clip(T(args[0], node, 0), bound(1, -Infinity), bound(2, Infinity))];
    },
  },
  Cast: { run: castOp },
  MatMul: binary((a, b) => matmul(a, b)),
  Gemm: { run: gemm },
  Conv: { run: conv },
  Resize: { hostInputs: [1, 2, 3], run: resize },
  ConvTranspose: { run: convTranspose },
  MaxPool: { run: pool('max') },
  AveragePool: { run: pool('avg') },
  GlobalAveragePool: unary((x) => mean(x, { axis: x.shape.map((_, i) => i).slice(2), keepDims: true })),
  GlobalMaxPool: unary((x) => max(x, { axis: x.shape.map((_, i) => i).slice(2), keepDims: true })),
  BatchNormalization: { run: batchNorm, frozenInputs: [3, 4] },
  LayerNormalization: { run: layerNorm },
  ReduceMean: reduce(mean),
  ReduceSum: reduce(sum),
  ReduceMax: reduce(max),
  ReduceMin: reduce(min),
  ReduceProd: reduce(prod),
  Flatten: unary((x, node) => {
    const axis = normAxis('Flatten', attr.int(node, 'axis', 1), x.rank + 1);
    return reshape(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))]);
  }),
  Reshape: {
    hostInputs: [1],
    run: (args, node) => {
      const x = T(args[0], node, 0);
      return [
        reshape(x, reshapeTarget(x.shape, ints(args[1], node, 1), attr.int(node, 'allowzero', 0) === 1)),
      ];
    },
  },
  Transpose: unary((x, node) =>
    transpose(x, attr.ints(node, 'perm') ?? x.shape.map((_, i) => x.rank - 1 - i)),
  ),
  Squeeze: {
    hostInputs: [1],
    run: (args, node) => {
      const x = T(args[0], node, 0);
      const axes = optInts(args[1], node, 1) ?? attr.ints(node, 'axes');
      const drop = axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      return [
        squeeze(
          x,
          drop.map((a) => normAxis('Squeeze', a, x.rank)),
        ),
      ];
    },
  },
  Unsqueeze: {
    hostInputs: [1],
    run: (args, node) => {
      const x = T(args[0], node, 0);
      const axes = optInts(args[1], node, 1) ?? attr.ints(node, 'axes') ?? [];
      return [reshape(x, unsqueezeShape(x.shape, axes))];
    },
  },
  Concat: {
    run: (args, node) => [
      concat(
        args.filter((a) => a !== null).map((a, i) => T(a, node, i)),
        attr.int(node, 'axis', 0),
      ),
    ],
  },
  Slice: { hostInputs: [1, 2, 3, 4], run: sliceOp },
  Gather: { hostInputs: [1], run: gatherOp },
  Split: { hostInputs: [1], run: splitOp },
  Expand: {
    hostInputs: [1],
    run: (args, node) => {
      const x = T(args[0], node, 0);
      const target = ints(args[1], node, 1);
      const shape = broadcastShapes(x.shape, target);
      if (!shape)
        throw new UnsupportedError(
          `${node.label}: cannot expand [${x.shape.join(',')}] to [${target.join(',')}]`,
        );
      return [broadcastTo(x, shape)];
    },
  },
  Pad: { hostInputs: [1, 2, 3], run: padOp },
  LSTM: { run: lstm },
  GRU: { run: gru },
};

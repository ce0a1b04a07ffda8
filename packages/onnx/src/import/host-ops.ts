// ONNX operators on host arrays: what constant folding and runtime shape arithmetic need
// (Constant, Shape, Gather, Concat, Unsqueeze, Reshape, Slice, Cast, elementwise integer and
// float math, ...). A node whose inputs are all host values runs here; any other runs on the
// backend through device-ops.ts.

import { UnsupportedError } from '@nabla/core';
import {
  concatHost,
  elementwise,
  gatherHost,
  type HostArray,
  type HostKind,
  hostArray,
  hostSize,
  intsOf,
  normAxis,
  reshapeTarget,
  sizeOf,
  sliceHost,
  squeezeShape,
  transposeHost,
  unsqueezeShape,
  withShape,
} from './host.js';
import { attr, kindOf, type NodeInfo } from './read.js';

/** A host operator: inputs (null for an omitted optional one) to outputs. */
export type HostOp = (args: readonly (HostArray | null)[], node: NodeInfo) => HostArray[];

/** Input `i`, which the operator requires. */
export function need<T>(args: readonly (T | null | undefined)[], i: number, node: NodeInfo): T {
  const a = args[i];
  if (a === null || a === undefined) throw new UnsupportedError(`${node.label}: input ${i} is required`);
  return a;
}

/** The integers of input `i`, or null when it is omitted. */
function optInts(args: readonly (HostArray | null)[], i: number): number[] | null {
  const a = args[i];
  return a ? intsOf(a) : null;
}

/** Shape of the value with ONNX Shape's start/end (opset 15). */
export function shapeOf(shape: readonly number[], node: NodeInfo): HostArray {
  const rank = shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attr.int(node, 'start', 0));
  const end = clamp(attr.int(node, 'end', rank));
  const dims = shape.slice(start, Math.max(start, end));
  return hostArray('int', [dims.length], dims);
}

function kindOfCast(node: NodeInfo): HostKind {
  const kind = kindOf(attr.int(node, 'to', 1));
  if (!kind)
    throw new UnsupportedError(
      `${node.label}: casting to data type ${attr.int(node, 'to', 1)} is not supported`,
    );
  return kind;
}

/** The output kind of arithmetic on `inputs`: float if any is float, else int. */
function arithKind(inputs: readonly HostArray[]): HostKind {
  return inputs.some((x) => x.kind === 'float') ? 'float' : 'int';
}

function binary(f: (a: number, b: number, kind: HostKind) => number, out?: HostKind): HostOp {
  return (args, node) => {
    const a = need(args, 0, node);
    const b = need(args, 1, node);
    const kind = out ?? arithKind([a, b]);
    return [elementwise(node.opType, [a, b], kind, (x, y) => f(x!, y!, kind))];
  };
}

function unary(f: (a: number) => number, keep = true): HostOp {
  return (args, node) => {
    const x = need(args, 0, node);
    return [elementwise(node.opType, [x], keep ? x.kind : 'float', f)];
  };
}

/** The value of a Constant node, from whichever attribute holds it. */
function constantValue(node: NodeInfo, readTensor: (name: string) => HostArray): HostArray {
  if (node.attrs.has('value')) return readTensor('value');
  const f = node.attrs.get('value_float')?.f;
  if (f !== undefined && f !== null && node.attrs.has('value_float')) return hostArray('float', [], [f]);
  if (node.attrs.has('value_int')) return hostArray('int', [], [attr.int(node, 'value_int', 0)]);
  const floats = attr.floats(node, 'value_floats');
  if (floats) return hostArray('float', [floats.length], floats);
  const ints = attr.ints(node, 'value_ints');
  if (ints) return hostArray('int', [ints.length], ints);
  throw new UnsupportedError(
    `${node.label}: a Constant without a value, value_float(s) or value_int(s) attribute`,
  );
}

/** The host operators by ONNX op type. */
export const HOST_OPS: Readonly<Record<string, HostOp>> = {
  Constant: (_args, node) => [constantValue(node, (name) => attr.tensor(node, name))],
  Identity: (args, node) => [need(args, 0, node)],
  Shape: (args, node) => [shapeOf(need(args, 0, node).shape, node)],
  Size: (args, node) => [hostArray('int', [], [sizeOf(need(args, 0, node).shape)])],
  Gather: (args, node) => [gatherHost(need(args, 0, node), need(args, 1, node), attr.int(node, 'axis', 0))],
  Concat: (args, node) => [
    concatHost(
      args.filter((a): a is HostArray => a !== null),
      attr.int(node, 'axis', 0),
    ),
  ],
  Unsqueeze: (args, node) => {
    const x = need(args, 0, node);
    const axes = optInts(args, 1) ?? attr.ints(node, 'axes') ?? [];
    return [withShape(x, unsqueezeShape(x.shape, axes))];
  },
  Squeeze: (args, node) => {
    const x = need(args, 0, node);
    return [withShape(x, squeezeShape(x.shape, optInts(args, 1) ?? attr.ints(node, 'axes')))];
  },
  Reshape: (args, node) => {
    const x = need(args, 0, node);
    return [
      withShape(x, reshapeTarget(x.shape, intsOf(need(args, 1, node)), attr.int(node, 'allowzero', 0) === 1)),
    ];
  },
  Flatten: (args, node) => {
    const x = need(args, 0, node);
    const axis = normAxis('Flatten', attr.int(node, 'axis', 1), x.shape.length + 1);
    return [withShape(x, [sizeOf(x.shape.slice(0, axis)), sizeOf(x.shape.slice(axis))])];
  },
  Transpose: (args, node) => {
    const x = need(args, 0, node);
    const perm = attr.ints(node, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
    return [transposeHost(x, perm)];
  },
  Slice: (args, node) => {
    const x = need(args, 0, node);
    const starts = intsOf(need(args, 1, node));
    const axes = optInts(args, 3) ?? starts.map((_, i) => i);
    return [sliceHost(x, starts, intsOf(need(args, 2, node)), axes, optInts(args, 4) ?? axes.map(() => 1))];
  },
  Cast: (args, node) => {
    const x = need(args, 0, node);
    const kind = kindOfCast(node);
    const data = kind === 'bool' ? Array.from(x.data, (v) => (v !== 0 ? 1 : 0)) : x.data;
    return [hostArray(kind, x.shape, data)];
  },
  ConstantOfShape: (args, node) => {
    const shape = intsOf(need(args, 0, node));
    const value = node.attrs.has('value') ? attr.tensor(node, 'value') : hostArray('float', [1], [0]);
    return [hostArray(value.kind, shape, new Float64Array(hostSize(shape)).fill(value.data[0] ?? 0))];
  },
  Expand: (args, node) => {
    const x = need(args, 0, node);
    const ones = hostArray(x.kind, intsOf(need(args, 1, node)), []);
    return [elementwise('Expand', [x, withShape(ones, ones.shape)], x.kind, (v) => v!)];
  },
  Range: (args, node) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => need(args, i, node).data[0]!);
    const n = hostSize([Math.max(Math.ceil((limit! - start!) / delta!), 0)]);
    const kind = arithKind([need(args, 0, node)]);
    return [
      hostArray(
        kind,
        [n],
        Array.from({ length: n }, (_, i) => start! + i * delta!),
      ),
    ];
  },
  Where: (args, node) => {
    const [c, a, b] = [0, 1, 2].map((i) => need(args, i, node)) as [HostArray, HostArray, HostArray];
    return [elementwise('Where', [c, a, b], arithKind([a, b]), (cv, av, bv) => (cv ? av! : bv!))];
  },
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  // Integer division truncates, as ONNX Runtime's does.
  Div: binary((a, b, kind) => (kind === 'int' ? Math.trunc(a / b) : a / b)),
  Mod: binary((a, b) => a - Math.floor(a / b) * b),
  Pow: binary((a, b) => a ** b),
  Max: binary((a, b) => Math.max(a, b)),
  Min: binary((a, b) => Math.min(a, b)),
  Equal: binary((a, b) => (a === b ? 1 : 0), 'bool'),
  Less: binary((a, b) => (a < b ? 1 : 0), 'bool'),
  Greater: binary((a, b) => (a > b ? 1 : 0), 'bool'),
  LessOrEqual: binary((a, b) => (a <= b ? 1 : 0), 'bool'),
  GreaterOrEqual: binary((a, b) => (a >= b ? 1 : 0), 'bool'),
  Sign: unary(Math.sign),
  And: binary((a, b) => (a && b ? 1 : 0), 'bool'),
  Or: binary((a, b) => (a || b ? 1 : 0), 'bool'),
  Not: unary((a) => (a ? 0 : 1)),
  Neg: unary((a) => -a),
  Abs: unary(Math.abs),
  Sqrt: unary(Math.sqrt, false),
  Reciprocal: unary((a) => 1 / a, false),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
};

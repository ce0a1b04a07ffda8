// Host arrays: small ONNX values computed in JavaScript rather than on a backend. Constants,
// initializers before they become weights, and the shape arithmetic PyTorch's exporter emits
// (Shape → Gather → Unsqueeze → Concat → Reshape) live here, so that it folds at import and,
// where it depends on a runtime shape (the batch size), runs on the host at call time without
// reading any tensor back from a device.

import { UnsupportedError } from '@nabla/core';
import { broadcastStrides, broadcastShapes as coreBroadcast, stridesOf } from '@nabla/core/internal';

/** What a host array holds: floats (float32), integers (exact to 2^53) or booleans. */
export type HostKind = 'float' | 'int' | 'bool';

/** A row-major array on the host. */
export interface HostArray {
  readonly kind: HostKind;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | Uint8Array;
}

/** Most elements a value computed on the host may have (shape values are tiny). */
export const HOST_LIMIT = 1 << 24;

/** Product of the dims. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The size of a host value of `shape`, refused past `HOST_LIMIT` before anything is allocated. */
export function hostSize(shape: readonly number[]): number {
  const n = sizeOf(shape);
  if (!(n <= HOST_LIMIT) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UnsupportedError(
      `a constant or shape value of shape [${shape.join(',')}] is too large or invalid`,
    );
  }
  return n;
}

/** A host array of `kind` from numbers, checked against `HOST_LIMIT`. */
export function hostArray(kind: HostKind, shape: readonly number[], values: ArrayLike<number>): HostArray {
  const n = hostSize(shape);
  const data =
    kind === 'float' ? new Float32Array(n) : kind === 'int' ? new Float64Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = kind === 'int' ? Math.trunc(values[i]!) : values[i]!;
  return { kind, shape: [...shape], data };
}

/** The values as integers (shape arguments, axes, indices). */
export function intsOf(a: HostArray): number[] {
  return Array.from(a.data, (v) => Math.trunc(v));
}

/** NumPy's broadcast of two shapes (core's rule), or null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  try {
    return coreBroadcast('onnx', a, b);
  } catch {
    return null;
  }
}

/** For each flat index of `out`, the flat index into an array of `shape` broadcast to it. */
function broadcastIndex(shape: readonly number[], out: readonly number[]): (i: number) => number {
  // Core's broadcast strides: 0 on the axes `shape` repeats along.
  const strides = broadcastStrides(shape, out);
  const outStrides = stridesOf(out);
  return (i) => {
    let j = 0;
    for (let d = 0; d < out.length; d++) j += (Math.floor(i / outStrides[d]!) % out[d]!) * strides[d]!;
    return j;
  };
}

/** An elementwise function of several host arrays, broadcast as NumPy does. */
export function elementwise(
  op: string,
  inputs: readonly HostArray[],
  kind: HostKind,
  f: (...v: number[]) => number,
): HostArray {
  let shape: number[] = [];
  for (const x of inputs) {
    const next = broadcastShapes(shape, x.shape);
    if (!next) {
      throw new UnsupportedError(
        `${op}: shapes ${inputs.map((t) => `[${t.shape.join(',')}]`).join(' and ')} do not broadcast`,
      );
    }
    shape = next;
  }
  const index = inputs.map((x) => broadcastIndex(x.shape, shape));
  const n = hostSize(shape);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = f(...inputs.map((x, k) => x.data[index[k]!(i)]!));
  return hostArray(kind, shape, values);
}

/** An axis in [-rank, rank) as a non-negative one. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (axis < -rank || axis >= Math.max(rank, 1)) {
    throw new UnsupportedError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Permutes axes. */
export function transposeHost(x: HostArray, perm: readonly number[]): HostArray {
  const shape = perm.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(shape);
  const n = hostSize(shape);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < shape.length; d++)
      j += (Math.floor(i / outStrides[d]!) % shape[d]!) * inStrides[perm[d]!]!;
    values[i] = x.data[j]!;
  }
  return hostArray(x.kind, shape, values);
}

/** Picks `indices` (negative ones count from the end) along `axis`. */
export function gatherHost(x: HostArray, indices: HostArray, axis: number): HostArray {
  const ax = normAxis('Gather', axis, x.shape.length);
  const n = x.shape[ax]!;
  const idx = intsOf(indices).map((i) => {
    if (i < -n || i >= n) throw new UnsupportedError(`Gather: index ${i} is out of range for size ${n}`);
    return i < 0 ? i + n : i;
  });
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const i of idx) {
      for (let k = 0; k < inner; k++) values.push(x.data[(o * n + i) * inner + k]!);
    }
  }
  return hostArray(x.kind, [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], values);
}

/** Joins along `axis`. */
export function concatHost(xs: readonly HostArray[], axis: number): HostArray {
  const first = xs[0]!;
  const ax = normAxis('Concat', axis, first.shape.length);
  const outer = sizeOf(first.shape.slice(0, ax));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const x of xs) {
      const run = sizeOf(x.shape.slice(ax));
      for (let k = 0; k < run; k++) values.push(x.data[o * run + k]!);
    }
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((s, x) => s + x.shape[ax]!, 0);
  return hostArray(first.kind, shape, values);
}

/** ONNX Slice bounds for one axis of size n, clamped as ONNX and NumPy clamp them. */
export function sliceBounds(start: number, end: number, step: number, n: number): [number, number] {
  const s = start < 0 ? start + n : start;
  const e = end < 0 ? end + n : end;
  return step > 0
    ? [Math.min(Math.max(s, 0), n), Math.min(Math.max(e, 0), n)]
    : [Math.min(Math.max(s, -1), n - 1), Math.min(Math.max(e, -1), n - 1)];
}

/** ONNX Slice on the host. */
export function sliceHost(
  x: HostArray,
  starts: number[],
  ends: number[],
  axes: number[],
  steps: number[],
): HostArray {
  const rank = x.shape.length;
  const begin = x.shape.map(() => 0);
  const stride = x.shape.map(() => 1);
  const shape = [...x.shape];
  axes.forEach((a, i) => {
    const ax = normAxis('Slice', a, rank);
    const step = steps[i] ?? 1;
    const [s, e] = sliceBounds(starts[i]!, ends[i]!, step, x.shape[ax]!);
    begin[ax] = s;
    stride[ax] = step;
    shape[ax] = Math.max(0, Math.ceil((e - s) / step));
  });
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(shape);
  const values: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    let j = 0;
    for (let d = 0; d < rank; d++) {
      const c = Math.floor(i / outStrides[d]!) % shape[d]!;
      j += (begin[d]! + c * stride[d]!) * inStrides[d]!;
    }
    values.push(x.data[j]!);
  }
  return hostArray(x.kind, shape, values);
}

/** ONNX Reshape's target: 0 copies the input dim (unless allowzero), -1 takes the rest. */
export function reshapeTarget(
  input: readonly number[],
  target: readonly number[],
  allowZero: boolean,
): number[] {
  const dims = target.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const free = dims.filter((d) => d === -1).length;
  const total = sizeOf(input);
  if (free > 1 || (free === 0 && known !== total) || (free === 1 && (known === 0 || total % known !== 0))) {
    throw new UnsupportedError(`Reshape: cannot reshape [${input.join(',')}] to [${target.join(',')}]`);
  }
  return dims.map((d) => (d === -1 ? total / known : d));
}

/** Where Unsqueeze puts its new axes: the output shape. */
export function unsqueezeShape(shape: readonly number[], axes: readonly number[]): number[] {
  const rank = shape.length + axes.length;
  const at = new Set(axes.map((a) => normAxis('Unsqueeze', a, rank)));
  const out: number[] = [];
  let k = 0;
  for (let d = 0; d < rank; d++) out.push(at.has(d) ? 1 : shape[k++]!);
  return out;
}

/** Squeeze's output shape: the given axes (or every size-1 axis) removed. */
export function squeezeShape(shape: readonly number[], axes: readonly number[] | null): number[] {
  const drop = new Set(
    axes === null
      ? shape.flatMap((d, i) => (d === 1 ? [i] : []))
      : axes.map((a) => normAxis('Squeeze', a, shape.length)),
  );
  return shape.filter((_, i) => !drop.has(i));
}

/** A host array reshaped (same data). */
export function withShape(x: HostArray, shape: readonly number[]): HostArray {
  return { kind: x.kind, shape: [...shape], data: x.data };
}

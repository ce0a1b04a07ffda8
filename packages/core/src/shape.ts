// Shape arithmetic shared by ops (validation, output shapes) and backends (strides, indexing).

import { ArgumentError, fmtShape, ShapeError } from './errors.js';

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] ?? 1;
  }
  return strides;
}

/** The NumPy broadcast of two shapes, or a ShapeError naming the op. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes cannot be broadcast together, got a.shape=${fmtShape(a)} and b.shape=${fmtShape(b)}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides to read an input of shape `inShape` while walking `outShape` in row-major order:
 * broadcast axes (size 1 in the input, or missing) get stride 0. Length = outShape.length.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  const out = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < inShape.length; i++) {
    out[i + offset] = inShape[i] === 1 && outShape[i + offset] !== 1 ? 0 : (own[i] ?? 0);
  }
  return out;
}

/** Normalises a possibly negative axis against `rank`, or throws naming the op. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ArgumentError(
      `${op}: expected axis in [${-rank}, ${Math.max(rank, 1)}) for a tensor of rank ${rank}, got ${axis}`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises an axis option (undefined = all axes) to sorted unique non-negative axes. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = [...new Set(list.map((a) => normalizeAxis(op, a, rank)))];
  if (out.length !== list.length) {
    throw new ArgumentError(
      `${op}: expected distinct axes for a tensor of rank ${rank}, got repeated axis in [${list.join(',')}]`,
    );
  }
  return out.sort((x, y) => x - y);
}

/** Checks that a shape is a list of non-negative integers. */
export function assertShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape entries must be non-negative integers, got ${fmtShape(shape)}`);
    }
  }
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

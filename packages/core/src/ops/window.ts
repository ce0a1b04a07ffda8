// Sliding-window geometry shared by convolution (conv.ts) and pooling (pool.ts): the
// strides/padding/dilation option specs, resolving padding ('valid', TF-style 'same' or
// explicit) to explicit pads and an output size, and running a primitive on a rank-3 (HWC) or
// rank-4 (NHWC) input.

import { assertDType, type DType } from '../dtype.js';
import { fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { S } from './args.js';
import { cast } from './cast.js';
import { reshape } from './movement.js';

/** 'valid' (none), 'same' (TF: out = ceil(in / stride)), all sides equal, or [[top, bottom], [left, right]]. */
export type Padding =
  | 'valid'
  | 'same'
  | number
  | readonly [readonly [number, number], readonly [number, number]];

/** A size for both spatial axes, or [height, width]. */
export type Size2 = number | readonly [number, number];
export const FLOAT: readonly DType[] = ['float32', 'float64', 'float16'];

export const POSITIVE = S.number({ integer: true, min: 1 });
export const NON_NEGATIVE = S.number({ integer: true, min: 0 });
export const SIZE2 = S.oneOf(POSITIVE, S.list(POSITIVE, 2));
export const PADDING = S.oneOf(S.enum('valid', 'same'), NON_NEGATIVE, S.list(S.list(NON_NEGATIVE, 2), 2));
/** Both spatial sizes of a `Size2` (already checked against `SIZE2` by the op's signature). */
export function pair(value: Size2): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** Explicit padding and output size of a window sliding over the spatial axes. */
export interface Window {
  readonly pad: [number, number, number, number];
  readonly outH: number;
  readonly outW: number;
}

/** [top, bottom, left, right] of a padding other than 'same' (already checked against `PADDING`). */
export function explicitPads(padding: Exclude<Padding, 'same'>): [number, number, number, number] {
  if (padding === 'valid') return [0, 0, 0, 0];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  return [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
}

/**
 * Resolves padding for an input of spatial size `[h, w]` and an effective window `[eh, ew]`
 * (`(f − 1)·dilation + 1`). 'same' follows TF: out = ceil(in / s), total padding
 * max((out − 1)·s + e − in, 0), the smaller half on top/left. Otherwise
 * out = floor((in + before + after − e) / s) + 1, and the window must fit the padded input.
 */
export function slide(
  op: string,
  padding: Padding,
  hw: readonly number[],
  eff: readonly number[],
  strides: readonly number[],
  context: string,
): Window {
  const [h, w] = [hw[0]!, hw[1]!];
  if (padding === 'same') {
    const outs = [0, 1].map((i) => Math.ceil(hw[i]! / strides[i]!));
    const totals = [0, 1].map((i) => Math.max((outs[i]! - 1) * strides[i]! + eff[i]! - hw[i]!, 0));
    const [th, tw] = [totals[0]!, totals[1]!];
    const top = Math.floor(th / 2);
    const left = Math.floor(tw / 2);
    return { pad: [top, th - top, left, tw - left], outH: outs[0]!, outW: outs[1]! };
  }
  const pad = explicitPads(padding);
  const ph = h + pad[0] + pad[1];
  const pw = w + pad[2] + pad[3];
  if (ph < eff[0]! || pw < eff[1]!) {
    throw new ShapeError(
      `${op}: the window ${eff[0]}x${eff[1]} is larger than the padded input ${ph}x${pw}, got ${context}`,
    );
  }
  return {
    pad,
    outH: Math.floor((ph - eff[0]!) / strides[0]!) + 1,
    outW: Math.floor((pw - eff[1]!) / strides[1]!) + 1,
  };
}

/** Checks x is rank 3 or 4 and float; returns its NHWC shape. */
export function nhwc(op: string, x: Tensor): [number, number, number, number] {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new ShapeError(
      `${op}: expected x to have rank 4 (NHWC) or 3 (HWC), got x.shape=${fmtShape(x.shape)}`,
    );
  }
  assertDType(op, 'x', x.dtype, FLOAT);
  const s = x.rank === 4 ? x.shape : [1, ...x.shape];
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}
/** Runs a primitive on x (given rank 3 or 4) as NHWC and returns the output at x's rank. */
export function runNHWC(
  x: Tensor,
  [n, h, w, c]: readonly number[],
  dtype: DType,
  fn: (x4: Tensor) => Tensor,
): Tensor {
  return tidy(() => {
    const x4 = reshape(cast(x, dtype), [n!, h!, w!, c!]);
    const y = fn(x4);
    return x.rank === 4 ? y : reshape(y, y.shape.slice(1));
  });
}

// The fused `elementwise` kernel (core's chain programs): the program runs over blocks of
// BLOCK elements, one written-out loop per step over the block, in doubles, and only the last
// step is stored (rounded by the output's typed array). Inputs are read in place: directly when
// they have the output's shape, as one number when they hold one element, through broadcast
// strides otherwise. No intermediate tensor is allocated.

import type { TypedArray } from '@nabla/core';
import { broadcastStrides, type ChainStep, type FusedKernel } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { erf } from './erf.js';
import { sigmoid } from './unary.js';

const BLOCK = 1024;

/** Fills `dst[0..n)` with input elements `start..start+n` read through `strides` over `shape`. */
function gather(
  src: TypedArray,
  shape: readonly number[],
  strides: readonly number[],
  start: number,
  n: number,
  dst: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    let rem = start + i;
    let offset = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d]!;
      offset += (rem % size) * strides[d]!;
      rem = Math.floor(rem / size);
    }
    dst[i] = src[offset]!;
  }
}

/** Runs one step over `n` elements of the block buffers `v`. */
function runStep(step: ChainStep, v: Float64Array[], y: Float64Array, n: number): void {
  if (step.op === 'const') {
    y.fill(step.value, 0, n);
    return;
  }
  if (step.op === 'select') {
    const [c, a, b] = [v[step.c]!, v[step.x]!, v[step.y]!];
    for (let i = 0; i < n; i++) y[i] = c[i] !== 0 ? a[i]! : b[i]!;
    return;
  }
  const a = v[step.x]!;
  if ('y' in step) {
    const b = v[step.y]!;
    switch (step.op) {
      case 'add':
        for (let i = 0; i < n; i++) y[i] = a[i]! + b[i]!;
        return;
      case 'sub':
        for (let i = 0; i < n; i++) y[i] = a[i]! - b[i]!;
        return;
      case 'mul':
        for (let i = 0; i < n; i++) y[i] = a[i]! * b[i]!;
        return;
      case 'div':
        for (let i = 0; i < n; i++) y[i] = a[i]! / b[i]!;
        return;
      case 'maximum':
        for (let i = 0; i < n; i++) y[i] = Math.max(a[i]!, b[i]!);
        return;
      case 'minimum':
        for (let i = 0; i < n; i++) y[i] = Math.min(a[i]!, b[i]!);
        return;
      case 'greater':
        for (let i = 0; i < n; i++) y[i] = a[i]! > b[i]! ? 1 : 0;
        return;
      case 'greaterEqual':
        for (let i = 0; i < n; i++) y[i] = a[i]! >= b[i]! ? 1 : 0;
        return;
      case 'less':
        for (let i = 0; i < n; i++) y[i] = a[i]! < b[i]! ? 1 : 0;
        return;
      case 'lessEqual':
        for (let i = 0; i < n; i++) y[i] = a[i]! <= b[i]! ? 1 : 0;
        return;
      case 'equal':
        for (let i = 0; i < n; i++) y[i] = a[i] === b[i] ? 1 : 0;
        return;
      default:
        throw new Error(`elementwise: unknown step ${(step satisfies never as ChainStep).op}`);
    }
  }
  switch (step.op) {
    case 'neg':
      for (let i = 0; i < n; i++) y[i] = -a[i]!;
      return;
    case 'abs':
      for (let i = 0; i < n; i++) y[i] = Math.abs(a[i]!);
      return;
    case 'sign':
      for (let i = 0; i < n; i++) y[i] = Math.sign(a[i]!);
      return;
    case 'exp':
      for (let i = 0; i < n; i++) y[i] = Math.exp(a[i]!);
      return;
    case 'expm1':
      for (let i = 0; i < n; i++) y[i] = Math.expm1(a[i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) y[i] = Math.log(a[i]!);
      return;
    case 'log1p':
      for (let i = 0; i < n; i++) y[i] = Math.log1p(a[i]!);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) y[i] = Math.sqrt(a[i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) y[i] = 1 / Math.sqrt(a[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) y[i] = Math.tanh(a[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) y[i] = sigmoid(a[i]!);
      return;
    case 'erf':
      for (let i = 0; i < n; i++) y[i] = erf(a[i]!);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const x = a[i]!;
        y[i] = x <= 0 ? 0 : x;
      }
      return;
    default:
      throw new Error(`elementwise: unknown step ${(step satisfies never as ChainStep).op}`);
  }
}

/**
 * The `elementwise` fused kernel.
 * @example
 * const kernel = elementwiseKernel(ctx);
 * kernel([x], { program: [{ op: 'exp', x: 0 }] }, [out]);
 */
export function elementwiseKernel(ctx: CpuContext): FusedKernel<'elementwise'> {
  return (inputs, { program }, [out]) => {
    const result = ctx.alloc(out!);
    const y = result.values;
    const size = out!.size;
    const sources = inputs.map((t) => ({
      values: valuesOf(t, 'elementwise'),
      strides: broadcastStrides(t.shape, out!.shape),
      kind: t.size === 1 ? 'scalar' : t.size === size ? 'same' : 'strided',
    }));
    // One block per value, carved from the context's reused scratch (no allocation per call).
    const block = Math.min(BLOCK, size);
    const values = inputs.length + program.length;
    const scratch = ctx.scratch(values * block);
    const buffers = Array.from({ length: values }, (_, k) => scratch.subarray(k * block, (k + 1) * block));
    // Inputs of one element and constants are filled once.
    sources.forEach((s, k) => {
      if (s.kind === 'scalar') buffers[k]!.fill(s.values[0]!);
    });
    program.forEach((step, s) => {
      if (step.op === 'const') buffers[inputs.length + s]!.fill(step.value);
    });
    const last = buffers[buffers.length - 1]!;
    for (let start = 0; start < size; start += block) {
      const n = Math.min(block, size - start);
      sources.forEach((s, k) => {
        const buf = buffers[k]!;
        if (s.kind === 'same') for (let i = 0; i < n; i++) buf[i] = s.values[start + i]!;
        else if (s.kind === 'strided') gather(s.values, out!.shape, s.strides, start, n, buf);
      });
      program.forEach((step, s) => {
        if (step.op !== 'const') runStep(step, buffers, buffers[inputs.length + s]!, n);
      });
      for (let i = 0; i < n; i++) y[start + i] = last[i]!;
    }
    return [result];
  };
}

// Data movement: broadcastTo, transpose, reverse, slice and tile are one strided copy (each
// output element reads the input at base + Σ coordinate·stride, strides possibly negative);
// pad and sliceGrad write a fill where the output has no source; concat copies each input into
// its block of the output. Values move as raw 32-bit words (f16 for float16's 2-byte elements),
// so one pipeline serves every dtype of a width.

import { BackendError, type DType } from '@nabla/core';
import {
  aroundAxis,
  broadcastStrides,
  halfBits,
  type Kernel,
  type SliceParams,
  stridesOf,
  type TensorInfo,
  tileView,
} from '@nabla/core/internal';
import { dispatchInto, type GpuContext, gpuData } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { collapseAxes, ENTRY, GRID_INDEX, groupsFor, MAX_RANK, wordType } from '../wgsl.js';

const VEC8 = 'array<vec4<u32>, 2>';
const at = 'fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 { return a[d / 4u][d % 4u]; }';

const STRIDED = (word: string) => /* wgsl */ `
struct Params { n: u32, rank: u32, base: u32, e: u32, shape: ${VEC8}, strides: ${VEC8} }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${word}>;
@group(0) @binding(2) var<storage, read_write> y: array<${word}>;
${at}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  var rem = i;
  // Offsets wrap in u32: negative strides are two's complement and the sum lands in range.
  var off = p.base;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let q = u32(d);
    off += (rem % at(p.shape, q)) * at(p.strides, q);
    rem = rem / at(p.shape, q);
  }
  y[i] = x[off];
}
`;

function rankCheck(op: string, rank: number): void {
  if (rank > MAX_RANK) throw new BackendError(`${op}: webgpu walks at most ${MAX_RANK} axes, got ${rank}`);
}

/** Copies `x` read at `base + Σ c_d·strides_d` over `shape` (row-major) into new storage for `out`. */
function stridedCopy(
  ctx: GpuContext,
  op: string,
  x: TensorInfo,
  shape: readonly number[],
  strides: readonly number[],
  base: number,
  out: { shape: readonly number[]; dtype: DType; size: number },
): GpuData {
  const merged = collapseAxes(shape, [strides.map((s) => s)]);
  rankCheck(op, merged.shape.length);
  const params = new Uint32Array(4 + 16);
  params.set([out.size, merged.shape.length, base >>> 0, 0]);
  params.set(merged.shape, 4);
  params.set(
    merged.strides[0]!.map((s) => s >>> 0),
    12,
  );
  const word = wordType(out.dtype);
  return dispatchInto(ctx, op, out, {
    key: `strided-copy:${word}`,
    code: () => STRIDED(word),
    params,
    inputs: [x.handle],
  });
}

/** broadcastTo: the input read with stride 0 on broadcast axes. */
export function broadcastToKernel(ctx: GpuContext): Kernel<'broadcastTo'> {
  return ([x], _params, out) =>
    stridedCopy(ctx, 'broadcastTo', x!, out.shape, broadcastStrides(x!.shape, out.shape), 0, out);
}

/** transpose: output axis d walks input axis perm[d]. */
export function transposeKernel(ctx: GpuContext): Kernel<'transpose'> {
  return ([x], { perm }, out) => {
    const s = stridesOf(x!.shape);
    return stridedCopy(
      ctx,
      'transpose',
      x!,
      out.shape,
      perm.map((a) => s[a]!),
      0,
      out,
    );
  };
}

/** reverse: reversed axes start at their end with a negative stride. */
export function reverseKernel(ctx: GpuContext): Kernel<'reverse'> {
  return ([x], { axes }, out) => {
    const s = stridesOf(x!.shape);
    let base = 0;
    const strides = s.map((st, d) => {
      if (!axes.includes(d)) return st;
      base += (x!.shape[d]! - 1) * st;
      return -st;
    });
    return stridedCopy(ctx, 'reverse', x!, out.shape, strides, base, out);
  };
}

/** slice: output index i on axis d reads begin[d] + i·strides[d]. */
export function sliceKernel(ctx: GpuContext): Kernel<'slice'> {
  return ([x], { begin, strides }: SliceParams, out) => {
    const s = stridesOf(x!.shape);
    const base = begin.reduce((acc, b, d) => acc + b * s[d]!, 0);
    return stridedCopy(
      ctx,
      'slice',
      x!,
      out.shape,
      strides.map((st, d) => st * s[d]!),
      base,
      out,
    );
  };
}

/** tile: kernel-geometry's view of the output as repetitions over the input. */
export function tileKernel(ctx: GpuContext): Kernel<'tile'> {
  return ([x], { reps }, out) => {
    const view = tileView(x!.shape, out.shape, reps);
    return stridedCopy(ctx, 'tile', x!, view.shape, view.src, 0, out);
  };
}

const WINDOW = (word: string) => /* wgsl */ `
// Output coordinate c on axis d reads source coordinate (c - lo[d]) / step[d] when that is a
// whole number inside src[d]; otherwise the element is the fill value.
struct Params {
  n: u32, rank: u32, fill: u32, e: u32,
  shape: ${VEC8}, lo: ${VEC8}, step: ${VEC8}, src: ${VEC8}, srcStrides: ${VEC8},
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${word}>;
@group(0) @binding(2) var<storage, read_write> y: array<${word}>;
${at}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  var rem = i;
  var off = 0u;
  var inside = true;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let q = u32(d);
    let c = i32(rem % at(p.shape, q));
    rem = rem / at(p.shape, q);
    let delta = c - bitcast<i32>(at(p.lo, q));
    let step = bitcast<i32>(at(p.step, q));
    let k = delta / step;
    if (delta % step != 0 || k < 0 || k >= i32(at(p.src, q))) { inside = false; }
    off += u32(max(k, 0)) * at(p.srcStrides, q);
  }
  y[i] = select(${word === 'f16' ? 'bitcast<vec2<f16>>(p.fill).x' : 'p.fill'}, x[min(off, arrayLength(&x) - 1u)], inside);
}
`;

function windowCopy(
  ctx: GpuContext,
  op: string,
  x: TensorInfo,
  lo: readonly number[],
  step: readonly number[],
  fill: number,
  out: { shape: readonly number[]; dtype: DType; size: number },
): GpuData {
  rankCheck(op, out.shape.length);
  const params = new Uint32Array(4 + 40);
  params.set([out.size, out.shape.length, fill >>> 0, 0]);
  params.set(out.shape, 4);
  params.set(
    lo.map((v) => v >>> 0),
    12,
  );
  params.set(
    step.map((v) => v >>> 0),
    20,
  );
  params.set(x.shape, 28);
  params.set(stridesOf(x.shape), 36);
  const word = wordType(out.dtype);
  return dispatchInto(ctx, op, out, {
    key: `window-copy:${word}`,
    code: () => WINDOW(word),
    params,
    inputs: [x.handle],
  });
}

/** The 32-bit word of `value` stored as `dtype` (a half's bits for float16). */
function wordOf(value: number, dtype: DType): number {
  if (dtype === 'float32') return new Uint32Array(new Float32Array([value]).buffer)[0]!;
  if (dtype === 'float16') return halfBits(value);
  if (dtype === 'bool') return value !== 0 ? 1 : 0;
  return value | 0;
}

/** pad: the input placed at `before` on each axis, `value` elsewhere. */
export function padKernel(ctx: GpuContext): Kernel<'pad'> {
  return ([x], { paddings, value }, out) =>
    windowCopy(
      ctx,
      'pad',
      x!,
      paddings.map(([before]) => before),
      paddings.map(() => 1),
      wordOf(value, out.dtype),
      out,
    );
}

/** sliceGrad: dy written where slice read, zeros elsewhere. */
export function sliceGradKernel(ctx: GpuContext): Kernel<'sliceGrad'> {
  return ([dy], { begin, strides }: SliceParams, out) =>
    windowCopy(ctx, 'sliceGrad', dy!, begin, strides, 0, out);
}

const CONCAT = (word: string) => /* wgsl */ `
// One input's block [outer, len, inner] written at offset start along the output's axis (total).
struct Params { n: u32, len: u32, inner: u32, start: u32, total: u32, a: u32, b: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${word}>;
@group(0) @binding(2) var<storage, read_write> y: array<${word}>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let r = i % p.inner;
  let j = (i / p.inner) % p.len;
  let o = i / (p.inner * p.len);
  y[(o * p.total + p.start + j) * p.inner + r] = x[i];
}
`;

/** concat: each input copied into its block along `axis`. */
export function concatKernel(ctx: GpuContext): Kernel<'concat'> {
  return (inputs, { axis }, out) => {
    const y = ctx.alloc(out);
    const total = out.shape[axis]!;
    const word = wordType(out.dtype);
    const pipeline = ctx.queue.pipeline(`concat:${word}`, () => CONCAT(word));
    let start = 0;
    for (const x of inputs) {
      const [, len, inner] = aroundAxis(x.shape, axis);
      if (x.size > 0) {
        ctx.queue.dispatch({
          pipeline,
          params: new Uint32Array([x.size, len, inner, start, total, 0, 0, 0]),
          buffers: [gpuData(x.handle, 'concat').buffer, y.buffer],
          workgroups: groupsFor(x.size),
        });
      }
      start += len;
    }
    return y;
  };
}

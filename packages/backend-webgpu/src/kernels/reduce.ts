// Reductions (sum, prod, max, min, any, all), argMax/argMin and cumulative sums and products.
// A reduction runs one workgroup per output element: its threads stride over the reduced
// elements, then combine partial results in workgroup memory. Kept and reduced axes are
// merged into runs (kernel-geometry's reductionRuns), so the index math is over a few axes.
// max and min propagate NaN as Math.max does; int32 sums wrap.

import type { DType } from '@nabla/core';
import {
  aroundAxis,
  type CumulativeParams,
  type Kernel,
  type ReducePrim,
  reductionRuns,
  stridesOf,
} from '@nabla/core/internal';
import { dispatchInto, type GpuContext, gpuData } from '../gpu-context.js';
import {
  ENTRY,
  GRID_INDEX,
  groupsFor,
  loadScalar,
  PRELUDE,
  type Scalar,
  scalarOf,
  storageType,
  storeAs,
} from '../wgsl.js';

const HELPERS = /* wgsl */ `
fn max_f(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan(); } return max(a, b); }
fn min_f(a: f32, b: f32) -> f32 { if (is_nan(a) || is_nan(b)) { return nan(); } return min(a, b); }
`;

/** Per reduction and computing type: the identity and the combining expression. */
function combiner(
  prim: ReducePrim,
  t: 'f32' | 'i32',
): { identity: string; combine: (a: string, b: string) => string } {
  switch (prim) {
    case 'sum':
      return { identity: t === 'f32' ? '0.0' : '0', combine: (a, b) => `${a} + ${b}` };
    case 'prod':
      return { identity: t === 'f32' ? '1.0' : '1', combine: (a, b) => `${a} * ${b}` };
    case 'max':
      return t === 'f32'
        ? { identity: '-inf()', combine: (a, b) => `max_f(${a}, ${b})` }
        : { identity: 'i32(-2147483647 - 1)', combine: (a, b) => `max(${a}, ${b})` };
    case 'min':
      return t === 'f32'
        ? { identity: 'inf()', combine: (a, b) => `min_f(${a}, ${b})` }
        : { identity: '2147483647', combine: (a, b) => `min(${a}, ${b})` };
    case 'any':
      return { identity: '0', combine: (a, b) => `max(${a}, ${b})` };
    case 'all':
      return { identity: '1', combine: (a, b) => `min(${a}, ${b})` };
    default:
      return prim satisfies never;
  }
}

const REDUCE_STRUCT = /* wgsl */ `
struct Params {
  n: u32,
  keptRank: u32,
  redRank: u32,
  count: u32,
  kept: array<vec4<u32>, 2>,
  keptStrides: array<vec4<u32>, 2>,
  red: array<vec4<u32>, 2>,
  redStrides: array<vec4<u32>, 2>,
  // Each output's reduced elements are split into \`chunks\` runs of \`per\` (1 chunk: no split).
  chunks: u32,
  per: u32,
  e0: u32,
  e1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
fn at(a: array<vec4<u32>, 2>, d: u32) -> u32 { return a[d / 4u][d % 4u]; }
`;

function reduceShader(prim: ReducePrim, dtype: DType, out: DType, partial: boolean): string {
  // any/all read bools (and anything else as x != 0) into 0/1 ints.
  const logical = prim === 'any' || prim === 'all';
  const t = logical || scalarOf(dtype) !== 'f32' ? 'i32' : 'f32';
  const { identity, combine } = combiner(prim, t);
  const load = (idx: string) => {
    const v = loadScalar(`x[${idx}]`, dtype);
    if (logical)
      return `select(0, 1, ${dtype === 'bool' ? v : scalarOf(dtype) === 'f32' ? `(${v} != 0.0 || is_nan(${v}))` : `${v} != 0`})`;
    return dtype === 'bool' ? `select(0, 1, ${v})` : v;
  };
  const result: { expr: string; type: Scalar } = logical
    ? { expr: 'acc != 0', type: 'bool' }
    : { expr: 'acc', type: t };
  return `${PRELUDE}${HELPERS}${REDUCE_STRUCT}
@group(0) @binding(1) var<storage, read> x: array<${storageType(dtype)}>;
@group(0) @binding(2) var<storage, read_write> y: array<${partial ? t : storageType(out)}>;
var<workgroup> part: array<${t}, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = wid.x + wid.y * nwg.x;
  let o = w / p.chunks;
  let lo = (w % p.chunks) * p.per;
  let hi = min(lo + p.per, p.count);
  var base = 0u;
  if (o < p.n) {
    var rem = o;
    for (var d = i32(p.keptRank) - 1; d >= 0; d--) {
      let q = u32(d);
      base += (rem % at(p.kept, q)) * at(p.keptStrides, q);
      rem = rem / at(p.kept, q);
    }
  }
  var acc: ${t} = ${identity};
  if (p.redRank == 1u) {
    // One run of reduced elements (the usual case once axes are merged): a stride, no division.
    let stride = at(p.redStrides, 0u);
    for (var r = lo + lid; r < hi && o < p.n; r += 64u) {
      acc = ${combine('acc', load('base + r * stride'))};
    }
  } else {
    for (var r = lo + lid; r < hi && o < p.n; r += 64u) {
      var rem = r;
      var off = base;
      for (var d = i32(p.redRank) - 1; d >= 0; d--) {
        let q = u32(d);
        off += (rem % at(p.red, q)) * at(p.redStrides, q);
        rem = rem / at(p.red, q);
      }
      acc = ${combine('acc', load('off'))};
    }
  }
  part[lid] = acc;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { part[lid] = ${combine('part[lid]', 'part[lid + s]')}; }
    workgroupBarrier();
  }
  if (lid == 0u && o < p.n) {
    let acc = part[0];
    y[w] = ${partial ? 'acc' : storeAs(result.expr, result.type, out)};
  }
}
`;
}

/** Elements per chunk when a few outputs each reduce many elements (a second pass combines). */
const CHUNK = 2048;
const MAX_CHUNKS = 512;

/** The parameter block of one reduce pass. */
function reduceParams(
  n: number,
  kept: readonly number[],
  keptStrides: readonly number[],
  red: readonly number[],
  redStrides: readonly number[],
  count: number,
  chunks: number,
): Uint32Array {
  const params = new Uint32Array(4 + 32 + 4);
  params.set([n, kept.length, red.length, count]);
  params.set(kept, 4);
  params.set(keptStrides, 12);
  params.set(red, 20);
  params.set(redStrides, 28);
  params.set([chunks, Math.ceil(count / chunks)], 36);
  return params;
}

/**
 * The kernel of one reduction: one workgroup per output; when few outputs each reduce many
 * elements (a sum of everything), a first pass reduces chunks of 2,048 in parallel workgroups
 * into partials and a second pass combines them, so the GPU is not left with one workgroup.
 * @example
 * const sum = reduceKernel(ctx, 'sum');
 */
export function reduceKernel<P extends ReducePrim>(ctx: GpuContext, prim: P): Kernel<P> {
  return (inputs, { axes }, out) => {
    const x = inputs[0]!;
    const { sizes, reduced } = reductionRuns(x.shape, axes);
    const strides = stridesOf(sizes);
    const kept = sizes.filter((_, i) => !reduced[i]);
    const keptStrides = strides.filter((_, i) => !reduced[i]);
    const red = sizes.filter((_, i) => reduced[i]);
    const redStrides = strides.filter((_, i) => reduced[i]);
    const count = x.size === 0 ? 0 : red.reduce((a, b) => a * b, 1);
    const source = gpuData(x.handle, prim).buffer;
    const chunks = out.size <= 64 ? Math.min(Math.ceil(count / CHUNK), MAX_CHUNKS) : 1;
    const y = ctx.alloc(out);
    if (chunks <= 1) {
      const pipeline = ctx.queue.pipeline(`reduce:${prim}:${x.dtype}:${out.dtype}`, () =>
        reduceShader(prim, x.dtype, out.dtype, false),
      );
      const params = reduceParams(out.size, kept, keptStrides, red, redStrides, count, 1);
      ctx.queue.dispatch({ pipeline, params, buffers: [source, y.buffer], workgroups: out.size });
      return y;
    }
    // Pass 1: partials [out.size, chunks] in the accumulator's type; pass 2 reduces them.
    const logical = prim === 'any' || prim === 'all';
    const partialDType: DType = logical || scalarOf(x.dtype) !== 'f32' ? 'int32' : 'float32';
    const scratch = ctx.pool.acquire(out.size * chunks * 4);
    const first = ctx.queue.pipeline(`reduce-partial:${prim}:${x.dtype}`, () =>
      reduceShader(prim, x.dtype, partialDType, true),
    );
    ctx.queue.dispatch({
      pipeline: first,
      params: reduceParams(out.size, kept, keptStrides, red, redStrides, count, chunks),
      buffers: [source, scratch],
      workgroups: out.size * chunks,
    });
    const second = ctx.queue.pipeline(`reduce:${prim}:${partialDType}:${out.dtype}`, () =>
      reduceShader(prim, partialDType, out.dtype, false),
    );
    const keptOut = out.size > 1 ? [out.size] : [];
    ctx.queue.dispatch({
      pipeline: second,
      params: reduceParams(out.size, keptOut, keptOut.length ? [chunks] : [], [chunks], [1], chunks, 1),
      buffers: [scratch, y.buffer],
      workgroups: out.size,
    });
    // Reused only after the submit that reads it (the pool parks it until then).
    ctx.pool.release(scratch, true);
    return y;
  };
}

const AXIS_STRUCT = /* wgsl */ `
struct Params { n: u32, len: u32, inner: u32, flags: u32 }
@group(0) @binding(0) var<uniform> p: Params;
`;

function argShader(prim: 'argMax' | 'argMin', dtype: DType): string {
  const better = prim === 'argMax' ? '>' : '<';
  const v = (idx: string) => (dtype === 'float32' ? `x[${idx}]` : `f32(x[${idx}])`);
  return `${PRELUDE}${AXIS_STRUCT}
@group(0) @binding(1) var<storage, read> x: array<${storageType(dtype)}>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let base = (i / p.inner) * p.len * p.inner + i % p.inner;
  var best = 0u;
  var bestValue = ${v('base')};
  // The first NaN wins, as in the CPU kernel.
  for (var r = 1u; r < p.len && !is_nan(bestValue); r++) {
    let value = ${v('base + r * p.inner')};
    if (value ${better} bestValue || is_nan(value)) {
      best = r;
      bestValue = value;
    }
  }
  y[i] = i32(best);
}
`;
}

/**
 * argMax or argMin along an axis: the index of the first extreme (the first NaN if any).
 * @example
 * const argMax = argExtremeKernel(ctx, 'argMax');
 */
export function argExtremeKernel<P extends 'argMax' | 'argMin'>(ctx: GpuContext, prim: P): Kernel<P> {
  return (inputs, { axis }, out) => {
    const x = inputs[0]!;
    const [, n, inner] = aroundAxis(x.shape, axis);
    return dispatchInto(ctx, prim, out, {
      key: `${prim}:${x.dtype}`,
      code: () => argShader(prim, x.dtype),
      params: new Uint32Array([out.size, n, inner, 0]),
      inputs: [x.handle],
    });
  };
}

function scanShader(prim: 'cumsum' | 'cumprod', dtype: DType, out: DType): string {
  const t = scalarOf(dtype) === 'f32' ? 'f32' : 'i32';
  const identity = prim === 'cumsum' ? (t === 'f32' ? '0.0' : '0') : t === 'f32' ? '1.0' : '1';
  const op = prim === 'cumsum' ? '+' : '*';
  const load = dtype === 'bool' ? 'select(0, 1, x[at] != 0u)' : loadScalar('x[at]', dtype);
  const store = storeAs('acc', t, out);
  return `${PRELUDE}${AXIS_STRUCT}
@group(0) @binding(1) var<storage, read> x: array<${storageType(dtype)}>;
@group(0) @binding(2) var<storage, read_write> y: array<${storageType(out)}>;
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let base = (i / p.inner) * p.len * p.inner + i % p.inner;
  let exclusive = (p.flags & 1u) != 0u;
  let reverse = (p.flags & 2u) != 0u;
  var acc: ${t} = ${identity};
  for (var k = 0u; k < p.len; k++) {
    let r = select(k, p.len - 1u - k, reverse);
    let at = base + r * p.inner;
    let v: ${t} = ${load};
    if (exclusive) {
      y[at] = ${store};
      acc = acc ${op} v;
    } else {
      acc = acc ${op} v;
      y[at] = ${store};
    }
  }
}
`;
}

/**
 * cumsum or cumprod along an axis (exclusive and reversed scans included).
 * @example
 * const cumsum = cumulativeKernel(ctx, 'cumsum');
 */
export function cumulativeKernel<P extends 'cumsum' | 'cumprod'>(ctx: GpuContext, prim: P): Kernel<P> {
  return (inputs, { axis, exclusive, reverse }: CumulativeParams, out) => {
    const x = inputs[0]!;
    const [outer, n, inner] = aroundAxis(x.shape, axis);
    const lanes = outer * inner;
    return dispatchInto(ctx, prim, out, {
      key: `${prim}:${x.dtype}:${out.dtype}`,
      code: () => scanShader(prim, x.dtype, out.dtype),
      params: new Uint32Array([lanes, n, inner, (exclusive ? 1 : 0) | (reverse ? 2 : 0)]),
      inputs: [x.handle],
      workgroups: groupsFor(lanes),
    });
  };
}

function topkShader(dtype: DType): string {
  const t = dtype === 'int32' ? 'i32' : 'f32';
  // a at index ia ranks strictly before b at ib: NaN above every number, ties to the lower index.
  const before =
    t === 'f32'
      ? `let na = is_nan(a);
  if (na != is_nan(b)) { return na; }
  if (!na && a != b) { return a > b; }
  return ia < ib;`
      : `if (a != b) { return a > b; }
  return ia < ib;`;
  return `${PRELUDE}
struct Params { rows: u32, n: u32, k: u32, sorted: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<${storageType(dtype)}>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;
fn ld(at: u32) -> ${t} { return ${loadScalar('x[at]', dtype)}; }
fn before(a: ${t}, ia: u32, b: ${t}, ib: u32) -> bool {
  ${before}
}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.rows) { return; }
  let base = i * p.n;
  // k selection passes: pass j picks the best entry ranked after pass j-1's pick.
  var pickValue = ld(base);
  var pick = p.n;
  for (var j = 0u; j < p.k; j++) {
    var bestValue = ld(base);
    var best = p.n;
    for (var r = 0u; r < p.n; r++) {
      let v = ld(base + r);
      if (pick < p.n && !before(pickValue, pick, v, r)) { continue; }
      if (best == p.n || before(v, r, bestValue, best)) {
        best = r;
        bestValue = v;
      }
    }
    pick = best;
    pickValue = bestValue;
    if (p.sorted != 0u) { y[i * p.k + j] = i32(best); }
  }
  if (p.sorted == 0u) {
    // The k entries ranked at or before the k-th pick, in index order.
    var o = 0u;
    for (var r = 0u; r < p.n; r++) {
      if (r == pick || before(ld(base + r), r, pickValue, pick)) {
        y[i * p.k + o] = i32(r);
        o++;
      }
    }
  }
}
`;
}

/**
 * The `topkIndices` kernel: per last-axis row, the indices of its k largest values, best first
 * (NaN above every number, ties to the lower index), or in index order when not sorted. One
 * thread per row runs k selection passes over it.
 * @example
 * topkIndicesKernel(ctx)([x], { k: 2, sorted: true }, { shape: [3, 2], dtype: 'int32', size: 6 });
 */
export function topkIndicesKernel(ctx: GpuContext): Kernel<'topkIndices'> {
  return ([x], { k, sorted }, out) => {
    const y = ctx.alloc(out);
    if (out.size === 0) return y;
    const n = x!.shape[x!.shape.length - 1] ?? 1;
    const rows = out.size / k;
    const pipeline = ctx.queue.pipeline(`topkIndices:${x!.dtype}`, () => topkShader(x!.dtype));
    ctx.queue.dispatch({
      pipeline,
      params: new Uint32Array([rows, n, k, sorted ? 1 : 0]),
      buffers: [gpuData(x!.handle, 'topkIndices').buffer, y.buffer],
      workgroups: groupsFor(rows),
    });
    return y;
  };
}

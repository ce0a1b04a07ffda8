// The geometry kernels derive from a primitive's input and output shapes and its params:
// convolution and pooling sizes, the runs of kept and reduced axes of a reduction, the
// [outer, n, inner] view around one axis (gather, argMax, cumulative ops), the strided
// view that tiles, the dimensions of a batched matmul, and the source rows and columns of an
// image resize. Written once here for every backend
// (and used by core's own matmul), so no backend keeps a copy that could drift from another.
// Inputs are trusted: core has validated the shapes before any kernel runs.

import type { Conv2DParams, Pool2DParams, ResizeParams } from './prims.js';
import { sizeOf, stridesOf } from './shape.js';

/** Sizes of one convolution (NHWC), shared by the forward kernel and both backward kernels. */
export interface Conv2DGeometry {
  /** Input: images, height, width, channels. */
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  /** Filter height and width. */
  readonly fh: number;
  readonly fw: number;
  /** Output height, width and channels. */
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly groups: number;
  /** Strides, dilations, and the top and left padding. */
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly top: number;
  readonly left: number;
  /** Input and output channels per group. */
  readonly cg: number;
  readonly og: number;
  /** Output positions per image, and the length of one im2col row (fh·fw·cg). */
  readonly p: number;
  readonly kk: number;
  /** A 1×1 filter at stride 1 without padding: im2col of x is x itself. */
  readonly pointwise: boolean;
  /** One input channel per group (and more than one group). */
  readonly depthwise: boolean;
}

/**
 * The geometry of a convolution from x `[N, H, W, C]`, the filter `[fh, fw, C/groups, outC]`
 * and y `[N, outH, outW, outC]`, whichever of the three a kernel has as its output.
 * @example
 * const g = conv2dGeometry(x.shape, filter.shape, out.shape, params);
 * g.kk; // fh·fw·C/groups
 */
export function conv2dGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  yShape: readonly number[],
  params: Conv2DParams,
): Conv2DGeometry {
  const [n = 1, h = 1, w = 1, c = 1] = xShape;
  const [fh = 1, fw = 1, cg = 1, outC = 1] = filterShape;
  const outH = yShape[1] ?? 1;
  const outW = yShape[2] ?? 1;
  const [sh, sw] = params.strides;
  const [top, , left] = params.pad;
  const pointwise =
    fh === 1 &&
    fw === 1 &&
    sh === 1 &&
    sw === 1 &&
    params.pad.every((v) => v === 0) &&
    outH === h &&
    outW === w;
  return {
    n,
    h,
    w,
    c,
    fh,
    fw,
    outH,
    outW,
    outC,
    groups: params.groups,
    sh,
    sw,
    dh: params.dilations[0],
    dw: params.dilations[1],
    top,
    left,
    cg,
    og: outC / params.groups,
    p: outH * outW,
    kk: fh * fw * cg,
    pointwise,
    depthwise: cg === 1 && params.groups > 1,
  };
}

/** Sizes of one pooling (NHWC). */
export interface Pool2DGeometry {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly outH: number;
  readonly outW: number;
  /** Window height and width, strides, and the top and left padding. */
  readonly fh: number;
  readonly fw: number;
  readonly sh: number;
  readonly sw: number;
  readonly top: number;
  readonly left: number;
}

/**
 * The geometry of a pooling from x `[N, H, W, C]` to y `[N, outH, outW, C]`.
 * @example
 * const g = pool2dGeometry(x.shape, out.shape, params);
 * g.outH;
 */
export function pool2dGeometry(
  xShape: readonly number[],
  yShape: readonly number[],
  params: Pool2DParams,
): Pool2DGeometry {
  const [n = 1, h = 1, w = 1, c = 1] = xShape;
  const [top, , left] = params.pad;
  return {
    n,
    h,
    w,
    c,
    outH: yShape[1] ?? 1,
    outW: yShape[2] ?? 1,
    fh: params.filter[0],
    fw: params.filter[1],
    sh: params.strides[0],
    sw: params.strides[1],
    top,
    left,
  };
}

/** A shape as maximal runs of kept or reduced axes. */
export interface ReductionRuns {
  /** Size of each run (size-1 axes are dropped, so a run is never 1 unless the shape was all ones). */
  readonly sizes: readonly number[];
  /** Whether each run is reduced. */
  readonly reduced: readonly boolean[];
}

/**
 * Splits `shape` into maximal runs of neighbouring kept or reduced axes, dropping size-1 axes:
 * a reduction over one run is a plain [outer, n, inner] pass.
 * @example
 * reductionRuns([2, 3, 4, 5], [1, 2]); // { sizes: [2, 12, 5], reduced: [false, true, false] }
 */
export function reductionRuns(shape: readonly number[], axes: readonly number[]): ReductionRuns {
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    const last = sizes.length - 1;
    if (last >= 0 && reduced[last] === r) sizes[last] = (sizes[last] ?? 1) * d;
    else {
      sizes.push(d);
      reduced.push(r);
    }
  });
  return { sizes, reduced };
}

/**
 * `shape` viewed as [outer, n, inner] around `axis`: the products of the axes before and after
 * it, and its own size.
 * @example
 * aroundAxis([2, 3, 4, 5], 2); // [6, 4, 5]
 */
export function aroundAxis(
  shape: readonly number[],
  axis: number,
): [outer: number, n: number, inner: number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis] ?? 1, sizeOf(shape.slice(axis + 1))];
}

/** One strided copy: the shape walked, and the source and destination strides per axis. */
export interface StridedView {
  readonly shape: readonly number[];
  readonly src: readonly number[];
  readonly dst: readonly number[];
}

/**
 * The copy that tiles x `xShape` into `outShape`: output axis d is viewed as the two axes
 * [reps[d], n_d], and the source stride on each repetition axis is 0, so one strided copy
 * writes every tile.
 * @example
 * tileView([2, 3], [4, 3], [2, 1]); // { shape: [2, 2, 1, 3], src: [0, 3, 0, 1], dst: [6, 3, 3, 1] }
 */
export function tileView(
  xShape: readonly number[],
  outShape: readonly number[],
  reps: readonly number[],
): StridedView {
  const inStrides = stridesOf(xShape);
  const outStrides = stridesOf(outShape);
  const shape: number[] = [];
  const src: number[] = [];
  const dst: number[] = [];
  xShape.forEach((n, d) => {
    const outStride = outStrides[d] ?? 1;
    shape.push(reps[d] ?? 1, n);
    src.push(0, inStrides[d] ?? 1);
    dst.push(n * outStride, outStride);
  });
  return { shape, src, dst };
}

/** Dimensions of a batched matmul: `batch` products of `[m, k]·[k, n]`. */
export interface MatmulDims {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Products in the output, and matrices in each operand (1 broadcasts against the other). */
  readonly batch: number;
  readonly batchA: number;
  readonly batchB: number;
}

/**
 * The dimensions of `matmul(a, b)` for a `[...batchA, M, K]` (`[..., K, M]` if transposeA) and b
 * `[...batchB, K, N]` (`[..., N, K]` if transposeB), whose batches are equal or one of them 1.
 * @example
 * matmulDims([1, 2, 3], [4, 3, 5], false, false); // { m: 2, n: 5, k: 3, batch: 4, batchA: 1, batchB: 4 }
 */
export function matmulDims(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatmulDims {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = aShape[transposeA ? ra - 1 : ra - 2] ?? 1;
  const k = aShape[transposeA ? ra - 2 : ra - 1] ?? 1;
  const n = bShape[transposeB ? rb - 2 : rb - 1] ?? 1;
  let batchA = 1;
  for (let i = 0; i < ra - 2; i++) batchA *= aShape[i]!;
  let batchB = 1;
  for (let i = 0; i < rb - 2; i++) batchB *= bShape[i]!;
  return { m, n, k, batch: batchA === 1 ? batchB : batchA, batchA, batchB };
}

/** Where each output index along one axis of a resize reads: rows (or columns) and a blend. */
export interface ResizeAxis {
  /** The first source index of each output index. */
  readonly lower: Int32Array;
  /** The second source index (equal to `lower` for `nearest`). */
  readonly upper: Int32Array;
  /** The weight of `upper`: out = in[lower] + (in[upper] - in[lower]) · lerp (0 for `nearest`). */
  readonly lerp: Float64Array;
}

/**
 * The source indices and weights of a resize from `inSize` to `outSize` along one axis, as
 * TensorFlow computes them (in float64 here). With s = (in - 1) / (out - 1) when `alignCorners`
 * and out > 1, else in / out:
 * - bilinear: x = s·(i + 0.5) - 0.5 with `halfPixelCenters`, else s·i; lower = max(⌊x⌋, 0),
 *   upper = min(⌈x⌉, in - 1), lerp = x - ⌊x⌋;
 * - nearest: x = s·(i + 0.5) with `halfPixelCenters`, else s·i; the index is min(round(x) if
 *   `alignCorners` else ⌊x⌋, in - 1), and at least 0.
 * @example
 * resizeAxis(2, 3, { method: 'bilinear', alignCorners: false, halfPixelCenters: false });
 * // lower [0, 0, 1], upper [0, 1, 1], lerp [0, 2/3, 1/3]
 */
export function resizeAxis(inSize: number, outSize: number, params: ResizeParams): ResizeAxis {
  const aligned = params.alignCorners && outSize > 1;
  const scale = aligned ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const lerp = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    if (params.method === 'nearest') {
      const x = params.halfPixelCenters ? scale * (i + 0.5) : scale * i;
      const near = Math.max(0, Math.min(params.alignCorners ? Math.round(x) : Math.floor(x), inSize - 1));
      lower[i] = near;
      upper[i] = near;
    } else {
      const x = params.halfPixelCenters ? scale * (i + 0.5) - 0.5 : scale * i;
      const floor = Math.floor(x);
      lower[i] = Math.max(floor, 0);
      upper[i] = Math.min(Math.ceil(x), inSize - 1);
      lerp[i] = x - floor;
    }
  }
  return { lower, upper, lerp };
}

/**
 * Shape and per-operand strides with size-1 axes dropped and neighbouring axes merged where
 * every operand walks them contiguously (a scalar walk is `[1]` with stride 0), so strided
 * kernels loop over as few axes as possible.
 * @example
 * mergeAxes([2, 3, 4], [[12, 4, 1]]); // { shape: [24], strides: [[1]] }
 */
export function mergeAxes(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    // Axis d folds into the previous kept axis when each operand steps over it contiguously.
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n);
    if (mergeable) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => {
        outStrides[k]![last] = s[d]!;
      });
    } else {
      outShape.push(n);
      strides.forEach((s, k) => {
        outStrides[k]!.push(s[d]!);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

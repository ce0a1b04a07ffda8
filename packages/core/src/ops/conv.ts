// Convolution and pooling in NHWC: conv2d, conv2dTranspose, depthwiseConv2d, maxPool2d,
// avgPool2d, and the VJP rules of their primitives. Ops resolve strides, dilations and
// padding ('valid', TF-style 'same', or explicit) to the primitives' explicit parameters and
// accept rank-3 (unbatched HWC) inputs by adding and removing a batch axis.

import { assertDType, type DType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { tidy } from '../memory.js';
import type { Conv2DParams, Pool2DParams } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp.js';
import { defineOp, opt, req, S } from './args.js';
import { greater, mul } from './binary.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { oneHot, ones, tensor } from './creation.js';
import { reshape } from './movement.js';
import { argMax, sum } from './reduce.js';
import { where } from './where.js';

/** 'valid' (none), 'same' (TF: out = ceil(in / stride)), all sides equal, or [[top, bottom], [left, right]]. */
export type Padding =
  | 'valid'
  | 'same'
  | number
  | readonly [readonly [number, number], readonly [number, number]];

/** A size for both spatial axes, or [height, width]. */
export type Size2 = number | readonly [number, number];

/** Options of `conv2d` and `depthwiseConv2d`. */
export interface Conv2DOptions {
  strides?: Size2;
  padding?: Padding;
  /** Filter taps are `dilations` apart (atrous convolution). */
  dilations?: Size2;
}

/** Options of `conv2dTranspose`. */
export interface Conv2DTransposeOptions extends Conv2DOptions {
  /**
   * The output shape (`[N, H, W, C]`, or `[H, W, C]` for a rank-3 x); needed where strides
   * make it ambiguous. By default: `H = in · stride` for 'same', `(in − 1) · stride + fh` for 'valid'.
   */
  outputShape?: readonly number[];
}

/** Options of `maxPool2d` and `avgPool2d`. */
export interface Pool2DOptions {
  poolSize?: Size2;
  /** Defaults to `poolSize` (non-overlapping windows). */
  strides?: Size2;
  padding?: Padding;
}

const FLOAT: readonly DType[] = ['float32', 'float64'];

const POSITIVE = S.number({ integer: true, min: 1 });
const NON_NEGATIVE = S.number({ integer: true, min: 0 });
const SIZE2 = S.oneOf(POSITIVE, S.list(POSITIVE, 2));
const PADDING = S.oneOf(S.enum('valid', 'same'), NON_NEGATIVE, S.list(S.list(NON_NEGATIVE, 2), 2));
const CONV_KEYS = { strides: SIZE2, padding: PADDING, dilations: SIZE2 };
// tf.conv2d(x, filter, strides, pad, dataFormat, dilations): dataFormat has no option here (NHWC).
const CONV_OPTIONS = S.object(CONV_KEYS, { positional: ['strides', 'padding'] });
const CONV_PARAMS = [req('x', S.tensor), req('filter', S.tensor), opt('options', CONV_OPTIONS)] as const;
const POOL_OPTIONS = S.object(
  { poolSize: SIZE2, strides: SIZE2, padding: PADDING },
  { positional: ['poolSize', 'strides', 'padding'] },
);
const POOL_PARAMS = [req('x', S.tensor), opt('options', POOL_OPTIONS)] as const;

function pair(op: string, name: string, value: Size2): [number, number] {
  const p = typeof value === 'number' ? [value, value] : value;
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(
      `${op}: expected ${name} to be a positive integer or a pair of them, got ${JSON.stringify(value)}`,
    );
  }
  return [p[0]!, p[1]!];
}

/** Explicit padding and output size of a window sliding over the spatial axes. */
interface Window {
  readonly pad: [number, number, number, number];
  readonly outH: number;
  readonly outW: number;
}

function explicitPads(op: string, padding: Padding): [number, number, number, number] {
  const sides =
    typeof padding === 'number'
      ? [padding, padding, padding, padding]
      : Array.isArray(padding) &&
          padding.length === 2 &&
          padding.every((p) => Array.isArray(p) && p.length === 2)
        ? [padding[0]![0], padding[0]![1], padding[1]![0], padding[1]![1]]
        : null;
  if (!sides || !sides.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ArgumentError(
      `${op}: expected padding to be 'valid', 'same', a non-negative integer or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`,
    );
  }
  return [sides[0]!, sides[1]!, sides[2]!, sides[3]!];
}

/**
 * Resolves padding for an input of spatial size `[h, w]` and an effective window `[eh, ew]`
 * (`(f − 1)·dilation + 1`). 'same' follows TF: out = ceil(in / s), total padding
 * max((out − 1)·s + e − in, 0), the smaller half on top/left. Otherwise
 * out = floor((in + before + after − e) / s) + 1, and the window must fit the padded input.
 */
function slide(
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
  const pad =
    padding === 'valid' ? ([0, 0, 0, 0] as [number, number, number, number]) : explicitPads(op, padding);
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
function nhwc(op: string, x: Tensor): [number, number, number, number] {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new ShapeError(
      `${op}: expected x to have rank 4 (NHWC) or 3 (HWC), got x.shape=${fmtShape(x.shape)}`,
    );
  }
  assertDType(op, 'x', x.dtype, FLOAT);
  const s = x.rank === 4 ? x.shape : [1, ...x.shape];
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

function checkFilter(op: string, filter: Tensor, layout: string): void {
  if (filter.rank !== 4 || filter.shape[0] === 0 || filter.shape[1] === 0) {
    throw new ShapeError(
      `${op}: expected filter to have rank 4 ${layout} with nonzero spatial size, got filter.shape=${fmtShape(filter.shape)}`,
    );
  }
  assertDType(op, 'filter', filter.dtype, FLOAT);
}

function checkChannels(op: string, axis: number, expected: number, x: Tensor, filter: Tensor): void {
  if (filter.shape[axis] !== expected) {
    throw new ShapeError(
      `${op}: expected filter axis ${axis} (in channels) to be ${expected} to match x.shape=${fmtShape(x.shape)}, got filter.shape=${fmtShape(filter.shape)}`,
    );
  }
}

/** Runs a primitive on x (given rank 3 or 4) as NHWC and returns the output at x's rank. */
function runNHWC(
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

/** The shared forward of conv2d and depthwiseConv2d; `filter` is `[fh, fw, C / groups, outC]`. */
function convForward(
  op: string,
  x: Tensor,
  filter: Tensor,
  options: Conv2DOptions,
  groups: number,
  context: string,
): Tensor {
  const shape = nhwc(op, x);
  const strides = pair(op, 'strides', options.strides ?? 1);
  const dilations = pair(op, 'dilations', options.dilations ?? 1);
  const [fh, fw, , outC] = filter.shape as [number, number, number, number];
  const eff = [(fh - 1) * dilations[0] + 1, (fw - 1) * dilations[1] + 1];
  const win = slide(op, options.padding ?? 'valid', shape.slice(1, 3), eff, strides, context);
  const params: Conv2DParams = { strides, dilations, pad: win.pad, groups };
  const dtype = resultType([x, filter]);
  return runNHWC(x, shape, dtype, (x4) =>
    ENGINE.run('conv2d', [x4, cast(filter, dtype)], params, [shape[0], win.outH, win.outW, outC], dtype),
  );
}

/**
 * 2-D convolution (cross-correlation, as in every DL framework) of NHWC x with a filter
 * `[fh, fw, inC, outC]`: y[n, i, j, o] = Σ x[n, i·s − top + ky·d, j·s − left + kx·d, c] · f[ky, kx, c, o].
 * @example
 * conv2d(x, filter, { strides: 2, padding: 'same' }); // [1,28,28,3] ⋆ [3,3,3,8] → [1,14,14,8]
 * conv2d(x, filter, { dilations: 2, padding: [[1, 1], [2, 2]] });
 */
export const conv2d = defineOp(
  'conv2d',
  CONV_PARAMS,
  (x: TensorLike, filter: TensorLike, options: Conv2DOptions = {}): Tensor =>
    withArgs('conv2d', ['x', 'filter'], [x, filter], ([xt, ft]) => {
      const shape = nhwc('conv2d', xt!);
      checkFilter('conv2d', ft!, '[fh, fw, inC, outC]');
      checkChannels('conv2d', 2, shape[3], xt!, ft!);
      return convForward(
        'conv2d',
        xt!,
        ft!,
        options,
        1,
        `x.shape=${fmtShape(xt!.shape)} and filter.shape=${fmtShape(ft!.shape)}`,
      );
    }),
);

/**
 * Depthwise convolution: each input channel c is convolved with its own `multiplier` filters
 * `[fh, fw, c, m]`, giving output channel `c·multiplier + m`; run as a grouped convolution with
 * groups = inC and the filter viewed as `[fh, fw, 1, inC·multiplier]`.
 * @example
 * depthwiseConv2d(x, filter, { padding: 'same' }); // [1,8,8,3] with [3,3,3,2] → [1,8,8,6]
 */
export const depthwiseConv2d = defineOp(
  'depthwiseConv2d',
  CONV_PARAMS,
  (x: TensorLike, filter: TensorLike, options: Conv2DOptions = {}): Tensor =>
    withArgs('depthwiseConv2d', ['x', 'filter'], [x, filter], ([xt, ft]) => {
      const shape = nhwc('depthwiseConv2d', xt!);
      checkFilter('depthwiseConv2d', ft!, '[fh, fw, inC, multiplier]');
      checkChannels('depthwiseConv2d', 2, shape[3], xt!, ft!);
      const [fh, fw, c, m] = ft!.shape as [number, number, number, number];
      const context = `x.shape=${fmtShape(xt!.shape)} and filter.shape=${fmtShape(ft!.shape)}`;
      return tidy(() =>
        convForward('depthwiseConv2d', xt!, reshape(ft!, [fh, fw, 1, c * m]), options, c, context),
      );
    }),
);

/**
 * Transposed convolution (the gradient of conv2d with respect to its input), with the filter
 * laid out `[fh, fw, outC, inC]` like TF: it maps x `[N, H, W, inC]` to `[N, H', W', outC]`
 * where a conv2d with the same filter and options maps `[N, H', W', outC]` back to x's shape.
 * @example
 * conv2dTranspose(x, filter, { strides: 2, padding: 'same' }); // [1,7,7,8] → [1,14,14,outC]
 * conv2dTranspose(x, filter, { strides: 2, outputShape: [1, 15, 15, 3] });
 */
export const conv2dTranspose = defineOp(
  'conv2dTranspose',
  [
    req('x', S.tensor),
    req('filter', S.tensor),
    opt(
      'options',
      S.object({ ...CONV_KEYS, outputShape: S.shape }, { positional: ['outputShape', 'strides', 'padding'] }),
    ),
  ],
  (x: TensorLike, filter: TensorLike, options: Conv2DTransposeOptions = {}): Tensor => {
    const op = 'conv2dTranspose';
    return withArgs(op, ['x', 'filter'], [x, filter], ([xt, ft]) => {
      const [n, h, w, c] = nhwc(op, xt!);
      checkFilter(op, ft!, '[fh, fw, outC, inC]');
      checkChannels(op, 3, c, xt!, ft!);
      const strides = pair(op, 'strides', options.strides ?? 1);
      const dilations = pair(op, 'dilations', options.dilations ?? 1);
      const [fh, fw, outC] = ft!.shape as [number, number, number, number];
      const eff = [(fh - 1) * dilations[0] + 1, (fw - 1) * dilations[1] + 1];
      const padding = options.padding ?? 'valid';
      let outHW: number[];
      if (options.outputShape) {
        const want = xt!.rank === 4 ? [n, outC] : [outC];
        const os = options.outputShape;
        const lead = os.slice(0, xt!.rank - 3);
        if (os.length !== xt!.rank || ![...lead, os[os.length - 1]].every((d, i) => d === want[i])) {
          throw new ShapeError(
            `${op}: expected outputShape of rank ${xt!.rank} ending in ${outC} channels${xt!.rank === 4 ? ` with batch ${n}` : ''}, got outputShape=${fmtShape(os)} for x.shape=${fmtShape(xt!.shape)} and filter.shape=${fmtShape(ft!.shape)}`,
          );
        }
        outHW = os.slice(xt!.rank - 3, xt!.rank - 1);
      } else if (padding === 'same') {
        outHW = [h * strides[0], w * strides[1]];
      } else {
        const p = padding === 'valid' ? [0, 0, 0, 0] : explicitPads(op, padding);
        outHW = [
          (h - 1) * strides[0] + eff[0]! - p[0]! - p[1]!,
          (w - 1) * strides[1] + eff[1]! - p[2]! - p[3]!,
        ];
      }
      const context = `x.shape=${fmtShape(xt!.shape)}, filter.shape=${fmtShape(ft!.shape)} and output size ${outHW.join('x')}`;
      if (!outHW.every((d) => Number.isInteger(d) && d >= 1)) {
        throw new ShapeError(`${op}: the output must have positive spatial size, got ${context}`);
      }
      // The forward conv of the output must give x back, which fixes the padding.
      const win = slide(op, padding, outHW, eff, strides, context);
      if (win.outH !== h || win.outW !== w) {
        throw new ShapeError(
          `${op}: a conv2d of the output would have spatial size ${win.outH}x${win.outW}, not x's ${h}x${w}, got ${context}`,
        );
      }
      const params: Conv2DParams = { strides, dilations, pad: win.pad, groups: 1 };
      const dtype = resultType([xt!, ft!]);
      return runNHWC(xt!, [n, h, w, c], dtype, (x4) =>
        ENGINE.run(
          'conv2dBackpropInput',
          [x4, cast(ft!, dtype)],
          params,
          [n, outHW[0]!, outHW[1]!, outC],
          dtype,
        ),
      );
    });
  },
);

function pool(prim: 'maxPool2d' | 'avgPool2d', x: TensorLike, options: Pool2DOptions): Tensor {
  return withArgs(prim, ['x'], [x], ([xt]) => {
    const shape = nhwc(prim, xt!);
    const filter = pair(prim, 'poolSize', options.poolSize ?? 2);
    const strides = pair(prim, 'strides', options.strides ?? filter);
    const padding = options.padding ?? 'valid';
    const context = `x.shape=${fmtShape(xt!.shape)} and poolSize=${fmtShape(filter)}`;
    const win = slide(prim, padding, shape.slice(1, 3), filter, strides, context);
    // A window lying wholly in the padding would have nothing to pool.
    if (
      win.pad[0] >= filter[0] ||
      win.pad[1] >= filter[0] ||
      win.pad[2] >= filter[1] ||
      win.pad[3] >= filter[1]
    ) {
      throw new ArgumentError(
        `${prim}: expected padding smaller than the pooling window, got padding=${JSON.stringify(padding)} and ${context}`,
      );
    }
    const params: Pool2DParams = { filter, strides, pad: win.pad };
    return runNHWC(xt!, shape, xt!.dtype, (x4) =>
      ENGINE.run(prim, [x4], params, [shape[0], win.outH, win.outW, shape[3]], xt!.dtype),
    );
  });
}

/**
 * Max pooling over `poolSize` windows (NHWC); padded positions never win.
 * @example
 * maxPool2d(x); // 2x2 windows, stride 2: [1,28,28,8] → [1,14,14,8]
 * maxPool2d(x, { poolSize: 3, strides: 1, padding: 'same' });
 */
export const maxPool2d = defineOp(
  'maxPool2d',
  POOL_PARAMS,
  (x: TensorLike, options: Pool2DOptions = {}): Tensor => pool('maxPool2d', x, options),
);

/**
 * Average pooling over `poolSize` windows (NHWC); with padding, each window averages only its
 * in-bounds positions, like TF/Keras.
 * @example
 * avgPool2d(x, { poolSize: 2 }); // [1,28,28,8] → [1,14,14,8]
 * avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' });
 */
export const avgPool2d = defineOp(
  'avgPool2d',
  POOL_PARAMS,
  (x: TensorLike, options: Pool2DOptions = {}): Tensor => pool('avgPool2d', x, options),
);

/**
 * The adjoint of `maxPool2dBackward(x, ·)`: for each window, the cotangent `g` at the window's
 * first maximum of x. Windows are unfolded into a patch axis by a depthwise conv2d with a
 * one-hot filter (tap t of each channel to its own output), then argMax picks the tap.
 */
function gatherAtWindowMax(x: Tensor, g: Tensor, params: Pool2DParams, outShape: readonly number[]): Tensor {
  return tidy(() => {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [, oh, ow] = outShape as [number, number, number, number];
    const [fh, fw] = params.filter;
    const taps = fh * fw;
    const unfold = (v: Tensor, channels: number): Tensor => {
      // filter[ky, kx, 0, ci·taps + t] = [t == ky·fw + kx]
      const values = new Array<number>(taps * channels * taps).fill(0);
      for (let t = 0; t < taps; t++)
        for (let ci = 0; ci < channels; ci++) values[(t * channels + ci) * taps + t] = 1;
      const f = tensor(values, [fh, fw, 1, channels * taps], v.dtype);
      const conv: Conv2DParams = {
        strides: params.strides,
        dilations: [1, 1],
        pad: params.pad,
        groups: channels,
      };
      return ENGINE.run('conv2d', [v, f], conv, [v.shape[0]!, oh, ow, channels * taps], v.dtype);
    };
    const inside = greater(reshape(unfold(ones([1, h, w, 1], x.dtype), 1), [1, oh, ow, 1, taps]), 0.5);
    const xp = where(inside, reshape(unfold(x, c), [n, oh, ow, c, taps]), Number.NEGATIVE_INFINITY);
    const pick = oneHot(argMax(xp, { axis: 4 }), taps, { dtype: g.dtype });
    return sum(mul(pick, reshape(unfold(g, c), [n, oh, ow, c, taps])), { axis: 4 });
  });
}

/** VJP rules of the convolution and pooling primitives. */
export const CONV_RULES: RuleTable<
  | 'conv2d'
  | 'conv2dBackpropInput'
  | 'conv2dBackpropFilter'
  | 'maxPool2d'
  | 'maxPool2dBackward'
  | 'avgPool2d'
  | 'avgPool2dBackward'
> = {
  // y = C(x, w) is bilinear: dx = Bi(dy, w) = C(·, w)ᵀ dy, dw = Bf(x, dy) = C(x, ·)ᵀ dy
  conv2d: ({ inputs: [x, w], params, dy, needs }) => [
    // A network's input images need no gradient: skip the largest backward product.
    needs[0] ? ENGINE.run('conv2dBackpropInput', [dy, w!], params, x!.shape, dy.dtype) : null,
    needs[1] ? ENGINE.run('conv2dBackpropFilter', [x!, dy], params, w!.shape, dy.dtype) : null,
  ],
  // dx = Bi(d, w) with <g, Bi(d, w)> = <C(g, w), d>: d(d) = C(g, w), d(w) = Bf(g, d)
  conv2dBackpropInput: ({ inputs: [d, w], params, dy: g }) => [
    ENGINE.run('conv2d', [g, w!], params, d!.shape, g.dtype),
    ENGINE.run('conv2dBackpropFilter', [g, d!], params, w!.shape, g.dtype),
  ],
  // dw = Bf(x, d) with <G, Bf(x, d)> = <C(x, G), d> = <x, Bi(d, G)>: d(x) = Bi(d, G), d(d) = C(x, G)
  conv2dBackpropFilter: ({ inputs: [x, d], params, dy: g }) => [
    ENGINE.run('conv2dBackpropInput', [d!, g], params, x!.shape, g.dtype),
    ENGINE.run('conv2d', [x!, g], params, d!.shape, g.dtype),
  ],
  // d maxPool(x) = dy routed to each window's first maximum
  maxPool2d: ({ inputs: [x], params, dy }) => [
    ENGINE.run('maxPool2dBackward', [x!, dy], params, x!.shape, dy.dtype),
  ],
  // dx = M(x)·d is linear in d (x only picks the routes, a.e. constant): d(d) = M(x)ᵀ g = g at each window's max
  maxPool2dBackward: ({ inputs: [x, d], params, dy: g }) => [
    null,
    gatherAtWindowMax(x!, g, params, d!.shape),
  ],
  // d avgPool(x) = dy spread evenly over each window's in-bounds positions
  avgPool2d: ({ inputs: [x], params, dy }) => [
    ENGINE.run('avgPool2dBackward', [dy], params, x!.shape, dy.dtype),
  ],
  // avgPool2dBackward is avgPool2d's adjoint, so its own adjoint is avgPool2d: d(d) = avgPool(g)
  avgPool2dBackward: ({ inputs: [d], params, dy: g }) => [
    ENGINE.run('avgPool2d', [g], params, d!.shape, g.dtype),
  ],
};

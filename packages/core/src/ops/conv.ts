// Convolution in NHWC: conv2d, conv2dTranspose, depthwiseConv2d, and the VJP rules of their
// primitives. Ops resolve strides, dilations and padding to the primitives' explicit
// parameters with the window geometry of window.ts (shared with pooling, pool.ts) and accept
// rank-3 (unbatched HWC) inputs by adding and removing a batch axis.

import { assertDType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { fmtShape, ShapeError } from '../errors.js';
import type { ConvActivation } from '../fused-prims.js';
import { tidy } from '../memory.js';
import type { Conv2DParams } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S } from './args.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { biasActivation, checkBiasActivation } from './fused.js';
import { reshape } from './movement.js';
import {
  explicitPads,
  FLOAT,
  nhwc,
  PADDING,
  type Padding,
  pair,
  runNHWC,
  SIZE2,
  type Size2,
  slide,
} from './window.js';

export type { Padding, Size2 } from './window.js';

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
const CONV_KEYS = { strides: SIZE2, padding: PADDING, dilations: SIZE2 };
// tf.conv2d(x, filter, strides, pad, dataFormat, dilations): dataFormat has no option here (NHWC).
const CONV_OPTIONS = S.object(CONV_KEYS, { positional: ['strides', 'padding'] });
const CONV_PARAMS = [req('x', S.tensor), req('filter', S.tensor), opt('options', CONV_OPTIONS)] as const;

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
/** A bias and activation applied to a convolution's output (`conv2dBiasActivation`). */
interface Epilogue {
  readonly bias: Tensor | null;
  readonly activation: ConvActivation;
}

/**
 * The shared forward of conv2d and depthwiseConv2d; `filter` is `[fh, fw, C / groups, outC]`.
 * With an `epilogue`: act(y + bias), as the backend's `fusedConv2d` kernel where it has one.
 */
function convForward(
  op: string,
  x: Tensor,
  filter: Tensor,
  options: Conv2DOptions,
  groups: number,
  context: string,
  epilogue?: Epilogue,
): Tensor {
  const shape = nhwc(op, x);
  const strides = pair(options.strides ?? 1);
  const dilations = pair(options.dilations ?? 1);
  const [fh, fw, , outC] = filter.shape as [number, number, number, number];
  const eff = [(fh - 1) * dilations[0] + 1, (fw - 1) * dilations[1] + 1];
  const win = slide(op, options.padding ?? 'valid', shape.slice(1, 3), eff, strides, context);
  const params: Conv2DParams = { strides, dilations, pad: win.pad, groups };
  const dtype = resultType([x, filter]);
  const outShape = [shape[0], win.outH, win.outW, outC];
  if (epilogue) {
    checkBiasActivation(
      op,
      x.rank === 4 ? outShape : outShape.slice(1),
      dtype,
      epilogue.bias,
      epilogue.activation,
    );
  }
  return runNHWC(x, shape, dtype, (x4) => {
    const f = cast(filter, dtype);
    if (!epilogue) return ENGINE.run('conv2d', [x4, f], params, outShape, dtype);
    const { bias, activation } = epilogue;
    const inputs = bias ? [x4, f, bias] : [x4, f];
    const kernel = ENGINE.fusedKernel('fusedConv2d', inputs);
    if (kernel && x4.size > 0 && f.size > 0 && outShape.every((d) => d > 0)) {
      const fused = { ...params, hasBias: bias !== null, activation };
      return ENGINE.runFused('fusedConv2d', kernel, inputs, fused, [{ shape: outShape, dtype }])[0]!;
    }
    return biasActivation(ENGINE.run('conv2d', [x4, f], params, outShape, dtype), bias, activation);
  });
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
      const shape = nhwc('conv2d', xt);
      checkFilter('conv2d', ft, '[fh, fw, inC, outC]');
      checkChannels('conv2d', 2, shape[3], xt, ft);
      return convForward(
        'conv2d',
        xt,
        ft,
        options,
        1,
        `x.shape=${fmtShape(xt.shape)} and filter.shape=${fmtShape(ft.shape)}`,
      );
    }),
);

/**
 * act(conv2d(x, filter, options) + bias), bias `[outC]` or none: the convolution layer's
 * forward pass, as the backend's one `fusedConv2d` kernel where it has it (the epilogue runs
 * over the output while it is still in cache), else `conv2d` then `biasActivation`. Its
 * gradient keeps only the output, as `biasActivation`'s does.
 * @example
 * conv2dBiasActivation(x, w, { padding: 'same' }, b, 'relu'); // relu(conv2d(x, w) + b)
 */
export function conv2dBiasActivation(
  x: Tensor,
  filter: Tensor,
  options: Conv2DOptions,
  bias: Tensor | null,
  activation: ConvActivation,
): Tensor {
  const op = 'conv2dBiasActivation';
  const shape = nhwc(op, x);
  checkFilter(op, filter, '[fh, fw, inC, outC]');
  checkChannels(op, 2, shape[3], x, filter);
  const context = `x.shape=${fmtShape(x.shape)} and filter.shape=${fmtShape(filter.shape)}`;
  return convForward(op, x, filter, options, 1, context, { bias, activation });
}

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
      const shape = nhwc('depthwiseConv2d', xt);
      checkFilter('depthwiseConv2d', ft, '[fh, fw, inC, multiplier]');
      checkChannels('depthwiseConv2d', 2, shape[3], xt, ft);
      const [fh, fw, c, m] = ft.shape as [number, number, number, number];
      const context = `x.shape=${fmtShape(xt.shape)} and filter.shape=${fmtShape(ft.shape)}`;
      return tidy(() =>
        convForward('depthwiseConv2d', xt, reshape(ft, [fh, fw, 1, c * m]), options, c, context),
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
      const [n, h, w, c] = nhwc(op, xt);
      checkFilter(op, ft, '[fh, fw, outC, inC]');
      checkChannels(op, 3, c, xt, ft);
      const strides = pair(options.strides ?? 1);
      const dilations = pair(options.dilations ?? 1);
      const [fh, fw, outC] = ft.shape as [number, number, number, number];
      const eff = [(fh - 1) * dilations[0] + 1, (fw - 1) * dilations[1] + 1];
      const padding = options.padding ?? 'valid';
      let outHW: number[];
      if (options.outputShape) {
        const want = xt.rank === 4 ? [n, outC] : [outC];
        const os = options.outputShape;
        const lead = os.slice(0, xt.rank - 3);
        if (os.length !== xt.rank || ![...lead, os[os.length - 1]].every((d, i) => d === want[i])) {
          throw new ShapeError(
            `${op}: expected outputShape of rank ${xt.rank} ending in ${outC} channels${xt.rank === 4 ? ` with batch ${n}` : ''}, got outputShape=${fmtShape(os)} for x.shape=${fmtShape(xt.shape)} and filter.shape=${fmtShape(ft.shape)}`,
          );
        }
        outHW = os.slice(xt.rank - 3, xt.rank - 1);
      } else if (padding === 'same') {
        outHW = [h * strides[0], w * strides[1]];
      } else {
        const p = explicitPads(padding);
        outHW = [
          (h - 1) * strides[0] + eff[0]! - p[0]! - p[1]!,
          (w - 1) * strides[1] + eff[1]! - p[2]! - p[3]!,
        ];
      }
      const context = `x.shape=${fmtShape(xt.shape)}, filter.shape=${fmtShape(ft.shape)} and output size ${outHW.join('x')}`;
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
      const dtype = resultType([xt, ft]);
      return runNHWC(xt, [n, h, w, c], dtype, (x4) =>
        ENGINE.run(
          'conv2dBackpropInput',
          [x4, cast(ft, dtype)],
          params,
          [n, outHW[0]!, outHW[1]!, outC],
          dtype,
        ),
      );
    });
  },
);
/** VJP rules of the convolution primitives. */
export const CONV_RULES: RuleTable<'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'> = {
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
};

// Max and average pooling in NHWC (maxPool2d, avgPool2d) and the VJP rules of their
// primitives. Window geometry (padding, output size, rank-3 inputs) comes from window.ts.

import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import type { Conv2DParams, Pool2DParams } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S } from './args.js';
import { greater, mul } from './binary.js';
import { type TensorLike, withArgs } from './convert.js';
import { oneHot, ones, tensor } from './creation.js';
import { reshape } from './movement.js';
import { argMax, sum } from './reduce.js';
import { where } from './where.js';
import { nhwc, PADDING, type Padding, pair, runNHWC, SIZE2, type Size2, slide } from './window.js';

/** Options of `maxPool2d` and `avgPool2d`. */
export interface Pool2DOptions {
  poolSize?: Size2;
  /** Defaults to `poolSize` (non-overlapping windows). */
  strides?: Size2;
  padding?: Padding;
}

const POOL_OPTIONS = S.object(
  { poolSize: SIZE2, strides: SIZE2, padding: PADDING },
  { positional: ['poolSize', 'strides', 'padding'] },
);
const POOL_PARAMS = [req('x', S.tensor), opt('options', POOL_OPTIONS)] as const;

function pool(prim: 'maxPool2d' | 'avgPool2d', x: TensorLike, options: Pool2DOptions): Tensor {
  return withArgs(prim, ['x'], [x], ([xt]) => {
    const shape = nhwc(prim, xt);
    const filter = pair(options.poolSize ?? 2);
    const strides = pair(options.strides ?? filter);
    const padding = options.padding ?? 'valid';
    const context = `x.shape=${fmtShape(xt.shape)} and poolSize=${fmtShape(filter)}`;
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
    return runNHWC(xt, shape, xt.dtype, (x4) =>
      ENGINE.run(prim, [x4], params, [shape[0], win.outH, win.outW, shape[3]], xt.dtype),
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
/** VJP rules of the pooling primitives. */
export const POOL_RULES: RuleTable<'maxPool2d' | 'maxPool2dBackward' | 'avgPool2d' | 'avgPool2dBackward'> = {
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

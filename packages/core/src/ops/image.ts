// Image resizing as TensorFlow.js has it (`image.resizeBilinear`, `image.resizeNearestNeighbor`)
// on NHWC (or HWC) float images, and the VJP rules of the `resize` primitive and its adjoint
// `resizeGrad`. The source coordinates follow TensorFlow (kernel-geometry.ts's `resizeAxis`).

import { assertDType } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import type { ResizeParams } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, req, S } from './args.js';
import { type TensorLike, withArgs } from './convert.js';
import { FLOAT, POSITIVE, runNHWC } from './window.js';

/** Options of `image.resizeBilinear` and `image.resizeNearestNeighbor`. */
export interface ResizeOptions {
  /**
   * Map the corner pixels of input and output onto each other: scale by (in - 1) / (out - 1)
   * instead of in / out. Default false.
   */
  alignCorners?: boolean;
  /** Treat pixel centers as at +0.5 (PyTorch's `align_corners=False`). Default false. */
  halfPixelCenters?: boolean;
}

const RESIZE_PARAMS = [
  req('images', S.tensor),
  req('size', S.list(POSITIVE, 2)),
  opt(
    'options',
    S.object(
      { alignCorners: S.boolean, halfPixelCenters: S.boolean },
      { positional: ['alignCorners', 'halfPixelCenters'] },
    ),
  ),
] as const;

function resize(
  op: string,
  method: ResizeParams['method'],
  images: TensorLike,
  size: readonly [number, number],
  options: ResizeOptions,
): Tensor {
  return withArgs(op, ['images'], [images], ([x]) => {
    if (x.rank !== 3 && x.rank !== 4) {
      throw new ShapeError(
        `${op}: expected images to have rank 4 (NHWC) or 3 (HWC), got images.shape=${fmtShape(x.shape)}`,
      );
    }
    assertDType(op, 'images', x.dtype, FLOAT);
    const [n, h, w, c] = x.rank === 4 ? x.shape : [1, ...x.shape];
    if (h === 0 || w === 0) {
      throw new ShapeError(
        `${op}: expected images of non-zero height and width, got images.shape=${fmtShape(x.shape)}`,
      );
    }
    const alignCorners = options.alignCorners ?? false;
    const halfPixelCenters = options.halfPixelCenters ?? false;
    if (alignCorners && halfPixelCenters) {
      throw new ArgumentError(
        `${op}: expected alignCorners false when halfPixelCenters is true, got both true`,
      );
    }
    const params: ResizeParams = { method, alignCorners, halfPixelCenters };
    return runNHWC(x, [n!, h!, w!, c!], x.dtype, (x4) =>
      ENGINE.run('resize', [x4], params, [n!, size[0], size[1], c!], x.dtype),
    );
  });
}

/**
 * Resizes NHWC (or HWC) float images to `[newHeight, newWidth]` by bilinear interpolation, with
 * TensorFlow's coordinates (`halfPixelCenters: true` matches PyTorch's bilinear
 * `interpolate(..., align_corners=False)`). Differentiable with respect to the images.
 * @example
 * image.resizeBilinear(x, [64, 64]); // [8,32,32,3] → [8,64,64,3]
 * image.resizeBilinear(x, [5, 5], { alignCorners: true });
 */
export const resizeBilinear = defineOp(
  'resizeBilinear',
  RESIZE_PARAMS,
  (images: TensorLike, size: readonly [number, number], options: ResizeOptions = {}): Tensor =>
    resize('resizeBilinear', 'bilinear', images, size, options),
);

/**
 * Resizes NHWC (or HWC) float images to `[newHeight, newWidth]`, each output pixel a copy of its
 * nearest source pixel, with TensorFlow's coordinates. Differentiable with respect to the images.
 * @example
 * image.resizeNearestNeighbor(x, [64, 64]); // [8,32,32,3] → [8,64,64,3]
 * image.resizeNearestNeighbor(x, [3, 3], { halfPixelCenters: true });
 */
export const resizeNearestNeighbor = defineOp(
  'resizeNearestNeighbor',
  RESIZE_PARAMS,
  (images: TensorLike, size: readonly [number, number], options: ResizeOptions = {}): Tensor =>
    resize('resizeNearestNeighbor', 'nearest', images, size, options),
);

/** VJP rules of the resize primitives. */
export const IMAGE_RULES: RuleTable<'resize' | 'resizeGrad'> = {
  // resize is linear, y = R x: dx = Rᵀ dy, dy scattered back with the weights it was read with
  resize: ({ inputs: [x], params, dy }) => [ENGINE.run('resizeGrad', [dy], params, x!.shape, dy.dtype)],
  // resizeGrad is Rᵀ, linear in d: d(d) = R g
  resizeGrad: ({ inputs: [d], params, dy: g }) => [ENGINE.run('resize', [g], params, d!.shape, g.dtype)],
};

/**
 * The image ops under TensorFlow.js's namespace: `image.resizeBilinear`,
 * `image.resizeNearestNeighbor` (the same functions as the named exports).
 * @example
 * import { image } from '@nabla/core';
 * const y = image.resizeBilinear(x, [224, 224], { halfPixelCenters: true });
 */
export const image = Object.freeze({ resizeBilinear, resizeNearestNeighbor });

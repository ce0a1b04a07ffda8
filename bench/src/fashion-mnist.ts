// Training data for the epoch rows: the first N Fashion-MNIST training images (pixels / 255,
// flattened to 784) with one-hot labels, read from the Debian package `dataset-fashion-mnist`
// when it is installed; otherwise a seeded synthetic set of the same shape whose labels a
// fixed random linear "teacher" assigns, so that a model can still learn it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { randomValues } from './registry.js';

/** Where the Debian package puts the IDX files; `NABLA_FASHION_MNIST` overrides it. */
export const FASHION_MNIST_DIR: string =
  process.env.NABLA_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';

const IMAGES = 'train-images-idx3-ubyte.gz';
const LABELS = 'train-labels-idx1-ubyte.gz';
const PIXELS = 28 * 28;
const CLASSES = 10;

/** `count` samples: `x` is `[count, 784]` in [0, 1], `y` is `[count, 10]` one-hot. */
export interface Dataset {
  source: 'fashion-mnist' | 'synthetic';
  count: number;
  x: Float32Array;
  y: Float32Array;
}

/** Whether the real data is there, so row names can say which data they train on. */
export function hasFashionMnist(): boolean {
  return existsSync(join(FASHION_MNIST_DIR, IMAGES)) && existsSync(join(FASHION_MNIST_DIR, LABELS));
}

let decoded: { images: Uint8Array; labels: Uint8Array } | undefined;

/** Reads an IDX file's payload after checking its magic number and item count. */
function readIdx(file: string, magic: number): { count: number; payload: Uint8Array } {
  const bytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, file)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) {
    throw new Error(`bench: ${file}: expected IDX magic ${magic}, got ${view.getUint32(0)}`);
  }
  const header = magic === 2051 ? 16 : 8;
  return { count: view.getUint32(4), payload: bytes.subarray(header) };
}

function fashionMnist(count: number): Dataset {
  decoded ??= {
    images: readIdx(IMAGES, 2051).payload,
    labels: readIdx(LABELS, 2049).payload,
  };
  if (count > decoded.labels.length) {
    throw new Error(`bench: asked for ${count} Fashion-MNIST samples, the file has ${decoded.labels.length}`);
  }
  const x = new Float32Array(count * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = decoded.images[i]! / 255;
  const y = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) y[i * CLASSES + decoded.labels[i]!] = 1;
  return { source: 'fashion-mnist', count, x, y };
}

function synthetic(count: number): Dataset {
  const x = randomValues(count * PIXELS, 51).map((v) => (v + 1) / 2);
  const teacher = randomValues(PIXELS * CLASSES, 52);
  const y = new Float32Array(count * CLASSES);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < CLASSES; c++) {
      let score = 0;
      for (let p = 0; p < PIXELS; p++) score += x[i * PIXELS + p]! * teacher[p * CLASSES + c]!;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    y[i * CLASSES + best] = 1;
  }
  return { source: 'synthetic', count, x, y };
}

/** The first `count` training samples, real where the files exist. */
export function trainingData(count: number): Dataset {
  return hasFashionMnist() ? fashionMnist(count) : synthetic(count);
}

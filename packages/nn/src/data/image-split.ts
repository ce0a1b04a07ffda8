// The in-memory shape of the MNIST-style data sets (grey images in [0, 1] with int labels)
// and the helper that turns one split into tensors ready for fit(). Browser-safe.

import { ArgumentError, type Tensor, tensor } from '@nabla/core';
import { checkArgCount, describeValue } from '@nabla/core/internal';
import { checkBoolean, checkOptions, readOnce } from '../engine/options.js';

/** One split of an image data set: `count` images of height × width, row-major, in [0, 1]. */
export interface ImageSplit {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
}

/** A data set's train and test splits. */
export interface ImageDataset {
  train: ImageSplit;
  test: ImageSplit;
}

/** Options of {@link imageSplitToTensors}. */
export interface ImageTensorOptions {
  /** `[count, height * width]` for dense models instead of `[count, height, width, 1]` (NHWC). */
  flatten?: boolean;
}

/**
 * A split as tensors: `x` float32 `[count, height, width, 1]` (or flattened), `y` int32
 * `[count]`. The caller owns (and disposes) both.
 * @example
 * const { train } = await loadFashionMnist({ limit: 1000 });
 * const { x, y } = imageSplitToTensors(train, { flatten: true }); // x: [1000, 784]
 */
export function imageSplitToTensors(
  split: ImageSplit,
  options: ImageTensorOptions = {},
): { x: Tensor; y: Tensor } {
  checkArgCount('imageSplitToTensors', arguments.length, 2, 'imageSplitToTensors(split, { flatten })');
  options = readOnce(options);
  checkOptions('imageSplitToTensors', options, ['flatten']);
  checkBoolean('imageSplitToTensors', 'flatten', options.flatten);
  if (typeof split !== 'object' || split === null) {
    throw new ArgumentError(
      `imageSplitToTensors: expected a split from loadFashionMnist, got ${describeValue(split)}`,
    );
  }
  const { images, labels, count, height, width } = split;
  if (images.length !== count * height * width || labels.length !== count) {
    throw new ArgumentError(
      `imageSplitToTensors: expected ${count} images of ${height}x${width} and ${count} labels, got ${images.length} pixels and ${labels.length} labels`,
    );
  }
  const shape = options.flatten ? [count, height * width] : [count, height, width, 1];
  return { x: tensor(images, shape, 'float32'), y: tensor(labels, [count], 'int32') };
}

/**
 * The first `limit` samples of a split (all of them when `limit` is undefined).
 * @example
 * const small = limitSplit(train, 100, 'myLoader');
 * small.count; // 100 (or fewer when the split is smaller)
 */
export function limitSplit(split: ImageSplit, limit: number | undefined, op: string): ImageSplit {
  if (limit === undefined) return split;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new ArgumentError(`${op}: expected limit to be a non-negative integer, got ${limit}`);
  }
  const count = Math.min(limit, split.count);
  const pixels = split.height * split.width;
  return {
    images: split.images.slice(0, count * pixels),
    labels: split.labels.slice(0, count),
    count,
    height: split.height,
    width: split.width,
  };
}

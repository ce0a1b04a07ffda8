// Node only (the `@nabla/onnx/node` subpath): loadOnnx reads a `.onnx` file and imports it; the
// file's path names the model in every error.

import { readFile } from 'node:fs/promises';
import { ArgumentError } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import { type Functional, toIOError } from '@nabla/nn';
import { importOnnx } from './import.js';

/** Options of {@link loadOnnx}. */
export interface LoadOnnxOptions {
  /** The nn model's name; default the ONNX graph's name. */
  name?: string;
}

/**
 * Reads the ONNX file at `path` and imports it (see importOnnx). A missing or unreadable file is
 * an IOError, a malformed one a FormatError, both naming `path`.
 * @example
 * const m = await loadOnnx('resnet-small.onnx');
 * m.predict(images);
 */
export async function loadOnnx(path: string, options: LoadOnnxOptions = {}): Promise<Functional> {
  checkArgCount('loadOnnx', arguments.length, 2, "loadOnnx('model.onnx', { name })");
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new ArgumentError(`loadOnnx: expected a file path, got ${JSON.stringify(path)}`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`loadOnnx: expected an options object, got ${JSON.stringify(options)}`);
  }
  const bytes = await readFile(path).catch((error: unknown) => {
    throw toIOError(error, path, 'read the file');
  });
  // importOnnx checks the option keys (an unknown one is an ArgumentError naming it).
  return importOnnx(bytes, { ...options, source: path });
}

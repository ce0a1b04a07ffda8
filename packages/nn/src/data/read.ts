// Node only (node:fs, node:zlib): reading IDX files (gzip-compressed or not, detected by the
// magic bytes 1f 8b) and CSV files from a path. Browser bundles avoid this file: it is
// exported from data/node.ts; the browser-safe decoders are in idx-format.ts and csv.ts.

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../io/errors.js';
import { type CsvOptions, type CsvTable, parseCsv } from './csv.js';
import { decodeIdx, type IdxData, isGzip } from './idx-format.js';

/** Reads a whole file as bytes. */
async function readBytes(path: string): Promise<Uint8Array> {
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Reads an IDX file (MNIST format) from a path or bytes, inflating gzip when the bytes start
 * with 1f 8b. Errors are `FormatError`s naming the file.
 * @example
 * const { shape, data } = await readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 * shape; // [10000]
 */
export async function readIdx(pathOrBytes: string | Uint8Array, source?: string): Promise<IdxData> {
  const name = source ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<buffer>');
  let bytes = typeof pathOrBytes === 'string' ? await readBytes(pathOrBytes) : pathOrBytes;
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes));
    } catch (error) {
      throw new FormatError(
        name,
        `gzip data is corrupt: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return decodeIdx(bytes, name);
}

/**
 * Reads numeric CSV columns from a path, or from CSV text when the string contains a line
 * break. Errors name the file, line and column of a non-numeric cell.
 * @example
 * const { names, columns } = await readCsv('iris.csv', { columns: ['sepal_length', 'petal_width'] });
 * const table = await readCsv('a;b\n1;2\n', { delimiter: ';' });
 */
export async function readCsv(pathOrText: string, options: CsvOptions = {}): Promise<CsvTable> {
  if (/[\r\n]/.test(pathOrText)) return parseCsv(pathOrText, options);
  const text = new TextDecoder().decode(await readBytes(pathOrText));
  return parseCsv(text, { ...options, source: options.source ?? pathOrText });
}

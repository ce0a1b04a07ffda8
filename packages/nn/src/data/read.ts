// Node only (node:fs, node:zlib): reading IDX files (gzip-compressed or not, detected by the
// magic bytes 1f 8b) and CSV files from a path. Browser bundles avoid this file: it is
// exported from data/node.ts; the browser-safe decoders are in idx-format.ts and csv.ts.
// Gzip is inflated as a stream and stopped as soon as the output passes the size the IDX
// header declares, so a small gzip bomb cannot make us allocate gigabytes.

import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { ArgumentError } from '@nabla/core';
import { checkArgCount, describeValue } from '@nabla/core/internal';
import { FormatError, toIOError } from '../io/errors.js';
import { type CsvOptions, type CsvTable, parseCsv } from './csv.js';
import { decodeIdx, type IdxData, idxByteLength, isGzip } from './idx-format.js';

/** Inflated IDX files larger than this are refused (2 GiB: beyond what typed arrays hold). */
export const MAX_IDX_BYTES = 2 ** 31 - 1;

/** Reads a whole file as bytes; file-system errors become IOErrors naming the file. */
async function readBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw toIOError(error, path, 'read the file');
  }
}

/**
 * Inflates gzip-compressed IDX bytes, stopping with a FormatError as soon as the output is
 * larger than the size its IDX header declares (or `limit`), without inflating the rest.
 * @example
 * const raw = await gunzipIdx(gzipSync(encodeIdx(idx)), 'x.gz');
 * decodeIdx(raw, 'x.gz').shape;
 */
export async function gunzipIdx(
  bytes: Uint8Array,
  source: string,
  limit = MAX_IDX_BYTES,
): Promise<Uint8Array> {
  const gunzip = createGunzip();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let bound = limit;
  let headerRead = false;
  gunzip.end(bytes);
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      total += chunk.length;
      if (!headerRead) {
        const head = concat(chunks, total);
        const declared = idxByteLength(head);
        if (declared !== undefined) {
          headerRead = true;
          if (declared > limit) {
            throw new FormatError(
              source,
              `the IDX header declares ${declared} bytes, more than the ${limit}-byte limit`,
            );
          }
          bound = declared;
        }
      }
      if (total > bound) {
        throw new FormatError(
          source,
          headerRead
            ? `gzip data inflates past the ${bound} bytes the IDX header declares; stopped at ${total}`
            : `gzip data inflates past the ${limit}-byte limit without a complete IDX header`,
        );
      }
    }
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(
      source,
      `gzip data is corrupt: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    gunzip.destroy();
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Reads an IDX file (MNIST format) from a path or bytes, inflating gzip when the bytes start
 * with 1f 8b (never past the size the IDX header declares). Errors are `FormatError`s (bad
 * contents) or `IOError`s (the file system) naming the file.
 * @example
 * const { shape, data } = await readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 * shape; // [10000]
 */
export async function readIdx(pathOrBytes: string | Uint8Array, source?: string): Promise<IdxData> {
  checkArgCount('readIdx', arguments.length, 2, "readIdx('file.gz', source?)");
  if (typeof pathOrBytes !== 'string' && !(pathOrBytes instanceof Uint8Array)) {
    throw new ArgumentError(`readIdx: expected a path or a Uint8Array, got ${describeValue(pathOrBytes)}`);
  }
  if (source !== undefined && typeof source !== 'string') {
    throw new ArgumentError(`readIdx: expected source to be a name, got ${describeValue(source)}`);
  }
  const name = source ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<buffer>');
  let bytes = typeof pathOrBytes === 'string' ? await readBytes(pathOrBytes) : pathOrBytes;
  if (isGzip(bytes)) bytes = await gunzipIdx(bytes, name);
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
  checkArgCount('readCsv', arguments.length, 2, "readCsv('file.csv', options?)");
  if (typeof pathOrText !== 'string') {
    throw new ArgumentError(`readCsv: expected a path or CSV text, got ${describeValue(pathOrText)}`);
  }
  if (/[\r\n]/.test(pathOrText)) return parseCsv(pathOrText, options);
  const text = new TextDecoder().decode(await readBytes(pathOrText));
  return parseCsv(text, { ...options, source: options.source ?? pathOrText });
}

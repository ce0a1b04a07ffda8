// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): two zero
// bytes, a type code, the number of dimensions, each dimension as a big-endian u32, then the
// values big-endian. Browser-safe (no gzip here: data/read.ts inflates .gz files in Node).

import { ArgumentError, ShapeError } from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import { FormatError } from '../io/errors.js';

/** Type codes of the IDX format and the typed arrays they decode to. */
export interface IdxArrayMap {
  ubyte: Uint8Array;
  byte: Int8Array;
  short: Int16Array;
  int: Int32Array;
  float: Float32Array;
  double: Float64Array;
}

/** An IDX element type. */
export type IdxType = keyof IdxArrayMap;

/** A decoded IDX file: its shape and row-major values. */
export type IdxData = { [T in IdxType]: { type: T; shape: number[]; data: IdxArrayMap[T] } }[IdxType];

const CODES: Record<number, IdxType> = {
  8: 'ubyte',
  9: 'byte',
  11: 'short',
  12: 'int',
  13: 'float',
  14: 'double',
};
const TYPE_CODE: Record<IdxType, number> = {
  ubyte: 0x08,
  byte: 0x09,
  short: 0x0b,
  int: 0x0c,
  float: 0x0d,
  double: 0x0e,
};
const WIDTH: Record<IdxType, number> = { ubyte: 1, byte: 1, short: 2, int: 4, float: 4, double: 8 };

/**
 * Whether bytes start with the gzip magic number (1f 8b).
 * @example
 * isGzip(fs.readFileSync('train-images-idx3-ubyte.gz')); // true
 * isGzip(new Uint8Array([0, 0, 8, 1])); // false
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an uncompressed IDX file. Throws a `FormatError` naming `source` on a bad magic
 * number, an unknown type code, or a size that does not match the dimensions.
 * @example
 * const { shape, data } = decodeIdx(bytes, 'train-labels-idx1-ubyte');
 * shape; // [60000]
 */
export function decodeIdx(bytes: Uint8Array, source = '<buffer>'): IdxData {
  if (isGzip(bytes)) {
    throw new FormatError(source, 'is gzip-compressed; inflate it first (readIdx does this in Node)');
  }
  const header = readIdxHeader(bytes, source);
  if (header === undefined) {
    throw new FormatError(
      source,
      bytes.length < 4
        ? `too short for an IDX file: ${bytes.length} bytes, need at least 4`
        : `truncated header: ${bytes[3]} dimensions need ${4 + 4 * bytes[3]!} bytes, the file has ${bytes.length}`,
    );
  }
  const { type, shape, dataStart, size } = header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = WIDTH[type];
  if (bytes.length - dataStart !== size * width) {
    throw new FormatError(
      source,
      `shape ${fmtShape(shape)} of ${type} needs ${size * width} data bytes, the file has ${bytes.length - dataStart}`,
    );
  }
  const read = (i: number) => dataStart + i * width;
  switch (type) {
    case 'ubyte':
      return { type, shape, data: bytes.slice(dataStart) };
    case 'byte':
      return { type, shape, data: new Int8Array(bytes.slice(dataStart).buffer) };
    case 'short':
      return {
        type,
        shape,
        data: Int16Array.from({ length: size }, (_, i) => view.getInt16(read(i), false)),
      };
    case 'int':
      return {
        type,
        shape,
        data: Int32Array.from({ length: size }, (_, i) => view.getInt32(read(i), false)),
      };
    case 'float':
      return {
        type,
        shape,
        data: Float32Array.from({ length: size }, (_, i) => view.getFloat32(read(i), false)),
      };
    case 'double':
      return {
        type,
        shape,
        data: Float64Array.from({ length: size }, (_, i) => view.getFloat64(read(i), false)),
      };
    default:
      return type satisfies never;
  }
}

/** The parsed header of an IDX file. */
interface IdxHeader {
  type: IdxType;
  shape: number[];
  dataStart: number;
  size: number;
}

/**
 * The header at the start of `bytes`, or undefined when the bytes end before it does. Throws
 * a FormatError naming `source` for a bad magic number or type code.
 */
function readIdxHeader(bytes: Uint8Array, source: string): IdxHeader | undefined {
  if (bytes.length >= 2 && (bytes[0] !== 0 || bytes[1] !== 0)) {
    throw new FormatError(
      source,
      `not an IDX file: the magic number must start with two zero bytes, got ${hex(bytes[0]!)} ${hex(bytes[1]!)}`,
    );
  }
  if (bytes.length < 4) return undefined;
  const type = CODES[bytes[2]!];
  if (type === undefined) {
    throw new FormatError(
      source,
      `unknown IDX type code ${hex(bytes[2]!)} (expected 08, 09, 0b, 0c, 0d or 0e)`,
    );
  }
  const rank = bytes[3]!;
  const dataStart = 4 + 4 * rank;
  if (bytes.length < dataStart) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d, false));
  return { type, shape, dataStart, size: shape.reduce((a, b) => a * b, 1) };
}

/**
 * The total byte length (header and data) that the IDX header at the start of `bytes`
 * declares, or undefined when `bytes` ends inside the header. Lets a reader of compressed or
 * streamed IDX data stop as soon as more arrives than the header promised.
 * @example
 * idxByteLength(encodeIdx({ type: 'ubyte', shape: [2, 3], data: new Uint8Array(6) })); // 18
 * idxByteLength(new Uint8Array([0, 0, 8])); // undefined
 */
export function idxByteLength(bytes: Uint8Array, source = '<buffer>'): number | undefined {
  const header = readIdxHeader(bytes, source);
  return header === undefined ? undefined : header.dataStart + header.size * WIDTH[header.type];
}

/**
 * Encodes values as an uncompressed IDX file (for tests, tools and small custom data sets).
 * @example
 * const bytes = encodeIdx({ type: 'ubyte', shape: [2, 2], data: new Uint8Array([0, 255, 1, 2]) });
 * decodeIdx(bytes).shape; // [2, 2]
 */
export function encodeIdx(idx: IdxData): Uint8Array {
  const { type, shape, data } = idx;
  if (shape.length > 255) throw new ArgumentError(`encodeIdx: at most 255 dimensions, got ${shape.length}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new ShapeError(`encodeIdx: dimensions must be u32 integers, got ${fmtShape(shape)}`);
    }
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new ShapeError(`encodeIdx: shape ${fmtShape(shape)} needs ${size} values, got ${data.length}`);
  }
  const dataStart = 4 + 4 * shape.length;
  const width = WIDTH[type];
  const out = new Uint8Array(dataStart + size * width);
  const view = new DataView(out.buffer);
  out[2] = TYPE_CODE[type];
  out[3] = shape.length;
  for (let d = 0; d < shape.length; d++) view.setUint32(4 + 4 * d, shape[d]!, false);
  for (let i = 0; i < size; i++) {
    const at = dataStart + i * width;
    const v = Number(data[i]!);
    if (type === 'ubyte') view.setUint8(at, v);
    else if (type === 'byte') view.setInt8(at, v);
    else if (type === 'short') view.setInt16(at, v, false);
    else if (type === 'int') view.setInt32(at, v, false);
    else if (type === 'float') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

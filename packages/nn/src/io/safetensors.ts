// The safetensors format (https://github.com/huggingface/safetensors), byte for byte: an
// 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON (padded with spaces to a
// multiple of 8) mapping names to {dtype, shape, data_offsets}, then the tensors' bytes,
// little-endian, contiguous, ordered like the reference writer (wider dtypes first, then name).

import { ArgumentError, DTypeError, ShapeError } from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import { FormatError } from './errors.js';
import { parseJsonSafe } from './json.js';

/** The typed array that holds each safetensors dtype (F16/BF16 as their raw 16-bit patterns). */
export interface SafetensorsArrayMap {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** Element types of safetensors this module reads and writes. */
export type SafetensorsDType = keyof SafetensorsArrayMap;

/** One named tensor: its dtype, shape and row-major data (`data.length` = product of `shape`). */
export type SafetensorsEntry = {
  [D in SafetensorsDType]: { dtype: D; shape: number[]; data: SafetensorsArrayMap[D] };
}[SafetensorsDType];

/** What {@link decodeSafetensors} returns: tensors by name and the `__metadata__` strings. */
export interface DecodedSafetensors {
  tensors: Record<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

// Rank in the reference implementation's Dtype enum; the writer lays out higher ranks first so
// every tensor starts at an offset aligned to its element size.
const DTYPE_ORDER: Record<SafetensorsDType, number> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 3,
  U16: 4,
  F16: 5,
  BF16: 6,
  I32: 7,
  U32: 8,
  F32: 9,
  F64: 10,
  I64: 11,
  U64: 12,
};

const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

/** The reference reader refuses headers over 100 MB; so do we, before allocating anything. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Whether a string is a safetensors dtype this module handles.
 * @example
 * isSafetensorsDType('F32'); // true
 * isSafetensorsDType('F8_E4M3'); // false
 */
export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_ORDER, value);
}

/**
 * Bytes per element of a safetensors dtype.
 * @example
 * safetensorsElementBytes('F64'); // 8
 * safetensorsElementBytes('BOOL'); // 1
 */
export function safetensorsElementBytes(dtype: SafetensorsDType): number {
  return ELEMENT_BYTES[dtype];
}

/** The typed array of a safetensors dtype over `buffer`. */
function allocFor(dtype: SafetensorsDType, buffer: ArrayBuffer): SafetensorsEntry['data'] {
  switch (dtype) {
    case 'BOOL':
    case 'U8':
      return new Uint8Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'U16':
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'U32':
      return new Uint32Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'F64':
      return new Float64Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'U64':
      return new BigUint64Array(buffer);
    default:
      return dtype satisfies never;
  }
}

/** The dtype whose typed array `data` is an instance of, checked against the declared one. */
function matchesArray(dtype: SafetensorsDType, data: unknown): boolean {
  const probe = allocFor(dtype, new ArrayBuffer(0));
  return data instanceof probe.constructor;
}

/** Reverses the bytes of each `width`-byte element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

function isShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Encodes named tensors as a safetensors file. Names are laid out like the reference writer:
 * wider dtypes first, then by name, contiguously; metadata goes under `__metadata__`.
 * @example
 * const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
 * fs.writeFileSync('w.safetensors', bytes);
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsEntry>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors);
  for (const name of names) {
    const entry = tensors[name]!;
    if (name === '__metadata__' || name.length === 0) {
      throw new ArgumentError(
        `encodeSafetensors: tensor name must be non-empty and not "__metadata__", got "${name}"`,
      );
    }
    if (!isSafetensorsDType(entry.dtype)) {
      throw new DTypeError(`encodeSafetensors: tensor "${name}" has unknown dtype ${String(entry.dtype)}`);
    }
    if (!matchesArray(entry.dtype, entry.data)) {
      throw new DTypeError(
        `encodeSafetensors: tensor "${name}" has dtype ${entry.dtype} but its data is a ${entry.data?.constructor?.name}`,
      );
    }
    if (!isShape(entry.shape)) {
      throw new ShapeError(
        `encodeSafetensors: tensor "${name}" shape must be non-negative integers, got ${String(entry.shape)}`,
      );
    }
    if (sizeOfShape(entry.shape) !== entry.data.length) {
      throw new ShapeError(
        `encodeSafetensors: tensor "${name}" shape ${fmtShape(entry.shape)} needs ${sizeOfShape(entry.shape)} values, got ${entry.data.length}`,
      );
    }
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new ArgumentError(
          `encodeSafetensors: metadata values must be strings, got ${typeof value} for "${key}"`,
        );
      }
    }
  }
  const order = [...names].sort((a, b) => {
    const byDType = DTYPE_ORDER[tensors[b]!.dtype] - DTYPE_ORDER[tensors[a]!.dtype];
    return byDType !== 0 ? byDType : a < b ? -1 : a > b ? 1 : 0;
  });
  // Build the header with the metadata first and the tensors in layout order, as the
  // reference writer does; JSON.stringify keeps insertion order for non-index keys.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) header['__metadata__'] = { ...metadata };
  let offset = 0;
  for (const name of order) {
    const entry = tensors[name]!;
    const end = offset + entry.data.byteLength;
    Object.defineProperty(header, name, {
      value: { dtype: entry.dtype, shape: [...entry.shape], data_offsets: [offset, end] },
      enumerable: true,
    });
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const name of order) {
    const entry = tensors[name]!;
    const raw = new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    out.set(raw, position);
    if (!LITTLE_ENDIAN_HOST)
      swapBytes(out.subarray(position, position + raw.length), ELEMENT_BYTES[entry.dtype]);
    position += raw.length;
  }
  return out;
}

/** One tensor as a safetensors header declares it; offsets are relative to the data buffer. */
export interface SafetensorsHeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** What {@link readSafetensorsHeader} returns: the validated header, no tensor data. */
export interface SafetensorsHeader {
  /** Entries in the order the header lists them. */
  entries: SafetensorsHeaderEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file. */
  dataStart: number;
}

/**
 * Reads and validates a safetensors header without touching the tensor data: header length,
 * JSON, dtypes, shapes, sizes (element counts must be safe integers) and that the offsets tile
 * the data buffer exactly. Lets a loader check names and shapes before allocating anything.
 * @example
 * const { entries } = readSafetensorsHeader(bytes, 'model.safetensors');
 * entries.map((e) => e.name); // ['dense_1/kernel', 'dense_1/bias']
 */
export function readSafetensorsHeader(bytes: Uint8Array, source = '<buffer>'): SafetensorsHeader {
  if (bytes.length < 8) {
    throw new FormatError(source, `too short for a safetensors file: ${bytes.length} bytes, need at least 8`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    throw new FormatError(
      source,
      `header length ${declared} runs past the end of the file (${bytes.length - 8} bytes after the length field); the file may be truncated`,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new FormatError(source, `header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new FormatError(source, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) {
    throw new FormatError(
      source,
      `header must be a JSON object starting with "{", got ${JSON.stringify(text.slice(0, 16))}`,
    );
  }
  const header = parseJsonSafe(text, source);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError(source, 'header must be a JSON object');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new FormatError(source, '"__metadata__" must be an object of strings');
      }
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== 'string') {
          throw new FormatError(
            source,
            `"__metadata__"."${key}" must be a string, got ${JSON.stringify(value)}`,
          );
        }
        metadata[key] = value;
      }
      continue;
    }
    entries.push(parseEntry(source, name, raw));
  }
  // The offsets must tile [0, dataLength) exactly: no gaps, no overlaps, nothing left over.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const span of sorted) {
    if (span.end > dataLength) {
      throw new FormatError(
        source,
        `tensor "${span.name}" data_offsets [${span.begin},${span.end}] run past the data buffer of ${dataLength} bytes`,
      );
    }
    if (span.begin !== expected) {
      const what = span.begin < expected ? 'overlaps the previous tensor' : 'leaves a gap before it';
      throw new FormatError(
        source,
        `tensor "${span.name}" data_offsets [${span.begin},${span.end}] ${what} (expected it to begin at ${expected})`,
      );
    }
    expected = span.end;
  }
  if (expected !== dataLength) {
    throw new FormatError(
      source,
      `tensors cover ${expected} bytes but the data buffer has ${dataLength}; the offsets do not cover the buffer`,
    );
  }
  return { entries, metadata, dataStart };
}

/**
 * Decodes a safetensors file, validating it fully (see {@link readSafetensorsHeader}). Data
 * is copied out (any alignment is fine). Header keys are parsed with {@link parseJsonSafe}:
 * duplicate names and the names `__proto__`, `constructor` and `prototype` are rejected.
 * @example
 * const { tensors, metadata } = decodeSafetensors(fs.readFileSync(path), path);
 * tensors.w.shape; // [2]
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): DecodedSafetensors {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, source);
  const tensors: Record<string, SafetensorsEntry> = Object.create(null);
  for (const span of entries) {
    // A copy into a fresh, aligned buffer, whatever the alignment in the file. Not slice():
    // on a Node Buffer it returns a view of the shared pool, not a copy.
    const copy = new Uint8Array(bytes.subarray(dataStart + span.begin, dataStart + span.end));
    if (!LITTLE_ENDIAN_HOST) swapBytes(copy, ELEMENT_BYTES[span.dtype]);
    const data = allocFor(span.dtype, copy.buffer);
    Object.defineProperty(tensors, span.name, {
      value: { dtype: span.dtype, shape: span.shape, data },
      enumerable: true,
      writable: true,
    });
  }
  return { tensors, metadata };
}

/** Validates one header entry: dtype, shape, offsets and that bytes = elements × element size. */
function parseEntry(source: string, name: string, raw: unknown): SafetensorsHeaderEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new FormatError(source, `tensor "${name}" must be an object with dtype, shape and data_offsets`);
  }
  const {
    dtype,
    shape,
    data_offsets: offsets,
  } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (!isSafetensorsDType(dtype)) {
    throw new FormatError(
      source,
      `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_ORDER).join(', ')})`,
    );
  }
  if (!isShape(shape)) {
    throw new FormatError(
      source,
      `tensor "${name}" shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new FormatError(
      source,
      `tensor "${name}" data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const elements = sizeOfShape(shape);
  const needed = elements * ELEMENT_BYTES[dtype];
  if (!Number.isSafeInteger(needed)) {
    throw new FormatError(
      source,
      `tensor "${name}" shape ${fmtShape(shape)} has more elements than can be addressed (${elements})`,
    );
  }
  if (needed !== end - begin) {
    throw new FormatError(
      source,
      `tensor "${name}" shape ${fmtShape(shape)} × ${dtype} (${ELEMENT_BYTES[dtype]} bytes) needs ${needed} bytes, but data_offsets [${begin},${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape, begin, end };
}

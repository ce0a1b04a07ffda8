// safetensors: round trips of every dtype (empty and scalar tensors included), a byte-exact
// comparison with the layout the reference writer produces, every malformed-file error, and
// the tensor helpers on the CPU backend.

import '@nabla/backend-cpu';
import { memory, setBackend, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from './safetensors.js';
import {
  fromSafetensorsDType,
  safetensorsToTensors,
  tensorsToSafetensors,
  toSafetensorsDType,
} from './safetensors-tensors.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));

/** A file with a hand-written header and data (header padded to 8 bytes with spaces). */
function handMade(header: string, data: number[] = []): Uint8Array {
  const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
  const out = new Uint8Array(8 + padded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(ascii(padded), 8);
  out.set(data, 8 + padded.length);
  return out;
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips every dtype, including empty and scalar tensors', () => {
    const tensors: Record<string, SafetensorsEntry> = {
      f32: {
        dtype: 'F32',
        shape: [2, 2],
        data: new Float32Array([1.5, -2, Number.NaN, Number.POSITIVE_INFINITY]),
      },
      f64: { dtype: 'F64', shape: [], data: new Float64Array([Math.PI]) },
      i32: { dtype: 'I32', shape: [3], data: new Int32Array([-2147483648, 0, 2147483647]) },
      bool: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      u8: { dtype: 'U8', shape: [1], data: new Uint8Array([255]) },
      i8: { dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) },
      i16: { dtype: 'I16', shape: [1], data: new Int16Array([-300]) },
      u16: { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) },
      f16: { dtype: 'F16', shape: [1], data: new Uint16Array([0x3e00]) },
      bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3fc0]) },
      u32: { dtype: 'U32', shape: [1], data: new Uint32Array([4294967295]) },
      i64: { dtype: 'I64', shape: [1], data: new BigInt64Array([-(2n ** 63n)]) },
      u64: { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      emptyBool: { dtype: 'BOOL', shape: [0], data: new Uint8Array(0) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'nabla', note: 'ü' });
    const decoded = decodeSafetensors(bytes, 'round-trip.safetensors');
    expect({ ...decoded.metadata }).toEqual({ format: 'nabla', note: 'ü' });
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, entry] of Object.entries(tensors)) {
      const got = decoded.tensors[name]!;
      expect(got.dtype).toBe(entry.dtype);
      expect(got.shape).toEqual(entry.shape);
      expect(got.data.constructor).toBe(entry.data.constructor);
      expect(Array.from(got.data as ArrayLike<number | bigint>)).toEqual(
        Array.from(entry.data as ArrayLike<number | bigint>),
      );
    }
  });

  it('writes the exact bytes of the reference writer (header, padding, order, data)', () => {
    // What Python `safetensors.numpy.save` writes for these tensors: metadata first, then
    // tensors by dtype (widest first) and name, the JSON padded with spaces to 8 bytes.
    const header =
      '{"__metadata__":{"format":"pt"},' +
      '"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},' +
      '"z":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},' +
      '"b":{"dtype":"I32","shape":[1],"data_offsets":[8,12]},' +
      '"h":{"dtype":"F16","shape":[1],"data_offsets":[12,14]},' +
      '"m":{"dtype":"BOOL","shape":[2],"data_offsets":[14,16]}}';
    expect(header.length).toBe(304); // a multiple of 8 already: no padding
    const expected = new Uint8Array([
      ...[0x30, 0x01, 0, 0, 0, 0, 0, 0], // 304, little-endian u64
      ...ascii(header),
      ...[0, 0, 0, 0, 0, 0, 0xe0, 0x3f], // 0.5 as F64
      ...[7, 0, 0, 0], // 7 as I32
      ...[0x00, 0x3e], // 1.5 as F16
      ...[1, 0], // [true, false]
    ]);
    const bytes = encodeSafetensors(
      {
        b: { dtype: 'I32', shape: [1], data: new Int32Array([7]) },
        m: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
        h: { dtype: 'F16', shape: [1], data: new Uint16Array([0x3e00]) },
        z: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
        a: { dtype: 'F64', shape: [], data: new Float64Array([0.5]) },
      },
      { format: 'pt' },
    );
    expect(Array.from(bytes)).toEqual(Array.from(expected));
  });

  it('omits __metadata__ when none is given and pads a short header', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    expect(header.length).toBe(54);
    const expected = [
      ...[56, 0, 0, 0, 0, 0, 0, 0], // 54 rounded up to 56
      ...ascii(header),
      ...[0x20, 0x20], // two spaces of padding
      ...[0, 0, 0x80, 0x3f, 0, 0, 0, 0x40], // 1 and 2 as F32
    ];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('decodes from a Node Buffer (whose slice() is a view, not a copy)', () => {
    const bytes = encodeSafetensors({
      a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
      b: { dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 9]) },
    });
    const { tensors } = decodeSafetensors(Buffer.from(bytes), 'buf');
    expect([...tensors.a!.data]).toEqual([1, 2]);
    expect([...tensors.b!.data]).toEqual([7, 8, 9]);
  });

  it('copies data out of unaligned offsets', () => {
    const header =
      '{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"f":{"dtype":"F64","shape":[1],"data_offsets":[1,9]}}';
    const f64 = Array.from(new Uint8Array(new Float64Array([-1.25]).buffer));
    const file = handMade(header, [9, ...f64]);
    // Place the file at an odd offset of a larger buffer, too.
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const { tensors } = decodeSafetensors(shifted.subarray(3));
    expect(Array.from(tensors.f!.data as Float64Array)).toEqual([-1.25]);
    expect(Array.from(tensors.b!.data as Uint8Array)).toEqual([9]);
  });

  it('rejects mismatched entries on encode', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /shape \[3\] needs 3 values, got 2/,
    );
    // @ts-expect-error: a data array that does not match the dtype, as untyped callers may pass
    const wrong: SafetensorsEntry = { dtype: 'F32', shape: [1], data: new Int32Array(1) };
    expect(() => encodeSafetensors({ a: wrong })).toThrow(/dtype F32 but its data is a Int32Array/);
  });
});

describe('decodeSafetensors errors name the file', () => {
  const source = 'bad/weights.safetensors';
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated below 8 bytes', new Uint8Array([1, 2, 3]), /too short .*3 bytes/],
    [
      'header length past the end',
      (() => {
        const b = handMade('{}');
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /header length 1000 runs past the end/,
    ],
    [
      'truncated data',
      handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [0, 0, 0]),
      /run past the data buffer/,
    ],
    ['invalid JSON', handMade('{"a": {"dtype": }}'), /invalid JSON at line 1, column/],
    ['header not an object', handMade('[1, 2]'), /must be a JSON object/],
    [
      'unknown dtype',
      handMade('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0]),
      /unknown dtype "F8_E4M3"/,
    ],
    [
      'bad shape',
      handMade('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', [0]),
      /shape must be an array/,
    ],
    [
      'reversed offsets',
      handMade('{"a":{"dtype":"U8","shape":[0],"data_offsets":[1,0]}}', [0]),
      /data_offsets must be \[begin, end\]/,
    ],
    [
      'size mismatch',
      handMade('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Array(8).fill(0)),
      /shape \[3\] × F32 \(4 bytes\) needs 12 bytes/,
    ],
    [
      'overlapping offsets',
      handMade(
        '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}',
        [0, 0, 0],
      ),
      /"b" data_offsets \[1,3\] overlaps the previous tensor/,
    ],
    [
      'gap between tensors',
      handMade('{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]),
      /leaves a gap/,
    ],
    [
      'offsets not covering the buffer',
      handMade('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [0, 0, 0]),
      /cover 1 bytes but the data buffer has 3/,
    ],
    [
      'duplicate names',
      handMade(
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}',
        [0],
      ),
      /duplicate key "a"/,
    ],
    [
      'element count overflows',
      handMade('{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      /shape \[4294967296,4294967296\] has more elements than can be addressed/,
    ],
    [
      'non-finite dimension',
      handMade('{"a":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
      /shape must be an array of non-negative integers, got \[null\]/,
    ],
    [
      'header over the size limit',
      (() => {
        const b = new Uint8Array(8 + 100_000_008);
        new DataView(b.buffer).setBigUint64(0, 100_000_008n, true);
        return b;
      })(),
      /header length 100000008 exceeds the 100000000-byte limit/,
    ],
    [
      'offsets beyond safe integers',
      handMade('{"a":{"dtype":"U8","shape":[1],"data_offsets":[9007199254740993,9007199254740994]}}', [0]),
      /data_offsets must be \[begin, end\]/,
    ],
    ['metadata not strings', handMade('{"__metadata__":{"n":1}}'), /"__metadata__"."n" must be a string/],
    [
      'invalid UTF-8',
      (() => {
        const b = handMade('{"X":1}');
        b[10] = 0xff; // the X
        return b;
      })(),
      /not valid UTF-8/,
    ],
  ];

  it.each(cases)('%s', (_, bytes, pattern) => {
    let caught: unknown;
    try {
      decodeSafetensors(bytes, source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormatError);
    const error = caught as FormatError;
    expect(error.source).toBe(source);
    expect(error.message.startsWith(`${source}: `)).toBe(true);
    expect(error.message).toMatch(pattern);
  });
});

describe('tensors <-> safetensors', () => {
  it('maps dtypes both ways', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      expect(fromSafetensorsDType(toSafetensorsDType(dtype))).toBe(dtype);
    }
    expect(toSafetensorsDType('float32')).toBe('F32');
    expect(fromSafetensorsDType('BF16')).toBe('float32');
    expect(fromSafetensorsDType('U8')).toBe('int32');
  });

  it('round-trips tensors of every Nabla dtype without leaking', async () => {
    const before = memory().numTensors;
    const named = {
      w: tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        [2, 3],
        'float32',
      ),
      d: tensor(0.1, [], 'float64'),
      i: tensor([-1, 2], [2], 'int32'),
      b: tensor([true, false, true], [3], 'bool'),
      e: tensor([], [0, 2], 'float32'),
    };
    const bytes = await tensorsToSafetensors(named, { framework: 'nabla' });
    const { tensors, metadata } = safetensorsToTensors(bytes, 'model.safetensors');
    expect(metadata.framework).toBe('nabla');
    for (const [name, t] of Object.entries(named)) {
      const got = tensors[name]!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(Array.from(await got.data())).toEqual(Array.from(await t.data()));
    }
    for (const t of [...Object.values(named), ...Object.values(tensors)]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('widens F16, BF16 and small integers, and rejects I64 values outside int32', async () => {
    const bytes = encodeSafetensors({
      h: { dtype: 'F16', shape: [4], data: new Uint16Array([0x3e00, 0xc000, 0x0001, 0x7c00]) },
      bf: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3fc0]) },
      u8: { dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
      i64: { dtype: 'I64', shape: [1], data: new BigInt64Array([-5n]) },
    });
    const { tensors } = safetensorsToTensors(bytes);
    expect(Array.from(await tensors.h!.data())).toEqual([1.5, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(Array.from(await tensors.bf!.data())).toEqual([1.5]);
    expect(tensors.u8!.dtype).toBe('int32');
    expect(Array.from(await tensors.u8!.data())).toEqual([0, 255]);
    expect(Array.from(await tensors.i64!.data())).toEqual([-5]);
    for (const t of Object.values(tensors)) t.dispose();
    const big = encodeSafetensors({
      i64: { dtype: 'I64', shape: [1], data: new BigInt64Array([2n ** 40n]) },
    });
    const before = memory().numTensors;
    expect(() => safetensorsToTensors(big, 'big.safetensors')).toThrow(
      /big.safetensors: tensor "i64" .* outside the int32 range/,
    );
    expect(memory().numTensors).toBe(before);
  });
});

// IDX files: decode/encode of every type code, readIdx on raw and gzip bytes and paths,
// malformed files, and loadFashionMnist against small IDX files made here (gz and raw).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatError, IOError } from '../io/errors.js';
import { loadFashionMnist } from './datasets.js';
import { DatasetError } from './errors.js';
import { decodeIdx, encodeIdx, type IdxData } from './idx-format.js';
import { gunzipIdx, readCsv, readIdx } from './read.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nabla-idx-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('IDX format', () => {
  it('encodes the standard header by hand', () => {
    const bytes = encodeIdx({ type: 'ubyte', shape: [2, 3], data: new Uint8Array([0, 1, 2, 253, 254, 255]) });
    expect(Array.from(bytes)).toEqual([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 253, 254, 255]);
  });

  it('round-trips every type code, big-endian', () => {
    const cases: IdxData[] = [
      { type: 'ubyte', shape: [3], data: new Uint8Array([0, 128, 255]) },
      { type: 'byte', shape: [2], data: new Int8Array([-128, 127]) },
      { type: 'short', shape: [2], data: new Int16Array([-2, 300]) },
      { type: 'int', shape: [1, 2], data: new Int32Array([-70000, 70000]) },
      { type: 'float', shape: [2], data: new Float32Array([1.5, -0.25]) },
      { type: 'double', shape: [1], data: new Float64Array([Math.E]) },
    ];
    for (const idx of cases) {
      const decoded = decodeIdx(encodeIdx(idx), 'x.idx');
      expect(decoded.type).toBe(idx.type);
      expect(decoded.shape).toEqual(idx.shape);
      expect(Array.from(decoded.data)).toEqual(Array.from(idx.data));
    }
    // 300 as a big-endian short is 01 2c.
    const shortBytes = encodeIdx({ type: 'short', shape: [1], data: new Int16Array([300]) });
    expect(Array.from(shortBytes.subarray(8))).toEqual([0x01, 0x2c]);
  });

  it('rejects malformed files, naming them', () => {
    expect(() => decodeIdx(new Uint8Array([0, 0]), 'a.idx')).toThrow(/^a.idx: too short/);
    expect(() => decodeIdx(new Uint8Array([1, 0, 8, 0]), 'b.idx')).toThrow(/^b.idx: not an IDX file/);
    expect(() => decodeIdx(new Uint8Array([0, 0, 0x0a, 0]), 'c.idx')).toThrow(
      /^c.idx: unknown IDX type code 0a/,
    );
    expect(() => decodeIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0]), 'd.idx')).toThrow(
      /^d.idx: truncated header/,
    );
    expect(() => decodeIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]), 'e.idx')).toThrow(
      /^e.idx: shape \[3\] of ubyte needs 3 data bytes, the file has 2/,
    );
    expect(() => decodeIdx(new Uint8Array([0x1f, 0x8b, 8, 0]), 'f.idx.gz')).toThrow(FormatError);
  });
});

describe('readIdx', () => {
  const idx: IdxData = { type: 'ubyte', shape: [2, 2], data: new Uint8Array([1, 2, 3, 4]) };

  it('reads raw and gzip files from paths and bytes', async () => {
    const raw = encodeIdx(idx);
    await writeFile(join(dir, 'x-idx2-ubyte'), raw);
    await writeFile(join(dir, 'x-idx2-ubyte.gz'), gzipSync(raw));
    for (const source of [
      join(dir, 'x-idx2-ubyte'),
      join(dir, 'x-idx2-ubyte.gz'),
      raw,
      new Uint8Array(gzipSync(raw)),
    ]) {
      const got = await readIdx(source);
      expect(got.shape).toEqual([2, 2]);
      expect(Array.from(got.data)).toEqual([1, 2, 3, 4]);
    }
  });

  it('stops inflating a gzip bomb once it passes the size the header declares', async () => {
    // A header declaring 4 bytes of data followed by 64 MiB of zeros: ~64 KiB compressed.
    const header = encodeIdx({ type: 'ubyte', shape: [4], data: new Uint8Array(4) });
    const bomb = new Uint8Array(gzipSync(Buffer.concat([header, Buffer.alloc(64 * 2 ** 20)])));
    expect(bomb.length).toBeLessThan(2 ** 20);
    const before = process.memoryUsage().arrayBuffers;
    const error = await readIdx(bomb, 'bomb.gz').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(String(error)).toMatch(
      /^FormatError: bomb.gz: gzip data inflates past the 12 bytes the IDX header declares/,
    );
    // It stopped after a chunk or two, far short of the 64 MiB a full inflate makes.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });

  it('refuses a gzip file whose header declares more than the limit', async () => {
    const header = encodeIdx({ type: 'ubyte', shape: [4], data: new Uint8Array(4) });
    await expect(gunzipIdx(new Uint8Array(gzipSync(header)), 'h.gz', 8)).rejects.toThrow(
      /^h.gz: the IDX header declares 12 bytes, more than the 8-byte limit/,
    );
    const noHeader = new Uint8Array(gzipSync(Buffer.from([0, 0, 8, 255, 0, 0, 0, 1])));
    await expect(gunzipIdx(noHeader, 'n.gz', 6)).rejects.toThrow(
      /^n.gz: gzip data inflates past the 6-byte limit/,
    );
  });

  it('wraps file-system errors as IOErrors naming the file', async () => {
    const missing = join(dir, 'missing-idx1-ubyte');
    const error = await readIdx(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect((error as IOError).code).toBe('ENOENT');
    expect(String(error)).toBe(
      `IOError: ${missing}: could not read the file (ENOENT: no such file or directory)`,
    );
    await expect(readIdx(dir)).rejects.toThrow(new RegExp(`^${dir}: could not read the file \\(EISDIR`));
    await expect(readCsv(missing)).rejects.toBeInstanceOf(IOError);
  });

  it('names the file when gzip data is corrupt', async () => {
    const path = join(dir, 'bad.gz');
    await writeFile(path, new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    await expect(readIdx(path)).rejects.toThrow(new RegExp(`^${path}: gzip data is corrupt`));
  });
});

/** Writes a tiny Fashion-MNIST look-alike: `n` images of 2×3 with pixel (i + j) and label i % 10. */
async function writeFakeFashion(folder: string, n: number, compress: boolean): Promise<void> {
  const pixels = Uint8Array.from({ length: n * 6 }, (_, k) => (k * 17) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const files: [string, Uint8Array][] = [
    ['train-images-idx3-ubyte', encodeIdx({ type: 'ubyte', shape: [n, 2, 3], data: pixels })],
    ['train-labels-idx1-ubyte', encodeIdx({ type: 'ubyte', shape: [n], data: labels })],
    ['t10k-images-idx3-ubyte', encodeIdx({ type: 'ubyte', shape: [2, 2, 3], data: pixels.slice(0, 12) })],
    ['t10k-labels-idx1-ubyte', encodeIdx({ type: 'ubyte', shape: [2], data: labels.slice(0, 2) })],
  ];
  for (const [name, bytes] of files) {
    await writeFile(join(folder, compress ? `${name}.gz` : name), compress ? gzipSync(bytes) : bytes);
  }
}

describe('loadFashionMnist', () => {
  it.each([true, false])('reads the four files (gzip: %s), scaled to [0, 1]', async (compress) => {
    await writeFakeFashion(dir, 5, compress);
    const { train, test } = await loadFashionMnist({ dir });
    expect(train.count).toBe(5);
    expect([train.height, train.width]).toEqual([2, 3]);
    expect(train.images).toBeInstanceOf(Float32Array);
    expect(train.images.length).toBe(30);
    expect(train.images[1]).toBeCloseTo(17 / 255, 6);
    expect(Math.max(...train.images)).toBeLessThanOrEqual(1);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(train.labels).toBeInstanceOf(Int32Array);
    expect(test.count).toBe(2);
  });

  it('keeps the first `limit` samples of each split', async () => {
    await writeFakeFashion(dir, 5, true);
    const { train, test } = await loadFashionMnist({ dir, limit: 3 });
    expect(train.count).toBe(3);
    expect(train.images.length).toBe(18);
    expect(Array.from(train.labels)).toEqual([0, 1, 2]);
    expect(test.count).toBe(2);
  });

  it('says how to get the data when files are missing', async () => {
    const missing = join(dir, 'nowhere');
    const error = await loadFashionMnist({ dir: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect(String(error)).toContain('apt-get install dataset-fashion-mnist');
    expect(String(error)).toContain('pass { dir }');
    expect(String(error)).toContain(missing);
  });

  it('reports an unreadable folder as an IOError, not as missing data', async () => {
    const error = await loadFashionMnist({ dir: join(dir, 'x\0y') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect(String(error)).toMatch(/could not access the file/);
  });

  it('rejects mismatched image and label counts', async () => {
    await writeFakeFashion(dir, 5, false);
    await writeFile(
      join(dir, 'train-labels-idx1-ubyte'),
      encodeIdx({ type: 'ubyte', shape: [4], data: new Uint8Array(4) }),
    );
    await expect(loadFashionMnist({ dir })).rejects.toThrow(/has 4 labels but .* has 5 images/);
  });
});

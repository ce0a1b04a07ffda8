// loadOnnx (@nabla/onnx/node): a .onnx file on disk becomes the same model importOnnx makes from
// its bytes, and the file's path names the model in every error.

import '@nabla/backend-cpu';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, setBackend, tensor } from '@nabla/core';
import { FormatError, IOError } from '@nabla/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnx } from '../src/node.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

beforeAll(async () => {
  await setBackend('cpu');
});

describe('loadOnnx', () => {
  it('loads a PyTorch-exported file that predicts what PyTorch predicted', async () => {
    const record = JSON.parse(readFileSync(join(FIXTURES, 'mlp.json'), 'utf8')) as {
      input: { shape: number[]; data: number[] };
      output: { shape: number[]; data: number[] };
    };
    const m = await loadOnnx(join(FIXTURES, 'mlp.onnx'), { name: 'from_disk' });
    expect(m.name).toBe('from_disk');
    const y = m.predict(tensor(record.input.data, record.input.shape)) as ReturnType<typeof tensor>;
    const got = Array.from(await y.data());
    got.forEach((v, i) => {
      expect(Math.abs(v - record.output.data[i]!)).toBeLessThanOrEqual(
        1e-4 * (1 + Math.abs(record.output.data[i]!)),
      );
    });
    y.dispose();
    m.dispose();
  });

  it('names the file in IOError, FormatError and option errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-onnx-'));
    try {
      const missing = join(dir, 'missing.onnx');
      await expect(loadOnnx(missing)).rejects.toThrow(IOError);
      await expect(loadOnnx(missing)).rejects.toThrow(missing);
      const cut = join(dir, 'cut.onnx');
      const bytes = readFileSync(join(FIXTURES, 'mlp.onnx'));
      writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
      const error = await loadOnnx(cut).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).source).toBe(cut);
      await expect(loadOnnx(join(FIXTURES, 'mlp.onnx'), { nmae: 'x' } as never)).rejects.toThrow(
        ArgumentError,
      );
      await expect((loadOnnx as (...a: unknown[]) => unknown)('', {})).rejects.toThrow(ArgumentError);
      await expect(
        (loadOnnx as (...a: unknown[]) => unknown)(join(FIXTURES, 'mlp.onnx'), {}, 1),
      ).rejects.toThrow(ArgumentError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// saveOnnx (Node): the exported model lands in the file atomically (no temporaries left, an
// existing file replaced), ONNX Runtime loads it from the path, and bad paths are refused.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '@nabla/core';
import { dense, sequential } from '@nabla/nn';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { saveOnnx } from '../src/export/node.js';
import { exportOnnx } from '../src/index.js';
import { useCpuBackend } from './export-helpers.js';

useCpuBackend();

describe('saveOnnx', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes the exported bytes over an existing file, leaving no temporaries', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-onnx-'));
    dirs.push(dir);
    const path = join(dir, 'mlp.onnx');
    await writeFile(path, 'old');
    const m = sequential([dense({ units: 3, activation: 'relu', inputShape: [4] }), dense({ units: 2 })]);
    const result = await saveOnnx(m, path, { producerName: 'saveOnnx-test' });
    const written = await readFile(path);
    expect(result).toEqual({ path, bytes: written.length });
    expect(new Uint8Array(written)).toEqual(await exportOnnx(m, { producerName: 'saveOnnx-test' }));
    expect(await readdir(dir)).toEqual(['mlp.onnx']);
    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(['input']);
    m.dispose();
  });

  it('refuses paths that are not file paths and unknown options', async () => {
    const m = sequential([dense({ units: 2, inputShape: [2] })]);
    await expect(saveOnnx(m, '')).rejects.toThrow(ArgumentError);
    await expect(saveOnnx(m, 'out/')).rejects.toThrow(/saveOnnx: expected a file path, got "out\/"/);
    await expect(saveOnnx(m, 'a.onnx', { opst: 17 } as never)).rejects.toThrow(/unknown option 'opst'/);
    await expect(saveOnnx(m, 'a.onnx', null as never)).rejects.toThrow(/expected an options object/);
    m.dispose();
  });
});

describe("model.save('onnx://...')", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('exports the saved model through the onnx scheme, with the same predictions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-onnx-scheme-'));
    dirs.push(dir);
    const path = join(dir, 'net.onnx');
    const m = sequential([dense({ units: 3, activation: 'tanh', inputShape: [4] }), dense({ units: 2 })], {
      name: 'net',
    });
    const result = await m.save(`onnx://${path}`);
    const written = await readFile(path);
    expect(result.weightsBytes).toBe(written.length);
    expect(new Uint8Array(written)).toEqual(await exportOnnx(m));
    const session = await ort.InferenceSession.create(path);
    expect(session.outputNames).toEqual([m.layers[1]!.name]);
    m.dispose();
  });
});

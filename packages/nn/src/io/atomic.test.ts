// Crash-safe folder writes: a save replaces the folder, a simulated crash in the middle of a
// save leaves the previous save intact, and a crash between the two renames is recovered
// by readFolder.

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FolderFs, nodeFolderFs, readFolder, writeFolderAtomic } from './atomic.js';
import { FormatError } from './errors.js';

let root: string;
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nabla-atomic-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeFolderAtomic', () => {
  it('writes a new folder and replaces an old one completely', async () => {
    const dir = join(root, 'model');
    await writeFolderAtomic(dir, {
      'config.json': '{"v":1}',
      'weights.bin': new Uint8Array([1, 2, 3]),
      stale: 'x',
    });
    await writeFolderAtomic(dir, { 'config.json': '{"v":2}', 'weights.bin': new Uint8Array([4]) });
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'weights.bin']);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"v":2}');
    expect(Array.from(await readFile(join(dir, 'weights.bin')))).toEqual([4]);
    // No temporary or old folders are left behind.
    expect(await readdir(root)).toEqual(['model']);
  });

  it('leaves the previous save intact when a write fails midway', async () => {
    const dir = join(root, 'model');
    await writeFolderAtomic(dir, { 'config.json': '{"v":1}', 'weights.bin': new Uint8Array([1, 2, 3]) });
    let written = 0;
    const crashing: FolderFs = {
      ...nodeFolderFs,
      async writeFileSynced(path, data) {
        if (written === 1) throw new Error('simulated crash: disk full');
        await nodeFolderFs.writeFileSynced(path, data);
        written++;
      },
    };
    await expect(
      writeFolderAtomic(
        dir,
        { 'config.json': '{"v":2}', 'weights.bin': new Uint8Array([9, 9]) },
        { fs: crashing },
      ),
    ).rejects.toThrow(/simulated crash/);
    expect(written).toBe(1);
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe('{"v":1}');
    expect(Array.from(await readFile(join(dir, 'weights.bin')))).toEqual([1, 2, 3]);
    expect(await readdir(root)).toEqual(['model']);
  });

  it('puts the old folder back when the swap-in rename fails', async () => {
    const dir = join(root, 'model');
    await writeFolderAtomic(dir, { 'a.txt': 'old' });
    const failing: FolderFs = {
      ...nodeFolderFs,
      async rename(from, to) {
        if (from.includes('.tmp-')) throw new Error('simulated crash: rename');
        await nodeFolderFs.rename(from, to);
      },
    };
    await expect(writeFolderAtomic(dir, { 'a.txt': 'new' }, { fs: failing })).rejects.toThrow(/rename/);
    expect(text(await readFile(join(dir, 'a.txt')))).toBe('old');
  });

  it('rejects file names with path separators', async () => {
    await expect(writeFolderAtomic(join(root, 'm'), { '../evil': 'x' })).rejects.toThrow(/plain names/);
  });
});

describe('readFolder', () => {
  it('reads the named files', async () => {
    const dir = join(root, 'model');
    await writeFolderAtomic(dir, { 'config.json': '{}', 'w.bin': new Uint8Array([7]) });
    const files = await readFolder(dir, ['config.json', 'w.bin']);
    expect(text(files['config.json'])).toBe('{}');
    expect(Array.from(files['w.bin']!)).toEqual([7]);
  });

  it('recovers from a crash between the two renames by reading the newest .old- folder', async () => {
    const dir = join(root, 'model');
    for (const [name, v] of [
      ['model.old-0000000000001-aaaa', 'older'],
      ['model.old-0000000000002-bbbb', 'newest'],
    ] as const) {
      await mkdir(join(root, name));
      await writeFile(join(root, name, 'config.json'), v);
    }
    const files = await readFolder(dir, ['config.json']);
    expect(text(files['config.json'])).toBe('newest');
  });

  it('names the folder and the missing file', async () => {
    const dir = join(root, 'model');
    await writeFolderAtomic(dir, { 'config.json': '{}' });
    await expect(readFolder(dir, ['config.json', 'weights.safetensors'])).rejects.toThrow(
      new RegExp(`${dir}: missing file "weights.safetensors"`),
    );
    await expect(readFolder(join(root, 'nothing'), ['a'])).rejects.toBeInstanceOf(FormatError);
  });
});

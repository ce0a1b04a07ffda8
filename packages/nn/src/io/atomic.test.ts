// Crash-safe file writes and the folder lock: a write replaces one file and touches nothing
// else, a failed write leaves the old file and no temporary, only our own temporaries are
// cleaned up, writers of one folder never overlap, and locks left by dead writers are broken.

import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  folderPath,
  isOwnTemporary,
  LOCK_FILE,
  nodeSaveFs,
  removeOwnTemporaries,
  type SaveFs,
  withFolderLock,
  writeFileAtomic,
} from './atomic.js';
import { IOError } from './errors.js';

let root: string;
const bytes = (s: string) => new TextEncoder().encode(s);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nabla-atomic-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces one file and leaves every other file alone', async () => {
    await writeFile(join(root, 'notes.txt'), 'mine');
    await writeFileAtomic(root, 'a.json', bytes('{"v":1}'));
    await writeFileAtomic(root, 'a.json', bytes('{"v":2}'));
    expect(await readFile(join(root, 'a.json'), 'utf8')).toBe('{"v":2}');
    expect(await readFile(join(root, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readdir(root)).sort()).toEqual(['a.json', 'notes.txt']);
  });

  it('keeps the old file and removes its temporary when a step fails', async () => {
    await writeFileAtomic(root, 'a.json', bytes('old'));
    for (const step of ['writeFileSynced', 'rename'] as const) {
      const failing: SaveFs = {
        ...nodeSaveFs,
        [step]: async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      };
      const error = await writeFileAtomic(root, 'a.json', bytes('new'), { fs: failing }).catch((e) => e);
      expect(error).toBeInstanceOf(IOError);
      expect(String(error)).toBe(
        `IOError: ${join(root, 'a.json')}: could not write the file (ENOSPC: no space left on device)`,
      );
      expect(await readFile(join(root, 'a.json'), 'utf8')).toBe('old');
      expect(await readdir(root)).toEqual(['a.json']);
    }
  });

  it('rejects file names with path separators', async () => {
    await expect(writeFileAtomic(root, '../evil', bytes('x'))).rejects.toThrow(/plain names/);
  });
});

describe('temporaries and paths', () => {
  it('recognises and removes only its own temporaries', async () => {
    const own = '.model.json.nabla-tmp-1764500000000-0123456789abcdef';
    const others = [
      '.model.json.tmp',
      'model.json',
      '.nabla-tmp-1',
      'x.nabla-tmp-1764500000000-0123456789abcdef',
    ];
    for (const name of [own, ...others]) await writeFile(join(root, name), 'x');
    expect(isOwnTemporary(own)).toBe(true);
    for (const name of others) expect(isOwnTemporary(name)).toBe(false);
    expect(await removeOwnTemporaries(root)).toEqual([own]);
    expect((await readdir(root)).sort()).toEqual([...others].sort());
  });

  it('drops trailing separators from folder paths', () => {
    expect(folderPath('out/model/')).toBe('out/model');
    expect(folderPath('out/model//')).toBe('out/model');
    expect(folderPath('out/model')).toBe('out/model');
    expect(folderPath('/')).toBe('/');
    expect(() => folderPath('')).toThrow(/expected a folder path/);
  });
});

describe('withFolderLock', () => {
  it('runs writers of one folder one at a time and removes the lock file', async () => {
    const events: string[] = [];
    const writer = (id: number) =>
      withFolderLock(root, async () => {
        events.push(`start ${id}`);
        await new Promise((done) => setTimeout(done, 5));
        events.push(`end ${id}`);
      });
    await Promise.all([writer(1), writer(2), writer(3)]);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(await readdir(root)).toEqual([]);
  });

  it('releases the lock when the writer throws', async () => {
    await expect(
      withFolderLock(root, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withFolderLock(root, async () => 7)).toBe(7);
  });

  it('waits for a live holder in another process, then names it', async () => {
    const holder = { pid: process.ppid, host: hostname(), token: 'other', time: Date.now() };
    await writeFile(join(root, LOCK_FILE), JSON.stringify(holder));
    const error = await withFolderLock(root, async () => 1, { timeoutMs: 50 }).catch((e) => e);
    expect(error).toBeInstanceOf(IOError);
    expect(String(error)).toContain(`another save of this folder is running (process ${process.ppid}`);
    expect(JSON.parse(await readFile(join(root, LOCK_FILE), 'utf8')).token).toBe('other');
  });

  it('breaks locks left by dead writers', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    for (const holder of [
      { pid: dead, host: hostname(), token: 'dead', time: Date.now() },
      // This process, but no writer here holds it: a save that was killed mid-way.
      { pid: process.pid, host: hostname(), token: 'killed', time: Date.now() },
      { pid: process.ppid, host: 'elsewhere', token: 'old', time: Date.now() - 3_600_000 },
    ]) {
      await writeFile(join(root, LOCK_FILE), JSON.stringify(holder));
      expect(await withFolderLock(root, async () => 'ran', { timeoutMs: 1000 })).toBe('ran');
      expect(await readdir(root)).toEqual([]);
    }
  });
});

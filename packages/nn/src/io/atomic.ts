// Node only (node:fs): crash-safe folder saves. All files go into a temporary sibling folder,
// are fsynced, and the folder is then swapped in by renames, so an interrupted save leaves the
// previous save readable. Browser bundles avoid this file: it is exported from `io/node.ts`.

import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArgumentError } from '@nabla/core';
import { FormatError } from './errors.js';

/** The file-system calls the folder helpers make; swap it out to simulate crashes in tests. */
export interface FolderFs {
  mkdir(path: string): Promise<void>;
  /** Writes a whole file and fsyncs it before resolving. */
  writeFileSynced(path: string, data: Uint8Array): Promise<void>;
  /** Fsyncs a directory so renames and new entries in it are durable (no-op where unsupported). */
  syncDir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  removeTree(path: string): Promise<void>;
  /** Entry names of a folder; `[]` when it does not exist. */
  list(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * The real file system (node:fs/promises).
 * @example
 * await writeFolderAtomic('model', files, { fs: { ...nodeFolderFs, writeFileSynced: flaky } });
 * await nodeFolderFs.exists('model'); // true
 */
export const nodeFolderFs: FolderFs = {
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true });
  },
  async writeFileSynced(path, data) {
    const handle = await fsp.open(path, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async syncDir(path) {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(path, 'r');
      await handle.sync();
    } catch {
      // Directories cannot be opened or fsynced on some platforms (Windows); renames there are
      // already as durable as the OS makes them.
    } finally {
      await handle?.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  removeTree: (path) => fsp.rm(path, { recursive: true, force: true }),
  async list(path) {
    try {
      return await fsp.readdir(path);
    } catch {
      return [];
    }
  },
  async exists(path) {
    try {
      await fsp.stat(path);
      return true;
    } catch {
      return false;
    }
  },
  async readFile(path) {
    const buffer = await fsp.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
};

/** Options of {@link writeFolderAtomic} and {@link readFolder}. */
export interface FolderOptions {
  /** The file system to use (default: node:fs). */
  fs?: FolderFs;
}

/** `<time>-<random>`: sortable by creation time, unique across concurrent writers. */
function stamp(): string {
  return `${Date.now().toString().padStart(13, '0')}-${Math.random().toString(36).slice(2, 10)}`;
}

function checkName(op: string, name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || /[/\\]/.test(name) || name.includes('\0')) {
    throw new ArgumentError(`${op}: file names must be plain names without path separators, got "${name}"`);
  }
}

/**
 * Writes `files` as the complete contents of folder `dir`, crash-safely:
 * 1. every file is written and fsynced into `dir.tmp-<stamp>`;
 * 2. an existing `dir` is renamed to `dir.old-<stamp>`, the new folder renamed to `dir`,
 *    and the old one deleted.
 * A crash during step 1 leaves `dir` untouched (plus a stray `.tmp-` folder). The one window
 * is between the two renames of step 2: `dir` is missing and `dir.old-<stamp>` holds the
 * previous save; {@link readFolder} then reads the newest `dir.old-*`, so a load still works.
 * @example
 * await writeFolderAtomic('out/model', { 'config.json': json, 'weights.safetensors': bytes });
 * const { 'config.json': config } = await readFolder('out/model', ['config.json']);
 */
export async function writeFolderAtomic(
  dir: string,
  files: Record<string, Uint8Array | string>,
  options: FolderOptions = {},
): Promise<void> {
  const fs = options.fs ?? nodeFolderFs;
  const names = Object.keys(files);
  for (const name of names) checkName('writeFolderAtomic', name);
  const parent = dirname(dir);
  const tmp = `${dir}.tmp-${stamp()}`;
  await fs.mkdir(parent);
  await fs.mkdir(tmp);
  try {
    const encoder = new TextEncoder();
    for (const name of names) {
      const content = files[name]!;
      await fs.writeFileSynced(
        join(tmp, name),
        typeof content === 'string' ? encoder.encode(content) : content,
      );
    }
    await fs.syncDir(tmp);
  } catch (error) {
    await fs.removeTree(tmp).catch(() => undefined);
    throw error;
  }
  if (!(await fs.exists(dir))) {
    await fs.rename(tmp, dir);
    await fs.syncDir(parent);
    return;
  }
  const old = `${dir}.old-${stamp()}`;
  await fs.rename(dir, old);
  try {
    await fs.rename(tmp, dir);
  } catch (error) {
    // Put the previous save back; the new files stay in the .tmp- folder for inspection.
    await fs.rename(old, dir).catch(() => undefined);
    throw error;
  }
  await fs.syncDir(parent);
  await fs.removeTree(old);
}

/**
 * The folder to read for `dir`: `dir` itself, or, when a save was interrupted between its two
 * renames, the newest `dir.old-*` sibling. `undefined` when neither exists.
 * @example
 * await resolveSavedFolder('out/model'); // 'out/model'
 * await resolveSavedFolder('missing'); // undefined
 */
export async function resolveSavedFolder(
  dir: string,
  options: FolderOptions = {},
): Promise<string | undefined> {
  const fs = options.fs ?? nodeFolderFs;
  if (await fs.exists(dir)) return dir;
  const prefix = `${basename(dir)}.old-`;
  const candidates = (await fs.list(dirname(dir))).filter((n) => n.startsWith(prefix)).sort();
  const newest = candidates[candidates.length - 1];
  return newest === undefined ? undefined : join(dirname(dir), newest);
}

/**
 * Reads the named files of a folder written by {@link writeFolderAtomic} (recovering from an
 * interrupted save as described there). Throws a `FormatError` naming the folder and the
 * first missing file.
 * @example
 * const files = await readFolder('out/model', ['config.json', 'weights.safetensors']);
 * JSON.parse(new TextDecoder().decode(files['config.json']));
 */
export async function readFolder(
  dir: string,
  names: readonly string[],
  options: FolderOptions = {},
): Promise<Record<string, Uint8Array>> {
  const fs = options.fs ?? nodeFolderFs;
  for (const name of names) checkName('readFolder', name);
  const folder = await resolveSavedFolder(dir, options);
  if (folder === undefined) throw new FormatError(dir, 'folder does not exist (nothing was saved here)');
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const name of names) {
    const path = join(folder, name);
    if (!(await fs.exists(path))) {
      throw new FormatError(
        folder,
        `missing file "${name}" (expected ${names.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    Object.defineProperty(out, name, { value: await fs.readFile(path), enumerable: true });
  }
  return out;
}

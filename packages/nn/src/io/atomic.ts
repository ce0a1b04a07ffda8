// Node only (node:fs): crash-safe writes into a folder that may hold other people's files.
// A file is written to a temporary beside it, fsynced and renamed over its target, so readers
// see the old or the new file, never half of one; nothing else in the folder is touched. A lock
// file serialises writers of one folder across processes (a queue does it within one), and a
// writer removes only temporaries it recognises as its own by name. Not in browser bundles:
// exported from io/node.ts.

import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ArgumentError } from '@nabla/core';
import { errorCode, IOError, toIOError } from './errors.js';

/** The file-system calls the writers make; swap it out to simulate crashes in tests. */
export interface SaveFs {
  /** Creates a folder and its parents. */
  mkdir(path: string): Promise<void>;
  /** Writes a new file (failing if it exists) and fsyncs it before resolving. */
  writeFileSynced(path: string, data: Uint8Array): Promise<void>;
  /** Fsyncs a directory so renames and new entries in it are durable (no-op where unsupported). */
  syncDir(path: string): Promise<void>;
  /** Renames a file, replacing `to` atomically when it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file; resolves when it is already gone. */
  remove(path: string): Promise<void>;
  /** Deletes an empty folder. */
  removeDir(path: string): Promise<void>;
  /** Entry names of a folder; `[]` when it does not exist. */
  list(path: string): Promise<string[]>;
  /** A whole file's bytes. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates `path` holding `data` unless it exists; resolves whether it created it. */
  createExclusive(path: string, data: Uint8Array): Promise<boolean>;
}

/**
 * The real file system (node:fs/promises).
 * @example
 * const flaky: SaveFs = { ...nodeSaveFs, rename: async () => { throw new Error('crash'); } };
 * await writeFileAtomic('out/a.txt', bytes, { fs: flaky }); // rejects, out/a.txt unchanged
 */
export const nodeSaveFs: SaveFs = {
  async mkdir(path) {
    await fsp.mkdir(path, { recursive: true });
  },
  async writeFileSynced(path, data) {
    const handle = await fsp.open(path, 'wx');
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
  async remove(path) {
    await fsp.rm(path, { force: true });
  },
  async removeDir(path) {
    await fsp.rmdir(path);
  },
  async list(path) {
    try {
      return await fsp.readdir(path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  },
  async readFile(path) {
    const buffer = await fsp.readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  async createExclusive(path, data) {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, 'wx');
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    }
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    return true;
  },
};

/** Options of the folder writers. */
export interface SaveFsOptions {
  /** The file system to use (default: node:fs). */
  fs?: SaveFs;
}

/** Marks a temporary this module made: `.<target>.nabla-tmp-<time>-<random>`. */
const TEMP_MARK = '.nabla-tmp-';
const TEMP_NAME = /^\..+\.nabla-tmp-\d{13}-[0-9a-f]{16}$/;

/** `<time>-<random>`: sortable by creation time, unique across concurrent writers. */
function stamp(): string {
  return `${Date.now().toString().padStart(13, '0')}-${randomBytes(8).toString('hex')}`;
}

function checkName(op: string, name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || /[/\\]/.test(name) || name.includes('\0')) {
    throw new ArgumentError(`${op}: file names must be plain names without path separators, got "${name}"`);
  }
}

/**
 * A folder path without trailing separators (`'out/model/'` → `'out/model'`), so that names
 * built from it stay inside it. The root stays the root.
 * @example
 * folderPath('out/model/'); // 'out/model'
 * folderPath('/'); // '/'
 */
export function folderPath(path: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new ArgumentError(`save: expected a folder path, got ${JSON.stringify(path)}`);
  }
  const trimmed = path.replace(/[/\\]+$/, '');
  return trimmed.length === 0 ? path.slice(0, 1) : trimmed;
}

/**
 * Whether a folder entry is a temporary left by {@link writeFileAtomic} (for example by a save
 * that was killed), which a later writer of the folder may delete.
 * @example
 * isOwnTemporary('.model.json.nabla-tmp-1764500000000-0123456789abcdef'); // true
 * isOwnTemporary('model.json'); // false
 */
export function isOwnTemporary(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Replaces `dir/name` with `data` atomically: the bytes go to a temporary in the same folder,
 * are fsynced, and the temporary is renamed over the target (then the folder is fsynced). A
 * failure leaves the old file as it was and removes the temporary when it still can.
 * File-system errors become `IOError`s naming the file.
 * @example
 * await writeFileAtomic('out', 'model.json', new TextEncoder().encode('{}'));
 */
export async function writeFileAtomic(
  dir: string,
  name: string,
  data: Uint8Array,
  options: SaveFsOptions = {},
): Promise<void> {
  const fs = options.fs ?? nodeSaveFs;
  checkName('writeFileAtomic', name);
  const target = join(dir, name);
  const tmp = join(dir, `.${name}${TEMP_MARK}${stamp()}`);
  try {
    await fs.writeFileSynced(tmp, data);
    await fs.rename(tmp, target);
  } catch (error) {
    await fs.remove(tmp).catch(() => undefined);
    throw toIOError(error, target, 'write the file');
  }
  try {
    await fs.syncDir(dir);
  } catch (error) {
    throw toIOError(error, dir, 'sync the folder');
  }
}

/**
 * Deletes the temporaries of {@link writeFileAtomic} in `dir` (only names it recognises, see
 * {@link isOwnTemporary}). Call it while holding the folder's lock, so that no writer is
 * still using them. Resolves the names removed.
 * @example
 * await withFolderLock('out', () => removeOwnTemporaries('out'));
 */
export async function removeOwnTemporaries(dir: string, options: SaveFsOptions = {}): Promise<string[]> {
  const fs = options.fs ?? nodeSaveFs;
  const names = await listFolder(dir, fs);
  const removed: string[] = [];
  for (const name of names.filter(isOwnTemporary)) {
    try {
      await fs.remove(join(dir, name));
    } catch (error) {
      throw toIOError(error, join(dir, name), 'remove a temporary file');
    }
    removed.push(name);
  }
  return removed;
}

/** The entries of a folder, file-system errors as IOErrors. */
export async function listFolder(dir: string, fs: SaveFs = nodeSaveFs): Promise<string[]> {
  try {
    return await fs.list(dir);
  } catch (error) {
    throw toIOError(error, dir, 'list the folder');
  }
}

/** The name of the lock file a folder's writer holds. */
export const LOCK_FILE = '.nabla-save.lock';

/** Options of {@link withFolderLock}. */
export interface FolderLockOptions extends SaveFsOptions {
  /** Give up waiting for another writer after this long (default 120 s). */
  timeoutMs?: number;
  /** A lock older than this is taken to be left by a writer that died (default 10 min). */
  staleMs?: number;
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  time: number;
}

/** Folders (resolved paths) whose lock this process holds, with the token written in it. */
const heldTokens = new Set<string>();
/** Per folder, the tail of the queue of this process's writers. */
const queues = new Map<string, Promise<void>>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

function readLock(bytes: Uint8Array): LockInfo | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host, token, time } = value as Partial<LockInfo>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof token !== 'string') return undefined;
    if (typeof time !== 'number') return undefined;
    return { pid, host, token, time };
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock is left by a writer that can no longer release it: its process is gone (same
 * host), it is this process's but no writer here holds it (a save killed by an injected
 * failure), it is unreadable and old, or it is older than `staleMs`.
 */
function isStale(info: LockInfo | undefined, age: number, staleMs: number): boolean {
  if (info === undefined) return age > 1000;
  if (age > staleMs) return true;
  if (info.host !== hostname()) return false;
  if (info.pid === process.pid) return !heldTokens.has(info.token);
  return !pidAlive(info.pid);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs `fn` while holding `dir`'s writer lock: writers in this process queue up; writers in
 * other processes are kept out by the lock file `.nabla-save.lock`, created exclusively and
 * removed afterwards. A lock left by a dead writer is broken; a live one is waited for, up to
 * `timeoutMs`, then an `IOError` names the folder and the holder.
 * @example
 * await withFolderLock('out/model', async () => { await writeFileAtomic('out/model', 'a', bytes); });
 */
export async function withFolderLock<T>(
  dir: string,
  fn: () => Promise<T>,
  options: FolderLockOptions = {},
): Promise<T> {
  const key = resolve(dir);
  const previous = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((done) => {
    release = done;
  });
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await lockedRun(dir, fn, options);
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

async function lockedRun<T>(dir: string, fn: () => Promise<T>, options: FolderLockOptions): Promise<T> {
  const fs = options.fs ?? nodeSaveFs;
  const { timeoutMs = 120_000, staleMs = 600_000 } = options;
  const path = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), token: stamp(), time: Date.now() };
  const bytes = new TextEncoder().encode(`${JSON.stringify(info)}\n`);
  const started = Date.now();
  let wait = 5;
  for (;;) {
    let created: boolean;
    try {
      created = await fs.createExclusive(path, bytes);
    } catch (error) {
      throw toIOError(error, path, 'create the lock file');
    }
    if (created) break;
    let holder: LockInfo | undefined;
    try {
      holder = readLock(await fs.readFile(path));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // released meanwhile: try again
      throw toIOError(error, path, 'read the lock file');
    }
    const age = Date.now() - (holder?.time ?? started);
    if (isStale(holder, age, staleMs)) {
      await fs.remove(path).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new IOError(
        dir,
        `another save of this folder is running (process ${holder?.pid ?? 'unknown'} on ${holder?.host ?? 'unknown'} holds ${LOCK_FILE}); waited ${timeoutMs} ms. Remove the lock file if no save is running.`,
      );
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 200);
  }
  heldTokens.add(info.token);
  try {
    return await fn();
  } finally {
    heldTokens.delete(info.token);
    await releaseLock(fs, path, info.token);
  }
}

/** Removes the lock file if it is still ours (a stale-lock breaker may have replaced it). */
async function releaseLock(fs: SaveFs, path: string, token: string): Promise<void> {
  try {
    const current = readLock(await fs.readFile(path));
    if (current?.token === token) await fs.remove(path);
  } catch {
    // Already gone, or the file system is failing: a later writer breaks the stale lock.
  }
}

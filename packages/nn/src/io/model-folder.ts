// Node only: the folder layout of a saved model, model.json + model.safetensors, written so
// that a save killed at any point, a concurrent save or a concurrent load never sees a mixed
// pair. model.json records the sha256 of its weights and is renamed into place last (the
// commit); the weights it replaces are kept as `.model.safetensors.nabla-prev-<sha>` until then,
// so a reader that finds weights not matching model.json reads the kept ones (or retries,
// when a save committed meanwhile). Only these names are ever written or removed.

import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import {
  type FolderLockOptions,
  folderPath,
  listFolder,
  nodeSaveFs,
  removeOwnTemporaries,
  type SaveFs,
  withFolderLock,
  writeFileAtomic,
} from './atomic.js';
import { errorCode, FormatError, IOError, toIOError } from './errors.js';

/** The architecture and manifest file of a saved model. */
export const MODEL_JSON_FILE = 'model.json';
/** The weights file of a saved model. */
export const MODEL_WEIGHTS_FILE = 'model.safetensors';
const PREV_PREFIX = '.model.safetensors.nabla-prev-';
const PREV_NAME = /^\.model\.safetensors\.nabla-prev-[0-9a-f]{16}$/;

/** What the folder code needs to know of a model.json: whether Nabla wrote it, and its hash. */
export interface ModelJsonRecord {
  /** Whether the file is a Nabla model.json (a save may replace it). */
  ours: boolean;
  /** The sha256 (hex) of the weights it was saved with; undefined for older saves. */
  weightsSha256?: string;
}

/** Reads the record of a model.json's bytes; never throws (malformed files are not ours). */
export type ModelJsonReader = (bytes: Uint8Array) => ModelJsonRecord;

/**
 * The sha256 of bytes, as 64 lowercase hex digits.
 * @example
 * sha256Hex(new Uint8Array()); // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readOptional(fs: SaveFs, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw toIOError(error, path, 'read the file');
  }
}

/**
 * Writes a model folder: `weights` as model.safetensors and `json` (which must record
 * `sha256Hex(weights)`, see {@link ModelJsonRecord}) as model.json, under the folder's writer
 * lock. Each file is replaced atomically; the previous weights are kept under a hidden name
 * until the new model.json is in place, then removed, with temporaries of killed saves. Files
 * this code did not write are never touched; a model.json that is not Nabla's is refused.
 * @example
 * await writeModelFolder('out/m/', { json, weights }, readRecord);
 */
export async function writeModelFolder(
  path: string,
  files: { json: Uint8Array; weights: Uint8Array },
  readRecord: ModelJsonReader,
  options: FolderLockOptions = {},
): Promise<void> {
  const fs = options.fs ?? nodeSaveFs;
  const dir = folderPath(path);
  try {
    await fs.mkdir(dir);
  } catch (error) {
    throw toIOError(error, dir, 'create the folder');
  }
  await withFolderLock(
    dir,
    async () => {
      await removeOwnTemporaries(dir, { fs });
      const jsonPath = join(dir, MODEL_JSON_FILE);
      const weightsPath = join(dir, MODEL_WEIGHTS_FILE);
      const current = await readOptional(fs, jsonPath);
      const record = current === undefined ? undefined : readRecord(current);
      if (record !== undefined && !record.ours) {
        throw new FormatError(
          jsonPath,
          'is not a Nabla model.json; save writes only its own files, so choose another folder or remove it',
        );
      }
      const kept = record?.weightsSha256;
      const prev = kept === undefined ? undefined : join(dir, `${PREV_PREFIX}${kept.slice(0, 16)}`);
      let moved = false;
      if (prev !== undefined) {
        // Keep the weights the committed model.json names until the new one replaces it. When a
        // kept copy already exists, an earlier save was killed after this point and the file at
        // model.safetensors may be its uncommitted weights: the kept copy is the one to keep.
        const names = await listFolder(dir, fs);
        if (!names.includes(basename(prev)) && names.includes(MODEL_WEIGHTS_FILE)) {
          try {
            await fs.rename(weightsPath, prev);
          } catch (error) {
            throw toIOError(error, weightsPath, 'keep the previous weights');
          }
          moved = true;
        }
      }
      try {
        await writeFileAtomic(dir, MODEL_WEIGHTS_FILE, files.weights, { fs });
        await writeFileAtomic(dir, MODEL_JSON_FILE, files.json, { fs });
      } catch (error) {
        // Nothing committed: put the previous weights back where they were (a kill here instead
        // leaves them kept, and loads read them from there).
        if (moved && prev !== undefined) await fs.rename(prev, weightsPath).catch(() => undefined);
        throw error;
      }
      for (const name of await listFolder(dir, fs)) {
        if (!PREV_NAME.test(name)) continue;
        try {
          await fs.remove(join(dir, name));
        } catch (error) {
          throw toIOError(error, join(dir, name), 'remove the previous weights');
        }
      }
      await removeLegacyFolders(dir, fs);
    },
    { ...options, fs },
  );
}

/**
 * Removes the `<dir>.tmp-<stamp>` and `<dir>.old-<stamp>` folders that saves of earlier
 * versions (which swapped whole folders) left beside `dir` when interrupted: only folders of
 * exactly that name holding nothing but model.json and model.safetensors.
 */
async function removeLegacyFolders(dir: string, fs: SaveFs): Promise<void> {
  const parent = dirname(dir);
  const base = basename(dir);
  const legacy = /^\.(tmp|old)-\d{13}-[a-z0-9]{1,8}$/;
  let siblings: string[];
  try {
    siblings = await fs.list(parent);
  } catch {
    return;
  }
  for (const sibling of siblings) {
    if (!sibling.startsWith(base) || !legacy.test(sibling.slice(base.length))) continue;
    const folder = join(parent, sibling);
    let entries: string[];
    try {
      entries = await fs.list(folder);
    } catch {
      continue; // not a folder
    }
    if (!entries.every((e) => e === MODEL_JSON_FILE || e === MODEL_WEIGHTS_FILE)) continue;
    try {
      for (const entry of entries) await fs.remove(join(folder, entry));
      await fs.removeDir(folder);
    } catch (error) {
      throw toIOError(error, folder, 'remove a folder left by an interrupted save');
    }
  }
}

/** Options of {@link readModelFolder}. */
export interface ReadModelFolderOptions {
  fs?: SaveFs;
  /** How often to re-read when a concurrent save replaces the files mid-read (default 8). */
  retries?: number;
}

/**
 * Reads a model folder's model.json and the weights it was saved with: model.safetensors when
 * its sha256 matches what model.json records, else the copy a killed or concurrent save kept;
 * when neither matches, it re-reads (a save may have committed meanwhile) and finally throws a
 * `FormatError` naming the weights file. Missing files are `IOError`s naming them.
 * @example
 * const { json, weights } = await readModelFolder('out/m', readRecord);
 */
export async function readModelFolder(
  path: string,
  readRecord: ModelJsonReader,
  options: ReadModelFolderOptions = {},
): Promise<{ dir: string; json: Uint8Array; weights: Uint8Array }> {
  const fs = options.fs ?? nodeSaveFs;
  const retries = options.retries ?? 8;
  const dir = folderPath(path);
  const jsonPath = join(dir, MODEL_JSON_FILE);
  const weightsPath = join(dir, MODEL_WEIGHTS_FILE);
  for (let attempt = 0; ; attempt++) {
    let json: Uint8Array;
    try {
      json = await fs.readFile(jsonPath);
    } catch (error) {
      const wrapped = toIOError(error, jsonPath, 'read the file');
      if (errorCode(error) === 'ENOENT') {
        throw new IOError(jsonPath, 'could not read the file (ENOENT: no model is saved in this folder)', {
          code: 'ENOENT',
          cause: error,
        });
      }
      throw wrapped;
    }
    const record = readRecord(json);
    const expected = record.weightsSha256;
    const weights = await readOptional(fs, weightsPath);
    if (expected === undefined) {
      // A model.json that is not Nabla's fails its own checks first: that error says more.
      if (weights === undefined && !record.ours) return { dir, json, weights: new Uint8Array(0) };
      if (weights === undefined) {
        throw new IOError(weightsPath, 'could not read the file (ENOENT: no such file)', { code: 'ENOENT' });
      }
      return { dir, json, weights };
    }
    if (weights !== undefined && sha256Hex(weights) === expected) return { dir, json, weights };
    const kept = await readOptional(fs, join(dir, `${PREV_PREFIX}${expected.slice(0, 16)}`));
    if (kept !== undefined && sha256Hex(kept) === expected) return { dir, json, weights: kept };
    const again = await readOptional(fs, jsonPath);
    const changed = again === undefined || !sameBytes(again, json);
    if (!changed || attempt >= retries) {
      if (weights === undefined) {
        throw new IOError(weightsPath, 'could not read the file (ENOENT: no such file)', { code: 'ENOENT' });
      }
      throw new FormatError(
        weightsPath,
        `its sha256 ${sha256Hex(weights)} does not match the ${expected} that model.json records (the file was changed after the save)`,
      );
    }
    await new Promise((done) => setTimeout(done, 2 + attempt * 5));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

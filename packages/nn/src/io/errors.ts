// The errors raised for files: FormatError when bytes on disk (or in a buffer) are not the
// format they claim to be (a truncated safetensors file, bad JSON, a malformed IDX header), and
// IOError when the file system refuses (missing file, permissions, a full disk). Messages start
// with the file (or `<buffer>`) and say what is wrong, so a user can tell which file is bad.

import { NablaError } from '@nabla/core';

/**
 * A file or buffer that does not follow its format. `source` is the file path or `<buffer>`.
 * @example
 * try { decodeSafetensors(bytes, 'model/weights.safetensors'); }
 * catch (e) { if (e instanceof FormatError) console.error(e.source, e.message); }
 */
export class FormatError extends NablaError {
  override name = 'FormatError';
  /** The file path, or `<buffer>` when the bytes came from memory. */
  readonly source: string;

  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.source = source;
  }
}

/**
 * A file-system operation that failed: `path: could not <action> (<code>: <reason>)`. `code`
 * is Node's error code (`ENOENT`, `EACCES`, `ENOSPC`, ...) when there is one; `cause` keeps
 * the original error.
 * @example
 * try { await loadModel('missing'); }
 * catch (e) { if (e instanceof IOError && e.code === 'ENOENT') console.error(e.path); }
 */
export class IOError extends NablaError {
  override name = 'IOError';
  /** The file or folder the operation was about. */
  readonly path: string;
  /** Node's error code, when the cause had one. */
  readonly code: string | undefined;

  constructor(path: string, problem: string, options: { code?: string; cause?: unknown } = {}) {
    super(`${path}: ${problem}`, { cause: options.cause });
    this.path = path;
    this.code = options.code;
  }
}

/** Node's `code` of a system error (`ENOENT`, ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Wraps a raw file-system error as an `IOError` naming `path` and what was being done; Nabla
 * errors pass through unchanged.
 * @example
 * try { await readFile(path); } catch (e) { throw toIOError(e, path, 'read'); }
 * toIOError(enoent, 'a.idx', 'read').message; // 'a.idx: could not read (ENOENT: no such file or directory)'
 */
export function toIOError(error: unknown, path: string, action: string): NablaError {
  if (error instanceof NablaError) return error;
  const code = errorCode(error);
  const raw = error instanceof Error ? error.message : String(error);
  // Node's messages repeat the code and path ("ENOENT: no such file ..., open 'x'"); keep the reason.
  const reason = raw.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*?')?( -> '.*?')?$/, '');
  return new IOError(path, `could not ${action} (${code ? `${code}: ` : ''}${reason})`, {
    code,
    cause: error,
  });
}

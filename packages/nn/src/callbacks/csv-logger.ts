// csvLogger: appends one CSV row per epoch (epoch, then the logged values) to a file (Node).
// The header is written when the file is new or not appended to; values keep full precision.
// The file system comes from the `fs` option or the one @nabla/nn's Node entry registers
// (`setCsvFileSystem`), so browser bundles never import node:fs.

import { ArgumentError } from '@nabla/core';
import { Callback, type Logs } from './callback.js';

/** Options of `csvLogger`. */
export interface CsvLoggerOptions {
  filename: string;
  /** Append to an existing file instead of overwriting it (default false). */
  append?: boolean;
  /** Default ','. */
  separator?: string;
  /** The file calls to use (default: Node's, registered by @nabla/nn in Node). */
  fs?: CsvFileSystem;
}

/** The file calls csvLogger makes (node:fs/promises has them). */
export interface CsvFileSystem {
  appendFile(path: string, data: string): Promise<void>;
  writeFile(path: string, data: string): Promise<void>;
  stat(path: string): Promise<{ size: number }>;
}

let defaultFs: CsvFileSystem | null = null;

/**
 * Sets the file system csvLogger uses when given none (@nabla/nn's Node entry sets node:fs).
 * @example
 * import * as fs from 'node:fs/promises';
 * setCsvFileSystem(fs);
 */
export function setCsvFileSystem(fs: CsvFileSystem | null): void {
  defaultFs = fs;
}

/**
 * Writes epoch logs to a CSV file.
 * @example
 * const logger = new CsvLogger({ filename: 'train.csv', append: true });
 * await model.fit(x, y, { epochs: 5, callbacks: [logger] });
 */
export class CsvLogger extends Callback {
  readonly filename: string;
  readonly #append: boolean;
  readonly #sep: string;
  #keys: string[] | null = null;
  readonly #given: CsvFileSystem | undefined;
  #fs: CsvFileSystem | null = null;

  constructor(options: CsvLoggerOptions) {
    super();
    if (!options || typeof options.filename !== 'string' || options.filename === '') {
      throw new ArgumentError('csvLogger: expected a filename');
    }
    this.filename = options.filename;
    this.#append = options.append ?? false;
    this.#sep = options.separator ?? ',';
    this.#given = options.fs;
  }

  override async onTrainBegin(): Promise<void> {
    const fs = this.#given ?? defaultFs;
    if (fs === null) {
      throw new ArgumentError(
        `csvLogger: no file system to write '${this.filename}' with; in Node import '@nabla/nn' (or '@nabla/nn/node'), elsewhere pass options.fs`,
      );
    }
    this.#fs = fs;
    this.#keys = null;
    if (!this.#append) await this.#fs.writeFile(this.filename, '');
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const fs = this.#fs;
    if (!fs) return;
    if (this.#keys === null) {
      this.#keys = Object.keys(logs).sort();
      const size = await fs.stat(this.filename).then(
        (s) => s.size,
        () => 0,
      );
      if (size === 0) await fs.appendFile(this.filename, `${['epoch', ...this.#keys].join(this.#sep)}\n`);
    }
    const row = [String(epoch), ...this.#keys.map((k) => (k in logs ? String(logs[k]) : ''))];
    await fs.appendFile(this.filename, `${row.join(this.#sep)}\n`);
  }
}

/**
 * Logs each epoch's values to a CSV file.
 * @example
 * await model.fit(x, y, { epochs: 5, callbacks: [csvLogger({ filename: 'train.csv' })] });
 */
export function csvLogger(options: CsvLoggerOptions): CsvLogger {
  return new CsvLogger(options);
}

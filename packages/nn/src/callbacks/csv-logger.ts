// csvLogger: appends one CSV row per epoch (epoch, then the logged values) to a file (Node).
// The header is written when the file is new or not appended to; values keep full precision.

import { ArgumentError } from '@nabla/core';
import { Callback, type Logs } from './callback.js';

/** Options of `csvLogger`. */
export interface CsvLoggerOptions {
  filename: string;
  /** Append to an existing file instead of overwriting it (default false). */
  append?: boolean;
  /** Default ','. */
  separator?: string;
}

interface FsLike {
  appendFile(path: string, data: string): Promise<void>;
  writeFile(path: string, data: string): Promise<void>;
  stat(path: string): Promise<{ size: number }>;
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
  #fs: FsLike | null = null;

  constructor(options: CsvLoggerOptions) {
    super();
    if (!options || typeof options.filename !== 'string' || options.filename === '') {
      throw new ArgumentError('csvLogger: expected a filename');
    }
    this.filename = options.filename;
    this.#append = options.append ?? false;
    this.#sep = options.separator ?? ',';
  }

  override async onTrainBegin(): Promise<void> {
    this.#fs = (await import('node:fs/promises')) as FsLike;
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

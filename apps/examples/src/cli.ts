// Command-line flags of the examples (`--epochs 3 --limit 6000 --dir /data`), read with
// node:util's parseArgs so that every example accepts the same spelling.

import { parseArgs } from 'node:util';

/** Flags any example may take; each example reads the ones it uses. */
export interface ExampleFlags {
  epochs?: number;
  limit?: number;
  testLimit?: number;
  dir?: string;
  batchSize?: number;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`--${flag}: expected a positive integer, got '${text}'`);
  }
  return value;
}

/**
 * Parses `--epochs`, `--limit`, `--test-limit`, `--batch-size` and `--dir` from `argv` (default: process.argv).
 * @example
 * const { epochs = 10, limit } = readFlags(); // node dist/x.js --epochs 2 --limit 5000
 */
export function readFlags(argv: readonly string[] = process.argv.slice(2)): ExampleFlags {
  // `pnpm <script> -- --epochs 2` hands the `--` on to the script; accept both spellings.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const { values } = parseArgs({
    args,
    options: {
      epochs: { type: 'string' },
      limit: { type: 'string' },
      'test-limit': { type: 'string' },
      'batch-size': { type: 'string' },
      dir: { type: 'string' },
    },
    strict: true,
  });
  return {
    epochs: positiveInteger('epochs', values.epochs),
    limit: positiveInteger('limit', values.limit),
    testLimit: positiveInteger('test-limit', values['test-limit']),
    batchSize: positiveInteger('batch-size', values['batch-size']),
    dir: values.dir,
  };
}

/** apps/examples/out/, from src/ (vitest) and from dist/ (node) alike. */
export const OUT_DIR = new URL('../out/', import.meta.url).pathname;

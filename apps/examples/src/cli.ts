// Command-line flags of the examples (`--backend wasm --epochs 3 --limit 6000 --dir /data`).
// Each example declares the flags it takes with their defaults; `--help` prints them, and a
// flag it does not take, a missing or malformed value, or a count below 1 is a usage error:
// one line on stderr, a hint to run --help, exit code 2, no stack trace.

import { statSync } from 'node:fs';
import { BACKEND_PREFERENCE, knownBackends } from './backend.js';

/** Every flag an example may take. */
export type FlagName = 'backend' | 'epochs' | 'limit' | 'test-limit' | 'batch-size' | 'dir';

/** Parsed flags; a flag the user did not give is undefined (the example's default applies). */
export interface ExampleFlags {
  backend?: string;
  epochs?: number;
  limit?: number;
  testLimit?: number;
  batchSize?: number;
  dir?: string;
}

/** What an example says about itself in `--help`. */
export interface ExampleSpec {
  /** The script name, as in `node dist/<name>.js`. */
  name: string;
  /** What it does, one or more lines. */
  summary: string;
  /** The flags it takes, each with its own meaning and default in this example. */
  flags: Partial<Record<FlagName, { help: string; default: string }>>;
}

/** A bad command line: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const VALUE_NAME: Record<FlagName, string> = {
  backend: 'NAME',
  epochs: 'N',
  limit: 'N',
  'test-limit': 'N',
  'batch-size': 'N',
  dir: 'PATH',
};

/**
 * The `--help` text of an example.
 * @example
 * console.log(usage({ name: 'xor', summary: 'Learns XOR.', flags: {} }));
 */
export function usage(spec: ExampleSpec): string {
  const rows: [string, string][] = Object.entries(spec.flags).map(([flag, { help, default: d }]) => [
    `--${flag} ${VALUE_NAME[flag as FlagName]}`,
    `${help} (default: ${d})`,
  ]);
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: node dist/${spec.name}.js [flags]`,
    `   or: npx -y pnpm@10.34.8 --filter @nabla/examples ${spec.name} [flags]`,
    '',
    spec.summary,
    '',
    'Flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
  ].join('\n');
}

/** The `--backend` flag's line in `--help`. */
export function backendFlag(defaultName = 'auto'): { help: string; default: string } {
  return {
    help: `backend to run on: auto (the first of ${BACKEND_PREFERENCE.join(' → ')} that starts; webgpu only when named, as a software GPU is slower than wasm), or one of ${knownBackends().join(', ')}; webgpu without a GPU: set VK_ICD_FILENAMES to a software Vulkan driver`,
    default: defaultName,
  };
}

/** The `--dir` flag's line in `--help`: the folder of the Fashion-MNIST IDX files. */
export function dirFlag(note = ''): { help: string; default: string } {
  return {
    help: `folder with the four Fashion-MNIST IDX files${note}`,
    default: '/usr/share/datasets/fashion-mnist',
  };
}

function positiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${flag}: expected a positive integer, got '${text}'`);
  }
  return value;
}

function folder(text: string): string {
  let isDir = false;
  try {
    isDir = statSync(text).isDirectory();
  } catch {}
  if (!isDir) throw new UsageError(`--dir: '${text}' is not a folder`);
  return text;
}

function backendName(text: string): string {
  const names = ['auto', ...knownBackends()];
  if (!names.includes(text)) {
    throw new UsageError(`--backend: unknown backend '${text}'; expected one of ${names.join(', ')}`);
  }
  return text;
}

/**
 * Parses `argv` against the flags `spec` takes. Resolves `--help` to the string 'help'; throws
 * UsageError for anything else that is wrong. `--flag value` and `--flag=value` both work.
 * @example
 * parseFlags(spec, ['--epochs', '2']); // { epochs: 2 }
 */
export function parseFlags(spec: ExampleSpec, argv: readonly string[]): ExampleFlags | 'help' {
  // `pnpm <script> -- --epochs 2` hands the `--` on to the script; accept both spellings.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  if (args.includes('--help') || args.includes('-h')) return 'help';
  const taken = Object.keys(spec.flags) as FlagName[];
  const takes = taken.length ? `takes ${taken.map((f) => `--${f}`).join(', ')}` : 'takes no flags';
  const flags: ExampleFlags = {};
  const seen = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument '${arg}' (${spec.name} ${takes})`);
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!taken.includes(name as FlagName))
      throw new UsageError(`unknown flag --${name} (${spec.name} ${takes})`);
    if (seen.has(name)) throw new UsageError(`--${name} is given twice`);
    seen.add(name);
    let value: string | undefined = eq < 0 ? args[i + 1] : arg.slice(eq + 1);
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) value = undefined;
      else i++;
    }
    if (value === undefined || value === '') {
      throw new UsageError(`--${name}: missing value (--${name} ${VALUE_NAME[name as FlagName]})`);
    }
    const flag = name as FlagName;
    if (flag === 'backend') flags.backend = backendName(value);
    else if (flag === 'dir') flags.dir = folder(value);
    else if (flag === 'epochs') flags.epochs = positiveInteger(flag, value);
    else if (flag === 'limit') flags.limit = positiveInteger(flag, value);
    else if (flag === 'test-limit') flags.testLimit = positiveInteger(flag, value);
    else if (flag === 'batch-size') flags.batchSize = positiveInteger(flag, value);
    else flag satisfies never;
  }
  return flags;
}

/**
 * Runs an example's `main` with its parsed flags. `--help` prints the usage and exits 0; a
 * usage error prints one line and a hint and exits 2; an error while running prints one line
 * (`NABLA_DEBUG=1` adds the stack) and exits 1.
 * @example
 * if (import.meta.url === `file://${process.argv[1]}`) await runExample(SPEC, main);
 */
export async function runExample(
  spec: ExampleSpec,
  main: (flags: ExampleFlags) => Promise<void>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  let flags: ExampleFlags | 'help';
  try {
    flags = parseFlags(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(
      `${spec.name}: ${error.message}\nRun 'node dist/${spec.name}.js --help' for usage.\n`,
    );
    process.exit(2);
  }
  if (flags === 'help') {
    process.stdout.write(`${usage(spec)}\n`);
    return;
  }
  try {
    await main(flags);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const stack = process.env.NABLA_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
    process.stderr.write(`${spec.name}: ${message}${stack}\n`);
    process.exit(1);
  }
}

/** apps/examples/out/, from src/ (vitest) and from dist/ (node) alike. */
export const OUT_DIR = new URL('../out/', import.meta.url).pathname;

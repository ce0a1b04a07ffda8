// The examples as a user runs them: every built example (each `node dist/<name>.js` script of
// package.json) answers --help with its flags and exit code 0, and a bad command line with one
// line on stderr, the usage hint and exit code 2, never a stack trace; so does web:serve,
// including on a busy port. Needs the build (`pnpm build`), as `pnpm test` does first.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ExampleSpec, parseFlags, UsageError } from './cli.js';
import { loadImagesOrDigits } from './image-data.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scripts: Record<string, string> = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts;
const EXAMPLES = [
  ...new Set(Object.values(scripts).flatMap((s) => /^node dist\/([\w-]+)\.js/.exec(s)?.[1] ?? [])),
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const options = { cwd: ROOT, timeout: 30_000, env };
    execFile(process.execPath, [file, ...args], options, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** Exit code 2, the one-line message, the hint, and nothing else (no stack trace). */
function expectUsageError(r: Run, prefix: string, message: RegExp, hint: string): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(new RegExp(`^${prefix}: `));
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toBe(`Run '${hint} --help' for usage.`);
}

const SPEC: ExampleSpec = {
  name: 'demo',
  summary: 'A test spec.',
  flags: {
    backend: { help: 'backend', default: 'auto' },
    epochs: { help: 'epochs', default: '3' },
    'test-limit': { help: 'test images', default: 'all' },
    dir: { help: 'data', default: '/x' },
  },
};

describe('parseFlags', () => {
  it('reads the flags an example takes, in both spellings, after an optional --', () => {
    expect(parseFlags(SPEC, ['--epochs', '2', '--test-limit=30', '--backend', 'cpu', '--dir', ROOT])).toEqual(
      {
        epochs: 2,
        testLimit: 30,
        backend: 'cpu',
        dir: ROOT,
      },
    );
    expect(parseFlags(SPEC, ['--', '--epochs', '7'])).toEqual({ epochs: 7 });
    expect(parseFlags(SPEC, [])).toEqual({});
    expect(parseFlags(SPEC, ['--epochs', 'x', '--help'])).toBe('help');
  });

  it.each([
    [['--epochs', '0'], /--epochs: expected a positive integer, got '0'/],
    [['--epochs', '-3'], /--epochs: expected a positive integer, got '-3'/],
    [['--epochs', '1.5'], /--epochs: expected a positive integer, got '1.5'/],
    [['--epochs', '1e3'], /--epochs: expected a positive integer, got '1e3'/],
    [['--epochs', '99999999999999999999'], /positive integer/],
    [['--epochs'], /--epochs: missing value/],
    [['--epochs', '--backend', 'cpu'], /--epochs: missing value/],
    [['--epochs='], /--epochs: missing value/],
    [['--test-limit', 'ten'], /--test-limit: expected a positive integer, got 'ten'/],
    [['--limit', '5'], /unknown flag --limit \(demo takes --backend, --epochs, --test-limit, --dir\)/],
    [['-e', '5'], /unexpected argument '-e'/],
    [['5'], /unexpected argument '5'/],
    [['--epochs', '2', '--epochs', '3'], /--epochs is given twice/],
    [['--backend', 'tpu'], /--backend: unknown backend 'tpu'; expected one of auto, .*cpu/],
    [['--dir', '/no/such/folder'], /--dir: '\/no\/such\/folder' is not a folder/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseFlags(SPEC, argv)).toThrow(UsageError);
    expect(() => parseFlags(SPEC, argv)).toThrow(message);
  });
});

describe('--limit and --test-limit', () => {
  it('cut the train and the test split separately', async () => {
    const { dataset } = await loadImagesOrDigits({ dir: '/no/such/folder', limit: 100, testLimit: 300 });
    expect(dataset.train.count).toBe(100);
    expect(dataset.test.count).toBe(300);
    const same = await loadImagesOrDigits({ dir: '/no/such/folder', limit: 50 });
    expect([same.dataset.train.count, same.dataset.test.count]).toEqual([50, 50]);
  });
});

const built = EXAMPLES.every((name) => existsSync(`${ROOT}dist/${name}.js`));

describe
  .skipIf(!built)
  .concurrent(`the built examples${built ? '' : ' (skipped: run pnpm build first)'}`, () => {
    it('lists every example script', () => {
      expect(EXAMPLES).toEqual(
        expect.arrayContaining([
          'xor',
          'sine',
          'fashion-mnist-mlp',
          'fashion-mnist-cnn',
          'transfer-learning',
        ]),
      );
    });

    it.each(EXAMPLES)('%s --help prints its usage, with --backend, and exits 0', async (name) => {
      const r = await run(`dist/${name}.js`, ['--help']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: node dist/${name}.js [flags]`);
      expect(r.stdout).toMatch(/--backend NAME .*\(default: \w+\)/);
      expect(r.stdout).toContain('-h, --help');
      expect(r.stderr).toBe('');
    });

    it.each(EXAMPLES)('%s rejects an unknown flag with exit code 2', async (name) => {
      const r = await run(`dist/${name}.js`, ['--no-such-flag']);
      expectUsageError(r, name, /unknown flag --no-such-flag/, `node dist/${name}.js`);
    });

    it.each([
      ['fashion-mnist-mlp', ['--epochs', '0'], /--epochs: expected a positive integer, got '0'/],
      ['fashion-mnist-cnn', ['--limit', '-5'], /--limit: expected a positive integer, got '-5'/],
      ['fashion-mnist-mlp', ['--test-limit', '2.5'], /--test-limit: expected a positive integer/],
      ['transfer-learning', ['--epochs'], /--epochs: missing value/],
      ['xor', ['--limit', '10'], /unknown flag --limit \(xor takes --backend, --epochs\)/],
      ['sine', ['--backend', 'tpu'], /--backend: unknown backend 'tpu'; expected one of auto, /],
      ['sine', ['--dir', '/no/such/folder'], /unknown flag --dir/],
      ['fashion-mnist-cnn', ['--dir', '/no/such/folder'], /--dir: '\/no\/such\/folder' is not a folder/],
    ])('%s %j: one line, the hint, exit code 2', async (name, args, message) => {
      expectUsageError(await run(`dist/${name}.js`, args), name, message, `node dist/${name}.js`);
    });

    it('an error while running is one line and exit code 1', async () => {
      const r = await run('dist/transfer-learning.js', ['--dir', ROOT, '--backend', 'cpu']);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^transfer-learning: DatasetError: loadFashionMnist: Fashion-MNIST not found/);
    });

    it('--backend webgpu with no adapter is one line saying how to get one, exit code 1', async () => {
      // No Vulkan driver: Dawn finds no adapter on this GPU-less machine (and writes its own
      // warnings to stderr first; the example's line is the last, with no stack trace).
      const env = { ...process.env, VK_ICD_FILENAMES: '/no/such/icd.json' };
      const r = await run('dist/fashion-mnist-mlp.js', ['--backend', 'webgpu', '--limit', '1'], env);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toMatch(
        /^fashion-mnist-mlp: BackendError: --backend webgpu: no adapter .*set VK_ICD_FILENAMES to a Vulkan driver/,
      );
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
      expect(r.stdout).not.toContain('Epoch');
    });
  });

describe.concurrent('web:serve', () => {
  const serve = (args: string[]) => run('web/serve.mjs', args);

  it('--help prints its usage and exits 0', async () => {
    const r = await serve(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: node web\/serve.mjs \[--port N\] \[--dir PATH\]/);
  });

  it.each([
    [['--port', '99999'], /--port: expected an integer from 0 to 65535, got '99999'/],
    [['--port', 'abc'], /--port: expected an integer from 0 to 65535, got 'abc'/],
    [['--port'], /--port: missing value/],
    [['--host', 'x'], /unknown flag --host/],
  ])('%j: one line, the hint, exit code 2', async (args, message) => {
    expectUsageError(await serve(args), 'web:serve', message, 'node web/serve.mjs');
  });

  it('a busy port: one line, the hint, exit code 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const page = await mkdtemp(join(tmpdir(), 'nabla-serve-'));
    await writeFile(join(page, 'index.html'), '<!doctype html>');
    try {
      const r = await serve(['--port', String(port), '--dir', page]);
      expectUsageError(
        r,
        'web:serve',
        new RegExp(`port ${port} is in use; pick another with --port N`),
        'node web/serve.mjs',
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      await rm(page, { recursive: true, force: true });
    }
  });
});

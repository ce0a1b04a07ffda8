// The code in docs/getting-started.md and docs/migrating-from-tfjs-and-keras.md runs, against the
// real packages, so the pages cannot drift from the API. Every ```ts block is written to a
// temporary module and imported (on the cpu backend, in a temporary working folder), with two
// kinds of lines checked on the way:
//   console.log(expr); // → [3, 7]          expr must equal the JSON after the arrow (numbers
//                                            to 4 significant digits, typed arrays as arrays)
//   statement; // throws ArgumentError: sum: ...   must throw that error class with a message
//                                            starting with the text after the colon
// Each block also type-checks under `strict` against the packages' built declarations, as a
// user's project would (a line the page marks `@ts-expect-error` must be a type error).
// And every `name(` a table row of the migration guide gives for Nabla is an export of
// @nabla/core or @nabla/nn, or a tensor or model method.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as core from '@nabla/core';
import '@nabla/backend-cpu';
import * as nn from '@nabla/nn';
// As in Node, where @nabla/nn's `node` export condition registers the folder handler.
import '@nabla/nn/node';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { OUT_DIR } from './cli.js';

const DOCS = fileURLToPath(new URL('../../../docs/', import.meta.url));
const PAGES = ['getting-started.md', 'migrating-from-tfjs-and-keras.md'];

interface Snippet {
  page: string;
  line: number;
  code: string;
}

function snippets(page: string, text: string): Snippet[] {
  const found: Snippet[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '```') i++;
    found.push({ page, line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return found;
}

/** Rewrites the checked lines into calls of the two globals the test installs. */
function instrument(code: string): string {
  return code
    .split('\n')
    .map((line, i) => {
      const logged = /^(\s*)console\.log\((.*)\);\s*\/\/ → (.*)$/.exec(line);
      if (logged) return `${logged[1]}__docCheck(${i + 1}, ${JSON.stringify(logged[3])}, ${logged[2]});`;
      const throws = /^(\s*)(.*?);\s*\/\/ throws (\w+)(?:: (.*))?$/.exec(line);
      if (throws) {
        const [, indent, statement, name, message = ''] = throws;
        const run = statement!.includes('await')
          ? `async () => { ${statement}; }`
          : `() => { ${statement}; }`;
        return `${indent}await __docThrows(${i + 1}, ${run}, ${JSON.stringify(name)}, ${JSON.stringify(message)});`;
      }
      return line;
    })
    .join('\n');
}

/** Plain values for comparison: typed arrays as arrays, numbers to 4 significant digits. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return plain(Array.from(value as unknown as ArrayLike<number>));
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(4));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

declare global {
  var __docCheck: (line: number, expected: string, value: unknown) => void;
  var __docThrows: (line: number, run: () => unknown, name: string, message: string) => Promise<void>;
}

const all = await Promise.all(PAGES.map(async (p) => snippets(p, await readFile(join(DOCS, p), 'utf8'))));

describe('docs snippets', () => {
  let work = '';
  const home = process.cwd();
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nabla-docs-'));
    process.chdir(work);
    await core.setBackend('cpu');
  });
  afterAll(async () => {
    process.chdir(home);
    await rm(work, { recursive: true, force: true });
  });

  it('finds the snippets of both pages', () => {
    for (const [i, page] of PAGES.entries()) expect(all[i]!.length, page).toBeGreaterThan(2);
  });

  it.each(all.flat().map((s) => [`${s.page}:${s.line}`, s] as const))('%s runs as written', async (_, s) => {
    let checks = 0;
    globalThis.__docCheck = (line, expected, value) => {
      checks++;
      expect(plain(value), `${s.page}:${s.line + line - 1}`).toEqual(plain(JSON.parse(expected)));
    };
    globalThis.__docThrows = async (line, run, name, message) => {
      checks++;
      const where = `${s.page}:${s.line + line - 1}`;
      let error: unknown;
      try {
        await run();
      } catch (e) {
        error = e;
      }
      expect(error, `${where} should throw`).toBeInstanceOf(Error);
      expect((error as Error).name, where).toBe(name);
      expect((error as Error).message.startsWith(message), `${where}: ${(error as Error).message}`).toBe(
        true,
      );
    };
    const file = join(work, `snippet-${s.line}.ts`);
    await writeFile(file, `${instrument(s.code)}\nexport {};\n`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      log.mockRestore();
    }
    if (/\/\/ (→|throws)/.test(s.code)) expect(checks).toBeGreaterThan(0);
  });

  const built = ['core', 'backend-cpu', 'backend-wasm', 'nn'].every((p) =>
    existsSync(fileURLToPath(new URL(`../../../packages/${p}/dist/index.d.ts`, import.meta.url))),
  );
  it.skipIf(!built)(
    `type-checks under strict against the built packages${built ? '' : ' (skipped: run pnpm build first)'}`,
    async () => {
      // Under apps/examples/out/ (git-ignored), so that @nabla/* resolve as in a user's project;
      // one folder per run, so that two test runs at once do not share it.
      await mkdir(OUT_DIR, { recursive: true });
      const dir = await mkdtemp(join(OUT_DIR, 'docs-snippets-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const files: string[] = [];
      for (const s of all.flat()) {
        const file = join(dir, `${s.page.replace('.md', '')}-${s.line}.ts`);
        await writeFile(file, `${s.code}\nexport {};\n`);
        files.push(file);
      }
      const program = ts.createProgram(files, {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        // The working folder is a temporary one here: find @types/node from the repository.
        typeRoots: [fileURLToPath(new URL('../../../node_modules/@types', import.meta.url))],
      });
      const errors = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file
          ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
          : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
      expect(errors).toEqual([]);
    },
  );

  it("names in the migration guide's tables exist", async () => {
    const text = await readFile(join(DOCS, 'migrating-from-tfjs-and-keras.md'), 'utf8');
    const exported = new Set([...Object.keys(core), ...Object.keys(nn)]);
    const tensorMethods = new Set(
      [core.Tensor.prototype, core.Variable.prototype].flatMap((p) => Object.getOwnPropertyNames(p)),
    );
    const modelMethods = new Set<string>();
    for (let p = Object.getPrototypeOf(nn.sequential([])); p; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) modelMethods.add(name);
    }
    const missing: string[] = [];
    let checked = 0;
    for (const row of text.split('\n').filter((l) => l.startsWith('|') && !l.startsWith('| ---'))) {
      const nabla = row.split('|')[2] ?? '';
      for (const [, span] of nabla.matchAll(/`([^`]+)`/g)) {
        for (const [, object, name] of span!.matchAll(/(?:^|[\s([{,])(\w+\.)?(\w+)\(/g)) {
          checked++;
          const known =
            object === 'image.'
              ? name! in core.image
              : object
                ? tensorMethods.has(name!) || modelMethods.has(name!)
                : exported.has(name!);
          if (!known) missing.push(`${object ?? ''}${name}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});

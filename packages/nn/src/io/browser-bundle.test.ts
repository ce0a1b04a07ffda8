// @nabla/nn's main entry bundles for the browser with esbuild (platform 'browser', no externals,
// no Node shims) and the bundle imports nothing from node:; the Node entry (the `node` export
// condition) and @nabla/nn/node are the only ones that reach node:fs. Bundled from the sources,
// with @nabla/core resolved to its sources too, so no build is needed first.

import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

async function bundle(entry: string, platform: 'browser' | 'node') {
  const result = await build({
    entryPoints: [src(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    metafile: true,
    logLevel: 'silent',
    alias: {
      '@nabla/core': src('../../../core/src/index.ts'),
      '@nabla/core/internal': src('../../../core/src/internal.ts'),
    },
  });
  return { text: result.outputFiles[0]!.text, metafile: result.metafile as Metafile };
}

describe('browser bundle', () => {
  it("@nabla/nn's main entry bundles for the browser with no node: imports", async () => {
    const { text, metafile } = await bundle('../index.ts', 'browser');
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([]);
    const imported = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imported.filter((p) => p.startsWith('node:'))).toEqual([]);
    expect(text).not.toMatch(/(from|import|require)\s*\(?\s*["']node:/);
    // The Node-only modules stay out; the browser handlers are in.
    for (const nodeOnly of [
      'io/atomic.ts',
      'io/model-folder.ts',
      'io/folder.ts',
      'io/node-setup.ts',
      'data/node.ts',
    ]) {
      expect(inputs.some((p) => p.endsWith(nodeOnly))).toBe(false);
    }
    for (const handler of ['io/indexeddb.ts', 'io/browser.ts', 'io/http.ts', 'callbacks/csv-logger.ts']) {
      expect(inputs.some((p) => p.endsWith(handler))).toBe(true);
    }
  }, 60_000);

  it('the Node entry registers the folder handler (and only it reaches node:fs)', async () => {
    const { metafile } = await bundle('../index-node.ts', 'node');
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((p) => p.endsWith('io/folder.ts'))).toBe(true);
    const imported = Object.values(metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imported).toContain('node:fs/promises');
  }, 60_000);
});

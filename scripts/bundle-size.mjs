// Bundle sizes of a typical use of each package, beside TensorFlow.js's for the same use:
// bundles a small program per case with esbuild for browsers (ESM, minified, code splitting so
// lazily loaded chunks stay apart) from the packages' built dist/ (run `pnpm build` first;
// packages resolve through bench/node_modules, which links all four and TensorFlow.js) and
// prints the minified and gzip (level 9) sizes of what a page loads up front, and of the
// chunks it loads later (Nabla's wasm build). TensorFlow.js comes from bench/'s dev
// dependencies (@tensorflow/tfjs-core, -backend-cpu, -backend-wasm, -layers); its wasm backend
// fetches its .wasm files separately, so they are listed as files, not in the JS.
// Usage: node scripts/bundle-size.mjs [--markdown]

import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchModules = join(root, 'bench', 'node_modules');

/** Typical uses: one program per package, and TensorFlow.js's program for the same use. */
const CASES = [
  {
    name: 'core + backend-cpu: ops and a gradient',
    nabla: `import { tensor, grad, matmul, sum } from '@nabla/core';
      import '@nabla/backend-cpu';
      const a = tensor([[1, 2], [3, 4]]);
      console.log(await grad((x) => sum(matmul(x, a)))(a).array(), await a.add(1).relu().array());`,
    tfjs: `import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      const a = tf.tensor([[1, 2], [3, 4]]);
      console.log(await tf.grad((x) => tf.sum(tf.matMul(x, a)))(a).array(), await a.add(1).relu().array());`,
  },
  {
    name: 'core + backend-wasm: ops on WebAssembly',
    nabla: `import { tensor, setBackend, matmul } from '@nabla/core';
      import '@nabla/backend-wasm';
      await setBackend('wasm');
      console.log(await matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).array());`,
    tfjs: `import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-wasm';
      await tf.setBackend('wasm');
      console.log(await tf.matMul(tf.tensor([[1, 2], [3, 4]]), tf.tensor([[5], [6]])).array());`,
    tfjsFiles: ['@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'],
  },
  {
    name: 'nn + core + backend-cpu: a dense model, fit and predict',
    nabla: `import { tensor } from '@nabla/core';
      import '@nabla/backend-cpu';
      import { dense, sequential } from '@nabla/nn';
      const model = sequential([dense({ units: 16, activation: 'relu', inputShape: [4] }), dense({ units: 1 })]);
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const x = tensor([[1, 2, 3, 4]]);
      await model.fit(x, tensor([[1]]), { epochs: 2 });
      console.log(await model.predict(x).array());`,
    tfjs: `import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import * as tfl from '@tensorflow/tfjs-layers';
      const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [4] }), tfl.layers.dense({ units: 1 })] });
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const x = tf.tensor([[1, 2, 3, 4]]);
      await model.fit(x, tf.tensor([[1]]), { epochs: 2 });
      console.log(await model.predict(x).array());`,
  },
];

/** Minified and gzip-9 bytes of a buffer. */
function sizes(bytes) {
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/**
 * Bundles `source` and returns the sizes of the entry (with the chunks it imports statically)
 * and of the lazily imported chunks, each by file name.
 */
async function measure(source, { nodePaths = [] } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), 'nabla-size-'));
  try {
    const result = await build({
      stdin: { contents: source, resolveDir: root, loader: 'js', sourcefile: 'entry.js' },
      absWorkingDir: root,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      outdir,
      entryNames: 'entry',
      metafile: true,
      nodePaths,
      logLevel: 'error',
    });
    const outputs = result.metafile.outputs;
    const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint);
    const initial = new Set();
    const visit = (file) => {
      if (initial.has(file)) return;
      initial.add(file);
      for (const dep of outputs[file].imports) if (dep.kind === 'import-statement') visit(dep.path);
    };
    visit(entry);
    const read = (file) => readFileSync(join(root, file));
    const up = sizes(Buffer.concat([...initial].map(read)));
    const lazy = Object.keys(outputs)
      .filter((file) => !initial.has(file) && file.endsWith('.js'))
      .map((file) => ({
        file: file
          .split('/')
          .pop()
          .replace(/-[A-Z0-9]{8}\.js$/, ''),
        ...sizes(read(file)),
      }));
    return { up, lazy };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const missing = ['core', 'backend-cpu', 'backend-wasm', 'nn'].filter(
  (name) => !existsSync(join(root, 'packages', name, 'dist', 'index.js')),
);
if (missing.length > 0) {
  console.error(`bundle-size: build the packages first (pnpm build): ${missing.join(', ')}`);
  process.exit(1);
}
const haveTfjs = existsSync(join(benchModules, '@tensorflow', 'tfjs-core'));

const rows = [];
for (const c of CASES) {
  const nabla = await measure(c.nabla, { nodePaths: [benchModules] });
  const row = { name: c.name, nabla, tfjs: undefined };
  if (haveTfjs) {
    const tfjs = await measure(c.tfjs, { nodePaths: [benchModules] });
    for (const file of c.tfjsFiles ?? []) {
      const path = join(benchModules, file);
      if (existsSync(path) && statSync(path).isFile()) {
        tfjs.lazy.push({ file: `${file.split('/').pop()} (fetched)`, ...sizes(readFileSync(path)) });
      }
    }
    row.tfjs = tfjs;
  }
  rows.push(row);
}

/** The lazily loaded chunks and files; a page loads each only when it runs it. */
const lazyText = (lazy) =>
  lazy.length === 0
    ? ''
    : `; loaded when used: ${lazy.map((l) => `${l.file} ${kb(l.min)} / ${kb(l.gzip)}`).join(', ')}`;
if (process.argv.includes('--markdown')) {
  console.log('| use | Nabla: min / gzip | TensorFlow.js 4.22: min / gzip |');
  console.log('| --- | --- | --- |');
  for (const r of rows) {
    const nabla = `${kb(r.nabla.up.min)} / ${kb(r.nabla.up.gzip)}${lazyText(r.nabla.lazy)}`;
    const tfjs = r.tfjs
      ? `${kb(r.tfjs.up.min)} / ${kb(r.tfjs.up.gzip)}${lazyText(r.tfjs.lazy)}`
      : 'not installed';
    console.log(`| ${r.name} | ${nabla} | ${tfjs} |`);
  }
} else {
  for (const r of rows) {
    console.log(r.name);
    console.log(
      `  nabla  up front ${kb(r.nabla.up.min)} min, ${kb(r.nabla.up.gzip)} gzip${lazyText(r.nabla.lazy)}`,
    );
    if (r.tfjs) {
      console.log(
        `  tfjs   up front ${kb(r.tfjs.up.min)} min, ${kb(r.tfjs.up.gzip)} gzip${lazyText(r.tfjs.lazy)}`,
      );
    } else {
      console.log('  tfjs   not installed (bench/ has no @tensorflow/tfjs-core)');
    }
  }
}

// Tests of the worker pool: split GEMMs and convolutions give the one-thread result (bit for bit,
// except the filter gradient, whose per-thread partial sums change the summation order), the
// fallback to one thread says why, dispose stops the workers, and a process holding a threaded
// backend still exits on its own.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  activeBackend,
  adamStep,
  conv2d,
  matmul,
  mul,
  registerBackend,
  setBackend,
  sum,
  type Tensor,
  tensor,
  valueAndGrads,
} from '@nabla/core';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend } from './index.js';
import { rangeLength, splitRange } from './work-split.js';

registerBackend('wasm-threads-2', () => new WasmBackend({ threads: 2 }));
registerBackend('wasm-threads-1', () => new WasmBackend({ threads: 1 }));

/** Deterministic values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Runs `fn` on the named backend over fresh inputs and returns the outputs' values. */
async function on(
  backend: string,
  inputs: readonly { values: Float32Array; shape: number[] }[],
  fn: (...xs: Tensor[]) => Tensor[],
): Promise<Float32Array[]> {
  await setBackend(backend);
  const xs = inputs.map((i) => tensor(i.values, i.shape));
  const ys = fn(...xs);
  const values = ys.map((y) => y.dataSync() as Float32Array);
  for (const t of [...xs, ...ys]) t.dispose();
  return values;
}

/** Kernels the two-thread backend has split so far. */
async function parallelJobs(): Promise<number> {
  await setBackend('wasm-threads-2');
  const backend = activeBackend();
  if (!(backend instanceof WasmBackend)) throw new Error('expected a wasm backend');
  return backend.threadInfo().parallelJobs;
}

/** Largest |a − b| / (1 + |b|). */
function worstRelative(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return worst;
}

describe('wasm threads', () => {
  afterAll(async () => {
    await setBackend('wasm');
  });

  it('runs two threads where asked', async () => {
    await setBackend('wasm-threads-2');
    const backend = activeBackend();
    expect(backend instanceof WasmBackend && backend.threadInfo().threads).toBe(2);
  });

  it('splits matmuls by row chunks, column chunks, rows and batch items, bit-exact against one thread', async () => {
    const cases: { a: number[]; b: number[]; transposeA?: boolean; transposeB?: boolean }[] = [
      { a: [300, 600], b: [600, 200] }, // row chunks claimed by the threads (the last clamped), two depth blocks
      { a: [3, 512], b: [512, 1024] }, // column chunks claimed by the threads (too few rows)
      { a: [128, 784], b: [784, 264] }, // column chunks of 72 (fewer rows than columns), the last 48
      { a: [64, 100], b: [300, 100], transposeB: true }, // column chunks of a transposed b, the last 60
      { a: [4, 64, 128], b: [4, 128, 96] }, // whole batch items per thread
      { a: [2, 128, 100], b: [160, 128], transposeA: true, transposeB: true }, // rows of each item
    ];
    for (const [i, c] of cases.entries()) {
      const inputs = [
        {
          values: rand(
            c.a.reduce((p, d) => p * d, 1),
            2 * i + 1,
          ),
          shape: c.a,
        },
        {
          values: rand(
            c.b.reduce((p, d) => p * d, 1),
            2 * i + 2,
          ),
          shape: c.b,
        },
      ];
      const options = { transposeA: c.transposeA ?? false, transposeB: c.transposeB ?? false };
      const [one] = await on('wasm-threads-1', inputs, (a, b) => [matmul(a!, b!, options)]);
      const before = await parallelJobs();
      const [two] = await on('wasm-threads-2', inputs, (a, b) => [matmul(a!, b!, options)]);
      expect(await parallelJobs(), `case ${i} ran split`).toBe(before + 1);
      expect(two, `case ${i}`).toEqual(one);
    }
  });

  it('splits conv2d and both backprops (images, claimed chunks of images, or bands of rows for one image)', async () => {
    const cases = [
      { x: [6, 16, 16, 8], f: [3, 3, 8, 16], y: [6, 16, 16, 16], strides: 1, padding: 'same' as const },
      // Claimed chunks of two images, the last one clamped at the ninth; dx as a forward too.
      { x: [9, 12, 12, 16], f: [3, 3, 16, 16], y: [9, 12, 12, 16], strides: 1, padding: 'same' as const },
      { x: [1, 65, 60, 16], f: [3, 3, 16, 32], y: [1, 33, 30, 32], strides: 2, padding: 'same' as const },
      { x: [1, 64, 64, 16], f: [1, 1, 16, 32], y: [1, 64, 64, 32], strides: 1, padding: 'valid' as const },
    ];
    for (const [i, c] of cases.entries()) {
      const xSize = c.x.reduce((p, d) => p * d, 1);
      const fSize = c.f.reduce((p, d) => p * d, 1);
      const inputs = [
        { values: rand(xSize, 3 * i + 1), shape: c.x },
        { values: rand(fSize, 3 * i + 2), shape: c.f },
        {
          values: rand(
            c.y.reduce((p, d) => p * d, 1),
            3 * i + 3,
          ),
          shape: c.y,
        },
      ];
      const options = { strides: c.strides, padding: c.padding };
      const run = (backend: string): Promise<Float32Array[]> =>
        on(backend, inputs, (x, f, w) => {
          const loss = (xv: Tensor, fv: Tensor): Tensor => sum(mul(conv2d(xv, fv, options), w!));
          const { grads } = valueAndGrads(loss)([x!, f!]);
          return [conv2d(x!, f!, options), ...grads];
        });
      const [y1, dx1, dw1] = await run('wasm-threads-1');
      const before = await parallelJobs();
      const [y2, dx2, dw2] = await run('wasm-threads-2');
      // Two forwards, dx (split only for more than one image) and dW.
      expect((await parallelJobs()) - before, `case ${i} ran split`).toBe(c.x[0]! > 1 ? 4 : 3);
      expect(y2, `case ${i} forward`).toEqual(y1);
      expect(dx2, `case ${i} dx`).toEqual(dx1);
      // dW sums per-thread (or per-chunk) partials: the order of the sum over images (or rows)
      // changes, but not from one run to the next, whichever thread claims which chunk.
      expect(worstRelative(dw2!, dw1!), `case ${i} dW`).toBeLessThan(1e-5);
      const [, , again] = await run('wasm-threads-2');
      expect(again, `case ${i} dW again`).toEqual(dw2);
    }
  });

  it('reduces over leading axes in fixed row chunks: the same bits on one and two threads', async () => {
    // 8 chunks of 625 rows; 7 of 586 and a last of 4; and a leading-axes sum of NHWC.
    const cases = [
      { shape: [5000, 60], axis: [0] },
      { shape: [4106, 67], axis: [0] },
      { shape: [64, 28, 28, 8], axis: [0, 1, 2] },
    ];
    for (const [i, c] of cases.entries()) {
      const size = c.shape.reduce((p, d) => p * d, 1);
      const values = rand(size, 40 + i);
      // The int32 sum's input scaled here, so that the only split kernels are the three sums.
      const inputs = [
        { values, shape: c.shape },
        { values: values.map((v) => v * 1e5), shape: c.shape },
      ];
      const reduce = (x: Tensor, scaled: Tensor): Tensor[] => [
        sum(x, { axis: c.axis }),
        x.max({ axis: c.axis }),
        scaled.cast('int32').sum({ axis: c.axis }),
      ];
      const one = await on('wasm-threads-1', inputs, (x, scaled) => reduce(x!, scaled!));
      const before = await parallelJobs();
      const two = await on('wasm-threads-2', inputs, (x, scaled) => reduce(x!, scaled!));
      expect((await parallelJobs()) - before, `case ${i} ran split`).toBe(3);
      expect(two, `case ${i}`).toEqual(one);
      // Against float64 column sums.
      const cols = size / c.shape.slice(0, c.axis.length).reduce((p, d) => p * d, 1);
      const want = new Float64Array(cols);
      inputs[0]!.values.forEach((v, e) => {
        want[e % cols] = want[e % cols]! + v;
      });
      expect(worstRelative(one[0]!, Float32Array.from(want)), `case ${i} sum`).toBeLessThan(1e-4);
    }
  });

  it('splits a large Adam update (with and without AMSGrad) by element ranges: the same bits', async () => {
    // 70,001 elements: over the split threshold, and a range end that is not a multiple of 4.
    const n = 70_001;
    const inputs = [0, 1, 2, 3, 4].map((k) => ({
      values: k === 3 || k === 4 ? rand(n, 60 + k).map(Math.abs) : rand(n, 60 + k),
      shape: [n],
    }));
    const step =
      (amsgrad: boolean) =>
      (...[param, grad, m, v, vhat]: Tensor[]): Tensor[] => {
        const out = adamStep(
          { param: param!, grad: grad!, m: m!, v: v!, vhat: amsgrad ? vhat! : null },
          { learningRate: 0.01, step: 3 },
        );
        return [out.param, out.m, out.v, ...(out.vhat ? [out.vhat] : [])];
      };
    for (const amsgrad of [false, true]) {
      const one = await on('wasm-threads-1', inputs, step(amsgrad));
      const before = await parallelJobs();
      const two = await on('wasm-threads-2', inputs, step(amsgrad));
      expect((await parallelJobs()) - before, `amsgrad ${amsgrad} ran split`).toBe(1);
      expect(two).toEqual(one);
      expect(one.length).toBe(amsgrad ? 4 : 3);
      // m ← m + 0.1·(g − m) at the last element, which the second thread wrote.
      const last = n - 1;
      const m = inputs[2]!.values[last]!;
      expect(one[1]![last]).toBeCloseTo(m + 0.1 * (inputs[1]!.values[last]! - m), 6);
    }
  });

  it('splits big unary kernels by element ranges: the same bits, vector steps and scalar tail alike', async () => {
    // Sizes over each op's threshold whose last range ends off the 8-element vector step (the
    // scalar tail runs on whichever thread claims that range).
    const cases: [string, (x: Tensor) => Tensor, number][] = [
      ['exp', (x) => x.exp(), 40_003],
      ['sigmoid', (x) => x.sigmoid(), 40_005],
      ['sin', (x) => x.sin(), 9_001],
      ['tanh', (x) => x.tanh(), 9_003],
      ['erf', (x) => x.erf(), 5_007],
      ['neg', (x) => x.neg(), 270_001],
      ['sqrt', (x) => x.abs().sqrt(), 270_003],
    ];
    for (const [name, f, n] of cases) {
      const inputs = [{ values: rand(n, 80 + n).map((v) => v * 6), shape: [n] }];
      const one = await on('wasm-threads-1', inputs, (x) => [f(x!)]);
      const before = await parallelJobs();
      const two = await on('wasm-threads-2', inputs, (x) => [f(x!)]);
      expect((await parallelJobs()) - before, `${name} ran split`).toBeGreaterThanOrEqual(1);
      expect(two, name).toEqual(one);
      expect(Number.isFinite(one[0]![n - 1]), name).toBe(true);
    }
    // Below the threshold nothing splits.
    const small = [{ values: rand(1000, 7), shape: [1000] }];
    const before = await parallelJobs();
    await on('wasm-threads-2', small, (x) => [x!.exp()]);
    expect(await parallelJobs()).toBe(before);
  });

  it('splits big float32 arithmetic by element ranges: the same bits, scalar operands and the last range too', async () => {
    const scalar = { values: Float32Array.of(1.75), shape: [1] };
    const cases: [string, (a: Tensor, b: Tensor) => Tensor, number, boolean][] = [
      ['add', (a, b) => a.add(b), 270_003, false],
      ['mul by a scalar', (a, b) => a.mul(b), 270_005, true],
      ['scalar minus', (a, b) => b.sub(a), 270_001, true],
      ['div', (a, b) => a.div(b), 262_151, false],
      ['maximum', (a, b) => a.maximum(b), 262_155, false],
      ['pow', (a, b) => a.abs().pow(b), 17_003, false],
      ['mod', (a, b) => a.mod(b), 33_001, false],
    ];
    for (const [name, f, n, withScalar] of cases) {
      const inputs = [
        { values: rand(n, 90 + n).map((v) => v * 3), shape: [n] },
        withScalar ? scalar : { values: rand(n, 91 + n).map((v) => v * 2 + 0.5), shape: [n] },
      ];
      const one = await on('wasm-threads-1', inputs, (a, b) => [f(a!, b!)]);
      const before = await parallelJobs();
      const two = await on('wasm-threads-2', inputs, (a, b) => [f(a!, b!)]);
      expect((await parallelJobs()) - before, `${name} ran split`).toBeGreaterThanOrEqual(1);
      expect(two, name).toEqual(one);
      // The last element, which the range after the split ones computes.
      const [a, b] = [inputs[0]!.values[n - 1]!, inputs[1]!.values[withScalar ? 0 : n - 1]!];
      if (name === 'add') expect(one[0]![n - 1]).toBeCloseTo(a + b, 5);
    }
  });

  it('falls back to one thread and says why', () => {
    const noShared = new WasmBackend({ threads: 2, sharedMemory: false });
    // The single-thread build of the same SIMD flavour runs instead.
    expect(noShared.threadInfo()).toEqual({
      threads: 1,
      reason: 'SharedArrayBuffer is unavailable (sharedMemory: false)',
      parallelJobs: 0,
      compiledChains: 0,
      build: 'relaxed',
      buildReason: expect.stringMatching(/^relaxed SIMD is supported/),
    });
    noShared.dispose();
    const one = new WasmBackend({ threads: 1 });
    expect(one.threadInfo().reason).toBe('threads: 1 was requested');
    one.dispose();
  });

  it('stops its workers on dispose', async () => {
    const backend = new WasmBackend({ threads: 3 });
    expect(backend.threadInfo().threads).toBe(3);
    backend.dispose();
    const stopped = await Promise.race([
      backend.threadsStopped().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    expect(stopped).toBe(true);
    expect(backend.threadInfo()).toMatchObject({
      threads: 1,
      reason: 'the backend was disposed',
      parallelJobs: 0,
      compiledChains: 0,
    });
  });

  it('lets a process with a live threaded backend exit (built package)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    if (!existsSync(`${root}dist/index.js`))
      throw new Error('build the package first (dist/index.js is missing)');
    const script = [
      "import { matmul, setBackend, tensor } from '@nabla/core';",
      "import { setWasmThreads } from '@nabla/backend-wasm';",
      'setWasmThreads(2);',
      "await setBackend('wasm');",
      'const a = tensor(new Float32Array(256 * 256).fill(1), [256, 256]);',
      "console.log('sum', matmul(a, a).dataSync()[0]);",
    ].join('\n');
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('sum 256');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe('rangeLength', () => {
  it('rounds the length of about `ranges` ranges up to the alignment', () => {
    expect(rangeLength(100, 8, 4)).toBe(16);
    expect(rangeLength(100, 8, 1)).toBe(13);
    expect(rangeLength(64, 8, 8)).toBe(8);
    expect(rangeLength(3, 8, 8)).toBe(8);
  });
});

describe('splitRange', () => {
  it('splits on multiples of the alignment, with a minimum per part', () => {
    expect(splitRange(100, 2, 4, 8)).toEqual([0, 52, 100]);
    expect(splitRange(10, 4, 1, 1)).toEqual([0, 3, 5, 8, 10]);
    expect(splitRange(20, 4, 4, 16)).toEqual([0, 20]);
    expect(splitRange(3, 8, 1, 1)).toEqual([0, 1, 2, 3]);
  });
});

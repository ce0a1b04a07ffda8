// float16 on WebGPU, on the one software adapter here with `shader-f16`: Mesa 25's lavapipe
// (scripts/install-lavapipe.sh; without it these tests fail and say so). Values are checked
// against the CPU backend's float32 on the same half-rounded inputs: exactly where half
// arithmetic is exact (+ − × ÷ rounded once), within half precision elsewhere, and sums show
// that they accumulate in f32 (a half accumulator stops at 2048 when adding ones).

import '@nabla/backend-cpu';
import {
  activeBackend,
  add,
  argMax,
  avgPool2d,
  cast,
  concat,
  conv2d,
  cumsum,
  DTypeError,
  div,
  elu,
  exp,
  gather,
  gelu,
  grad,
  grads,
  leakyRelu,
  matmul,
  max,
  maximum,
  maxPool2d,
  mean,
  memory,
  mul,
  ones,
  pad,
  randomUniform,
  resizeBilinear,
  reverse,
  setBackend,
  sgdStep,
  silu,
  slice,
  sqrt,
  square,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  tidy,
  tile,
  transpose,
} from '@nabla/core';
import { halfBits, halfValue } from '@nabla/core/internal';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerLavapipeWebGpu } from './device-setup.js';
import type { WebGpuBackend } from './webgpu-backend.js';

registerLavapipeWebGpu('webgpu-f16');

/** lavapipe compiles a tiled matmul or conv shader in 5-20 s when its shader cache is cold. */
const COLD_COMPILE = 240_000;

/** `x` rounded to half precision. */
const h = (x: number) => halfValue(halfBits(x));

/** Deterministic values in [-1, 1), already halves. */
function values(size: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: size }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return h(s / 1073741824 - 1);
  });
}

/** Runs `fn` on `backend` and reads its result (freed after). */
async function on(backend: string, fn: () => Tensor): Promise<Float32Array> {
  await setBackend(backend);
  const t = fn();
  const data = await t.data();
  t.dispose();
  return Float32Array.from(data);
}

/** |a − e| <= atol + rtol·|e| elementwise, NaN and infinities exactly. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!Number.isFinite(e)) expect(a, `element ${i}`).toBe(e);
    else expect(Math.abs(a - e), `element ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
  }
}

let backend: WebGpuBackend;
beforeAll(async () => {
  await setBackend('webgpu-f16');
  backend = activeBackend() as WebGpuBackend;
});

describe('float16 on webgpu (lavapipe)', () => {
  it('is supported on this adapter and refused by the cpu backend', async () => {
    expect(backend.supportsDType('float16')).toBe(true);
    expect(backend.device.features.has('shader-f16')).toBe(true);
    await setBackend('cpu');
    expect(() => ones([2], 'float16')).toThrow(DTypeError);
    expect(() => ones([2], 'float16')).toThrow(/dtype float16 is not supported on the cpu backend/);
    await setBackend('webgpu-f16');
  });

  it('rounds on upload to nearest even, with subnormals, overflow, infinities and NaN', async () => {
    const input = [
      1,
      0.1,
      -2.5,
      65504,
      65519,
      65520,
      1e6,
      -Infinity,
      Number.NaN,
      2 ** -24,
      2 ** -25,
      3 * 2 ** -25,
      2 ** -14,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      -0,
      2049,
    ];
    const expected = [
      1,
      0.0999755859375,
      -2.5,
      65504,
      65504,
      Infinity,
      Infinity,
      -Infinity,
      Number.NaN,
      2 ** -24,
      0,
      2 ** -23,
      2 ** -14,
      1,
      1 + 2 ** -9,
      -0,
      2048,
    ];
    const before = memory().numBytes;
    // An odd count: the 2-byte elements are padded to whole words on the GPU.
    const t = tensor(input, undefined, 'float16');
    expect(t.dtype).toBe('float16');
    // 17 halves take 34 bytes, padded to whole words on the GPU.
    expect(memory().numBytes - before).toBe(36);
    const read = await t.data();
    expect(read).toBeInstanceOf(Float32Array);
    expect(Array.from(read)).toEqual(expected);
    t.dispose();
    expect(memory().numBytes).toBe(before);
  });

  it('casts to and from float16 with the upload rounding, JS truncation and x != 0', async () => {
    const xs = [0.1, 65519, 65520, -1e9, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11, Number.NaN, 2.75, -2.75];
    const halves = await on('webgpu-f16', () => cast(tensor(xs), 'float16'));
    expect(Array.from(halves)).toEqual(xs.map(h));
    await setBackend('webgpu-f16');
    const x = tensor([2.75, -2.75, 0, Number.NaN, 65504, -0.5], undefined, 'float16');
    expect(Array.from(await cast(x, 'int32').data())).toEqual([2, -2, 0, 0, 65504, 0]);
    expect(Array.from(await cast(x, 'bool').data())).toEqual([1, 1, 0, 1, 1, 1]);
    expect(Array.from(await cast(x, 'float32').data())).toEqual([2.75, -2.75, 0, Number.NaN, 65504, -0.5]);
    expect(Array.from(await cast(tensor([70000, 3, -7], undefined, 'int32'), 'float16').data())).toEqual([
      Infinity,
      3,
      -7,
    ]);
    x.dispose();
  });

  it('promotes: weak numbers keep float16, float32 wins, int32 loses', async () => {
    await setBackend('webgpu-f16');
    tidy(() => {
      const x = tensor([1, 2], undefined, 'float16');
      expect(mul(x, 0.1).dtype).toBe('float16');
      expect(add(x, tensor([1, 2])).dtype).toBe('float32');
      expect(add(x, tensor([1, 2], undefined, 'int32')).dtype).toBe('float16');
    });
  });

  it('computes + − × ÷ as rounded half arithmetic, exactly', async () => {
    const a = values(37, 1).map((v) => v * 300);
    const b = values(37, 2).map((v) => v * 3 + 0.01);
    const ha = a.map(h);
    const hb = b.map(h);
    const run = (f: (x: Tensor, y: Tensor) => Tensor) =>
      on('webgpu-f16', () => f(tensor(ha, undefined, 'float16'), tensor(hb, undefined, 'float16')));
    expect(Array.from(await run(add))).toEqual(ha.map((x, i) => h(x + hb[i]!)));
    expect(Array.from(await run(sub))).toEqual(ha.map((x, i) => h(x - hb[i]!)));
    expect(Array.from(await run(mul))).toEqual(ha.map((x, i) => h(x * hb[i]!)));
    expect(Array.from(await run(div))).toEqual(ha.map((x, i) => h(x / hb[i]!)));
    // Broadcasting a [1, 4] row against [3, 4], and overflow to infinity.
    const big = await on('webgpu-f16', () =>
      mul(
        tensor([[300, -300, 2, 0.5]], undefined, 'float16'),
        tensor(
          values(12, 3).map((v) => v * 400),
          [3, 4],
          'float16',
        ),
      ),
    );
    const row = [300, -300, 2, 0.5];
    expect(Array.from(big)).toEqual(values(12, 3).map((v, i) => h(row[i % 4]! * h(v * 400))));
  });

  it('computes unary math within half precision of float32', async () => {
    const x = values(40, 4).map((v) => v * 4);
    for (const f of [exp, tanh, (t: Tensor) => sqrt(maximum(t, 0)), square]) {
      const got = await on('webgpu-f16', () => f(tensor(x, undefined, 'float16')));
      const want = await on('cpu', () => f(tensor(x)));
      expectClose(got, Array.from(want, h), 1e-3, 1e-4);
    }
  });

  it('runs the activations (elementwise chains) and their gradients in float16', async () => {
    const x = values(30, 17).map((v) => v * 3);
    for (const f of [gelu, silu, elu, (t: Tensor) => leakyRelu(t, 0.2)]) {
      const got = await on('webgpu-f16', () => f(tensor(x, undefined, 'float16')));
      const want = await on('cpu', () => f(tensor(x)));
      expectClose(got, Array.from(want, h), 2e-3, 1e-3);
      const dGot = await on('webgpu-f16', () =>
        grad((t: Tensor) => sum(f(t)))(tensor(x, undefined, 'float16')),
      );
      const dWant = await on('cpu', () => grad((t: Tensor) => sum(f(t)))(tensor(x)));
      expectClose(dGot, Array.from(dWant, h), 4e-3, 2e-3);
    }
  });

  it('reduces in f32: 4096 ones sum to 4096, not the 2048 a half accumulator stops at', async () => {
    const n = 4096;
    expect(Array.from(await on('webgpu-f16', () => sum(ones([n], 'float16'))))).toEqual([4096]);
    // 4096 ones and 4096 times 0.0999755859375 (0.1 as a half): 409.5 more, exact in f32.
    const mixed = Array.from({ length: 2 * n }, (_, i) => (i % 2 ? 1 : 0.1));
    expect(Array.from(await on('webgpu-f16', () => sum(tensor(mixed, undefined, 'float16'))))).toEqual(
      [4505.5].map(h),
    );
    // Rows (one workgroup each) and the mean's division.
    const x = values(6 * 300, 5);
    const rows = await on('webgpu-f16', () => sum(tensor(x, [6, 300], 'float16'), { axis: 1 }));
    const want = await on('cpu', () => sum(tensor(x, [6, 300]), { axis: 1 }));
    expectClose(rows, Array.from(want, h), 1e-3, 1e-3);
    const m = await on('webgpu-f16', () => mean(tensor(x, [6, 300], 'float16'), { axis: 0 }));
    const wantMean = await on('cpu', () => mean(tensor(x, [6, 300]), { axis: 0 }));
    expectClose(m, Array.from(wantMean, h), 1e-3, 1e-3);
    expect(Array.from(await on('webgpu-f16', () => max(tensor([1, 7, -2], undefined, 'float16'))))).toEqual([
      7,
    ]);
    await setBackend('webgpu-f16');
    expect(Array.from(await argMax(tensor([1, 7, 9, -2], undefined, 'float16')).data())).toEqual([2]);
    // cumsum past 2048: each prefix is rounded once, from an f32 running sum (2049 is stored
    // as 2048, yet the next prefix is 2050; a half running sum would stay at 2048).
    const c = await on('webgpu-f16', () => cumsum(ones([3000], 'float16')));
    expect([c[2047], c[2048], c[2049], c[2999]]).toEqual([2048, 2048, 2050, 3000]);
  });

  it(
    'matmul (batched, transposed) matches float32 within half precision',
    async () => {
      const a = values(2 * 5 * 33, 6);
      const b = values(2 * 33 * 7, 7);
      // transposeA is the gradient's (see below): lavapipe compiles each variant in seconds.
      for (const [ta, tb] of [
        [false, false],
        [false, true],
      ] as const) {
        const shapeA = ta ? [2, 33, 5] : [2, 5, 33];
        const shapeB = tb ? [2, 7, 33] : [2, 33, 7];
        const opts = { transposeA: ta, transposeB: tb };
        const got = await on('webgpu-f16', () =>
          matmul(tensor(a, shapeA, 'float16'), tensor(b, shapeB, 'float16'), opts),
        );
        const want = await on('cpu', () => matmul(tensor(a, shapeA), tensor(b, shapeB), opts));
        expectClose(got, Array.from(want, h), 2e-3, 2e-3);
      }
    },
    COLD_COMPILE,
  );

  it(
    'conv2d, pooling and resize match float32 within half precision',
    async () => {
      const x = values(2 * 6 * 6 * 3, 8);
      const f = values(3 * 3 * 3 * 4, 9);
      const cases: [string, (x: Tensor, f: Tensor) => Tensor][] = [
        ['conv2d same', (x, f) => conv2d(x, f, { strides: 1, padding: 'same' })],
        ['conv2d strided', (x, f) => conv2d(x, f, { strides: 2, padding: 'valid' })],
        ['maxPool2d', (x) => maxPool2d(x, { poolSize: 2, strides: 2, padding: 'valid' })],
        ['avgPool2d', (x) => avgPool2d(x, { poolSize: 3, strides: 1, padding: 'same' })],
        ['resizeBilinear', (x) => resizeBilinear(x, [9, 4])],
      ];
      for (const [name, fn] of cases) {
        const got = await on('webgpu-f16', () =>
          fn(tensor(x, [2, 6, 6, 3], 'float16'), tensor(f, [3, 3, 3, 4], 'float16')),
        );
        const want = await on('cpu', () => fn(tensor(x, [2, 6, 6, 3]), tensor(f, [3, 3, 3, 4])));
        expect(got.length, name).toBe(want.length);
        expectClose(got, Array.from(want, h), 2e-3, 2e-3);
      }
    },
    COLD_COMPILE,
  );

  it('moves, pads, gathers and fills float16 elements (2 bytes each, odd counts)', async () => {
    const x = values(3 * 5, 10);
    const run = (fn: (t: Tensor) => Tensor) => on('webgpu-f16', () => fn(tensor(x, [3, 5], 'float16')));
    const ref = (fn: (t: Tensor) => Tensor) => on('cpu', () => fn(tensor(x, [3, 5])));
    const moves: ((t: Tensor) => Tensor)[] = [
      (t) => transpose(t),
      (t) => slice(t, '1:3, ::-2'),
      (t) => reverse(t, 1),
      (t) => tile(t, [2, 1]),
      (t) => concat([t, t], 1),
      (t) =>
        pad(
          t,
          [
            [1, 0],
            [0, 2],
          ],
          0.1,
        ),
      (t) => gather(t, tensor([2, 0, 2], undefined, 'int32'), 0),
    ];
    for (const fn of moves) expect(Array.from(await run(fn))).toEqual(Array.from(await ref(fn), h));
    const r = await on('webgpu-f16', () => randomUniform([9], { seed: 3, dtype: 'float16' }));
    const r32 = await on('cpu', () => randomUniform([9], { seed: 3 }));
    expect(Array.from(r)).toEqual(Array.from(r32, h));
  });

  it(
    'differentiates through float16: grad of sum(tanh(x·W)) and of a conv',
    async () => {
      const x = values(4 * 6, 11);
      const w = values(6 * 3, 12);
      const loss = (xv: Tensor) => (wv: Tensor) => sum(tanh(matmul(xv, wv)));
      const got = await on('webgpu-f16', () =>
        grad(loss(tensor(x, [4, 6], 'float16')))(tensor(w, [6, 3], 'float16')),
      );
      const want = await on('cpu', () => grad(loss(tensor(x, [4, 6])))(tensor(w, [6, 3])));
      expectClose(got, want, 1e-2, 5e-3);
      const img = values(1 * 5 * 5 * 2, 13);
      const filt = values(3 * 3 * 2 * 2, 14);
      const convLoss = (a: Tensor, b: Tensor) => sum(square(conv2d(a, b, { strides: 1, padding: 'same' })));
      for (const k of [0, 1]) {
        const g = await on(
          'webgpu-f16',
          () =>
            grads(convLoss)([tensor(img, [1, 5, 5, 2], 'float16'), tensor(filt, [3, 3, 2, 2], 'float16')])[
              k
            ]!,
        );
        const g32 = await on(
          'cpu',
          () => grads(convLoss)([tensor(img, [1, 5, 5, 2]), tensor(filt, [3, 3, 2, 2])])[k]!,
        );
        expectClose(g, g32, 1e-2, 1e-2);
      }
    },
    COLD_COMPILE,
  );

  it(
    'trains a small dense model in float16 (SGD steps) as float32 does',
    async () => {
      // y = x·w* + 0.5; fit w and b by SGD on the mean squared error.
      const xs = values(16 * 4, 15);
      const wTrue = [0.5, -1, 0.25, 2];
      const ys = Array.from({ length: 16 }, (_, i) => wTrue.reduce((s, w, j) => s + w * xs[i * 4 + j]!, 0.5));
      const train = async (name: string, dtype: 'float16' | 'float32') => {
        await setBackend(name);
        let w = tensor(values(4, 16), [4, 1], dtype);
        let b = tensor([0], [1], dtype);
        const x = tensor(xs, [16, 4], dtype);
        const y = tensor(ys, [16, 1], dtype);
        const lossOf = (wv: Tensor, bv: Tensor) => mean(square(sub(add(matmul(x, wv), bv), y)));
        const losses: number[] = [];
        for (let step = 0; step < 30; step++) {
          const next = tidy(() => {
            const [gw, gb] = grads(lossOf)([w, b]);
            return [
              sgdStep({ param: w, grad: gw! }, { learningRate: 0.2 }).param,
              sgdStep({ param: b, grad: gb! }, { learningRate: 0.2 }).param,
            ];
          });
          w.dispose();
          b.dispose();
          [w, b] = next as [Tensor, Tensor];
          expect(w.dtype).toBe(dtype);
          if (step % 10 === 0 || step === 29) {
            const l = lossOf(w, b);
            losses.push((await l.data())[0]!);
            l.dispose();
          }
        }
        const weights = Array.from(await w.data());
        for (const t of [w, b, x, y]) t.dispose();
        return { losses, weights };
      };
      const half = await train('webgpu-f16', 'float16');
      const full = await train('cpu', 'float32');
      expect(half.losses[half.losses.length - 1]!).toBeLessThan(half.losses[0]! / 4);
      expectClose(half.losses, full.losses, 3e-2, 3e-3);
      expectClose(half.weights, full.weights, 2e-2, 1e-2);
    },
    COLD_COMPILE,
  );
});

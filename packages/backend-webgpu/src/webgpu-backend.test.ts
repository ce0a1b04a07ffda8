// The WebGPU backend's own guarantees, on the software GPU: async-only reads, pipelines reused
// across shapes, buffers pooled only after submission, grids past 65,535 workgroups, and a
// lost device failing calls with a BackendError instead of hanging (or switching to the
// fallback backends it was given).

import '@nabla/backend-cpu';
import {
  ArgumentError,
  activeBackend,
  BackendError,
  getBackend,
  memory,
  ones,
  registerBackend,
  setBackend,
  tensor,
} from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerSoftwareWebGpu } from './device-setup.js';
import { createNodeWebGpuBackend, createWebGpuBackend } from './node.js';
import type { WebGpuBackend } from './webgpu-backend.js';

registerSoftwareWebGpu();

let backend: WebGpuBackend;
beforeAll(async () => {
  await setBackend('webgpu');
  backend = activeBackend() as WebGpuBackend;
});

describe('webgpu backend', () => {
  it('checks its options and arguments before making a device', async () => {
    await expect(createNodeWebGpuBackend({ flushEvry: 8 } as never)).rejects.toThrow(
      new ArgumentError(
        "createNodeWebGpuBackend: unknown option 'flushEvry'; did you mean 'flushEvery'? (valid: adapter, poolBytes, flushEvery, readTimeoutMs, fallback, fused, dawnFlags)",
      ),
    );
    await expect(createNodeWebGpuBackend({ flushEvery: 0 })).rejects.toThrow(
      'createNodeWebGpuBackend: expected flushEvery to be an integer in [1, 256], got number 0',
    );
    await expect(createNodeWebGpuBackend({ dawnFlags: 'backend=vulkan' } as never)).rejects.toThrow(
      ArgumentError,
    );
    await expect(createNodeWebGpuBackend({ fallback: [] })).rejects.toThrow(/fallback/);
    await expect(createWebGpuBackend({ gpu: {} as GPU })).rejects.toThrow(/expected gpu to be a GPU/);
    await expect((createWebGpuBackend as (...a: unknown[]) => unknown)({}, 1)).rejects.toThrow(/at most 1/);
    await expect(backend.warmUp('x' as never)).rejects.toThrow('warmUp: expected a function to run');
  });

  it('offers float16 exactly when the device has shader-f16 (SwiftShader has not)', () => {
    const has = backend.device.features.has('shader-f16');
    expect(backend.supportsDType('float16')).toBe(has);
    expect(backend.supportsDType('float64')).toBe(false);
    if (!has) {
      expect(() => ones([2], 'float16')).toThrow(
        /^ones: (.+: )?dtype float16 is not supported on the webgpu backend/,
      );
    }
  });

  it('is async only: dataSync says to await data()', async () => {
    expect(getBackend()).toBe('webgpu');
    const t = tensor([1, 2, 3]);
    expect(() => t.dataSync()).toThrow(/await/);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    t.dispose();
  });

  it('compiles one pipeline per primitive and layout, whatever the shapes', async () => {
    const run = async (n: number) => {
      const y = ones([n]).add(ones([n]));
      await y.data();
      y.dispose();
    };
    await run(3);
    const count = backend.pipelineCount;
    for (const n of [5, 100, 4097]) await run(n);
    expect(backend.pipelineCount).toBe(count);
  });

  it('warms up by a real dispatch: the pipelines a computation uses exist afterwards', async () => {
    const before = backend.pipelineCount;
    const tensorsBefore = memory().numTensors;
    const ms = await backend.warmUp(() => ones([2, 3]).expm1().cumsum({ axis: 1 }));
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(backend.pipelineCount).toBeGreaterThanOrEqual(before + 1);
    expect(memory().numTensors).toBe(tensorsBefore);
    const count = backend.pipelineCount;
    const y = ones([5, 7]).expm1().cumsum({ axis: 1 });
    await y.data();
    y.dispose();
    expect(backend.pipelineCount).toBe(count);
  });

  it('keeps freed buffers pooled, counts them as reserved, and reuses them', async () => {
    const before = backend.memory();
    const a = ones([1000]);
    await a.data();
    expect(backend.memory().bytesInUse).toBe(before.bytesInUse + 4000);
    a.dispose();
    expect(backend.memory().bytesInUse).toBe(before.bytesInUse);
    expect(backend.memory().bytesReserved).toBeGreaterThanOrEqual(before.bytesInUse + 4000);
    const reserved = backend.memory().bytesReserved;
    const b = ones([1000]);
    await b.data();
    expect(backend.memory().bytesReserved).toBe(reserved);
    b.dispose();
  });

  it('reads several tensors started in one tick together, reusing staging buffers', async () => {
    const xs = Array.from({ length: 12 }, (_, i) => tensor([i, i + 1, i + 2]).mul(2));
    const first = await Promise.all(xs.map((x) => x.data()));
    expect(first.map((v) => Array.from(v))).toEqual(xs.map((_, i) => [2 * i, 2 * i + 2, 2 * i + 4]));
    const reserved = backend.memory().bytesReserved;
    const again = await Promise.all(xs.map((x) => x.data()));
    expect(again.map((v) => v[0])).toEqual(xs.map((_, i) => 2 * i));
    expect(backend.memory().bytesReserved).toBe(reserved);
    for (const x of xs) x.dispose();
  });

  it('reduces many elements per output in two passes (chunks, then their partials)', async () => {
    const n = 300_001;
    const x = ones([n]);
    const total = x.sum();
    const big = tensor([1, 2, 3]).max();
    const rows = ones([3, 100_000]).sum({ axis: 1 });
    const withNaN = tensor([...new Array(9000).fill(1), Number.NaN, 2]).max();
    const flags = ones([50_000]).greater(0).all();
    expect(Array.from(await total.data())).toEqual([n]);
    expect(Array.from(await big.data())).toEqual([3]);
    expect(Array.from(await rows.data())).toEqual([100_000, 100_000, 100_000]);
    expect(Number.isNaN((await withNaN.data())[0])).toBe(true);
    expect(Array.from(await flags.data())).toEqual([1]);
    for (const t of [x, total, big, rows, withNaN, flags]) t.dispose();
  });

  it('runs grids of more than 65,535 workgroups (folded into two dimensions)', async () => {
    const n = 64 * 65_536 + 3;
    const y = ones([n]).mul(3);
    const v = await y.data();
    expect([v[0], v[n - 1], v.length]).toEqual([3, 3, n]);
    y.dispose();
  });

  it('fails calls on a lost device with a BackendError', async () => {
    registerBackend('webgpu-doomed', () => createNodeWebGpuBackend({ dawnFlags: ['backend=vulkan'] }));
    await setBackend('webgpu-doomed');
    const doomed = activeBackend() as WebGpuBackend;
    const x = tensor([1, 2]);
    doomed.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => x.add(1)).toThrow(BackendError);
    await expect(x.data()).rejects.toThrow(BackendError);
    x.dispose();
    await setBackend('webgpu');
  });

  it('switches to the fallback backends when the device is lost, if asked to', async () => {
    registerBackend('webgpu-fallback', () =>
      createNodeWebGpuBackend({ dawnFlags: ['backend=vulkan'], fallback: ['cpu'] }),
    );
    await setBackend('webgpu-fallback');
    const gpu = activeBackend() as WebGpuBackend;
    const x = tensor([1, 2]);
    gpu.device.destroy();
    for (let i = 0; i < 50 && getBackend() !== 'cpu'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(getBackend()).toBe('cpu');
    await expect(x.data()).rejects.toThrow(/device was lost.*new tensors go to cpu/);
    const y = tensor([3, 4]).mul(2);
    expect(Array.from(await y.data())).toEqual([6, 8]);
    x.dispose();
    y.dispose();
    await setBackend('webgpu');
  });
});

// The CpuBackend object itself: storage copies, sync and async reads, memory accounting,
// handle checks and the async-only variant.

import { ArgumentError, BackendError, registeredBackends } from '@nabla/core';
import type { DataHandle } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { registerCpuAsync } from './index.js';

describe('CpuBackend', () => {
  it('copies on upload and on read', async () => {
    const backend = new CpuBackend();
    const source = new Float32Array([1, 2, 3]);
    const handle = backend.upload(source, 'float32');
    source[0] = 99;
    const read = await backend.read(handle, 'float32', 3);
    expect(Array.from(read)).toEqual([1, 2, 3]);
    read[1] = 42;
    expect(Array.from(backend.readSync!(handle, 'float32', 3))).toEqual([1, 2, 3]);
  });

  it('supports every dtype but float16', () => {
    const backend = new CpuBackend();
    for (const dtype of ['float32', 'int32', 'bool', 'float64'] as const) {
      expect(backend.supportsDType(dtype)).toBe(true);
    }
    expect(backend.supportsDType('float16')).toBe(false);
  });

  it('counts bytes of uploads and kernel outputs, and frees them', () => {
    const backend = new CpuBackend();
    const a = backend.upload(new Float64Array(4), 'float64');
    expect(backend.memory().bytesInUse).toBe(32);
    const kernel = backend.kernels.neg;
    if ('unsupported' in kernel) throw new Error('neg unsupported');
    const out = kernel(
      [{ handle: a, shape: [4], dtype: 'float64', size: 4 }],
      {},
      { shape: [4], dtype: 'float32', size: 4 },
    );
    expect(backend.memory().bytesInUse).toBe(48);
    expect(backend.memory().bytesReserved).toBeGreaterThanOrEqual(48);
    backend.free(a);
    backend.free(out);
    expect(backend.memory().bytesInUse).toBe(0);
  });

  it('rejects foreign and freed handles with a BackendError', async () => {
    const backend = new CpuBackend();
    const foreign: DataHandle = { bytes: 4 };
    expect(() => backend.free(foreign)).toThrow(BackendError);
    await expect(backend.read(foreign, 'float32', 1)).rejects.toThrow(BackendError);
    const handle = backend.upload(new Int32Array([1]), 'int32');
    backend.free(handle);
    expect(() => backend.free(handle)).toThrow(BackendError);
  });

  it('has no readSync at all when async-only', async () => {
    const backend = new CpuBackend({ asyncOnly: true });
    expect('readSync' in backend).toBe(false);
    expect(typeof backend.readSync).toBe('undefined');
    const handle = backend.upload(new Uint8Array([1, 0]), 'bool');
    expect(Array.from(await backend.read(handle, 'bool', 2))).toEqual([1, 0]);
    await backend.sync();
    backend.flush();
    expect(typeof new CpuBackend().readSync).toBe('function');
  });

  it('rejects options it does not know, and values of the wrong kind, before it starts', () => {
    expect(() => new CpuBackend({ fuse: false } as never)).toThrow(ArgumentError);
    expect(() => new CpuBackend({ fuse: false } as never)).toThrow(
      /new CpuBackend: unknown option 'fuse'; did you mean 'fused'/,
    );
    expect(() => new CpuBackend({ asyncOnly: 1 } as never)).toThrow(
      /expected asyncOnly to be a boolean, got number 1/,
    );
    expect(() => new CpuBackend([] as never)).toThrow(/expected an options object/);
    expect(new CpuBackend({ fused: false }).fused).toBeUndefined();
    expect(new CpuBackend({ fused: undefined }).fused).toBeDefined();
  });

  it('registers cpu on import and cpu-async on request', () => {
    expect(registeredBackends()).toContain('cpu');
    registerCpuAsync();
    expect(registeredBackends()).toContain('cpu-async');
  });
});

// Sizes on the wasm backend: results too large for a wasm tensor or for the heap fail with a
// typed error naming the op, before any write, with a canary tensor and the byte counts
// unchanged; byte sizes never go through 32-bit arithmetic; a kernel that fails after allocating
// its output frees it. Backends here have small heaps so that every case is cheap.

import {
  activeBackend,
  BackendError,
  full,
  memory,
  mul,
  NablaError,
  ones,
  randomUniform,
  registerBackend,
  setBackend,
  sum,
  type Tensor,
  tensor,
} from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkInt32s } from './kernel-context.js';
import { WasmBackend } from './wasm-backend.js';

const MiB = 2 ** 20;

registerBackend(
  'wasm-small-heap',
  () => new WasmBackend({ threads: 1, initialBytes: MiB, maximumBytes: 8 * MiB }),
);

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function data(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('wasm sizes', () => {
  let backend: WasmBackend;
  beforeAll(async () => {
    await setBackend('wasm-small-heap');
    const active = activeBackend();
    if (!(active instanceof WasmBackend)) throw new Error('expected a wasm backend');
    backend = active;
  });

  it('mul(full([32768, 1], 7), ones([1, 32769])) throws a typed error and corrupts nothing', () => {
    const canary = tensor([1, 2, 3, 4]);
    const a = full([32768, 1], 7);
    const b = ones([1, 32769]);
    const before = { core: memory(), backend: backend.memory() };
    const err = thrown(() => mul(a, b));
    expect(err).toBeInstanceOf(NablaError);
    expect(String((err as Error).message)).toMatch(/^mul: /);
    expect(data(canary)).toEqual([1, 2, 3, 4]);
    expect(memory()).toEqual(before.core);
    expect(backend.memory()).toEqual(before.backend);
    expect(data(mul(tensor([1, 2]), tensor([3, 4])))).toEqual([3, 8]);
    for (const t of [canary, a, b]) t.dispose();
  });

  it('randomUniform([1e6, 1e6]) throws a typed error naming the op', () => {
    const before = memory();
    const err = thrown(() => randomUniform([1e6, 1e6]));
    expect(err).toBeInstanceOf(NablaError);
    expect(String((err as Error).message)).toMatch(/^randomUniform: /);
    expect(memory()).toEqual(before);
  });

  it('a kernel given a result too large for a wasm tensor throws before writing (no 32-bit byte size)', () => {
    // Called directly, past core's check: 32768 · 32769 float32s are 2^32 + 131072 bytes, which
    // a 32-bit shift wrapped to 131072. A block of that size freed just below the canary is
    // where such an undersized output would land, and the kernel would write on through it.
    const seven = backend.upload(new Float32Array(32768).fill(7), 'float32');
    const one = backend.upload(new Float32Array(32769).fill(1), 'float32');
    const hole = backend.upload(new Float32Array(131072 / 4), 'float32');
    const canary = backend.upload(new Float32Array([1, 2, 3, 4]), 'float32');
    backend.free(hole);
    const bytes = backend.memory().bytesInUse;
    const shape = [32768, 32769];
    const kernel = backend.kernels.mul;
    if ('unsupported' in kernel) throw new Error('expected a mul kernel');
    const err = thrown(() =>
      kernel(
        [
          { handle: seven, shape: [32768, 1], dtype: 'float32', size: 32768 },
          { handle: one, shape: [1, 32769], dtype: 'float32', size: 32769 },
        ],
        {},
        { shape, dtype: 'float32', size: 32768 * 32769 },
      ),
    );
    expect(err).toBeInstanceOf(BackendError);
    expect(String((err as Error).message)).toMatch(/^mul: .*shape \[32768,32769\].* needs 4295098368 bytes/);
    expect(Array.from(backend.readSync(canary, 'float32', 4))).toEqual([1, 2, 3, 4]);
    expect(backend.memory().bytesInUse).toBe(bytes);
    for (const handle of [seven, one, canary]) backend.free(handle);
  });

  it('a result that fits a tensor but not the heap fails with a BackendError naming the op', () => {
    const big = full([(5 * MiB) / 4], 1);
    const canary = tensor([1, 2, 3, 4]);
    const x = ones([MiB / 8]);
    const two = full([8, 1], 2);
    const before = { core: memory(), backend: backend.memory().bytesInUse };
    // 4 MiB: below the backend's maxBytes (core lets it through), above what the heap has left.
    const err = thrown(() => mul(x, two));
    expect(err).toBeInstanceOf(BackendError);
    expect(String((err as Error).message)).toMatch(/^mul: wasm heap: out of memory/);
    expect(memory()).toEqual(before.core);
    expect(backend.memory().bytesInUse).toBe(before.backend);
    expect(data(canary)).toEqual([1, 2, 3, 4]);
    big.dispose();
    const y = mul(x, two);
    expect(y.shape).toEqual([8, MiB / 8]);
    expect(data(sum(y))).toEqual([2 * MiB]);
    for (const t of [canary, x, two, y]) t.dispose();
  });

  it('an upload the heap cannot hold fails with a BackendError naming the op and the shape', () => {
    const big = full([(6 * MiB) / 4], 1);
    const before = { core: memory(), backend: backend.memory().bytesInUse };
    const err = thrown(() => tensor(new Float32Array(MiB), [MiB / 4, 4]));
    expect(err).toBeInstanceOf(BackendError);
    expect(String((err as Error).message)).toMatch(/^tensor: .*\[262144,4\].*wasm heap: out of memory/);
    expect(memory()).toEqual(before.core);
    expect(backend.memory().bytesInUse).toBe(before.backend);
    big.dispose();
  });

  it('a kernel that fails after allocating its output frees it', () => {
    // sum over axes 0 and 2 (not adjacent) allocates its small output, then a temporary block as
    // large as x, which the heap cannot give while `filler` holds the room.
    const x = ones([64, 32, 256]);
    const filler = full([MiB], 0);
    const before = { core: memory(), backend: backend.memory().bytesInUse };
    const err = thrown(() => sum(x, { axis: [0, 2] }));
    expect(backend.memory().bytesInUse).toBe(before.backend);
    expect(memory()).toEqual(before.core);
    expect(err).toBeInstanceOf(BackendError);
    expect(String((err as Error).message)).toMatch(/^sum: wasm heap: out of memory/);
    filler.dispose();
    const s = sum(x, { axis: [0, 2] });
    expect(data(s)).toEqual(new Array(32).fill(64 * 256));
    for (const t of [x, s]) t.dispose();
  });

  it('refuses parameter values that an Int32Array would wrap', () => {
    expect(() => checkInt32s([1, -(2 ** 31), 2 ** 31 - 1], 'a row walk')).not.toThrow();
    expect(() => checkInt32s([1, 2 ** 31], 'a row walk')).toThrow(BackendError);
    expect(() => checkInt32s([1.5], 'a row walk')).toThrow(/a row walk holds 1.5/);
  });

  it('keeps one tensor below 2 GiB whatever the heap maximum (kernels count in signed 32 bits)', () => {
    const wide = new WasmBackend({ threads: 1, initialBytes: MiB, maximumBytes: 2 ** 32 });
    expect(wide.maxBytes).toBeLessThan(2 ** 31);
    expect(wide.maxBytes).toBeGreaterThan(2 ** 31 - 2 ** 17);
    wide.dispose();
    expect(backend.maxBytes).toBe(8 * MiB);
  });
});

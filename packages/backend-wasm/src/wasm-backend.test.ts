// Tests of the wasm backend object: registration and priority, dtypes, reads, memory
// accounting, axis merging for strided walks, a steady heap across a training-like loop, and the
// check that the binary's exports take the arguments the JS side passes.

import '@nabla/backend-cpu';
import {
  ArgumentError,
  activeBackend,
  add,
  exp,
  mul,
  registeredBackends,
  setBackend,
  sigmoid,
  sum,
  tensor,
  tidy,
  transpose,
  zeros,
} from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, setWasmThreads, WasmBackend } from './index.js';
import { bindExports, compileSync, EXPORT_ARITIES } from './wasm-module.js';

describe('wasm backend', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  it('rejects unknown options and values of the wrong kind before it starts anything', async () => {
    const bad: [unknown, RegExp][] = [
      [{ thread: 2 }, /unknown option 'thread'; did you mean 'threads'\?/],
      [{ threads: 0 }, /expected threads to be an integer in \[1, 256\], got number 0/],
      [{ threads: 1.5 }, /expected threads to be an integer/],
      [{ workerSpinMs: -1 }, /expected workerSpinMs to be a number in \[0, 100\], got number -1/],
      [{ workerSpinMs: Number.NaN }, /expected workerSpinMs to be a number in \[0, 100\]/],
      [{ workerSpinMs: 1000 }, /expected workerSpinMs to be a number in \[0, 100\]/],
      [{ workerTimeoutMs: 0 }, /expected workerTimeoutMs to be a positive number, got number 0/],
      [{ minParallelWork: '1' }, /expected minParallelWork to be a number at least 0, got "1"/],
      [{ minParallelWork: -1 }, /expected minParallelWork to be a number at least 0/],
      [{ relaxedSimd: 'no' }, /expected relaxedSimd to be a boolean/],
      [{ sharedMemory: 0 }, /expected sharedMemory to be a boolean/],
      [{ maximumBytes: 2 ** 33 }, /expected maximumBytes to be an integer in \[65536, 4294967296\]/],
      [
        { maximumBytes: 1000 },
        /expected maximumBytes to be an integer in \[65536, 4294967296\], got number 1000/,
      ],
      [
        { initialBytes: 2 ** 24, maximumBytes: 2 ** 20 },
        /expected initialBytes \(16777216\) to be at most maximumBytes \(1048576\)/,
      ],
      [{ initialBytes: 2 ** 32 }, /to be at most maximumBytes \(2147483648, the default\)/],
      [{ initialBytes: -1 }, /expected initialBytes to be an integer/],
      [[2], /expected an options object, got an array of length 1/],
      [null, /expected an options object, got null/],
    ];
    for (const [options, message] of bad) {
      expect(() => new WasmBackend(options as never)).toThrow(ArgumentError);
      expect(() => new WasmBackend(options as never)).toThrow(message);
      expect(() => createWasmBackend(options as never)).toThrow(message);
      await expect(WasmBackend.create(options as never)).rejects.toThrow(message);
    }
    expect(() => new WasmBackend({ thread: 2 } as never)).toThrow(/^new WasmBackend: unknown option/);
    expect(() => setWasmThreads(0)).toThrow(ArgumentError);
    expect(() => setWasmThreads(0)).toThrow(
      /^setWasmThreads: expected an integer in \[1, 256\] or undefined, got number 0$/,
    );
    expect(() => setWasmThreads('2' as never)).toThrow(
      /expected an integer in \[1, 256\] or undefined, got "2"/,
    );
    expect(() => (setWasmThreads as (...a: unknown[]) => void)(2, 3)).toThrow(
      /setWasmThreads: expected at most 1 argument/,
    );
    setWasmThreads(undefined);
    // A maximum below the default initial size starts the heap at the maximum, not above it.
    const small = new WasmBackend({ threads: 1, maximumBytes: 2 ** 20 });
    expect(small.maxBytes).toBe(2 ** 20);
    small.dispose();
    // An option set to undefined takes its default.
    const backend = new WasmBackend({ threads: 1, workerSpinMs: undefined });
    expect(backend.threadInfo().threads).toBe(1);
    backend.dispose();
  });

  it('registers as wasm, above cpu', () => {
    const names = registeredBackends();
    expect(names.indexOf('wasm')).toBeLessThan(names.indexOf('cpu'));
    expect(activeBackend()).toBeInstanceOf(WasmBackend);
  });

  it('supports float32, int32 and bool but not float64 or float16', () => {
    const backend = activeBackend();
    expect(
      ['float32', 'int32', 'bool', 'float64', 'float16'].map((d) => backend.supportsDType(d as never)),
    ).toEqual([true, true, true, false, false]);
    expect(() => zeros([2], 'float16')).toThrow(
      /^zeros: (.+: )?dtype float16 is not supported on the wasm backend/,
    );
  });

  it('reads synchronously and asynchronously, and counts bytes in use', async () => {
    const backend = activeBackend();
    const before = backend.memory().bytesInUse;
    const t = tensor([1.5, -2, 3]);
    expect(backend.memory().bytesInUse).toBe(before + 12);
    expect(Array.from(t.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(await t.data())).toEqual([1.5, -2, 3]);
    const b = tensor([true, false, true]);
    expect(Array.from(b.dataSync())).toEqual([1, 0, 1]);
    t.dispose();
    b.dispose();
    expect(backend.memory().bytesInUse).toBe(before);
    expect(backend.memory().bytesReserved).toBeGreaterThanOrEqual(backend.memory().bytesInUse);
  });

  it('computes exp and sigmoid (four-lane polynomials) to 3e-7 relative over the float32 range', () => {
    const n = 100_003;
    const x = Float32Array.from({ length: n }, (_, i) => -87 + (175 * i) / n);
    const t = tensor(x);
    const worst = (got: Float32Array, ref: (v: number) => number): number => {
      let w = 0;
      for (let i = 0; i < n; i++) w = Math.max(w, Math.abs(got[i]! - ref(x[i]!)) / ref(x[i]!));
      return w;
    };
    const e = exp(t);
    const s = sigmoid(t);
    expect(worst(e.dataSync() as Float32Array, Math.exp)).toBeLessThan(3e-7);
    const sig = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
    expect(worst(s.dataSync() as Float32Array, sig)).toBeLessThan(3e-7);
    for (const d of [t, e, s]) d.dispose();
  });

  it('transposes large matrices through the tiled path, int32 and float32', () => {
    const [rows, cols] = [37, 53];
    const values = Int32Array.from({ length: rows * cols }, (_, i) => i * 7 - 100);
    const t = tensor(values, [rows, cols], 'int32');
    const y = transpose(t);
    const got = y.dataSync();
    let mismatches = 0;
    for (let r = 0; r < cols; r++) {
      for (let c = 0; c < rows; c++) if (got[r * rows + c] !== values[c * cols + r]) mismatches++;
    }
    expect(y.shape).toEqual([cols, rows]);
    expect(mismatches).toBe(0);
    // [2, 20, 18] with perm [0, 2, 1]: a batch of transposes (rank 3 after merging, the strided path).
    const f = tensor(
      Float32Array.from({ length: 720 }, (_, i) => i / 4),
      [2, 20, 18],
    );
    const z = transpose(f, [0, 2, 1]).dataSync();
    expect([z[0], z[1], z[20], z[360 + 21]]).toEqual([0, 18 / 4, 1 / 4, (360 + 18 + 1) / 4]);
    for (const d of [t, y, f]) d.dispose();
  });

  it('keeps the heap steady across many steps of the same work', () => {
    const backend = activeBackend();
    const w = tensor(
      Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i)),
      [64, 32],
    );
    const step = (): void => {
      tidy(() => {
        const y = exp(mul(transpose(w), 0.01));
        return sum(add(y, 1), { axis: 0 });
      }).dispose();
    };
    for (let i = 0; i < 5; i++) step();
    const reserved = backend.memory().bytesReserved;
    const inUse = backend.memory().bytesInUse;
    for (let i = 0; i < 300; i++) step();
    expect(backend.memory().bytesReserved).toBe(reserved);
    expect(backend.memory().bytesInUse).toBe(inUse);
    w.dispose();
  });
});

describe('binary exports', () => {
  it('binds the real binary, whose every export takes as many arguments as the JS side passes', () => {
    const module = compileSync('simd');
    expect(module).toBeDefined();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const instance = new WebAssembly.Instance(module as WebAssembly.Module, { env: { memory } });
    const exports = bindExports(instance.exports);
    expect(exports.sgemm.length).toBe(EXPORT_ARITIES.sgemm);
  });

  it('refuses a binary whose export takes a different number of arguments', () => {
    const raw: Record<string, (...args: number[]) => number> = {};
    for (const [name, arity] of Object.entries(EXPORT_ARITIES)) {
      raw[name] = Object.defineProperty(() => 0, 'length', { value: arity });
    }
    expect(() => bindExports(raw)).not.toThrow();
    raw.cast = (from: number, to: number, x: number, y: number) => from + to + x + y;
    expect(() => bindExports(raw)).toThrow(/'cast' takes 4 arguments, but the JS side calls it with 5/);
    delete raw.cast;
    expect(() => bindExports(raw)).toThrow(/does not export 'cast'/);
  });
});

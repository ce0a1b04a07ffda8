// Result sizes are checked in core against the backend's maxBytes before any memory is touched;
// the backend is reported by the name it was registered under; the engine's own functions
// (tidy, keep, registerBackend ...) check their arguments like the ops do.

import {
  ArgumentError,
  BackendError,
  dispose,
  getBackend,
  keep,
  memory,
  mul,
  type NablaError,
  ones,
  randomUniform,
  registerBackend,
  removeBackend,
  ShapeError,
  setBackend,
  setDebugMode,
  setRandomSeed,
  tensor,
  tidy,
  toBackend,
  zeros,
} from '@nabla/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { TestBackend } from './test-backend.js';

registerBackend('test', () => new TestBackend(), 1);
registerBackend('test-small', () => new TestBackend({ maxBytes: 1024 }));

beforeEach(async () => {
  await setBackend('test');
});

/** Runs `fn`, expects a NablaError of `type` naming `op`, and a canary and memory() unchanged. */
function expectRefused(fn: () => unknown, type: typeof NablaError, op: string): void {
  const canary = tensor([1, 2, 3, 4]);
  const before = memory();
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message.startsWith(`${op}:`)).toBe(true);
  expect(memory().numTensors).toBe(before.numTensors);
  expect(memory().numBytes).toBe(before.numBytes);
  expect(Array.from(canary.dataSync())).toEqual([1, 2, 3, 4]);
  canary.dispose();
}

describe('result sizes', () => {
  it('refuses a broadcast whose result exceeds the backend limit, naming the op and shape', () => {
    const a = ones([32768, 1]);
    const b = ones([1, 32769]);
    expectRefused(() => mul(a, b), ShapeError, 'mul');
    try {
      mul(a, b);
    } catch (err) {
      expect((err as Error).message).toContain('[32768,32769]');
    }
    a.dispose();
    b.dispose();
  });

  it('refuses a random fill of 10^12 elements before allocating', () => {
    expectRefused(() => randomUniform([1e6, 1e6]), ShapeError, 'randomUniform');
  });

  it('checks against the active backend’s own maxBytes', async () => {
    await setBackend('test-small');
    expect(() => zeros([256])).not.toThrow();
    expectRefused(() => ones([257]), ShapeError, 'ones');
    const x = ones([16, 1]);
    const y = ones([1, 17]);
    expectRefused(() => x.mul(y), ShapeError, 'mul');
  });
});

describe('backend names', () => {
  it('getBackend answers the registered name, not the class’s', async () => {
    registerBackend('test-alias', () => new TestBackend());
    await setBackend('test-alias');
    expect(getBackend()).toBe('test-alias');
    await setBackend('test');
    expect(getBackend()).toBe('test');
  });

  it('setBackend rejects a non-name argument with an ArgumentError', async () => {
    await expect(setBackend(42 as never)).rejects.toBeInstanceOf(ArgumentError);
    await expect(setBackend([] as never)).rejects.toBeInstanceOf(ArgumentError);
    await expect(setBackend('no-such-backend')).rejects.toBeInstanceOf(BackendError);
  });
});

describe('engine functions check their arguments', () => {
  const cases: [string, () => unknown][] = [
    ['tidy', () => tidy('not a function' as never)],
    // @ts-expect-error: an extra argument, on purpose
    ['tidy', () => tidy(() => 1, 2 as never)],
    ['keep', () => keep({ shape: [1] } as never)],
    // @ts-expect-error: an extra argument, on purpose
    ['dispose', () => dispose([], 1 as never)],
    ['setDebugMode', () => setDebugMode('yes' as never)],
    ['setRandomSeed', () => setRandomSeed(0.5)],
    ['setRandomSeed', () => setRandomSeed(Number.NaN)],
    ['registerBackend', () => registerBackend('', () => new TestBackend())],
    ['registerBackend', () => registerBackend('x', 'factory' as never)],
    ['registerBackend', () => registerBackend('x', () => new TestBackend(), Number.NaN)],
    ['removeBackend', () => removeBackend(7 as never)],
    // @ts-expect-error: an extra argument, on purpose
    ['setBackend', () => setBackend('test', 'wasm' as never)],
  ];
  it.each(cases)('%s refuses bad arguments with an ArgumentError naming it', (op, call) => {
    let caught: unknown;
    try {
      call();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ArgumentError);
    expect((caught as Error).message.startsWith(`${op}:`)).toBe(true);
  });

  it('functions and tensor methods that take nothing refuse an argument instead of dropping it', async () => {
    const t = tensor([1]);
    const calls: [string, () => unknown][] = [
      // @ts-expect-error: an extra argument, on purpose
      ['getBackend', () => getBackend(1 as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['memory', () => memory({} as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['data', () => t.data(1 as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['dataSync', () => t.dataSync(1 as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['array', () => t.array(1 as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['toString', () => t.toString(16 as never)],
      // @ts-expect-error: an extra argument, on purpose
      ['dispose', () => t.dispose(true as never)],
    ];
    for (const [op, call] of calls) {
      let caught: unknown;
      try {
        await call();
      } catch (err) {
        caught = err;
      }
      expect(caught, op).toBeInstanceOf(ArgumentError);
      expect((caught as Error).message.startsWith(`${op}:`), op).toBe(true);
    }
    expect(t.isDisposed).toBe(false);
    t.dispose();
  });

  it('toBackend names itself for a bad name or an extra argument', async () => {
    const t = tensor([1]);
    await expect(toBackend(t, 'no-such')).rejects.toThrow(/^toBackend: /);
    // @ts-expect-error: an extra argument, on purpose
    expect(() => toBackend(t, 'test', {} as never)).toThrow(ArgumentError);
    t.dispose();
  });
});

// Result sizes are checked in core against the backend's maxBytes before any memory is touched,
// and the backend is reported by the name it was registered under.

import {
  ArgumentError,
  BackendError,
  getBackend,
  memory,
  mul,
  type NablaError,
  ones,
  randomUniform,
  registerBackend,
  ShapeError,
  setBackend,
  tensor,
  zeros,
} from '@nabla/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';

registerBackend('cpu-small', () => Object.assign(new CpuBackend(), { maxBytes: 1024 }));

beforeEach(async () => {
  await setBackend('cpu');
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
    await setBackend('cpu-small');
    expect(() => zeros([256])).not.toThrow();
    expectRefused(() => ones([257]), ShapeError, 'ones');
    const x = ones([16, 1]);
    const y = ones([1, 17]);
    expectRefused(() => x.mul(y), ShapeError, 'mul');
  });
});

describe('backend names', () => {
  it('getBackend answers the registered name, not the class’s', async () => {
    registerBackend('cpu-alias', () => new CpuBackend());
    await setBackend('cpu-alias');
    expect(getBackend()).toBe('cpu-alias');
    await setBackend('cpu');
    expect(getBackend()).toBe('cpu');
  });

  it('setBackend rejects a non-name argument with an ArgumentError', async () => {
    await expect(setBackend(42 as never)).rejects.toBeInstanceOf(ArgumentError);
    await expect(setBackend([] as never)).rejects.toBeInstanceOf(ArgumentError);
    await expect(setBackend('no-such-backend')).rejects.toBeInstanceOf(BackendError);
  });
});

// Engine behaviour seen by users, on core's tiny test backend (test-backend.ts): tidy/keep/dispose/using, shared storage,
// the FinalizationRegistry safety net and debug-mode leak reports, backend selection with
// reasons, and the async-only mode's refusal to read synchronously.

import {
  ArgumentError,
  BackendError,
  dispose,
  getBackend,
  keep,
  liveTensors,
  memory,
  ones,
  registerBackend,
  reshape,
  setBackend,
  setDebugMode,
  skippedBackends,
  tensor,
  tidy,
  toBackend,
  UnsupportedError,
  variable,
} from '@nabla/core';
import { holdCollectedTensors } from '@nabla/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBackend } from './test-backend.js';

registerBackend('test', () => new TestBackend(), 1);
registerBackend('test-async', () => new TestBackend({ asyncOnly: true }), 0);

beforeEach(async () => {
  await setBackend('test');
});
afterEach(() => setDebugMode(false));

describe('tidy, keep, dispose', () => {
  it('frees intermediates and keeps what the function returns', () => {
    const before = memory().numTensors;
    const x = ones([4]);
    const y = tidy(() => x.mul(2).add(1).exp());
    expect(memory().numTensors).toBe(before + 2);
    dispose([x, y]);
    expect(memory().numTensors).toBe(before);
  });

  it('keeps tensors passed to keep and returned in nested objects', () => {
    const before = memory().numTensors;
    let kept: ReturnType<typeof ones> | undefined;
    const out = tidy(() => {
      kept = keep(ones([2]).mul(3));
      return { a: [ones([1])], b: ones([2]).neg() };
    });
    expect(memory().numTensors).toBe(before + 3);
    expect(kept!.isDisposed).toBe(false);
    dispose([kept, out]);
    expect(memory().numTensors).toBe(before);
  });

  it('refuses an async function', () => {
    expect(() => tidy(() => Promise.resolve(1))).toThrow(ArgumentError);
  });

  it('shares storage between a tensor and its reshape', () => {
    const before = memory();
    const x = tensor([1, 2, 3, 4]);
    const y = reshape(x, [2, 2]);
    expect(memory().numTensors).toBe(before.numTensors + 2);
    expect(memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    x.dispose();
    expect(memory().numBytes).toBe(before.numBytes + 16);
    y.dispose();
    expect(memory().numBytes).toBe(before.numBytes);
    expect(() => x.add(1)).toThrow(BackendError);
  });

  it('disposes at the end of a using block', () => {
    const before = memory().numTensors;
    {
      using a = ones([3]);
      expect(a.size).toBe(3);
      expect(memory().numTensors).toBe(before + 1);
    }
    expect(memory().numTensors).toBe(before);
  });
});

// These tests wait for the safety net, which the test setup holds back (scripts/vitest-setup.ts).
const releasingCollected = (): void => {
  beforeAll(() => holdCollectedTensors(false));
  afterAll(() => holdCollectedTensors(true));
};

describe('safety net and debug mode', () => {
  releasingCollected();
  it('lists live tensors with where they were made', () => {
    setDebugMode(true);
    const t = ones([5]);
    const entry = liveTensors().find((l) => l.id === t.id);
    expect(entry?.shape).toEqual([5]);
    expect(entry?.createdAt).toMatch(/engine\.test\.ts/);
    t.dispose();
    expect(liveTensors().some((l) => l.id === t.id)).toBe(false);
  });

  it('frees storage of tensors dropped without dispose once they are collected', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(typeof gc, 'vitest runs with --expose-gc').toBe('function');
    const before = memory();
    (() => {
      for (let i = 0; i < 10; i++) ones([1000]);
    })();
    expect(memory().numTensors).toBe(before.numTensors + 10);
    for (let i = 0; i < 50 && memory().numTensors !== before.numTensors; i++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('safety net for tensors that escape tidy', () => {
  releasingCollected();

  const collect = async (target: number) => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    for (let i = 0; i < 50 && memory().numTensors !== target; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('holds collected tensors, still counted, while the test setup asks, and frees them after', async () => {
    const gc = (globalThis as { gc?: () => void }).gc!;
    const before = memory();
    let seen = 0;
    const witness = new FinalizationRegistry(() => seen++);
    holdCollectedTensors(true);
    try {
      (() => {
        for (let i = 0; i < 10; i++) witness.register(ones([1000]), 0);
      })();
      for (let i = 0; i < 50 && seen < 10; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen, 'V8 collected the dropped tensors').toBe(10);
      // A few more turns, in which the engine's own callbacks have run too.
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
      expect(memory().numTensors).toBe(before.numTensors + 10);
      expect(memory().numBytes).toBe(before.numBytes + 10 * 4000);
    } finally {
      holdCollectedTensors(false);
    }
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    expect(() => holdCollectedTensors('yes' as unknown as boolean)).toThrow(ArgumentError);
    expect(() => (holdCollectedTensors as (...a: unknown[]) => void)(true, 1)).toThrow(ArgumentError);
  });

  it('frees tensors returned from a top-level tidy and then dropped', async () => {
    const before = memory();
    (() => {
      for (let i = 0; i < 10; i++) tidy(() => ones([1000]).mul(2));
    })();
    expect(memory().numTensors).toBe(before.numTensors + 10);
    await collect(before.numTensors);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('frees the current storage of a reassigned variable that was dropped', async () => {
    const before = memory();
    (() => {
      const v = variable(ones([256]));
      const next = ones([256]).mul(3);
      v.assign(next);
      next.dispose();
    })();
    await collect(before.numTensors);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('backends', () => {
  it('falls back along a preference list and says why each was skipped', async () => {
    registerBackend('broken', () => {
      throw new Error('no adapter found');
    });
    const chosen = await setBackend(['missing', 'broken', 'test']);
    expect(chosen).toBe('test');
    expect(getBackend()).toBe('test');
    const skipped = skippedBackends();
    expect(skipped.map((s) => s.name)).toEqual(['missing', 'broken']);
    expect(skipped[0]!.reason).toMatch(/not registered/);
    expect(skipped[1]!.reason).toMatch(/no adapter found/);
  });

  it('throws a BackendError naming every reason when nothing initialises', async () => {
    await expect(setBackend(['missing'])).rejects.toThrow(
      /no backend could be initialised \(missing: backend 'missing' is not registered/,
    );
  });

  it('async-only mode reads asynchronously and refuses dataSync', async () => {
    await setBackend('test-async');
    const t = tensor([1, 2, 3]);
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    expect(() => t.dataSync()).toThrow(UnsupportedError);
    expect(() => t.dataSync()).toThrow(/use await t\.data\(\)/);
    expect(t.toString()).toMatch(/toStringAsync/);
    expect(await t.toStringAsync()).toBe('tensor([1., 2., 3.], dtype=float32)');
    t.dispose();
  });

  it('moves tensors between backends explicitly and refuses mixing them', async () => {
    const a = tensor([1, 2]);
    await setBackend('test-async');
    const b = tensor([3, 4]);
    expect(() => a.add(b)).toThrow(/inputs live on different backends \(test and test-async\)/);
    const moved = await toBackend(a, 'test-async');
    expect(await moved.add(b).array()).toEqual([4, 6]);
    dispose([a, b, moved]);
  });
});

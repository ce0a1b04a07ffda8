// The kernels a gradient runs: VJP rules skip operands that no watched tensor flows into (the
// constant of x.div(c)), and a custom gradient is told which inputs need one. Counted on a cpu
// backend whose kernel table records each call.

import { customGrad, grad, registerBackend, setBackend, type Tensor, tensor, where } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';

const calls: string[] = [];

beforeAll(async () => {
  const backend = new CpuBackend();
  const table = backend.kernels as unknown as Record<string, unknown>;
  for (const name of Object.keys(table)) {
    const kernel = table[name];
    if (typeof kernel !== 'function') continue;
    table[name] = (...args: unknown[]) => {
      calls.push(name);
      return (kernel as (...a: unknown[]) => unknown)(...args);
    };
  }
  registerBackend('cpu-counted', () => backend);
  await setBackend('cpu-counted');
});

/** The kernels `f` runs, and its result read back. */
function counted(f: () => Tensor): { kernels: string[]; values: number[] } {
  calls.length = 0;
  const out = f();
  const kernels = [...calls];
  const values = Array.from(out.dataSync());
  out.dispose();
  return { kernels, values };
}

describe('gradient work', () => {
  it('binary and where rules compute only the gradients of watched operands', () => {
    const c = tensor([2, 4, 8]);
    const k = tensor([3, 3, 3]);
    const b = tensor([1, 1, 1]);
    const mask = tensor([true, false, true]);
    const x = tensor([1, 2, 3]);
    // Forward: div, mul, add, sub, where, sum. Backward: sum's dy spread (broadcastTo), where
    // routes it, add and sub pass it on, then mul by k and div by c: nothing for c, k, b, the
    // constant 1 or the where's constant branch (which would take a dozen more kernels).
    const { kernels, values } = counted(() =>
      grad((t) => where(mask, t.div(c).mul(k).add(b).sub(1), 0).sum())(x),
    );
    expect(values).toEqual([1.5, 0, 0.375]);
    expect(kernels).toEqual([
      'div',
      'mul',
      'add',
      'sub',
      'where',
      'sum',
      'broadcastTo',
      'where',
      'mul',
      'div',
    ]);
    for (const t of [c, k, b, mask, x]) t.dispose();
  });

  it('a custom gradient learns which inputs need one', () => {
    const seen: boolean[][] = [];
    const f = customGrad((a, w) => ({
      value: a!.mul(w!),
      gradFunc: (dy, needs) => {
        seen.push([...needs]);
        return [needs[0] ? dy.mul(w!) : null, needs[1] ? dy.mul(a!) : null];
      },
    }));
    const w = tensor([5, 6]);
    const { values } = counted(() => grad((a) => f(a, w).sum())(tensor([1, 2])));
    expect(values).toEqual([5, 6]);
    expect(seen).toEqual([[true, false]]);
    w.dispose();
  });
});

// Memory under a plain training loop: 200 steps of linear regression through valueAndGrads,
// with no tidy anywhere, must keep the live tensor count flat (the user frees what they hold;
// gradients free their own intermediates).

import {
  add,
  matmul,
  mean,
  memory,
  randomNormal,
  setBackend,
  square,
  sub,
  type Tensor,
  tensor,
  valueAndGrads,
  variable,
  zeros,
} from '@nabla/core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('training loop memory', () => {
  it('keeps numTensors flat over 200 steps without tidy and learns the line', async () => {
    await setBackend('cpu');
    const x = randomNormal([64, 3], { seed: 3 });
    const trueW = tensor([[2], [-1], [0.5]]);
    const yClean = matmul(x, trueW);
    const y = add(yClean, 0.25);
    yClean.dispose();
    const w = variable(zeros([3, 1]), { name: 'loop_w' });
    const b = variable(zeros([1]), { name: 'loop_b' });
    const loss = (wt: Tensor, bt: Tensor): Tensor => {
      const pred = add(matmul(x, wt), bt);
      const err = sub(pred, y);
      const sq = square(err);
      const l = mean(sq);
      for (const t of [pred, err, sq]) t.dispose();
      return l;
    };
    const counts: number[] = [];
    let last = Number.NaN;
    for (let step = 0; step < 200; step++) {
      const { value, grads } = valueAndGrads(loss)([w, b]);
      for (const [p, g] of [
        [w, grads[0]!],
        [b, grads[1]!],
      ] as const) {
        using scaled = g.mul(0.1);
        using next = p.sub(scaled);
        p.assign(next);
        g.dispose();
      }
      last = (await value.data())[0]!;
      value.dispose();
      counts.push(memory().numTensors);
    }
    expect(
      new Set(counts.slice(1)).size,
      `tensor counts over the loop: ${[...new Set(counts)].join(', ')}`,
    ).toBe(1);
    expect(last).toBeLessThan(1e-4);
    expect(Array.from(await w.data())).toEqual([
      expect.closeTo(2, 2),
      expect.closeTo(-1, 2),
      expect.closeTo(0.5, 2),
    ]);
    expect((await b.data())[0]).toBeCloseTo(0.25, 2);
    for (const t of [x, trueW, y, w, b]) t.dispose();
  });
});

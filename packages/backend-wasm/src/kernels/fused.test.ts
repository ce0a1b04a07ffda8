// The wasm backend offers every fused primitive, and core dispatches to them: each op below must
// reach its kernel exactly once (the conformance suite checks the values they give).

import {
  activeBackend,
  adamStep,
  fusedMatmul,
  grad,
  ones,
  setBackend,
  sgdStep,
  softmaxCrossEntropy,
  tensor,
  tidy,
} from '@nabla/core';
import { chainSum, conv2dBiasActivation, FUSED_PRIMS } from '@nabla/core/internal';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import '../index.js';

/** The fused primitives with a wasm kernel: all of them. */
const WASM_FUSED = FUSED_PRIMS;

describe('wasm fused kernels', () => {
  beforeAll(async () => {
    await setBackend('wasm');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('offers every fused primitive', () => {
    expect(Object.keys(activeBackend().fused ?? {}).sort()).toEqual([...WASM_FUSED].sort());
  });

  it('runs each fused op through its kernel, also while a tape records', async () => {
    const fused = activeBackend().fused!;
    const spies = WASM_FUSED.map((p) => vi.spyOn(fused, p));
    const dx = tidy(() => {
      const w = ones([3, 2]);
      const b = tensor([0.5, -0.5]);
      const f = (x: ReturnType<typeof ones>) =>
        softmaxCrossEntropy(
          fusedMatmul(x, w, { bias: b, activation: 'relu' }),
          tensor([1, 0], [2], 'int32'),
        ).sum();
      return grad(f)(
        tensor([
          [1, 2, 3],
          [-1, 0, 1],
        ]),
      );
    });
    // The relu's gradient is the one elementwise chain here.
    // z = relu(x·w + b) = [[6.5, 5.5], [0.5, 0]] (the last from -0.5); dz = softmax(z) - onehot
    // masked by relu', and dx = dz·wᵀ = Σ_j dz_j on every column: row 0 gets σ(1) - σ(1) = 0,
    // row 1 gets σ(0.5) - 1 = -σ(-0.5).
    const want = -1 / (1 + Math.exp(0.5));
    const got = Array.from(await dx.data());
    for (const [i, v] of [0, 0, 0, want, want, want].entries()) expect(got[i]).toBeCloseTo(v, 5);
    dx.dispose();
    const p = ones([5]);
    const g = ones([5]);
    tidy(() => {
      sgdStep({ param: p, grad: g }, { learningRate: 0.1 });
      adamStep({ param: p, grad: g, m: g, v: g }, { learningRate: 0.1, step: 1 });
    });
    p.dispose();
    g.dispose();
    // A batch statistic: Σ over the rows of x² per column.
    const sq = chainSum(
      [
        tensor([
          [1, 2, 3, 4],
          [-1, 0.5, 2, 0],
        ]),
      ],
      (b, [v]) => b.mul(v!, v!),
      [0],
    );
    expect(sq.shape).toEqual([1, 4]);
    expect(Array.from(await sq.data())).toEqual([2, 4.25, 13, 16]);
    sq.dispose();
    // A convolution with its epilogue: relu(x ⋆ w + b) over a 2×2 image of ones, a 1×1 filter
    // of 2 and -1, bias -1 and 3: 2 - 1 = 1 and max(-1 + 3, 0) = 2 at every pixel.
    const conv = tidy(() =>
      conv2dBiasActivation(ones([1, 2, 2, 1]), tensor([2, -1], [1, 1, 1, 2]), {}, tensor([-1, 3]), 'relu'),
    );
    expect(Array.from(await conv.data())).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    conv.dispose();
    for (const spy of spies) expect(spy).toHaveBeenCalledTimes(1);
  });
});

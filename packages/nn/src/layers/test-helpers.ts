// Shared helpers for the layer tests: CPU backend setup, an elementwise closeness assertion,
// and a float64 central-difference gradient check. Test-only; excluded from the build by
// tsconfig.build.json ("src/**/test-*.ts").

import '@nabla/backend-cpu';
import { grads, randomNormal, setBackend, type Tensor, tensor, tidy, type Variable } from '@nabla/core';
import { beforeAll, expect } from 'vitest';

/** Registers a `beforeAll` hook in the calling test file that selects the CPU backend. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await setBackend('cpu');
  });
}

/**
 * Asserts that `a` and `b` have equal shapes and that every entry satisfies
 * |a − b| < tol · (1 + |b|).
 */
export async function expectClose(a: Tensor, b: Tensor, tol = 1e-5): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [av, bv] = [await a.data(), await b.data()];
  av.forEach((v, i) => {
    expect(Math.abs(v - bv[i]!)).toBeLessThan(tol * (1 + Math.abs(bv[i]!)));
  });
}

/**
 * Checks d/dx and d/dv (v a weight, if given) of sum(run(x)·w), w fixed and random, against
 * central differences in float64, at up to `limit` evenly spread entries of each. Analytic
 * and numeric derivatives must agree to 1e-6 · (1 + |numeric|); `v` is restored afterwards.
 */
export async function checkGradients(
  run: (x: Tensor) => Tensor,
  x: Tensor,
  v: Variable | null,
  limit = 12,
): Promise<void> {
  const y0 = run(x);
  const w = randomNormal(y0.shape, { seed: 7, dtype: 'float64' });
  y0.dispose();
  const f = (xi: Tensor) => tidy(() => run(xi).mul(w).sum());
  const [gx, gv] = grads(f)(v ? [x, v] : [x]);
  const value = async (xi: Tensor) => {
    const s = f(xi);
    const out = (await s.data())[0]!;
    s.dispose();
    return out;
  };
  // Central differences (f(t + ε·e_k) − f(t − ε·e_k)) / 2ε, with `at(p)` evaluating f at t = p.
  const check = async (t: Tensor, g: Tensor, at: (p: Tensor) => Promise<number>) => {
    const base = Float64Array.from(await t.data());
    const analytic = await g.data();
    const n = Math.min(limit, base.length);
    for (let i = 0; i < n; i++) {
      const k = Math.floor((i * base.length) / n);
      const shifted = async (d: number) => {
        const p = base.slice();
        p[k]! += d;
        const pt = tensor(p, t.shape, 'float64');
        const out = await at(pt);
        pt.dispose();
        return out;
      };
      const eps = 1e-6;
      const numeric = ((await shifted(eps)) - (await shifted(-eps))) / (2 * eps);
      expect(Math.abs(analytic[k]! - numeric)).toBeLessThan(1e-6 * (1 + Math.abs(numeric)));
    }
  };
  await check(x, gx!, value);
  if (v && gv) {
    const saved = v.clone();
    await check(v, gv, async (p) => {
      v.assign(p);
      return value(x);
    });
    v.assign(saved);
    for (const t of [saved, gv]) t.dispose();
  }
  for (const t of [gx!, w]) t.dispose();
}

// Tests of the choice between the plain and relaxed-SIMD builds: feature detection (Node 20 needs
// V8's flag, set by the probe), the `relaxedSimd` option and NABLA_WASM_RELAXED_SIMD forcing the
// plain build and validated, what `threadInfo()` reports, and that both builds compute the same
// products to float32 accuracy.

import { matmul, registerBackend, setBackend, tensor } from '@nabla/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WasmBackend } from './index.js';
import { chooseSimd, RELAXED_SIMD_ENV } from './relaxed-simd.js';

registerBackend('wasm-relaxed-check', () => new WasmBackend({ threads: 1, relaxedSimd: true }));
registerBackend('wasm-plain-check', () => new WasmBackend({ threads: 1, relaxedSimd: false }));

/** A·B on backend `name` for a 67×131 by 131×45 product (edge tiles, depth past one block). */
async function product(name: string): Promise<Float32Array> {
  await setBackend(name);
  const [m, k, n] = [67, 131, 45];
  const a = tensor(
    Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)),
    [m, k],
  );
  const b = tensor(
    Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.7)),
    [k, n],
  );
  const y = matmul(a, b);
  const values = (await y.data()) as Float32Array;
  for (const t of [a, b, y]) t.dispose();
  return values;
}

describe('relaxed SIMD build choice', () => {
  afterEach(() => {
    delete process.env[RELAXED_SIMD_ENV];
  });

  it('finds relaxed SIMD in Node ≥ 20 (turning on V8 flag where needed) and runs that build', () => {
    const choice = chooseSimd(undefined);
    expect(choice.relaxed).toBe(true);
    expect(choice.reason).toMatch(/^relaxed SIMD is supported/);
    const single = new WasmBackend({ threads: 1 });
    expect(single.threadInfo()).toMatchObject({ threads: 1, build: 'relaxed', buildReason: choice.reason });
    const threaded = new WasmBackend({ threads: 2 });
    expect(threaded.threadInfo()).toMatchObject({ threads: 2, build: 'relaxed-threads' });
    threaded.dispose();
  });

  it('runs the plain SIMD build when relaxedSimd is false or NABLA_WASM_RELAXED_SIMD is 0', () => {
    expect(new WasmBackend({ threads: 1, relaxedSimd: false }).threadInfo()).toMatchObject({
      build: 'simd',
      buildReason: 'relaxedSimd: false was requested',
    });
    process.env[RELAXED_SIMD_ENV] = '0';
    const threaded = new WasmBackend({ threads: 2 });
    expect(threaded.threadInfo()).toMatchObject({
      threads: 2,
      build: 'threads',
      buildReason: `${RELAXED_SIMD_ENV}=0 was requested`,
    });
    threaded.dispose();
    // The option wins over the environment.
    expect(new WasmBackend({ threads: 1, relaxedSimd: true }).threadInfo().build).toBe('relaxed');
    process.env[RELAXED_SIMD_ENV] = '1';
    expect(new WasmBackend({ threads: 1 }).threadInfo().build).toBe('relaxed');
  });

  it('rejects a relaxedSimd option or environment value it does not know', () => {
    expect(() => new WasmBackend({ threads: 1, relaxedSimd: 'yes' as never })).toThrow(
      /^new WasmBackend: expected relaxedSimd to be a boolean, got "yes"$/,
    );
    process.env[RELAXED_SIMD_ENV] = 'off';
    expect(() => new WasmBackend({ threads: 1 })).toThrow(
      /^wasm: NABLA_WASM_RELAXED_SIMD must be 0 or 1, got 'off'$/,
    );
  });

  it('computes the same product with both builds, to float32 rounding', async () => {
    const plain = await product('wasm-plain-check');
    const relaxed = await product('wasm-relaxed-check');
    let worst = 0;
    for (let i = 0; i < plain.length; i++) {
      worst = Math.max(worst, Math.abs(plain[i]! - relaxed[i]!) / (1 + Math.abs(plain[i]!)));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(plain.some((v) => v !== 0)).toBe(true);
  });
});

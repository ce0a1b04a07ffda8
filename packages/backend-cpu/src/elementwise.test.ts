// Unary, binary, where and cast kernels: scalar semantics (round half to even, erf accuracy,
// stable sigmoid, floor-mod, int32 truncation, bool outputs) and broadcasting through each
// path (equal shapes, scalar operand, general strided) against a naive coordinate loop.

import type { DType } from '@nabla/core';
import type { BinaryPrim, UnaryPrim } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { coords, expectClose, flat, input, run, seeded } from './test-helpers.js';

/** Index of output coordinates `c` into an operand of `shape` broadcast against rank `c.length`. */
function bcastIndex(c: number[], shape: number[]): number {
  const offset = c.length - shape.length;
  return flat(
    shape.map((d, i) => (d === 1 ? 0 : c[i + offset])),
    shape,
  );
}

describe('unary kernels', () => {
  const backend = new CpuBackend();
  const unary = (
    prim: 'round' | 'erf' | 'sigmoid' | 'relu' | 'sign' | 'rsqrt',
    values: number[],
    dtype: 'float32' | 'float64' = 'float64',
  ) =>
    run(
      backend,
      prim,
      [input(backend, Float64Array.from(values), [values.length], 'float64')],
      {},
      [values.length],
      dtype,
    );

  it('rounds half to even', () => {
    expect(Array.from(unary('round', [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6]))).toEqual([
      0, 2, 2, -0, -2, -2, 2, 3, -3,
    ]);
  });

  it('computes erf to better than 1e-7', () => {
    // Reference values from CPython's math.erf (correctly rounded libm).
    const xs = [0, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, -0.7, 5, 7];
    const want = [
      0, 0.1124629160182849, 0.5204998778130465, 0.8427007929497149, 0.9661051464753108, 0.9953222650189527,
      0.999593047982555, 0.9999779095030014, 0.9999992569016276, -0.6778011938374184, 0.9999999999984626, 1,
    ];
    expectClose(unary('erf', xs), want, 1e-12, 0);
  });

  it('keeps sigmoid finite and exact at large |x|', () => {
    expectClose(
      unary('sigmoid', [-1000, -40, 0, 40, 1000]),
      [0, 4.248354255291589e-18, 0.5, 1, 1],
      1e-30,
      1e-12,
    );
  });

  it('keeps NaN through relu and handles sign and rsqrt', () => {
    expectClose(unary('relu', [-2, 0, 3, Number.NaN]), [0, 0, 3, Number.NaN]);
    expectClose(unary('sign', [-2, 0, 3, Number.NaN]), [-1, 0, 1, Number.NaN]);
    expectClose(unary('rsqrt', [4, 0.25], 'float32'), [0.5, 2]);
  });

  it('writes bool predicates and computes int32 math into a float output', () => {
    const x = input(backend, new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, 0]), [4], 'float32');
    expect(Array.from(run(backend, 'isNaN', [x], {}, [4], 'bool'))).toEqual([0, 1, 0, 0]);
    expect(Array.from(run(backend, 'isFinite', [x], {}, [4], 'bool'))).toEqual([1, 0, 0, 1]);
    expect(Array.from(run(backend, 'logicalNot', [x], {}, [4], 'bool'))).toEqual([0, 0, 0, 1]);
    const i = input(backend, new Int32Array([4, 2, -3]), [3], 'int32');
    expectClose(run(backend, 'sqrt', [i], {}, [3], 'float32'), [2, Math.SQRT2, Number.NaN]);
    expect(Array.from(run(backend, 'abs', [i], {}, [3], 'int32'))).toEqual([4, 2, 3]);
  });
});

describe('binary kernels', () => {
  const backend = new CpuBackend();
  const scalarFns: Partial<Record<BinaryPrim, (a: number, b: number) => number>> = {
    add: (a, b) => a + b,
    mul: (a, b) => a * b,
    sub: (a, b) => a - b,
    div: (a, b) => a / b,
    maximum: Math.max,
    minimum: Math.min,
    less: (a, b) => (a < b ? 1 : 0),
  };

  const shapeCases: [number[], number[], number[]][] = [
    [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [1], [2, 3]],
    [[], [4, 2], [4, 2]],
    [
      [2, 1, 3],
      [4, 1],
      [2, 4, 3],
    ],
    [
      [5, 1],
      [1, 6],
      [5, 6],
    ],
    [[3], [2, 3], [2, 3]],
    [
      [1, 1, 4],
      [2, 3, 1],
      [2, 3, 4],
    ],
  ];

  for (const [prim, fn] of Object.entries(scalarFns) as [BinaryPrim, (a: number, b: number) => number][]) {
    it(`${prim} broadcasts like a naive coordinate loop`, () => {
      for (const [sa, sb, so] of shapeCases) {
        const av = seeded(
          sa.reduce((p, d) => p * d, 1),
          3,
        );
        const bv = seeded(
          sb.reduce((p, d) => p * d, 1),
          4,
        );
        const size = so.reduce((p, d) => p * d, 1);
        const want = Array.from({ length: size }, (_, i) => {
          const c = coords(i, so);
          return Math.fround(fn(av[bcastIndex(c, sa)], bv[bcastIndex(c, sb)]));
        });
        const dtype = prim === 'less' ? 'bool' : 'float32';
        const got = run(
          backend,
          prim,
          [input(backend, av, sa, 'float32'), input(backend, bv, sb, 'float32')],
          {},
          so,
          dtype,
        );
        expectClose(got, want, 1e-6, 1e-6);
      }
    });
  }

  for (const [prim, fn] of Object.entries(scalarFns) as [BinaryPrim, (a: number, b: number) => number][]) {
    it(`${prim} on int32 stores like an Int32Array through every broadcast path`, () => {
      for (const [sa, sb, so] of shapeCases) {
        const av = seeded(
          sa.reduce((p, d) => p * d, 1),
          5,
          'int32',
          -50,
          50,
        );
        // Nonzero divisors, so the int32 quotient is a truncation and not a division by zero.
        const bv = seeded(
          sb.reduce((p, d) => p * d, 1),
          6,
          'int32',
          1,
          9,
        );
        const size = so.reduce((p, d) => p * d, 1);
        const outDType = prim === 'less' ? 'bool' : 'int32';
        const want = new Int32Array(size);
        for (let i = 0; i < size; i++) {
          const c = coords(i, so);
          want[i] = fn(av[bcastIndex(c, sa)], bv[bcastIndex(c, sb)]);
        }
        const got = run(
          backend,
          prim,
          [input(backend, av, sa, 'int32'), input(backend, bv, sb, 'int32')],
          {},
          so,
          outDType,
        );
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });
  }

  it('keeps NaN, infinities and signed zeros through the fast loops', () => {
    const a = [Number.NaN, 1, -0, Number.POSITIVE_INFINITY, 0];
    const b = [2, Number.NaN, 0, Number.POSITIVE_INFINITY, -0];
    for (const [prim, fn] of Object.entries(scalarFns) as [BinaryPrim, (a: number, b: number) => number][]) {
      if (prim === 'less') continue;
      const want = a.map((x, i) => fn(x, b[i]));
      expect(pair(prim, a, b).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
        want.map((v) => (Object.is(v, -0) ? '-0' : v)),
      );
    }
  });

  const pair = (prim: BinaryPrim, a: number[], b: number[], outDType: DType = 'float32') =>
    Array.from(
      run(
        backend,
        prim,
        [
          input(backend, Float32Array.from(a), [a.length], 'float32'),
          input(backend, Float32Array.from(b), [b.length], 'float32'),
        ],
        {},
        [Math.max(a.length, b.length)],
        outDType,
      ),
    );

  it('mod takes the sign of the divisor', () => {
    expect(pair('mod', [7, -7, 7, -7, 6], [3, 3, -3, -3, 3])).toEqual([1, 2, -2, -1, 0]);
    expect(pair('mod', [5.5, -5.5], [2, 2])).toEqual([1.5, 0.5]);
  });

  it('truncates division stored into int32 and compares into bool', () => {
    expect(pair('div', [7, -7, 1], [2, 2, 0], 'int32')).toEqual([3, -3, 0]);
    expect(pair('equal', [1, 2, Number.NaN], [1, 3, Number.NaN], 'bool')).toEqual([1, 0, 0]);
    expect(pair('pow', [2, 4, -8], [3, 0.5, 1 / 3])).toEqual([8, 2, Number.NaN]);
    expect(pair('logicalOr', [0, 1, 0], [0, 0, 2], 'bool')).toEqual([0, 1, 1]);
  });
});

describe('unary loops', () => {
  const backend = new CpuBackend();
  // Independent scalar references; `round` and `erf` have their own tests above.
  const refs: [UnaryPrim, (x: number) => number][] = [
    ['neg', (x) => -x],
    ['abs', Math.abs],
    ['sign', Math.sign],
    ['exp', Math.exp],
    ['log', Math.log],
    ['log1p', Math.log1p],
    ['expm1', Math.expm1],
    ['sqrt', Math.sqrt],
    ['rsqrt', (x) => 1 / Math.sqrt(x)],
    ['sin', Math.sin],
    ['cos', Math.cos],
    ['tan', Math.tan],
    ['tanh', Math.tanh],
    ['sigmoid', (x) => 1 / (1 + Math.exp(-x))],
    ['floor', Math.floor],
    ['ceil', Math.ceil],
    ['reciprocal', (x) => 1 / x],
    ['relu', (x) => (x > 0 ? x : 0)],
    ['logicalNot', (x) => (x === 0 ? 1 : 0)],
  ];
  const xs = Float32Array.from([-3.5, -1, -0.25, 0, 0.25, 0.5, 1, 2.75, 10, -20]);

  for (const [prim, ref] of refs) {
    it(`${prim} matches its scalar definition on float32 and int32 inputs`, () => {
      const outDType = prim === 'logicalNot' ? 'bool' : 'float32';
      const got = run(backend, prim, [input(backend, xs, [2, 5], 'float32')], {}, [2, 5], outDType);
      expectClose(got, Float32Array.from(xs, ref), 1e-6, 1e-6);
      const ints = Int32Array.from([-7, -1, 0, 1, 2, 9]);
      const gotInt = run(backend, prim, [input(backend, ints, [6], 'int32')], {}, [6], 'float32');
      expectClose(gotInt, Float32Array.from(ints, ref), 1e-6, 1e-6);
    });
  }

  it('keeps the output dtype: int32 neg and abs stay integers', () => {
    const ints = input(backend, Int32Array.from([-7, 0, 5]), [3], 'int32');
    expect(Array.from(run(backend, 'neg', [ints], {}, [3], 'int32'))).toEqual([7, 0, -5]);
    expect(Array.from(run(backend, 'abs', [ints], {}, [3], 'int32'))).toEqual([7, 0, 5]);
  });
});

describe('where and cast', () => {
  it('selects with three broadcasting inputs', () => {
    const backend = new CpuBackend();
    const cond = input(backend, new Uint8Array([1, 0, 1]), [1, 3], 'bool');
    const a = input(backend, new Float32Array([10, 20]), [2, 1], 'float32');
    const b = input(backend, new Float32Array([-1]), [], 'float32');
    expect(Array.from(run(backend, 'where', [cond, a, b], {}, [2, 3], 'float32'))).toEqual([
      10, -1, 10, 20, -1, 20,
    ]);
    const same = input(backend, new Float32Array([1, 2, 3]), [1, 3], 'float32');
    expect(Array.from(run(backend, 'where', [cond, same, same], {}, [1, 3], 'float32'))).toEqual([1, 2, 3]);
  });

  it('casts float to int toward zero, NaN to 0, and anything nonzero to true', () => {
    const backend = new CpuBackend();
    const x = input(backend, new Float32Array([1.7, -1.7, Number.NaN, 0, -0.2]), [5], 'float32');
    expect(Array.from(run(backend, 'cast', [x], {}, [5], 'int32'))).toEqual([1, -1, 0, 0, 0]);
    expect(Array.from(run(backend, 'cast', [x], {}, [5], 'bool'))).toEqual([1, 1, 1, 0, 1]);
    const f = run(backend, 'cast', [x], {}, [5], 'float64');
    expectClose(f, [Math.fround(1.7), Math.fround(-1.7), Number.NaN, 0, Math.fround(-0.2)], 0, 0);
  });
});

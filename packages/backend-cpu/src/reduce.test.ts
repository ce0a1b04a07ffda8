// Reductions, arg-extremes and cumulative scans against naive loops over coordinates: single,
// leading, trailing and non-contiguous axes, NaN propagation, bool any/all, first-index ties.

import type { DType } from '@nabla/core';
import type { ReducePrim } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { coords, expectClose, flat, input, run, seeded } from './test-helpers.js';

const STEP: Record<ReducePrim, [number, (a: number, v: number) => number]> = {
  sum: [0, (a, v) => a + v],
  prod: [1, (a, v) => a * v],
  max: [
    Number.NEGATIVE_INFINITY,
    (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.max(a, v)),
  ],
  min: [
    Number.POSITIVE_INFINITY,
    (a, v) => (Number.isNaN(a) || Number.isNaN(v) ? Number.NaN : Math.min(a, v)),
  ],
  any: [0, (a, v) => (a || v ? 1 : 0)],
  all: [1, (a, v) => (a && v ? 1 : 0)],
};

function naiveReduce(x: ArrayLike<number>, shape: number[], axes: number[], prim: ReducePrim): number[] {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const [init, step] = STEP[prim];
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  for (let i = 0; i < x.length; i++) {
    const c = coords(i, shape).map((v, d) => (axes.includes(d) ? 0 : v));
    const o = flat(c, outShape);
    out[o] = step(out[o], x[i]);
  }
  return out;
}

function checkReduce(
  shape: number[],
  axes: number[],
  prim: ReducePrim,
  dtype: DType,
  values?: ArrayLike<number>,
): void {
  const backend = new CpuBackend();
  const size = shape.reduce((a, b) => a * b, 1);
  const xv = values ? Float32Array.from(values) : seeded(size, 7, dtype, dtype === 'bool' ? 0 : -2, 2);
  const x = input(backend, xv, shape, dtype);
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outDType = prim === 'any' || prim === 'all' ? 'bool' : dtype;
  expectClose(
    run(backend, prim, [x], { axes }, outShape, outDType),
    naiveReduce(xv, shape, axes, prim),
    1e-5,
    1e-5,
  );
}

describe('reduce kernels', () => {
  const axesCases = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2], [0, 2, 3], [1, 3]];
  for (const prim of ['sum', 'prod', 'max', 'min'] as const) {
    it(`${prim} matches a naive reduction over contiguous and non-contiguous axes`, () => {
      for (const axes of axesCases) checkReduce([3, 4, 2, 5], axes, prim, 'float32');
      checkReduce([2, 1, 3], [1], prim, 'float32');
      checkReduce([6], [0], prim, 'int32');
    });
  }

  it('any and all reduce bool tensors', () => {
    for (const axes of axesCases) {
      checkReduce([3, 4, 2, 5], axes, 'any', 'bool');
      checkReduce([3, 4, 2, 5], axes, 'all', 'bool');
    }
  });

  it('propagates NaN through max and min', () => {
    const values = [1, Number.NaN, 3, 4, 5, 6];
    checkReduce([2, 3], [1], 'max', 'float32', values);
    checkReduce([2, 3], [0], 'min', 'float32', values);
    checkReduce([2, 3], [0, 1], 'max', 'float32', values);
  });

  it('argMax and argMin return the first extreme, with NaN counted as the extreme', () => {
    const backend = new CpuBackend();
    const x = input(
      backend,
      new Float32Array([1, 3, 3, 0, 2, 0, Number.NaN, 5, Number.NaN]),
      [3, 3],
      'float32',
    );
    expect(Array.from(run(backend, 'argMax', [x], { axis: 1 }, [3], 'int32'))).toEqual([1, 1, 0]);
    expect(Array.from(run(backend, 'argMin', [x], { axis: 1 }, [3], 'int32'))).toEqual([0, 0, 0]);
    expect(Array.from(run(backend, 'argMax', [x], { axis: 0 }, [3], 'int32'))).toEqual([2, 2, 2]);
    expect(Array.from(run(backend, 'argMin', [x], { axis: 0 }, [3], 'int32'))).toEqual([2, 1, 2]);
  });

  it('cumsum and cumprod scan inclusive, exclusive and reversed', () => {
    const backend = new CpuBackend();
    const x = input(backend, new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'float32');
    const scan = (prim: 'cumsum' | 'cumprod', axis: number, exclusive: boolean, reverse: boolean) =>
      Array.from(run(backend, prim, [x], { axis, exclusive, reverse }, [2, 3], 'float32'));
    expect(scan('cumsum', 1, false, false)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(scan('cumsum', 1, true, false)).toEqual([0, 1, 3, 0, 4, 9]);
    expect(scan('cumsum', 1, false, true)).toEqual([6, 5, 3, 15, 11, 6]);
    expect(scan('cumsum', 1, true, true)).toEqual([5, 3, 0, 11, 6, 0]);
    expect(scan('cumsum', 0, false, false)).toEqual([1, 2, 3, 5, 7, 9]);
    expect(scan('cumprod', 1, false, false)).toEqual([1, 2, 6, 4, 20, 120]);
    expect(scan('cumprod', 0, true, true)).toEqual([4, 5, 6, 1, 1, 1]);
  });
});

// Movement and indexing kernels against naive coordinate loops: transpose, strided slices with
// negative strides and their adjoint, pad, concat, tile, reverse, broadcastTo, gather,
// scatterAdd, and the counter-based random fill.

import { uniformAt } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { coords, flat, input, run, seeded } from './test-helpers.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Naive map: out[c] = x[source(c)] for every output coordinate c (−1 means `fill`). */
function naive(
  x: ArrayLike<number>,
  xShape: number[],
  outShape: number[],
  source: (c: number[]) => number[] | null,
  fill = 0,
) {
  return Array.from({ length: size(outShape) }, (_, i) => {
    const from = source(coords(i, outShape));
    return from === null ? fill : x[flat(from, xShape)];
  });
}

describe('movement kernels', () => {
  const backend = new CpuBackend();
  const shape = [3, 4, 5];
  const xv = seeded(size(shape), 9);
  const x = input(backend, xv, shape, 'float32');

  it('transposes with any permutation', () => {
    for (const perm of [
      [2, 0, 1],
      [1, 0, 2],
      [0, 2, 1],
      [2, 1, 0],
    ]) {
      const outShape = perm.map((p) => shape[p]);
      const want = naive(xv, shape, outShape, (c) => {
        const from = new Array<number>(3);
        perm.forEach((p, d) => {
          from[p] = c[d];
        });
        return from;
      });
      expect(Array.from(run(backend, 'transpose', [x], { perm }, outShape, 'float32'))).toEqual(want);
    }
  });

  it('slices with positive and negative strides, and sliceGrad writes back where slice read', () => {
    const begin = [2, 0, 4];
    const strides = [-1, 2, -2];
    const outShape = [3, 2, 3];
    const want = naive(xv, shape, outShape, (c) => c.map((v, d) => begin[d] + v * strides[d]));
    const got = run(backend, 'slice', [x], { begin, strides }, outShape, 'float32');
    expect(Array.from(got)).toEqual(want);
    const dy = input(backend, Float32Array.from(want), outShape, 'float32');
    const dx = run(backend, 'sliceGrad', [dy], { begin, strides }, shape, 'float32');
    const wantDx = new Array<number>(size(shape)).fill(0);
    for (let i = 0; i < want.length; i++) {
      wantDx[
        flat(
          coords(i, outShape).map((v, d) => begin[d] + v * strides[d]),
          shape,
        )
      ] = want[i];
    }
    expect(Array.from(dx)).toEqual(wantDx);
  });

  it('pads with a constant', () => {
    const paddings: [number, number][] = [
      [1, 0],
      [0, 2],
      [2, 1],
    ];
    const outShape = shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
    const want = naive(
      xv,
      shape,
      outShape,
      (c) => {
        const from = c.map((v, d) => v - paddings[d][0]);
        return from.every((v, d) => v >= 0 && v < shape[d]) ? from : null;
      },
      7.5,
    );
    expect(Array.from(run(backend, 'pad', [x], { paddings, value: 7.5 }, outShape, 'float32'))).toEqual(want);
  });

  it('concatenates any number of inputs along an inner axis', () => {
    const parts = [1, 3, 2].map((k, j) => ({ k, v: seeded(3 * k * 5, 20 + j) }));
    const inputs = parts.map((p) => input(backend, p.v, [3, p.k, 5], 'float32'));
    const got = run(backend, 'concat', inputs, { axis: 1 }, [3, 6, 5], 'float32');
    const want = Array.from({ length: 90 }, (_, i) => {
      const [a, b, c] = coords(i, [3, 6, 5]);
      const part = b < 1 ? 0 : b < 4 ? 1 : 2;
      const start = [0, 1, 4][part];
      return parts[part].v[flat([a, b - start, c], [3, parts[part].k, 5])];
    });
    expect(Array.from(got)).toEqual(want);
  });

  it('tiles, reverses and broadcasts', () => {
    const reps = [2, 1, 3];
    const tiled = shape.map((d, i) => d * reps[i]);
    const wantTile = naive(xv, shape, tiled, (c) => c.map((v, d) => v % shape[d]));
    expect(Array.from(run(backend, 'tile', [x], { reps }, tiled, 'float32'))).toEqual(wantTile);
    const wantRev = naive(xv, shape, shape, (c) => [shape[0] - 1 - c[0], c[1], shape[2] - 1 - c[2]]);
    expect(Array.from(run(backend, 'reverse', [x], { axes: [0, 2] }, shape, 'float32'))).toEqual(wantRev);
    const small = input(backend, Float32Array.from([1, 2, 3]), [3, 1], 'float32');
    const got = run(backend, 'broadcastTo', [small], {}, [2, 3, 2], 'float32');
    expect(Array.from(got)).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
  });
});

describe('indexing kernels', () => {
  it('gathers along an inner axis and scatterAdd is its adjoint (repeats accumulate)', () => {
    const backend = new CpuBackend();
    const xShape = [2, 4, 3];
    const xv = seeded(24, 30);
    const indices = Int32Array.from([3, 0, 3]);
    const outShape = [2, 3, 3];
    const x = input(backend, xv, xShape, 'float32');
    const idx = input(backend, indices, [3], 'int32');
    const want = naive(xv, xShape, outShape, ([a, t, c]) => [a, indices[t], c]);
    expect(Array.from(run(backend, 'gather', [x, idx], { axis: 1 }, outShape, 'float32'))).toEqual(want);
    const updates = input(
      backend,
      Float32Array.from({ length: 18 }, (_, i) => i + 1),
      outShape,
      'float32',
    );
    const scattered = run(backend, 'scatterAdd', [updates, idx], { axis: 1 }, xShape, 'float32');
    const wantScatter = new Array<number>(24).fill(0);
    for (let i = 0; i < 18; i++) {
      const [a, t, c] = coords(i, outShape);
      wantScatter[flat([a, indices[t], c], xShape)] += i + 1;
    }
    expect(Array.from(scattered)).toEqual(wantScatter);
  });

  it('gathers zeros for out-of-range indices and scatters nothing for them', () => {
    const backend = new CpuBackend();
    const x = input(backend, Float32Array.from([1, 2, 3, 4]), [2, 2], 'float32');
    const idx = input(backend, Int32Array.from([1, 5, -1]), [3], 'int32');
    expect(Array.from(run(backend, 'gather', [x, idx], { axis: 0 }, [3, 2], 'float32'))).toEqual([
      3, 4, 0, 0, 0, 0,
    ]);
    const updates = input(backend, Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2], 'float32');
    expect(Array.from(run(backend, 'scatterAdd', [updates, idx], { axis: 0 }, [2, 2], 'float32'))).toEqual([
      0, 0, 1, 2,
    ]);
  });

  it('fills uniform randoms that are exactly uniformAt(seed, i)', () => {
    const backend = new CpuBackend();
    const got = run(backend, 'randomUniform', [], { seed: 1234 }, [4, 5], 'float32');
    expect(Array.from(got)).toEqual(Array.from({ length: 20 }, (_, i) => uniformAt(1234, i)));
    expect(got.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});

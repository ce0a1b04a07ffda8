// Pooling kernels against naive window loops: padding ignored (max) or not counted (average),
// overlapping windows accumulating in the backward kernels, ties routed to the first maximum.

import type { Pool2DParams } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { expectClose, input, run, seeded } from './test-helpers.js';

/** Calls visit(yIndex, xIndices) with each output position's in-bounds window offsets. */
function windows(x: readonly number[], p: Pool2DParams, visit: (yi: number, xs: number[]) => void): number[] {
  const [n, h, w, c] = x;
  const outH = Math.floor((h + p.pad[0] + p.pad[1] - p.filter[0]) / p.strides[0]) + 1;
  const outW = Math.floor((w + p.pad[2] + p.pad[3] - p.filter[1]) / p.strides[1]) + 1;
  let yi = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const xs: number[] = [];
          for (let ky = 0; ky < p.filter[0]; ky++) {
            for (let kx = 0; kx < p.filter[1]; kx++) {
              const iy = oy * p.strides[0] - p.pad[0] + ky;
              const ix = ox * p.strides[1] - p.pad[2] + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) xs.push(((b * h + iy) * w + ix) * c + ch);
            }
          }
          visit(yi++, xs);
        }
      }
    }
  }
  return [n, outH, outW, c];
}

const CASES: [string, number[], Pool2DParams][] = [
  ['2x2 stride 2', [2, 4, 6, 3], { filter: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0] }],
  [
    '3x3 stride 1 same padding (overlapping)',
    [1, 5, 4, 2],
    { filter: [3, 3], strides: [1, 1], pad: [1, 1, 1, 1] },
  ],
  [
    '3x2 stride (2,1), asymmetric padding',
    [2, 7, 5, 1],
    { filter: [3, 2], strides: [2, 1], pad: [0, 2, 1, 0] },
  ],
];

describe('pooling kernels', () => {
  for (const [name, shape, params] of CASES) {
    it(`match naive windows: ${name}`, () => {
      const backend = new CpuBackend();
      const size = shape.reduce((a, b) => a * b, 1);
      // Few distinct values, so windows have ties and the first-maximum rule matters.
      const xv = Float32Array.from(seeded(size, 5, 'int32', -3, 3));
      const wantMax: number[] = [];
      const wantAvg: number[] = [];
      const yShape = windows(shape, params, (_yi, xs) => {
        wantMax.push(Math.max(...xs.map((i) => xv[i])));
        wantAvg.push(xs.reduce((s, i) => s + xv[i], 0) / xs.length);
      });
      const dyv = seeded(
        yShape.reduce((a, b) => a * b, 1),
        6,
      );
      const wantMaxDx = new Float64Array(size);
      const wantAvgDx = new Float64Array(size);
      windows(shape, params, (yi, xs) => {
        const first = xs.find((i) => xv[i] === wantMax[yi]);
        if (first !== undefined) wantMaxDx[first] += dyv[yi];
        for (const i of xs) wantAvgDx[i] += dyv[yi] / xs.length;
      });
      const x = input(backend, xv, shape, 'float32');
      const dy = input(backend, dyv, yShape, 'float32');
      expectClose(run(backend, 'maxPool2d', [x], params, yShape, 'float32'), wantMax);
      expectClose(run(backend, 'avgPool2d', [x], params, yShape, 'float32'), wantAvg);
      expectClose(run(backend, 'maxPool2dBackward', [x, dy], params, shape, 'float32'), wantMaxDx);
      expectClose(run(backend, 'avgPool2dBackward', [dy], params, shape, 'float32'), wantAvgDx);
    });
  }

  it('ignores padding even when every value is negative, and propagates NaN', () => {
    const backend = new CpuBackend();
    const params: Pool2DParams = { filter: [2, 2], strides: [2, 2], pad: [1, 1, 1, 1] };
    const x = input(backend, new Float32Array([-5, -2, Number.NaN, -1]), [1, 2, 2, 1], 'float32');
    const got = run(backend, 'maxPool2d', [x], params, [1, 2, 2, 1], 'float32');
    expectClose(got, [-5, -2, Number.NaN, -1]);
    const dy = input(backend, new Float32Array([1, 2, 3, 4]), [1, 2, 2, 1], 'float32');
    expect(Array.from(run(backend, 'maxPool2dBackward', [x, dy], params, [1, 2, 2, 1], 'float32'))).toEqual([
      1, 2, 3, 4,
    ]);
  });
});

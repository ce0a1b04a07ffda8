// conv2d, conv2dBackpropInput and conv2dBackpropFilter against naive direct loops over every
// (output, tap) pair: strides, dilations, asymmetric padding, groups, depthwise, pointwise.

import type { DType, TypedArray } from '@nabla/core';
import type { Conv2DParams } from '@nabla/core/internal';
import { describe, it } from 'vitest';
import { CpuBackend } from './cpu-backend.js';
import { expectClose, input, run, seeded } from './test-helpers.js';

interface Case {
  readonly name: string;
  readonly x: readonly [number, number, number, number];
  readonly f: readonly [number, number];
  readonly outC: number;
  readonly params: Conv2DParams;
}

function outSize(inSize: number, f: number, s: number, d: number, before: number, after: number): number {
  return Math.floor((inSize + before + after - (f - 1) * d - 1) / s) + 1;
}

/** Calls visit(xIndex, fIndex, yIndex) for every multiply of the direct convolution. */
function forEachMac(
  c: Case,
  outH: number,
  outW: number,
  visit: (xi: number, fi: number, yi: number) => void,
): void {
  const [n, h, w, ch] = c.x;
  const [fh, fw] = c.f;
  const { strides, dilations, pad, groups } = c.params;
  const cg = ch / groups;
  const og = c.outC / groups;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let o = 0; o < c.outC; o++) {
          const g = Math.floor(o / og);
          for (let ky = 0; ky < fh; ky++) {
            for (let kx = 0; kx < fw; kx++) {
              const iy = oy * strides[0] - pad[0] + ky * dilations[0];
              const ix = ox * strides[1] - pad[2] + kx * dilations[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const xi = ((b * h + iy) * w + ix) * ch + g * cg + ci;
                const fi = ((ky * fw + kx) * cg + ci) * c.outC + o;
                visit(xi, fi, ((b * outH + oy) * outW + ox) * c.outC + o);
              }
            }
          }
        }
      }
    }
  }
}

function checkCase(c: Case, dtype: DType): void {
  const backend = new CpuBackend();
  const [n, h, w, ch] = c.x;
  const [fh, fw] = c.f;
  const { strides, dilations, pad, groups } = c.params;
  const outH = outSize(h, fh, strides[0], dilations[0], pad[0], pad[1]);
  const outW = outSize(w, fw, strides[1], dilations[1], pad[2], pad[3]);
  const fShape = [fh, fw, ch / groups, c.outC];
  const yShape = [n, outH, outW, c.outC];
  const xv = seeded(n * h * w * ch, 11, dtype);
  const fv = seeded(fh * fw * (ch / groups) * c.outC, 12, dtype);
  const dyv = seeded(n * outH * outW * c.outC, 13, dtype);
  const want = {
    y: new Float64Array(dyv.length),
    dx: new Float64Array(xv.length),
    df: new Float64Array(fv.length),
  };
  forEachMac(c, outH, outW, (xi, fi, yi) => {
    want.y[yi] += xv[xi] * fv[fi];
    want.dx[xi] += dyv[yi] * fv[fi];
    want.df[fi] += dyv[yi] * xv[xi];
  });
  const x = input(backend, xv, c.x, dtype);
  const f = input(backend, fv, fShape, dtype);
  const dy = input(backend, dyv, yShape, dtype);
  const tol = dtype === 'float64' ? 1e-12 : 1e-4;
  const close = (got: TypedArray, expected: Float64Array) => expectClose(got, expected, tol * 10, tol);
  close(run(backend, 'conv2d', [x, f], c.params, yShape, dtype), want.y);
  close(run(backend, 'conv2dBackpropInput', [dy, f], c.params, c.x, dtype), want.dx);
  close(run(backend, 'conv2dBackpropFilter', [x, dy], c.params, fShape, dtype), want.df);
}

const base = { strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1 } as const;

const CASES: Case[] = [
  { name: '3x3 same padding', x: [2, 6, 5, 3], f: [3, 3], outC: 4, params: { ...base, pad: [1, 1, 1, 1] } },
  {
    name: 'stride 2, asymmetric padding',
    x: [1, 7, 8, 2],
    f: [3, 2],
    outC: 5,
    params: { ...base, strides: [2, 3], pad: [0, 1, 2, 0] },
  },
  {
    name: 'dilation 2',
    x: [2, 9, 7, 3],
    f: [3, 3],
    outC: 2,
    params: { ...base, dilations: [2, 1], pad: [2, 2, 1, 1] },
  },
  {
    name: 'two groups',
    x: [2, 5, 5, 4],
    f: [3, 3],
    outC: 6,
    params: { ...base, groups: 2, pad: [1, 0, 0, 1] },
  },
  {
    name: 'depthwise, multiplier 2',
    x: [1, 6, 6, 3],
    f: [3, 3],
    outC: 6,
    params: { ...base, groups: 3, strides: [2, 2], pad: [1, 1, 1, 1] },
  },
  {
    name: 'depthwise, dilated',
    x: [2, 7, 6, 4],
    f: [2, 3],
    outC: 4,
    params: { ...base, groups: 4, dilations: [2, 2], pad: [1, 0, 2, 1] },
  },
  { name: 'pointwise 1x1', x: [3, 4, 5, 6], f: [1, 1], outC: 7, params: base },
  { name: 'pointwise 1x1, grouped', x: [2, 3, 3, 4], f: [1, 1], outC: 2, params: { ...base, groups: 2 } },
  { name: '1x1 with stride 2', x: [1, 5, 5, 2], f: [1, 1], outC: 3, params: { ...base, strides: [2, 2] } },
  {
    name: 'filter larger than the input',
    x: [1, 2, 2, 1],
    f: [3, 3],
    outC: 1,
    params: { ...base, pad: [1, 1, 1, 1] },
  },
];

describe('conv2d kernels', () => {
  for (const c of CASES) {
    it(`match the direct convolution: ${c.name}`, () => {
      checkCase(c, 'float32');
    });
  }

  it('are exact to double precision in float64', () => {
    checkCase(CASES[3], 'float64');
    checkCase(CASES[4], 'float64');
  });
});

// Tests of the kernel geometry every backend reads: conv and pool sizes, reduction runs, the
// tiling view, batched-matmul dimensions and resize coordinates, on the cases backends branch on.

import { describe, expect, it } from 'vitest';
import {
  aroundAxis,
  conv2dGeometry,
  matmulDims,
  mergeAxes,
  pool2dGeometry,
  reductionRuns,
  resizeAxis,
  tileView,
} from './kernel-geometry.js';

describe('kernel geometry', () => {
  it('sizes a grouped, strided, padded convolution and tells pointwise and depthwise apart', () => {
    const params = { strides: [2, 1], dilations: [1, 2], pad: [1, 0, 2, 0], groups: 2 } as const;
    const g = conv2dGeometry([3, 7, 8, 4], [3, 2, 2, 6], [3, 4, 8, 6], params);
    expect(g).toMatchObject({ n: 3, h: 7, w: 8, c: 4, fh: 3, fw: 2, outH: 4, outW: 8, outC: 6 });
    expect(g).toMatchObject({ sh: 2, sw: 1, dh: 1, dw: 2, top: 1, left: 2, cg: 2, og: 3, p: 32, kk: 12 });
    expect(g.pointwise || g.depthwise).toBe(false);
    const unit = { strides: [1, 1], dilations: [1, 1], pad: [0, 0, 0, 0], groups: 1 } as const;
    expect(conv2dGeometry([1, 5, 5, 2], [1, 1, 2, 3], [1, 5, 5, 3], unit).pointwise).toBe(true);
    expect(conv2dGeometry([1, 5, 5, 4], [3, 3, 1, 8], [1, 3, 3, 8], { ...unit, groups: 4 }).depthwise).toBe(
      true,
    );
  });

  it('sizes a pooling', () => {
    const g = pool2dGeometry([2, 5, 6, 3], [2, 3, 3, 3], {
      filter: [2, 3],
      strides: [2, 2],
      pad: [1, 0, 0, 1],
    });
    expect(g).toEqual({
      n: 2,
      h: 5,
      w: 6,
      c: 3,
      outH: 3,
      outW: 3,
      fh: 2,
      fw: 3,
      sh: 2,
      sw: 2,
      top: 1,
      left: 0,
    });
  });

  it('merges neighbouring axes of one kind and drops size-1 axes', () => {
    expect(reductionRuns([2, 3, 4, 5], [1, 2])).toEqual({ sizes: [2, 12, 5], reduced: [false, true, false] });
    expect(reductionRuns([2, 1, 3, 4], [0, 2])).toEqual({ sizes: [6, 4], reduced: [true, false] });
    expect(reductionRuns([1, 1], [0])).toEqual({ sizes: [], reduced: [] });
  });

  it('views a shape around one axis', () => {
    expect(aroundAxis([2, 3, 4, 5], 2)).toEqual([6, 4, 5]);
    expect(aroundAxis([7], 0)).toEqual([1, 7, 1]);
  });

  it('views a tile as one strided copy', () => {
    expect(tileView([2, 3], [4, 3], [2, 1])).toEqual({
      shape: [2, 2, 1, 3],
      src: [0, 3, 0, 1],
      dst: [6, 3, 3, 1],
    });
  });

  it('reads batched matmul dimensions with transposes and a broadcast batch', () => {
    expect(matmulDims([1, 2, 3], [4, 3, 5], false, false)).toEqual({
      m: 2,
      n: 5,
      k: 3,
      batch: 4,
      batchA: 1,
      batchB: 4,
    });
    expect(matmulDims([4, 3, 2], [1, 5, 3], true, true)).toEqual({
      m: 2,
      n: 5,
      k: 3,
      batch: 4,
      batchA: 4,
      batchB: 1,
    });
    expect(matmulDims([2, 0], [0, 3], false, false)).toEqual({
      m: 2,
      n: 3,
      k: 0,
      batch: 1,
      batchA: 1,
      batchB: 1,
    });
  });

  it('maps resize outputs to the source rows and blends TensorFlow uses', () => {
    const axis = (inSize: number, outSize: number, method: 'bilinear' | 'nearest', mode: string) => {
      const r = resizeAxis(inSize, outSize, {
        method,
        alignCorners: mode === 'align',
        halfPixelCenters: mode === 'half',
      });
      return [Array.from(r.lower), Array.from(r.upper), Array.from(r.lerp, (v) => Math.round(v * 1e6) / 1e6)];
    };
    // 2 → 3: s = 2/3, sources 0, 0.667, 1.333.
    expect(axis(2, 3, 'bilinear', '')).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0, 0.666667, 0.333333],
    ]);
    // align corners: s = 1/2, sources 0, 0.5, 1.
    expect(axis(2, 3, 'bilinear', 'align')).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0, 0.5, 0],
    ]);
    // half-pixel centers: sources -1/6 (clamped to row 0), 0.5, 7/6 (clamped to row 1).
    expect(axis(2, 3, 'bilinear', 'half')).toEqual([
      [0, 0, 1],
      [0, 1, 1],
      [0.833333, 0.5, 0.166667],
    ]);
    expect(axis(2, 3, 'nearest', '')).toEqual([
      [0, 0, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(axis(2, 3, 'nearest', 'align')).toEqual([
      [0, 1, 1],
      [0, 1, 1],
      [0, 0, 0],
    ]);
    expect(axis(4, 2, 'nearest', 'half')).toEqual([
      [1, 3],
      [1, 3],
      [0, 0],
    ]);
    // An output of size 1 with alignCorners scales by in / out.
    expect(axis(5, 1, 'bilinear', 'align')).toEqual([[0], [0], [0]]);
  });
});

describe('mergeAxes', () => {
  it('merges contiguous axes, drops size-1 axes and keeps broadcast axes apart', () => {
    expect(mergeAxes([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(
      mergeAxes(
        [2, 1, 3],
        [
          [3, 3, 1],
          [0, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [2, 3],
      strides: [
        [3, 1],
        [0, 1],
      ],
    });
    // A reversed axis merges with its reversed neighbour.
    expect(mergeAxes([2, 3], [[-3, -1]])).toEqual({ shape: [6], strides: [[-1]] });
    expect(mergeAxes([1, 1], [[1, 1]])).toEqual({ shape: [1], strides: [[0]] });
  });
});

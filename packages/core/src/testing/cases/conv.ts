// Conformance cases: convolution (ops/conv.ts) and pooling (ops/pool.ts). Forward values are
// checked against naive loops written here from the definitions (TF 'same' padding re-derived
// independently), conv2dTranspose against the adjoint identity, errors by type and message,
// and first- and second-order gradients.

import { grads } from '../../autodiff.js';
import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { mul } from '../../ops/binary.js';
import { conv2d, conv2dTranspose, depthwiseConv2d } from '../../ops/conv.js';
import { randomUniform } from '../../ops/creation.js';
import { avgPool2d, maxPool2d } from '../../ops/pool.js';
import { sum } from '../../ops/reduce.js';
import type { Tensor } from '../../tensor.js';
import { type CaseTools, type ConformanceCase, ConformanceError } from '../harness.js';

type Quad = [number, number, number, number];
type Two = [number, number];

interface Ref {
  values: number[];
  shape: number[];
}

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data(), Number);

/** TF 'same' padding: out = ceil(in / s), total = max((out − 1)·s + e − in, 0), smaller half first. */
function samePad(h: number, w: number, eff: Two, strides: Two): Quad {
  const total = (n: number, i: 0 | 1) =>
    Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + eff[i] - n, 0);
  const th = total(h, 0);
  const tw = total(w, 1);
  return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
}

/** y[n, i, j, o] = Σ x[n, i·sh − top + ky·dh, j·sw − left + kx·dw, g·cg + c] · f[ky, kx, c, o], zero outside. */
function refConv(
  x: number[],
  xs: Quad,
  f: number[],
  fs: Quad,
  strides: Two,
  dil: Two,
  pad: Quad,
  groups = 1,
): Ref {
  const [n, h, w, c] = xs;
  const [fh, fw, cg, oc] = fs;
  const og = oc / groups;
  const oh = Math.floor((h + pad[0] + pad[1] - ((fh - 1) * dil[0] + 1)) / strides[0]) + 1;
  const ow = Math.floor((w + pad[2] + pad[3] - ((fw - 1) * dil[1] + 1)) / strides[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let o = 0; o < oc; o++) {
          const g = Math.floor(o / og);
          let s = 0;
          for (let ky = 0; ky < fh; ky++) {
            for (let kx = 0; kx < fw; kx++) {
              const iy = i * strides[0] - pad[0] + ky * dil[0];
              const ix = j * strides[1] - pad[2] + kx * dil[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cg; ci++) {
                s += x[((b * h + iy) * w + ix) * c + g * cg + ci]! * f[((ky * fw + kx) * cg + ci) * oc + o]!;
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return { values: out, shape: [n, oh, ow, oc] };
}

/** Max or mean over each window's in-bounds positions. */
function refPool(kind: 'max' | 'avg', x: number[], xs: Quad, pool: Two, strides: Two, pad: Quad): Ref {
  const [n, h, w, c] = xs;
  const oh = Math.floor((h + pad[0] + pad[1] - pool[0]) / strides[0]) + 1;
  const ow = Math.floor((w + pad[2] + pad[3] - pool[1]) / strides[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          const seen: number[] = [];
          for (let ky = 0; ky < pool[0]; ky++) {
            for (let kx = 0; kx < pool[1]; kx++) {
              const iy = i * strides[0] - pad[0] + ky;
              const ix = j * strides[1] - pad[2] + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) seen.push(x[((b * h + iy) * w + ix) * c + ch]!);
            }
          }
          out.push(kind === 'max' ? Math.max(...seen) : seen.reduce((p, v) => p + v, 0) / seen.length);
        }
      }
    }
  }
  return { values: out, shape: [n, oh, ow, c] };
}

interface ConvSetup {
  x: Quad;
  f: Quad;
  strides?: Two;
  dilations?: Two;
  padding: 'valid' | 'same' | number | [Two, Two];
}

function padOf(s: ConvSetup, eff: Two, strides: Two): Quad {
  if (s.padding === 'valid') return [0, 0, 0, 0];
  if (s.padding === 'same') return samePad(s.x[1], s.x[2], eff, strides);
  if (typeof s.padding === 'number') return [s.padding, s.padding, s.padding, s.padding];
  return [s.padding[0][0], s.padding[0][1], s.padding[1][0], s.padding[1][1]];
}

async function checkConv(t: CaseTools, s: ConvSetup): Promise<void> {
  const strides = s.strides ?? [1, 1];
  const dil = s.dilations ?? [1, 1];
  const eff: Two = [(s.f[0] - 1) * dil[0] + 1, (s.f[1] - 1) * dil[1] + 1];
  const x = t.rand(s.x, { seed: 61 });
  const f = t.rand(s.f, { seed: 62 });
  const ref = refConv(await values(x), s.x, await values(f), s.f, strides, dil, padOf(s, eff, strides));
  await t.expectValues(conv2d(x, f, { strides, dilations: dil, padding: s.padding }), ref.values, {
    shape: ref.shape,
    atol: 1e-5,
  });
}

/** Distinct values (a shuffled ramp) so max pooling has no ties, even under finite differences. */
function distinct(t: CaseTools, shape: number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const v = Array.from({ length: size }, (_, i) => ((i * 7919) % size) * 0.1 - size * 0.05);
  return t.input(v, shape);
}

const dotOf = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

export const CONV_CASES: ConformanceCase[] = [
  {
    name: 'conv: conv2d forward against a naive loop',
    run: async (t) => {
      await checkConv(t, { x: [1, 5, 5, 2], f: [3, 3, 2, 3], padding: 'valid' });
      await checkConv(t, { x: [2, 5, 5, 2], f: [3, 3, 2, 3], padding: 'same', strides: [2, 2] });
      await checkConv(t, { x: [1, 6, 5, 2], f: [2, 2, 2, 3], padding: 'same', strides: [2, 2] });
      await checkConv(t, { x: [1, 5, 5, 2], f: [2, 2, 2, 2], padding: 'valid', dilations: [2, 2] });
      await checkConv(t, { x: [2, 5, 6, 1], f: [3, 2, 1, 2], padding: 'same', dilations: [2, 2] });
      await checkConv(t, {
        x: [1, 5, 5, 2],
        f: [3, 3, 2, 3],
        padding: [
          [1, 0],
          [2, 1],
        ],
        strides: [1, 2],
      });
      await checkConv(t, { x: [1, 4, 4, 3], f: [3, 3, 3, 2], padding: 1, strides: [2, 1] });
      await checkConv(t, { x: [1, 3, 3, 4], f: [1, 1, 4, 2], padding: 'valid' });
      await checkConv(t, { x: [2, 7, 6, 1], f: [3, 3, 1, 37], padding: 'same', strides: [2, 1] });
      // One input channel and output channels in multiples of 16 (a backend may compute two
      // neighbouring windows at once where both lie in the image): odd widths, strides, dilations.
      await checkConv(t, { x: [2, 6, 7, 1], f: [3, 3, 1, 32], padding: 'same' });
      await checkConv(t, { x: [1, 7, 9, 1], f: [3, 3, 1, 16], padding: 'same', strides: [1, 2] });
      await checkConv(t, { x: [1, 8, 8, 1], f: [3, 2, 1, 16], padding: 'valid', dilations: [1, 2] });
      // Rank 3 (unbatched) in, rank 3 out.
      const x = t.input([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1]);
      const f = t.input([1, 0, 0, -1], [2, 2, 1, 1]);
      await t.expectValues(conv2d(x, f), [
        [[-4], [-4]],
        [[-4], [-4]],
      ]);
    },
  },
  {
    name: 'conv: depthwiseConv2d forward is a grouped conv',
    run: async (t) => {
      for (const s of [
        {
          x: [2, 4, 4, 2] as Quad,
          f: [3, 3, 2, 2] as Quad,
          strides: [1, 1] as Two,
          padding: 'same' as const,
        },
        {
          x: [1, 5, 5, 3] as Quad,
          f: [2, 2, 3, 1] as Quad,
          strides: [2, 2] as Two,
          padding: 'valid' as const,
        },
      ]) {
        const x = t.rand(s.x, { seed: 71 });
        const f = t.rand(s.f, { seed: 72 });
        const [fh, fw, c, m] = s.f;
        const pad =
          s.padding === 'same' ? samePad(s.x[1], s.x[2], [fh, fw], s.strides) : ([0, 0, 0, 0] as Quad);
        // Filter [fh, fw, c, m] in row-major order is [fh, fw, 1, c·m] with output channel c·m + j.
        const ref = refConv(
          await values(x),
          s.x,
          await values(f),
          [fh, fw, 1, c * m],
          s.strides,
          [1, 1],
          pad,
          c,
        );
        await t.expectValues(depthwiseConv2d(x, f, { strides: s.strides, padding: s.padding }), ref.values, {
          shape: ref.shape,
          atol: 1e-5,
        });
      }
    },
  },
  {
    name: 'conv: conv2dTranspose is the adjoint of conv2d',
    run: async (t) => {
      // Each input pixel stamps x·filter onto its stride-2 block: the definition, directly.
      const px = t.input([1, 2, 3, 4], [1, 2, 2, 1]);
      const pf = t.input([1, 10, 100, 1000], [2, 2, 1, 1]);
      await t.expectValues(
        conv2dTranspose(px, pf, { strides: 2 }),
        [
          [1, 10, 2, 20],
          [100, 1000, 200, 2000],
          [3, 30, 4, 40],
          [300, 3000, 400, 4000],
        ].map((row) => row.map((v) => [v])),
        { shape: [1, 4, 4, 1] },
      );
      const setups: {
        x: Quad;
        f: Quad;
        strides: Two;
        padding: 'valid' | 'same' | [Two, Two];
        dilations?: Two;
      }[] = [
        { x: [1, 6, 6, 2], f: [3, 3, 2, 3], strides: [2, 2], padding: 'same' },
        { x: [2, 7, 5, 2], f: [3, 3, 2, 2], strides: [2, 2], padding: 'valid' },
        {
          x: [1, 5, 5, 1],
          f: [2, 3, 1, 2],
          strides: [1, 2],
          padding: [
            [1, 0],
            [1, 1],
          ],
        },
        { x: [1, 6, 6, 2], f: [2, 2, 2, 2], strides: [1, 1], padding: 'same', dilations: [2, 2] },
      ];
      for (const s of setups) {
        const x = t.rand(s.x, { seed: 81 });
        const w = t.rand(s.f, { seed: 82 });
        const opts = { strides: s.strides, padding: s.padding, dilations: s.dilations };
        const y = t.own(conv2d(x, w, opts));
        const dy = t.rand([...y.shape], { seed: 83 });
        const back = t.own(conv2dTranspose(dy, w, { ...opts, outputShape: s.x }));
        const lhs = dotOf(await values(y), await values(dy));
        const rhs = dotOf(await values(x), await values(back));
        await t.expectValues(t.input(rhs), lhs, { atol: 1e-4, rtol: 1e-4 });
      }
      // Default output sizes: in·stride for 'same', (in − 1)·stride + fh for 'valid'.
      const small = t.rand([1, 3, 3, 4]);
      const w = t.rand([3, 3, 2, 4]);
      const same = conv2dTranspose(small, w, { strides: 2, padding: 'same' });
      const valid = conv2dTranspose(small, w, { strides: 2 });
      const unbatched = conv2dTranspose(t.rand([3, 3, 4]), w, { strides: 2, outputShape: [8, 8, 2] });
      for (const [got, shape] of [
        [same, [1, 6, 6, 2]],
        [valid, [1, 7, 7, 2]],
        [unbatched, [8, 8, 2]],
      ] as const) {
        t.own(got);
        if (got.shape.join() !== shape.join())
          throw new ConformanceError(`conv2dTranspose: expected shape [${shape}], got [${got.shape}]`);
      }
    },
  },
  {
    name: 'conv: maxPool2d and avgPool2d forward, valid and same',
    run: async (t) => {
      const setups: { x: Quad; pool: Two; strides: Two; padding: 'valid' | 'same' }[] = [
        { x: [1, 4, 4, 2], pool: [2, 2], strides: [2, 2], padding: 'valid' },
        { x: [2, 5, 5, 1], pool: [2, 2], strides: [2, 2], padding: 'same' },
        { x: [1, 5, 4, 2], pool: [3, 3], strides: [1, 1], padding: 'same' },
        { x: [1, 6, 5, 1], pool: [3, 2], strides: [2, 1], padding: 'valid' },
      ];
      for (const s of setups) {
        const x = t.rand(s.x, { seed: 91 });
        const xv = await values(x);
        const pad =
          s.padding === 'same' ? samePad(s.x[1], s.x[2], s.pool, s.strides) : ([0, 0, 0, 0] as Quad);
        const opts = { poolSize: s.pool, strides: s.strides, padding: s.padding };
        const mx = refPool('max', xv, s.x, s.pool, s.strides, pad);
        await t.expectValues(maxPool2d(x, opts), mx.values, { shape: mx.shape });
        const av = refPool('avg', xv, s.x, s.pool, s.strides, pad);
        await t.expectValues(avgPool2d(x, opts), av.values, { shape: av.shape, atol: 1e-6 });
      }
      // Defaults: 2x2 windows, stride 2; rank 3 in, rank 3 out; 'same' averages only in-bounds.
      const x = t.input([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1]);
      await t.expectValues(maxPool2d(x), [[[5]]]);
      await t.expectValues(avgPool2d(x, { padding: 'same' }), [
        [[3], [4.5]],
        [[7.5], [9]],
      ]);
    },
  },
  {
    name: 'conv: errors',
    run: async (t) => {
      const x = t.rand([1, 5, 5, 3]);
      const f = t.rand([3, 3, 4, 8]);
      const f3 = t.rand([3, 3, 3, 2]);
      const big = t.rand([7, 7, 3, 2]);
      const flat = t.rand([5, 5]);
      const ints = t.input([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
      const one = t.rand([1, 1, 1, 1]);
      t.expectError(
        () => conv2d(x, f),
        ShapeError,
        'conv2d: expected filter axis 2 (in channels) to be 3 to match x.shape=[1,5,5,3], got filter.shape=[3,3,4,8]',
      );
      t.expectError(
        () => conv2d(flat, f3),
        ShapeError,
        'conv2d: expected x to have rank 4 (NHWC) or 3 (HWC), got x.shape=[5,5]',
      );
      t.expectError(
        () => conv2d(x, flat),
        ShapeError,
        /conv2d: expected filter to have rank 4 \[fh, fw, inC, outC\].*got filter.shape=\[5,5\]/,
      );
      t.expectError(
        () => conv2d(x, big),
        ShapeError,
        'conv2d: the window 7x7 is larger than the padded input 5x5, got x.shape=[1,5,5,3] and filter.shape=[7,7,3,2]',
      );
      t.expectError(
        () => conv2d(x, f3, { dilations: 3 }),
        ShapeError,
        /conv2d: the window 7x7 is larger than the padded input 5x5/,
      );
      t.expectError(
        () => conv2d(x, f3, { strides: 0 }),
        ArgumentError,
        'conv2d: expected options.strides to be an integer >= 1 or an array of 2 entries, each an integer >= 1, got number 0',
      );
      t.expectError(
        () => conv2d(x, f3, { strides: [1, 1.5] }),
        ArgumentError,
        /conv2d: expected options.strides\[1\] to be an integer >= 1, got number 1.5/,
      );
      t.expectError(
        () => conv2d(x, f3, { padding: -1 }),
        ArgumentError,
        /conv2d: expected options.padding to be 'valid', 'same', an integer >= 0 or an array of 2 entries/,
      );
      t.expectError(
        () => conv2d(ints, one),
        DTypeError,
        'conv2d: expected x to have dtype float32 or float64 or float16, got int32',
      );
      t.expectError(
        () => depthwiseConv2d(x, f),
        ShapeError,
        'depthwiseConv2d: expected filter axis 2 (in channels) to be 3 to match x.shape=[1,5,5,3], got filter.shape=[3,3,4,8]',
      );
      t.expectError(
        () => conv2dTranspose(x, f3),
        ShapeError,
        'conv2dTranspose: expected filter axis 3 (in channels) to be 3 to match x.shape=[1,5,5,3], got filter.shape=[3,3,3,2]',
      );
      t.expectError(
        () => conv2dTranspose(x, f, { strides: 2, outputShape: [1, 12, 12, 4] }),
        ShapeError,
        /conv2dTranspose: expected filter axis 3/,
      );
      const y = t.rand([1, 3, 3, 8]);
      t.expectError(
        () => conv2dTranspose(y, f, { strides: 2, outputShape: [1, 9, 9, 4] }),
        ShapeError,
        /conv2dTranspose: a conv2d of the output would have spatial size 4x4, not x's 3x3/,
      );
      t.expectError(
        () => conv2dTranspose(y, f, { strides: 2, outputShape: [1, 7, 7, 5] }),
        ShapeError,
        /conv2dTranspose: expected outputShape of rank 4 ending in 4 channels with batch 1/,
      );
      t.expectError(
        () => maxPool2d(x, { poolSize: 6 }),
        ShapeError,
        'maxPool2d: the window 6x6 is larger than the padded input 5x5, got x.shape=[1,5,5,3] and poolSize=[6,6]',
      );
      t.expectError(
        () => avgPool2d(flat),
        ShapeError,
        'avgPool2d: expected x to have rank 4 (NHWC) or 3 (HWC), got x.shape=[5,5]',
      );
      t.expectError(
        () => avgPool2d(x, { poolSize: 2, padding: 2 }),
        ArgumentError,
        /avgPool2d: expected padding smaller than the pooling window/,
      );
      t.expectError(
        () => maxPool2d(x, { poolSize: [2, 0] }),
        ArgumentError,
        /maxPool2d: expected options.poolSize\[1\] to be an integer >= 1, got number 0 in options.poolSize=\[2,0\]/,
      );
    },
  },
  {
    name: 'conv: gradient of conv2d (input and filter)',
    run: async (t) => {
      await t.checkGrad(
        (x, f) => conv2d(x, f, { strides: 2, padding: 'same' }),
        [t.rand([1, 4, 4, 2], { seed: 101 }), t.rand([3, 3, 2, 2], { seed: 102 })],
      );
      await t.checkGrad(
        (x, f) =>
          conv2d(x, f, {
            dilations: 2,
            padding: [
              [1, 0],
              [0, 1],
            ],
          }),
        [t.rand([2, 4, 4, 1], { seed: 103 }), t.rand([2, 2, 1, 2], { seed: 104 })],
      );
    },
  },
  {
    name: 'conv: gradients of conv2d against naive loops, with the channels and pixels of real layers',
    run: async (t) => {
      // Several channels (whole and partial groups of four), a few hundred output pixels
      // across images (past a GEMM depth block), stride 1 and 2, dilation and 'same'/'valid'.
      const setups: ConvSetup[] = [
        { x: [4, 12, 11, 8], f: [3, 3, 8, 5], padding: 'same' },
        { x: [2, 10, 9, 6], f: [3, 2, 6, 7], padding: 'valid', dilations: [2, 2] },
        { x: [3, 9, 8, 8], f: [3, 3, 8, 4], padding: 'same', strides: [2, 1] },
        { x: [2, 9, 9, 1], f: [3, 3, 1, 8], padding: 'same' },
        // One input channel (a grayscale first layer): 32 channels in registers, then 4, then 1.
        { x: [3, 11, 10, 1], f: [3, 3, 1, 37], padding: 'same', dilations: [1, 2] },
        // Left padding at stride 2: the first column whose tap is inside is ⌈left / 2⌉.
        { x: [2, 9, 9, 1], f: [2, 3, 1, 33], padding: 'same', strides: [1, 2] },
        // One input channel and channels in sixteens (a backend may take two taps of a row at
        // once): taps whose column ranges differ at either end, strides and dilations.
        { x: [2, 9, 9, 1], f: [3, 3, 1, 16], padding: 'same' },
        { x: [2, 8, 11, 1], f: [3, 3, 1, 32], padding: 'same', strides: [1, 2] },
        { x: [1, 9, 10, 1], f: [2, 3, 1, 16], padding: 'valid', dilations: [1, 2] },
      ];
      for (const s of setups) {
        const strides = s.strides ?? [1, 1];
        const dil = s.dilations ?? [1, 1];
        const eff: Two = [(s.f[0] - 1) * dil[0] + 1, (s.f[1] - 1) * dil[1] + 1];
        const pad = padOf(s, eff, strides);
        const x = t.rand(s.x, { seed: 71 });
        const f = t.rand(s.f, { seed: 72 });
        const xv = await values(x);
        const fv = await values(f);
        const outShape = refConv(xv, s.x, fv, s.f, strides, dil, pad).shape as Quad;
        const dy = t.rand(outShape, { seed: 73 });
        const dyv = await values(dy);
        const [n, h, w, c] = s.x;
        const [fh, fw, , oc] = s.f;
        const [, oh, ow] = outShape;
        const dx = new Array<number>(n * h * w * c).fill(0);
        const df = new Array<number>(fh * fw * c * oc).fill(0);
        for (let b = 0; b < n; b++) {
          for (let i = 0; i < oh; i++) {
            for (let j = 0; j < ow; j++) {
              for (let ky = 0; ky < fh; ky++) {
                for (let kx = 0; kx < fw; kx++) {
                  const iy = i * strides[0] - pad[0] + ky * dil[0];
                  const ix = j * strides[1] - pad[2] + kx * dil[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                  for (let ci = 0; ci < c; ci++) {
                    const at = ((b * h + iy) * w + ix) * c + ci;
                    for (let o = 0; o < oc; o++) {
                      const g = dyv[((b * oh + i) * ow + j) * oc + o]!;
                      const fi = ((ky * fw + kx) * c + ci) * oc + o;
                      dx[at]! += g * fv[fi]!;
                      df[fi]! += g * xv[at]!;
                    }
                  }
                }
              }
            }
          }
        }
        const opts = { strides, dilations: dil, padding: s.padding };
        const [gx, gf] = grads((a, b) => sum(mul(conv2d(a, b, opts), dy)))([x, f]);
        await t.expectValues(gx!, dx, { shape: s.x, rtol: 1e-4, atol: 1e-4 });
        await t.expectValues(gf!, df, { shape: s.f, rtol: 1e-4, atol: 1e-4 });
      }
    },
  },
  {
    name: 'conv: gradient of conv2dTranspose',
    run: async (t) => {
      await t.checkGrad(
        (x, f) => conv2dTranspose(x, f, { strides: 2, padding: 'same' }),
        [t.rand([1, 2, 3, 2], { seed: 111 }), t.rand([3, 3, 1, 2], { seed: 112 })],
      );
      await t.checkGrad(
        (x, f) => conv2dTranspose(x, f, { strides: [2, 1], outputShape: [3, 4, 2] }),
        [t.rand([1, 3, 2], { seed: 113 }), t.rand([2, 2, 2, 2], { seed: 114 })],
      );
    },
  },
  {
    name: 'conv: gradient of depthwiseConv2d',
    run: async (t) => {
      await t.checkGrad(
        (x, f) => depthwiseConv2d(x, f, { padding: 'same' }),
        [t.rand([1, 3, 4, 2], { seed: 121 }), t.rand([2, 2, 2, 2], { seed: 122 })],
      );
    },
  },
  {
    name: 'conv: maxPool2d takes NaN and routes dy to the first maximum of each window, over vector and leftover channels',
    run: async (t) => {
      // Ties, NaN and −∞ everywhere; 6 and 8 channels (whole vectors and a tail); windows that tile
      // the image (no padding, stride = window) and windows that do not.
      const setups: { x: Quad; padding: 'valid' | 'same' }[] = [
        { x: [2, 4, 6, 6], padding: 'valid' },
        { x: [1, 4, 4, 8], padding: 'same' },
        { x: [1, 5, 4, 8], padding: 'valid' },
        { x: [1, 5, 5, 6], padding: 'same' },
      ];
      const specials = [Number.NaN, Number.NEGATIVE_INFINITY];
      for (const s of setups) {
        const size = s.x.reduce((a, d) => a * d, 1);
        const xv = Array.from({ length: size }, (_, i) =>
          i % 23 === 5 ? specials[i % 2]! : ((i * 7) % 5) - 2,
        );
        const [, h, w, c] = s.x;
        const pad = s.padding === 'same' ? samePad(h, w, [2, 2], [2, 2]) : ([0, 0, 0, 0] as Quad);
        const outH = Math.floor((h + pad[0] + pad[1] - 2) / 2) + 1;
        const outW = Math.floor((w + pad[2] + pad[3] - 2) / 2) + 1;
        const dyv = Array.from({ length: s.x[0] * outH * outW * c }, (_, i) => (i % 7) - 3);
        const want = new Array<number>(dyv.length).fill(0);
        const dxWant = new Array<number>(size).fill(0);
        for (let n = 0; n < s.x[0]; n++) {
          for (let oy = 0; oy < outH; oy++) {
            for (let ox = 0; ox < outW; ox++) {
              for (let ch = 0; ch < c; ch++) {
                const o = ((n * outH + oy) * outW + ox) * c + ch;
                let best = Number.NEGATIVE_INFINITY;
                let where = -1;
                for (let iy = oy * 2 - pad[0]; iy < oy * 2 - pad[0] + 2; iy++) {
                  for (let ix = ox * 2 - pad[2]; ix < ox * 2 - pad[2] + 2; ix++) {
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    const at = ((n * h + iy) * w + ix) * c + ch;
                    const v = xv[at]!;
                    if (where < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
                      where = at;
                      best = v;
                    }
                  }
                }
                want[o] = best;
                dxWant[where] = dxWant[where]! + dyv[o]!;
              }
            }
          }
        }
        const x = t.input(xv, s.x);
        const dy = t.input(dyv, [s.x[0], outH, outW, c]);
        await t.expectValues(maxPool2d(x, { padding: s.padding }), want, { shape: [s.x[0], outH, outW, c] });
        const [dx] = grads((a) => sum(mul(maxPool2d(a, { padding: s.padding }), dy)))([x]);
        await t.expectValues(dx!, dxWant, { shape: s.x });
      }
    },
  },
  {
    name: 'conv: gradient of maxPool2d and avgPool2d',
    run: async (t) => {
      await t.checkGrad((x) => maxPool2d(x), [distinct(t, [1, 4, 4, 2])]);
      await t.checkGrad(
        (x) => maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }),
        [distinct(t, [1, 5, 5, 1])],
      );
      await t.checkGrad(
        (x) => avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }),
        [t.rand([1, 5, 5, 2], { seed: 131 })],
      );
      await t.checkGrad(
        (x) => avgPool2d(x, { poolSize: [2, 3], strides: 1 }),
        [t.rand([2, 3, 4, 1], { seed: 132 })],
      );
    },
  },
  {
    name: 'conv: second-order gradients of conv2d',
    run: async (t) => {
      // With L(x, w) = Σ dy·conv2d(x, w)², ∂L/∂x = Bi(2y·dy, w) and ∂L/∂w = Bf(x, 2y·dy): their
      // gradients run the rules of conv2dBackpropInput and conv2dBackpropFilter.
      // dy is made inside (seeded, so identical on every backend): a backend without float64
      // re-runs the function on the reference backend, where a captured tensor could not go.
      const inner = (x: Tensor, w: Tensor): Tensor[] => {
        const dy = randomUniform([1, 2, 2, 2], { minval: -1, maxval: 1, seed: 141, dtype: x.dtype });
        return grads((a, b) => {
          const y = conv2d(a, b, { strides: 2, padding: 'same' });
          return mul(y, y);
        })([x, w], dy);
      };
      const x = t.rand([1, 3, 4, 2], { seed: 142 });
      const w = t.rand([2, 2, 2, 2], { seed: 143 });
      await t.checkGrad((a, b) => inner(a, b)[0]!, [x, w]);
      await t.checkGrad((a, b) => inner(a, b)[1]!, [x, w]);
    },
  },
  {
    name: 'conv: second-order gradients of pooling',
    run: async (t) => {
      const opts = { poolSize: 3, strides: 2, padding: 'same' as const };
      // dy is made inside, as in the conv2d case above.
      const squared =
        (pool: (x: Tensor) => Tensor) =>
        (x: Tensor): Tensor => {
          const dy = randomUniform([1, 3, 3, 2], { minval: -1, maxval: 1, seed: 151, dtype: x.dtype });
          return grads((a) => {
            const y = pool(a);
            return mul(y, y);
          })([x], dy)[0]!;
        };
      await t.checkGrad(
        squared((a) => maxPool2d(a, opts)),
        [distinct(t, [1, 5, 6, 2])],
      );
      await t.checkGrad(
        squared((a) => avgPool2d(a, opts)),
        [t.rand([1, 5, 6, 2], { seed: 152 })],
      );
    },
  },
];

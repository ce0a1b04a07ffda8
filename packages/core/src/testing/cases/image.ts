// Conformance cases: image resizing (ops/image.ts). Values are checked against numbers
// TensorFlow produced (as published with TensorFlow.js's tests), and against plain-JS references
// written here in PyTorch's formulation (weights w0·a + w1·b with a clamped source coordinate,
// `interpolate(mode='bilinear', align_corners=False)` and `mode='nearest-exact'`), which is an
// independent derivation of `halfPixelCenters`. Then errors, and first- and second-order gradients.

import { grads } from '../../autodiff.js';
import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { mul } from '../../ops/binary.js';
import { randomUniform } from '../../ops/creation.js';
import { resizeBilinear, resizeNearestNeighbor } from '../../ops/image.js';
import type { Tensor } from '../../tensor.js';
import type { ConformanceCase } from '../harness.js';

type Quad = [number, number, number, number];

/** Seeded values in [-1, 1) from a tiny LCG, so references see the very numbers the tensor holds. */
function lcg(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(Math.fround((s / 2 ** 32) * 2 - 1));
  }
  return out;
}

/** Along one axis, PyTorch style: [index0, index1, weight of index1] of output i. */
function torchLinear(i: number, inSize: number, outSize: number): [number, number, number] {
  const src = Math.max(0, ((i + 0.5) * inSize) / outSize - 0.5);
  const i0 = Math.floor(src);
  return [i0, Math.min(i0 + 1, inSize - 1), src - i0];
}

/** PyTorch's bilinear `align_corners=False` on NHWC values. */
function refBilinearHalfPixel(x: number[], [n, h, w, c]: Quad, oh: number, ow: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const [y0, y1, wy] = torchLinear(i, h, oh);
      for (let j = 0; j < ow; j++) {
        const [x0, x1, wx] = torchLinear(j, w, ow);
        for (let k = 0; k < c; k++) {
          const v = (y: number, xx: number) => x[((b * h + y) * w + xx) * c + k]!;
          out.push(
            (1 - wy) * ((1 - wx) * v(y0, x0) + wx * v(y0, x1)) + wy * ((1 - wx) * v(y1, x0) + wx * v(y1, x1)),
          );
        }
      }
    }
  }
  return out;
}

/** PyTorch's `nearest-exact` (which is TF's nearest with halfPixelCenters) on NHWC values. */
function refNearestExact(x: number[], [n, h, w, c]: Quad, oh: number, ow: number): number[] {
  const out: number[] = [];
  const near = (i: number, inSize: number, outSize: number) =>
    Math.min(Math.floor(((i + 0.5) * inSize) / outSize), inSize - 1);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let k = 0; k < c; k++) out.push(x[((b * h + near(i, h, oh)) * w + near(j, w, ow)) * c + k]!);
      }
    }
  }
  return out;
}

export const IMAGE_CASES: readonly ConformanceCase[] = [
  {
    name: 'image: resizeBilinear matches TensorFlow',
    run: async (t) => {
      const x = t.input([2, 2, 4, 4], [2, 2, 1]);
      await t.expectValues(resizeBilinear(x, [3, 3]), [2, 2, 2, 10 / 3, 10 / 3, 10 / 3, 4, 4, 4], {
        shape: [3, 3, 1],
      });
      await t.expectValues(resizeBilinear(x, [3, 3], { alignCorners: true }), [2, 2, 2, 3, 3, 3, 4, 4, 4], {
        shape: [3, 3, 1],
      });
      const batch = t.input([2, 2, 4, 4, 3, 3, 5, 5], [2, 2, 2, 1]);
      await t.expectValues(
        resizeBilinear(batch, [3, 3], { alignCorners: true }),
        [2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4, 5, 5, 5],
        { shape: [2, 3, 3, 1] },
      );
      // TensorFlow's output for this input, as TensorFlow.js's own tests record it.
      const r = t.input(
        [
          1.19074044, 0.91373104, 2.01611669, -0.52270832, 0.38725395, 1.30809779, 0.61835143, 3.49600659,
          2.09230986, 0.56473997, 0.03823943, 1.19864896,
        ],
        [2, 3, 2],
      );
      await t.expectValues(
        resizeBilinear(r, [4, 5]),
        [
          1.19074047, 0.91373104, 1.68596613, 0.05186744, 1.69034398, -0.15654698, 0.7130264, 0.94193673,
          0.38725394, 1.30809784, 0.9045459, 2.20486879, 1.59434628, 0.89455694, 1.68591988, 0.26748738,
          0.58103991, 1.00690198, 0.21274668, 1.25337338, 0.6183514, 3.49600649, 1.50272655, 1.73724651,
          1.68149579, 0.69152176, 0.44905344, 1.07186723, 0.03823943, 1.19864893, 0.6183514, 3.49600649,
          1.50272655, 1.73724651, 1.68149579, 0.69152176, 0.44905344, 1.07186723, 0.03823943, 1.19864893,
        ],
        { shape: [4, 5, 2], rtol: 1e-5, atol: 1e-6 },
      );
    },
  },
  {
    name: 'image: resizeBilinear with halfPixelCenters matches PyTorch bilinear, align_corners=False',
    run: async (t) => {
      const cases: [Quad, number, number][] = [
        [[1, 3, 4, 2], 5, 7],
        [[2, 5, 6, 3], 2, 3],
        [[1, 4, 4, 1], 4, 4],
        [[1, 1, 3, 2], 3, 1],
      ];
      let seed = 1;
      for (const [shape, oh, ow] of cases) {
        const values = lcg(
          shape.reduce((a, b) => a * b),
          seed++,
        );
        const x = t.input(values, shape);
        await t.expectValues(
          resizeBilinear(x, [oh, ow], { halfPixelCenters: true }),
          refBilinearHalfPixel(values, shape, oh, ow),
          { shape: [shape[0], oh, ow, shape[3]], atol: 1e-6 },
        );
      }
    },
  },
  {
    name: 'image: resizeNearestNeighbor matches TensorFlow and PyTorch nearest-exact',
    run: async (t) => {
      const x = t.input([2, 2, 4, 4], [2, 2, 1]);
      await t.expectValues(resizeNearestNeighbor(x, [3, 3]), [2, 2, 2, 2, 2, 2, 4, 4, 4], {
        shape: [3, 3, 1],
      });
      await t.expectValues(
        resizeNearestNeighbor(x, [3, 3], { alignCorners: true }),
        [2, 2, 2, 4, 4, 4, 4, 4, 4],
        { shape: [3, 3, 1] },
      );
      const shape: Quad = [2, 3, 5, 2];
      const values = lcg(60, 9);
      const xs = t.input(values, shape);
      for (const [oh, ow] of [
        [7, 4],
        [2, 9],
        [3, 5],
      ] as const) {
        await t.expectValues(
          resizeNearestNeighbor(xs, [oh, ow], { halfPixelCenters: true }),
          refNearestExact(values, shape, oh, ow),
          { shape: [2, oh, ow, 2] },
        );
      }
      // Nearest copies: infinities and NaN come through untouched.
      const special = t.input(
        [Number.POSITIVE_INFINITY, Number.NaN, -1, Number.NEGATIVE_INFINITY],
        [1, 2, 2, 1],
      );
      await t.expectValues(resizeNearestNeighbor(special, [4, 4]), [
        [
          [[Infinity], [Infinity], [Number.NaN], [Number.NaN]],
          [[Infinity], [Infinity], [Number.NaN], [Number.NaN]],
          [[-1], [-1], [-Infinity], [-Infinity]],
          [[-1], [-1], [-Infinity], [-Infinity]],
        ],
      ]);
    },
  },
  {
    name: 'image: resize edge cases (empty batch and channels, size 1, float64)',
    run: async (t) => {
      await t.expectValues(resizeBilinear(t.input([], [0, 2, 2, 3]), [4, 4]), [], { shape: [0, 4, 4, 3] });
      await t.expectValues(resizeNearestNeighbor(t.input([], [2, 2, 0]), [3, 1]), [], { shape: [3, 1, 0] });
      // alignCorners with an output of size 1 falls back to in / out scaling: the first pixel.
      const x = t.input([1, 2, 3, 4, 5, 6], [2, 3, 1]);
      await t.expectValues(resizeBilinear(x, [1, 1], { alignCorners: true }), [[[1]]]);
      await t.expectValues(resizeBilinear(x, [1, 1]), [[[1]]]);
      await t.expectValues(resizeBilinear(x, [2, 3]), [
        [[1], [2], [3]],
        [[4], [5], [6]],
      ]);
      if (t.gradDType === 'float64') {
        const d = t.input([1, 3], [1, 2, 1], 'float64');
        await t.expectValues(resizeBilinear(d, [1, 3]), [[[1], [7 / 3], [3]]], { dtype: 'float64' });
      }
    },
  },
  {
    name: 'image: resize errors',
    run: async (t) => {
      const x = t.input([1, 2, 3, 4], [1, 2, 2, 1]);
      const flat = t.input([1, 2, 3, 4], [2, 2]);
      const empty = t.input([], [1, 0, 2, 1]);
      const ints = t.input([1, 2, 3, 4], [1, 2, 2, 1], 'int32');
      t.expectError(
        () => resizeBilinear(flat, [3, 3]),
        ShapeError,
        'resizeBilinear: expected images to have rank 4 (NHWC) or 3 (HWC), got images.shape=[2,2]',
      );
      t.expectError(
        () => resizeNearestNeighbor(empty, [3, 3]),
        ShapeError,
        'resizeNearestNeighbor: expected images of non-zero height and width, got images.shape=[1,0,2,1]',
      );
      t.expectError(
        () => resizeBilinear(x, [3, 3], { alignCorners: true, halfPixelCenters: true }),
        ArgumentError,
        'resizeBilinear: expected alignCorners false when halfPixelCenters is true, got both true',
      );
      t.expectError(() => resizeBilinear(x, [3, 0]), ArgumentError, /^resizeBilinear: expected size\[1\]/);
      t.expectError(() => resizeBilinear(x, [3] as never), ArgumentError, /^resizeBilinear: expected size/);
      t.expectError(
        () => resizeNearestNeighbor(x, [2.5, 3]),
        ArgumentError,
        /^resizeNearestNeighbor: expected size\[0\]/,
      );
      t.expectError(
        () => resizeBilinear(x, [3, 3], { align: true } as never),
        ArgumentError,
        /^resizeBilinear: .*align/,
      );
      t.expectError(() => resizeBilinear(x, [3, 3], true as never), ArgumentError, /^resizeBilinear: /);
      t.expectError(
        () => resizeBilinear(ints, [3, 3]),
        DTypeError,
        'resizeBilinear: expected images to have dtype float32 or float64 or float16, got int32',
      );
    },
  },
  {
    name: 'image: gradients of resizeBilinear and resizeNearestNeighbor',
    run: async (t) => {
      // TensorFlow's gradients for dy = 1..16, as TensorFlow.js's tests record them.
      const x = t.input([100, 50, 60, 20], [2, 2, 1]);
      const dy = t.input(
        Array.from({ length: 16 }, (_, i) => i + 1),
        [4, 4, 1],
      );
      const [g] = grads((a) => resizeBilinear(a, [4, 4]))([x], dy);
      await t.expectValues(t.own(g!), [
        [[6], [17]],
        [[38], [75]],
      ]);
      const [ga] = grads((a) => resizeBilinear(a, [4, 4], { alignCorners: true }))([x], dy);
      await t.expectValues(t.own(ga!), [
        [[17.333333], [24]],
        [[44], [50.666667]],
      ]);
      // Nearest: each dy lands on the one pixel its output copied.
      const [gn] = grads((a) => resizeNearestNeighbor(a, [4, 4]))([x], dy);
      await t.expectValues(t.own(gn!), [
        [[1 + 2 + 5 + 6], [3 + 4 + 7 + 8]],
        [[9 + 10 + 13 + 14], [11 + 12 + 15 + 16]],
      ]);
      // Finite differences, up- and downscaling in every coordinate mode.
      for (const options of [{}, { alignCorners: true }, { halfPixelCenters: true }]) {
        await t.checkGrad((a) => resizeBilinear(a, [5, 3], options), [t.rand([2, 3, 4, 2], { seed: 201 })]);
        await t.checkGrad((a) => resizeBilinear(a, [2, 7], options), [t.rand([1, 4, 3, 1], { seed: 202 })]);
        await t.checkGrad(
          (a) => resizeNearestNeighbor(a, [5, 3], options),
          [t.rand([2, 3, 4, 2], { seed: 203 })],
        );
        await t.checkGrad(
          (a) => resizeNearestNeighbor(a, [2, 7], options),
          [t.rand([1, 4, 3, 1], { seed: 204 })],
        );
      }
    },
  },
  {
    name: 'image: second-order gradients of resize',
    run: async (t) => {
      // With L = Σ dy·resize(x)², ∂L/∂x = resizeGrad(2y·dy): its gradient runs resizeGrad's rule.
      // dy is made inside (seeded), as in the conv cases.
      const squared =
        (resize: (x: Tensor) => Tensor) =>
        (x: Tensor): Tensor => {
          const dy = randomUniform([1, 5, 3, 2], { minval: -1, maxval: 1, seed: 211, dtype: x.dtype });
          return grads((a) => {
            const y = resize(a);
            return mul(y, y);
          })([x], dy)[0]!;
        };
      await t.checkGrad(
        squared((a) => resizeBilinear(a, [5, 3], { halfPixelCenters: true })),
        [t.rand([1, 3, 4, 2], { seed: 212 })],
      );
      await t.checkGrad(
        squared((a) => resizeNearestNeighbor(a, [5, 3])),
        [t.rand([1, 3, 4, 2], { seed: 213 })],
      );
    },
  },
];

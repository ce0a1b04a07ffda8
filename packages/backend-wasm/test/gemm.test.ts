// Direct tests of the GEMM, convolution and pooling exports of the binary, below the kernel
// table: strided and transposed views, edge tiles, K blocks, row ranges (as threads will split
// them), accumulation, the unpacked small-M paths, chunked convolutions and NaN in max pooling.
// Each is checked against a naive loop in float64.

import { beforeAll, describe, expect, it } from 'vitest';
import { compileSync, instantiate, type KernelExports } from '../src/wasm-module.js';

let wasm: KernelExports;
let memory: WebAssembly.Memory;
let top = 0;
let base = 0;

/** A bump allocation in the test's own heap (reset per test by `reset`). */
function alloc(bytes: number): number {
  const ptr = top;
  top += Math.ceil(Math.max(bytes, 1) / 64) * 64;
  if (top > memory.buffer.byteLength) memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
  return ptr;
}

function reset(): void {
  top = base;
}

function put(values: Float32Array | Int32Array): number {
  const ptr = alloc(values.byteLength);
  new Uint8Array(memory.buffer, ptr, values.byteLength).set(new Uint8Array(values.buffer));
  return ptr;
}

function getF32(ptr: number, n: number): Float32Array {
  return new Float32Array(memory.buffer, ptr, n).slice();
}

/** Deterministic values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a)).toBe(true);
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) / (1 + Math.abs(e)));
  }
  expect(worst).toBeLessThan(tol);
}

/** C = op(A)·op(B) for row-major A [m,k] (or [k,m]) and B [k,n] (or [n,k]). */
function naiveMatmul(
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  tA: boolean,
  tB: boolean,
) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[tA ? p * m + i : i * k + p]! * b[tB ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  }
  return c;
}

beforeAll(() => {
  const module = compileSync();
  if (!module) throw new Error('the wasm binary did not compile synchronously');
  const instance = instantiate(module, 256, 16384);
  wasm = instance.exports;
  memory = instance.memory;
  base = Math.ceil(wasm.heapBase() / 64) * 64;
});

describe('sgemm', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 37, 19],
    [1, 70, 300],
    [2, 9, 5],
    [3, 40, 17],
    [4, 8, 16],
    [5, 9, 3],
    [7, 13, 600],
    [17, 33, 300],
    [64, 64, 64],
    [70, 1030, 20],
    [300, 9, 260],
  ];
  for (const [m, n, k] of shapes) {
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`m=${m} n=${n} k=${k} transposeA=${tA} transposeB=${tB}`, () => {
        reset();
        const a = rand(m * k, m * 7 + k);
        const b = rand(k * n, n * 13 + k);
        const ap = put(a);
        const bp = put(b);
        const cp = alloc(m * n * 4);
        const scratch = alloc(wasm.sgemmScratchBytes(m, n, k));
        wasm.sgemm(0, m, n, k, ap, tA ? 1 : k, tA ? m : 1, bp, tB ? 1 : n, tB ? k : 1, cp, n, 0, scratch);
        expectClose(getF32(cp, m * n), naiveMatmul(m, n, k, a, b, tA, tB));
      });
    }
  }

  it('row ranges compose into the whole product and accumulate adds into C', () => {
    reset();
    const [m, n, k] = [37, 21, 45];
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    const ap = put(a);
    const bp = put(b);
    const cp = put(new Float32Array(m * n).fill(1));
    const scratch = alloc(wasm.sgemmScratchBytes(m, n, k));
    // Splits as threads would: a small-M range, a ragged range and the rest.
    for (const [m0, m1] of [
      [0, 3],
      [3, 18],
      [18, 37],
    ]) {
      wasm.sgemm(m0!, m1!, n, k, ap, k, 1, bp, n, 1, cp, n, 1, scratch);
    }
    const expected = naiveMatmul(m, n, k, a, b, false, false).map((v) => v + 1);
    expectClose(getF32(cp, m * n), expected);
  });

  it('depth 0 writes zeros, or leaves C when accumulating', () => {
    reset();
    const cp = put(new Float32Array(6).fill(5));
    wasm.sgemm(0, 2, 3, 0, 0, 0, 1, 0, 3, 1, cp, 3, 1, 0);
    expect(Array.from(getF32(cp, 6))).toEqual([5, 5, 5, 5, 5, 5]);
    wasm.sgemm(0, 2, 3, 0, 0, 0, 1, 0, 3, 1, cp, 3, 0, 0);
    expect(Array.from(getF32(cp, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('igemm is exact and wraps like int32', () => {
    reset();
    const a = Int32Array.from([100000, 3, -7, 2]);
    const b = Int32Array.from([3, 65536, 5, 10, 1, 65536]);
    const ap = put(a);
    const bp = put(b);
    const cp = alloc(6 * 4);
    wasm.igemm(0, 2, 3, 2, ap, 2, 1, bp, 3, 1, cp, 3);
    const c = new Int32Array(memory.buffer, cp, 6);
    // 100000·65536 overflows: the product must wrap exactly like Math.imul.
    const expected = [0, 1].flatMap((i) =>
      [0, 1, 2].map((j) => (Math.imul(a[i * 2]!, b[j]!) + Math.imul(a[i * 2 + 1]!, b[3 + j]!)) | 0),
    );
    expect(Array.from(c)).toEqual(expected);
  });
});

/**
 * Naive NHWC conv2d and its adjoints in float64: y[n,oy,ox,o] = Σ x[n,iy,ix,g·cg+ci]·f[ky,kx,ci,o]
 * (g the group of o); dx and dW scatter dy back along the same taps.
 */
function naiveConv(
  x: Float32Array,
  f: Float32Array,
  dy: Float32Array,
  [n, h, w, c, fh, fw, outH, outW, outC, groups, sh, sw, dh, dw, top, left]: number[],
): { y: Float64Array; dx: Float64Array; dW: Float64Array } {
  const y = new Float64Array(dy.length);
  const dx = new Float64Array(x.length);
  const dW = new Float64Array(f.length);
  const cg = c! / groups!;
  const og = outC! / groups!;
  for (let img = 0; img < n!; img++) {
    for (let oy = 0; oy < outH!; oy++) {
      for (let ox = 0; ox < outW!; ox++) {
        for (let o = 0; o < outC!; o++) {
          const yi = ((img * outH! + oy) * outW! + ox) * outC! + o;
          const g = Math.floor(o / og);
          for (let ky = 0; ky < fh!; ky++) {
            for (let kx = 0; kx < fw!; kx++) {
              const iy = oy * sh! - top! + ky * dh!;
              const ix = ox * sw! - left! + kx * dw!;
              if (iy < 0 || iy >= h! || ix < 0 || ix >= w!) continue;
              for (let ci = 0; ci < cg; ci++) {
                const xi = ((img * h! + iy) * w! + ix) * c! + g * cg + ci;
                const fi = ((ky * fw! + kx) * cg + ci) * outC! + o;
                y[yi]! += x[xi]! * f[fi]!;
                dx[xi]! += dy[yi]! * f[fi]!;
                dW[fi]! += dy[yi]! * x[xi]!;
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dW };
}

describe('conv2d kernels', () => {
  // [n, h, w, c, fh, fw, outC, groups, stride, dilation, pad top, pad left, pad bottom/right]
  const cases = [
    [2, 5, 6, 3, 3, 3, 4, 1, 1, 1, 1, 1, 1],
    [1, 7, 7, 4, 3, 2, 6, 2, 2, 1, 0, 1, 1],
    [3, 4, 4, 8, 1, 1, 5, 1, 1, 1, 0, 0, 0],
    [2, 6, 5, 6, 3, 3, 6, 6, 1, 1, 1, 1, 1],
    [1, 6, 6, 4, 3, 3, 8, 4, 2, 2, 2, 1, 1],
    [3, 8, 8, 16, 3, 3, 32, 1, 1, 1, 1, 1, 1],
    // Six channels (a run of four and a tail of two), stride and dilation 2, 5×3 output pixels
    // per image (rows not a multiple of the 4-row panels), padding on every side.
    [2, 9, 7, 6, 3, 3, 5, 1, 2, 2, 2, 1, 2],
    // One input channel, 'same' padding: four adjacent pixels per load inside the image, single
    // taps at its edges and where four pixels straddle two output rows (width 9).
    [2, 7, 9, 1, 3, 3, 8, 1, 1, 1, 1, 1, 1],
  ];
  for (const [n, h, w, c, fh, fw, outC, groups, s, d, top, left, padEnd] of cases as number[][]) {
    it(`[${n},${h},${w},${c}] * [${fh},${fw},${c! / groups!},${outC}] groups=${groups} stride=${s} dilation=${d}`, () => {
      const outH = Math.floor((h! + top! + padEnd! - (d! * (fh! - 1) + 1)) / s!) + 1;
      const outW = Math.floor((w! + left! + padEnd! - (d! * (fw! - 1) + 1)) / s!) + 1;
      // The last two: no epilogue (CONV_BIAS 0, CONV_ACT linear).
      const geometry = [
        n!,
        h!,
        w!,
        c!,
        fh!,
        fw!,
        outH,
        outW,
        outC!,
        groups!,
        s!,
        s!,
        d!,
        d!,
        top!,
        left!,
        0,
        0,
      ];
      const x = rand(n! * h! * w! * c!, 3);
      const f = rand(fh! * fw! * (c! / groups!) * outC!, 4);
      const ySize = n! * outH * outW * outC!;
      const dy = rand(ySize, 5);
      const expected = naiveConv(x, f, dy, geometry);
      for (const chunk of [1, 2, n!]) {
        reset();
        const geo = put(Int32Array.from(geometry));
        const xp = put(x);
        const fp = put(f);
        const dyp = put(dy);
        const yp = put(new Float32Array(ySize).fill(Number.NaN));
        const dxp = put(new Float32Array(x.length).fill(Number.NaN));
        const dwp = put(new Float32Array(f.length).fill(Number.NaN));
        // The backward kernels' scratch (forward 0) also covers the forward pass's.
        const scratch = alloc(wasm.convScratchBytes(geo, chunk, 0));
        wasm.conv2dForward(xp, fp, yp, geo, 0, n!, chunk, scratch);
        wasm.conv2dBackpropInput(dyp, fp, dxp, geo, 0, n!, chunk, scratch);
        wasm.conv2dBackpropFilter(xp, dyp, dwp, geo, 0, n!, chunk, scratch, 0);
        expectClose(getF32(yp, ySize), expected.y);
        expectClose(getF32(dxp, x.length), expected.dx);
        expectClose(getF32(dwp, f.length), expected.dW);
      }
    });
  }
});

describe('pooling kernels', () => {
  it('max pooling propagates NaN, routes to the first maximum, and averages skip padding', () => {
    reset();
    // One image 3×3, two channels (scalar tail) and five channels (one SIMD group plus a tail).
    for (const c of [2, 5]) {
      reset();
      const [h, w, outH, outW] = [3, 3, 2, 2];
      const x = rand(h * w * c, 9 + c);
      x[0] = Number.NaN;
      x[c + 1] = x[2 * c + 1]!; // a tie in channel 1: the first of the two wins
      const geo = put(Int32Array.from([1, h, w, c, outH, outW, 2, 2, 2, 2, 0, 0]));
      const xp = put(x);
      const yp = alloc(outH * outW * c * 4);
      const dy = rand(outH * outW * c, 11);
      const dyp = put(dy);
      const dxp = alloc(x.length * 4);
      wasm.maxPool2d(xp, yp, geo, 0, 1);
      wasm.maxPool2dBackward(xp, dyp, dxp, geo, 0, 1);
      const y = getF32(yp, outH * outW * c);
      const dx = getF32(dxp, x.length);
      const maxExpected: number[] = [];
      const dxExpected = new Float64Array(x.length);
      const avgExpected: number[] = [];
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          for (let ch = 0; ch < c; ch++) {
            let best = Number.NEGATIVE_INFINITY;
            let where = -1;
            let sum = 0;
            let count = 0;
            for (let iy = oy * 2; iy < Math.min(h, oy * 2 + 2); iy++) {
              for (let ix = ox * 2; ix < Math.min(w, ox * 2 + 2); ix++) {
                const at = (iy * w + ix) * c + ch;
                const v = x[at]!;
                sum += v;
                count++;
                if (v > best || where < 0 || (Number.isNaN(v) && !Number.isNaN(best))) {
                  best = v;
                  where = at;
                }
              }
            }
            maxExpected.push(best);
            avgExpected.push(sum / count);
            dxExpected[where]! += dy[(oy * outW + ox) * c + ch];
          }
        }
      }
      expectClose(y, maxExpected);
      expect(Number.isNaN(y[0]!)).toBe(true);
      expectClose(dx, dxExpected);
      wasm.avgPool2d(xp, yp, geo, 0, 1);
      expectClose(getF32(yp, outH * outW * c), avgExpected);
    }
  });

  it('avgPool2dBackward spreads dy over in-bounds positions only', () => {
    reset();
    const c = 6;
    // 2×2 input, 3×3 window, stride 1, pad 1 on every side: every window covers some of the image.
    const geo = put(Int32Array.from([1, 2, 2, c, 2, 2, 3, 3, 1, 1, 1, 1]));
    const dy = rand(4 * c, 12);
    const dyp = put(dy);
    const dxp = alloc(4 * c * 4);
    wasm.avgPool2dBackward(dyp, dxp, geo, 0, 1);
    // Each window sees all four pixels, so each pixel gets Σ_windows dy / 4.
    const expected = Array.from({ length: 4 * c }, (_, i) => {
      const ch = i % c;
      let s = 0;
      for (let o = 0; o < 4; o++) s += dy[o * c + ch]! / 4;
      return s;
    });
    expectClose(getF32(dxp, 4 * c), expected);
  });
});

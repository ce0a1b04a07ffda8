// browser.fromPixels and browser.toPixels on ImageData-like objects (any runtime, here Node),
// against TensorFlow.js's semantics; the DOM sources are checked in Chromium by the pack test's
// consumer page (packages/backend-cpu/test/pack-consumer/browser-only.ts).

import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  browser,
  cast,
  DTypeError,
  fromPixels,
  memory,
  ShapeError,
  setBackend,
  tensor,
  tidy,
  toPixels,
} from '../index.js';

beforeAll(async () => {
  // Core does not depend on a backend; the specifier is a variable so tsc does not resolve it.
  const cpu = '@nabla/backend-cpu';
  await import(cpu);
  await setBackend('cpu');
});

/** A 2 × 3 RGBA image whose byte k is 10·k mod 256 (so every channel differs). */
function image2x3() {
  const data = new Uint8ClampedArray(2 * 3 * 4);
  for (let k = 0; k < data.length; k++) data[k] = (10 * k) % 256;
  return { data, width: 3, height: 2 };
}

/** TensorFlow.js's reference: channel c of pixel i is byte 4i + c. */
function refFromPixels(data: ArrayLike<number>, count: number, channels: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) for (let c = 0; c < channels; c++) out.push(data[i * 4 + c]!);
  return out;
}

describe('browser.fromPixels', () => {
  it('reads an ImageData-like object into int32 [h, w, c] for 1, 3 (default) and 4 channels', async () => {
    const img = image2x3();
    for (const channels of [1, 3, 4] as const) {
      const x = channels === 3 ? fromPixels(img) : fromPixels(img, channels);
      expect(x.shape).toEqual([2, 3, channels]);
      expect(x.dtype).toBe('int32');
      expect(Array.from(await x.data())).toEqual(refFromPixels(img.data, 6, channels));
      x.dispose();
    }
    expect(browser.fromPixels).toBe(fromPixels);
    expect(browser.toPixels).toBe(toPixels);
  });

  it('accepts Uint8Array data and empty images', async () => {
    const x = fromPixels({ data: new Uint8Array([1, 2, 3, 4]), width: 1, height: 1 }, 4);
    expect(Array.from(await x.data())).toEqual([1, 2, 3, 4]);
    const empty = fromPixels({ data: new Uint8ClampedArray(0), width: 5, height: 0 });
    expect(empty.shape).toEqual([0, 5, 3]);
    x.dispose();
    empty.dispose();
  });

  it('rejects what is not pixels, a bad channel count and data of the wrong length, leaking nothing', () => {
    const before = memory().numTensors;
    const cases: [unknown[], new (...a: never[]) => Error, RegExp][] = [
      [[null], ArgumentError, /^fromPixels: expected pixels to be an ImageData-like/],
      [[[1, 2, 3]], ArgumentError, /^fromPixels: expected pixels to be an ImageData-like/],
      [[{ data: [1, 2, 3, 4], width: 1, height: 1 }], ArgumentError, /got/],
      [
        [image2x3(), 2],
        ArgumentError,
        /^fromPixels: expected numChannels to be one of 1, 3, 4, got number 2/,
      ],
      [[image2x3(), 5], ArgumentError, /numChannels/],
      [
        [{ data: new Uint8ClampedArray(7), width: 1, height: 2 }],
        ShapeError,
        /hold width × height × 4 = 8 bytes .*got 7/,
      ],
      [
        [{ data: new Uint8ClampedArray(0), width: -1, height: 0 }],
        ShapeError,
        /non-negative integers, got -1 × 0/,
      ],
      [[{ data: new Uint8ClampedArray(4), width: 0.5, height: 2 }], ShapeError, /non-negative integers/],
      // A DOM-like source in a runtime with no canvas to draw it on.
      [[{ width: 2, height: 2, naturalWidth: 2 }], ArgumentError, /without OffscreenCanvas or document/],
      [
        [{ videoWidth: 2, videoHeight: 2, readyState: 0 }],
        ArgumentError,
        /readyState >= 2.*got readyState 0/,
      ],
    ];
    for (const [args, cls, pattern] of cases) {
      const call = () => (fromPixels as (...a: unknown[]) => unknown)(...args);
      expect(call, String(pattern)).toThrow(cls);
      expect(call, String(pattern)).toThrow(pattern);
    }
    expect(memory().numTensors).toBe(before);
  });
});

describe('browser.toPixels', () => {
  it('int32 RGB, RGBA and gray images become RGBA bytes (alpha 255 where absent)', async () => {
    const rgb = tensor(
      [
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
      ],
      undefined,
      'int32',
    );
    expect(Array.from(await toPixels(rgb))).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    const rgba = tensor([[[1, 2, 3, 4]]], undefined, 'int32');
    expect(Array.from(await toPixels(rgba))).toEqual([1, 2, 3, 4]);
    const gray2d = tensor([[0, 255]], undefined, 'int32');
    expect(Array.from(await toPixels(gray2d))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const gray3d = tensor([[[7]], [[9]]], undefined, 'int32');
    expect(Array.from(await toPixels(gray3d))).toEqual([7, 7, 7, 255, 9, 9, 9, 255]);
    for (const t of [rgb, rgba, gray2d, gray3d]) t.dispose();
  });

  it('float images in [0, 1] are scaled by 255 and rounded; plain arrays are int32; nothing leaks', async () => {
    const before = memory().numTensors;
    const f = tensor([[[0, 0.5, 1]]]);
    expect(Array.from(await toPixels(f))).toEqual([0, 128, 255, 255]);
    const f64 = cast(f, 'float64');
    expect(Array.from(await toPixels(f64))).toEqual([0, 128, 255, 255]);
    f.dispose();
    f64.dispose();
    const bytes = await toPixels([[[10, 20, 30]]]);
    expect(bytes).toBeInstanceOf(Uint8ClampedArray);
    expect(Array.from(bytes)).toEqual([10, 20, 30, 255]);
    expect(memory().numTensors).toBe(before);
  });

  it('a plain-array image converted inside a tidy scope survives the scope until it is read', async () => {
    const before = memory().numTensors;
    let pending: Promise<Uint8ClampedArray> | undefined;
    tidy(() => {
      pending = toPixels([[[1, 2, 3]]]);
    });
    expect(Array.from(await pending!)).toEqual([1, 2, 3, 255]);
    expect(memory().numTensors).toBe(before);
  });

  it('round-trips fromPixels for RGBA', async () => {
    const img = image2x3();
    const x = fromPixels(img, 4);
    expect(Array.from(await toPixels(x))).toEqual(Array.from(img.data));
    x.dispose();
  });

  it('throws on rank, channels, dtype and a bad canvas; rejects on values out of range', async () => {
    const before = memory().numTensors;
    const rank1 = tensor([1, 2, 3], undefined, 'int32');
    const rank4 = tensor([[[[1]]]], undefined, 'int32');
    const two = tensor([[[1, 2]]], undefined, 'int32');
    const bool = tensor([[true]]);
    const made = memory().numTensors;
    expect(() => toPixels(rank1)).toThrow(ShapeError);
    expect(() => toPixels(rank1)).toThrow(/^toPixels: expected img to have rank 2 or 3, got img.shape=\[3\]/);
    expect(() => toPixels(rank4)).toThrow(/rank 2 or 3/);
    expect(() => toPixels(two)).toThrow(ShapeError);
    expect(() => toPixels(two)).toThrow(/1, 3 or 4 channels, got img.shape=\[1,1,2\]/);
    expect(() => toPixels(bool)).toThrow(DTypeError);
    expect(() => toPixels(bool)).toThrow(/dtype float32 or float64 or float16 or int32, got bool/);
    expect(() => toPixels([1, 2])).toThrow(/rank 2 or 3/);
    expect(() => (toPixels as (...a: unknown[]) => unknown)(two, {})).toThrow(
      /^toPixels: expected canvas to be a canvas/,
    );
    expect(memory().numTensors).toBe(made);
    const high = tensor([[1.5]]);
    const nan = tensor([[Number.NaN]]);
    const neg = tensor([[-1]], undefined, 'int32');
    const big = tensor([[256]], undefined, 'int32');
    await expect(toPixels(high)).rejects.toThrow(
      /^toPixels: expected the values of a float32 image to be in \[0, 1\], got 1.5/,
    );
    await expect(toPixels(nan)).rejects.toThrow(ArgumentError);
    await expect(toPixels(neg)).rejects.toThrow(/int32 image to be in \[0, 255\], got -1/);
    await expect(toPixels(big)).rejects.toThrow(/got 256/);
    await expect(toPixels([[300]])).rejects.toThrow(/got 300/);
    for (const t of [rank1, rank4, two, bool, high, nan, neg, big]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('draws on a canvas-like object, resizing it to the image', async () => {
    const drawn: { width: number; height: number; data: number[] }[] = [];
    const canvas = {
      width: 0,
      height: 0,
      getContext: () => ({
        getImageData: () => undefined,
        createImageData: (width: number, height: number) => ({
          data: new Uint8ClampedArray(width * height * 4),
          width,
          height,
        }),
        putImageData: (d: { width: number; height: number; data: Uint8ClampedArray }) =>
          drawn.push({ width: d.width, height: d.height, data: Array.from(d.data) }),
      }),
    };
    const x = tensor([[[0, 1, 0.5]], [[1, 0, 0]]]);
    const bytes = await toPixels(x, canvas);
    expect([canvas.width, canvas.height]).toEqual([1, 2]);
    expect(drawn).toEqual([{ width: 1, height: 2, data: Array.from(bytes) }]);
    x.dispose();
  });
});

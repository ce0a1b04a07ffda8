// The conv kernels against the CPU backend's on shapes the conformance cases are too small for:
// several 32-wide column tiles and 16-deep slices, grouped convolutions with more than one
// channel per group (no public op makes those), depthwise ones with a channel multiplier, filter
// gradients long enough to be split (split-K), and infinite filter entries, where which taps
// enter a sum shows (0 · ∞ is NaN).

import '@nabla/backend-cpu';
import { activeBackend, getBackend, setBackend, type TypedArray } from '@nabla/core';
import type { Backend, Conv2DParams, OutInfo } from '@nabla/core/internal';
import { describe, expect, it } from 'vitest';
import { registerSoftwareWebGpu } from '../device-setup.js';

registerSoftwareWebGpu();

type Quad = [number, number, number, number];

interface Setup {
  readonly x: Quad;
  readonly f: Quad;
  readonly params: Conv2DParams;
  /** Every fifth filter entry is infinite. */
  readonly infinite?: boolean;
}

async function backendNamed(name: string): Promise<Backend> {
  await setBackend(name);
  expect(getBackend()).toBe(name);
  return activeBackend();
}

function values(size: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: size }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}

function outShape({ x, f, params }: Setup): Quad {
  const size = (n: number, k: number, axis: 0 | 1) => {
    const eff = (k - 1) * params.dilations[axis] + 1;
    const padded = n + params.pad[2 * axis]! + params.pad[2 * axis + 1]!;
    return Math.floor((padded - eff) / params.strides[axis]) + 1;
  };
  return [x[0], size(x[1], f[0], 0), size(x[2], f[1], 1), f[3]];
}

const info = (shape: readonly number[]): OutInfo => ({
  shape,
  dtype: 'float32',
  size: shape.reduce((a, b) => a * b, 1),
});

/** conv2d and both backward kernels of `s` on one backend, as plain arrays. */
async function runAll(backend: Backend, s: Setup): Promise<TypedArray[]> {
  const yShape = outShape(s);
  const tensors = [info(s.x), info(s.f), info(yShape)];
  const data = tensors.map((t, i) => values(t.size, i + 1));
  if (s.infinite) data[1] = data[1]!.map((v, i) => (i % 5 === 0 ? Number.POSITIVE_INFINITY : v));
  const handles = data.map((v) => backend.upload(v, 'float32'));
  const [x, f, dy] = tensors.map((t, i) => ({ ...t, handle: handles[i]! }));
  const k = backend.kernels;
  if (typeof k.conv2d !== 'function') throw new Error('conv2d is unsupported');
  if (typeof k.conv2dBackpropInput !== 'function') throw new Error('conv2dBackpropInput is unsupported');
  if (typeof k.conv2dBackpropFilter !== 'function') throw new Error('conv2dBackpropFilter is unsupported');
  const outs = [
    [k.conv2d([x!, f!], s.params, info(yShape)), info(yShape)],
    [k.conv2dBackpropInput([dy!, f!], s.params, info(s.x)), info(s.x)],
    [k.conv2dBackpropFilter([x!, dy!], s.params, info(s.f)), info(s.f)],
  ] as const;
  const results = await Promise.all(outs.map(([h, o]) => backend.read(h, 'float32', o.size)));
  for (const h of [...handles, ...outs.map(([h]) => h)]) backend.free(h);
  return results;
}

const SETUPS: Record<string, Setup> = {
  'dense, strided, dilated, uneven padding': {
    x: [2, 9, 11, 20],
    f: [3, 3, 20, 40],
    params: { strides: [2, 1], dilations: [1, 2], pad: [1, 2, 2, 1], groups: 1 },
  },
  'two groups of three channels': {
    x: [2, 6, 7, 6],
    f: [3, 2, 3, 8],
    params: { strides: [1, 2], dilations: [1, 1], pad: [1, 1, 0, 1], groups: 2 },
  },
  'depthwise with a channel multiplier of 2': {
    x: [2, 7, 6, 4],
    f: [3, 3, 1, 8],
    params: { strides: [2, 2], dilations: [1, 1], pad: [1, 1, 1, 1], groups: 4 },
  },
  'a filter gradient summed in four depth ranges (split-K)': {
    x: [4, 16, 17, 5],
    f: [3, 3, 5, 6],
    params: { strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], groups: 1 },
  },
  'a depthwise filter gradient summed in three depth ranges': {
    x: [3, 16, 17, 4],
    f: [3, 3, 1, 4],
    params: { strides: [1, 1], dilations: [1, 1], pad: [1, 1, 1, 1], groups: 4 },
  },
  'dense, strided, with infinite filter entries': {
    x: [1, 5, 6, 3],
    f: [3, 3, 3, 4],
    params: { strides: [2, 2], dilations: [1, 1], pad: [1, 1, 1, 0], groups: 1 },
    infinite: true,
  },
  'depthwise, strided, with infinite filter entries': {
    x: [1, 5, 6, 3],
    f: [3, 3, 1, 3],
    params: { strides: [2, 2], dilations: [1, 1], pad: [1, 1, 1, 0], groups: 3 },
    infinite: true,
  },
};

describe('webgpu conv kernels', () => {
  it.each(Object.entries(SETUPS))('match the CPU backend: %s', async (_, setup) => {
    const want = await runAll(await backendNamed('cpu'), setup);
    const got = await runAll(await backendNamed('webgpu'), setup);
    for (let r = 0; r < 3; r++) {
      expect(got[r]!.length).toBe(want[r]!.length);
      for (let i = 0; i < want[r]!.length; i++) {
        const [a, b] = [got[r]![i]!, want[r]![i]!];
        if (Number.isFinite(b)) expect(Math.abs(a - b)).toBeLessThan(1e-4 * (1 + Math.abs(b)));
        else expect(a).toBe(b);
      }
    }
  });
});

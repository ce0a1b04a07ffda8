// ONNX import of damaged files: bytes of the fixtures flipped, cut or spliced at seeded random
// places. Every attempt ends in a model or a typed Nabla error (never a TypeError or
// RangeError from inside), and leaves no tensor behind.

import '@nabla/backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memory, NablaError, setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';

/** A small seeded generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('importOnnx: damaged files', () => {
  it.each(['mlp', 'cnn', 'lstm', 'transformer'])(
    '%s: 150 damaged copies give a model or a typed error',
    async (name) => {
      const original = readFileSync(join(import.meta.dirname, 'fixtures', `${name}.onnx`));
      const next = random(name.length * 7919);
      const start = memory().numTensors;
      const escaped: string[] = [];
      for (let k = 0; k < 150; k++) {
        const bytes = new Uint8Array(original);
        const kind = k % 3;
        let damaged: Uint8Array = bytes;
        if (kind === 0) {
          for (let j = 0; j < 1 + Math.floor(next() * 4); j++)
            bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        } else if (kind === 1) {
          damaged = bytes.subarray(0, Math.floor(next() * bytes.length));
        } else {
          const at = Math.floor(next() * bytes.length);
          const len = Math.floor(next() * 64);
          damaged = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + len)]);
        }
        try {
          const m = await importOnnx(damaged, { source: `${name}.onnx` });
          m.dispose();
        } catch (error) {
          if (!(error instanceof NablaError)) escaped.push(`#${k}: ${String(error)}`);
        }
      }
      expect(escaped).toEqual([]);
      expect(memory().numTensors).toBe(start);
    },
  );
});

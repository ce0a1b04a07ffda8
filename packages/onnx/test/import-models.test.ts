// ONNX import against PyTorch: each fixture was exported by torch.onnx.export (opset 17,
// dynamic batch) from make_fixtures.py, which saved PyTorch's outputs beside it. Nabla's
// predictions match to 1e-4; the graphs import as one layer per computing node; an SGD step on
// the imported MLP and CNN matches PyTorch's step; and a frozen body leaves only the head to train.

import '@nabla/backend-cpu';
import '@nabla/nn/node';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setBackend, type Tensor, tensor } from '@nabla/core';
import { type Functional, sgd } from '@nabla/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx, OnnxNodeLayer } from '../src/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Stored {
  shape: number[];
  data: number[];
  dtype?: 'float32' | 'int32';
}

function fixture(name: string): { bytes: Uint8Array; input: Stored; output: Stored } {
  const record = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as {
    input: Stored;
    output: Stored;
  };
  return { bytes: readFileSync(join(FIXTURES, `${name}.onnx`)), ...record };
}

function stored(s: Stored): Tensor {
  return tensor(s.data, s.shape, s.dtype ?? 'float32');
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
  it.each([
    'mlp',
    'cnn',
    'residual',
    'lstm',
    'gru',
    'bilstm',
    'bigru',
    'transformer',
    'transformer-opset11',
    'cnn-opset11',
    'ops',
    'ops2',
    'decoder',
    'upsample',
    'embedding',
    'fashion-cnn',
  ])('%s', async (name) => {
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

interface Step {
  target: Stored;
  lr: number;
  loss: number;
  params: Record<string, Stored>;
}

/** The weight made from ONNX initializer `name` (weights are named `<node>/<initializer>`). */
function weightOf(m: Functional, name: string): Tensor {
  const w = m.namedWeights.find((n) => n.name.endsWith(`/${name}`));
  if (!w) throw new Error(`no weight from initializer ${name}`);
  return w.variable;
}

describe('importOnnx: imported models train', () => {
  it.each(['mlp', 'cnn', 'lstm', 'gru', 'transformer'])(
    'one SGD step on %s matches PyTorch',
    async (name) => {
      const f = fixture(name);
      const step = JSON.parse(readFileSync(join(FIXTURES, `${name}-step.json`), 'utf8')) as Step;
      const m = await importOnnx(f.bytes, { source: `${name}.onnx` });
      m.compile({ optimizer: sgd({ learningRate: step.lr }), loss: 'meanSquaredError' });
      const x = stored(f.input);
      const target = stored(step.target);
      const logs = await m.trainOnBatch(x, target);
      expect(Math.abs((logs.loss as number) - step.loss)).toBeLessThan(1e-4 * (1 + step.loss));
      for (const [param, expected] of Object.entries(step.params))
        await expectClose(weightOf(m, param), expected);
      if (name === 'cnn') {
        // Batch norm's running statistics are state, not parameters: the step leaves them alone.
        const bn = m.getLayer('/bn/BatchNormalization');
        expect(bn.trainableWeights).toHaveLength(2);
        expect(bn.nonTrainableWeights).toHaveLength(2);
      }
      x.dispose();
      target.dispose();
      m.dispose();
    },
  );

  it('fine-tuning with the body frozen changes only the head', async () => {
    const f = fixture('cnn');
    const m = await importOnnx(f.bytes, { source: 'cnn.onnx' });
    const layers = m.layers.filter((l) => l instanceof OnnxNodeLayer);
    expect(layers.map((l) => [l.name, l.opType])).toEqual([
      ['/conv1/Conv', 'Conv'],
      ['/Relu', 'Relu'],
      ['/bn/BatchNormalization', 'BatchNormalization'],
      ['/MaxPool', 'MaxPool'],
      ['/conv2/Conv', 'Conv'],
      ['/Relu_1', 'Relu'],
      ['/Pad', 'Pad'],
      ['/AveragePool', 'AveragePool'],
      ['/Flatten', 'Flatten'],
      ['/head/Gemm', 'Gemm'],
    ]);
    // Symbolic output shapes: the batch axis is free, the rest fixed.
    expect(m.getLayer('/MaxPool').computeOutputShape([null, 2, 10, 10])).toEqual([null, 4, 5, 5]);
    expect(m.summary(() => {})).toMatch(/\/head\/Gemm \(OnnxNode\)/);
    for (const layer of m.layers) layer.trainable = layer.name === '/head/Gemm';
    expect(m.trainableWeights).toHaveLength(2);
    const before = m.namedWeights.map((w) => ({ name: w.name, values: Array.from(w.variable.dataSync()) }));
    m.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const x = stored(f.input);
    const target = tensor(new Array(9).fill(1), [3, 3]);
    await m.fit(x, target, { epochs: 3, batchSize: 3, verbose: 0 });
    for (const { name, values } of before) {
      const now = Array.from(m.namedWeights.find((w) => w.name === name)!.variable.dataSync());
      if (name.startsWith('/head/Gemm/')) expect(now).not.toEqual(values);
      else expect(now).toEqual(values);
    }
    x.dispose();
    target.dispose();
    m.dispose();
  });

  it("refuses nn's model.save, which could not load it back, and says what to do instead", async () => {
    const m = await importOnnx(fixture('mlp').bytes);
    const dir = await mkdtemp(join(tmpdir(), 'nabla-onnx-'));
    try {
      await expect(m.save(join(dir, 'mlp'))).rejects.toThrow(
        /\/fc1\/Gemm: an imported ONNX node has no nn config/,
      );
      expect(existsSync(join(dir, 'mlp', 'model.json'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  it('predicting and training leak no tensors; dispose frees the weights', async () => {
    const f = fixture('transformer');
    const start = memory().numTensors;
    const m = await importOnnx(f.bytes);
    const withModel = memory().numTensors;
    const x = stored(f.input);
    (m.predict(x) as Tensor).dispose();
    expect(memory().numTensors).toBe(withModel + 1);
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await m.trainOnBatch(x, x);
    (m.predict(x) as Tensor).dispose();
    x.dispose();
    m.dispose();
    expect(memory().numTensors).toBe(start);
  });
});

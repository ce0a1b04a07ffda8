// Tests of save and load: the folder layout and model.json document, bit-identical predictions
// after loading (sequential and functional), the restored training config, and FormatErrors
// naming the file for corrupted or truncated files.

import '@nabla/backend-cpu';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomNormal, setBackend, type Tensor } from '@nabla/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../io/errors.js';
import { dense, dropout } from '../layers/core.js';
import { add } from '../layers/merge.js';
import { sparseCategoricalCrossentropy } from '../losses/index.js';
import { adam } from '../optimizers/index.js';
import { model } from './functional.js';
import { input } from './input-layer.js';
import type { Model } from './model.js';
import { loadModel } from './save-load.js';
import { sequential } from './sequential.js';

let dir = '';

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'nabla-save-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectSamePredictions(a: Model, b: Model, x: Tensor): Promise<void> {
  const pa = (await a.predict(x).data()) as Float32Array;
  const pb = (await b.predict(x).data()) as Float32Array;
  expect(pb).toBeInstanceOf(Float32Array);
  expect(pb.length).toBe(pa.length);
  for (let i = 0; i < pa.length; i++) expect(Object.is(pb[i], pa[i])).toBe(true);
}

function mlp(): Model {
  const m = sequential([
    dense({ units: 8, activation: 'relu', inputShape: [4] }),
    dropout({ rate: 0.1 }),
    dense({ units: 3, activation: 'softmax' }),
  ]);
  m.compile({
    optimizer: adam({ learningRate: 0.01 }),
    loss: sparseCategoricalCrossentropy({ fromLogits: false }),
    metrics: ['accuracy'],
  });
  return m;
}

describe('save and load', () => {
  it('writes model.json and model.safetensors and loads a sequential model bit for bit', async () => {
    const m = mlp();
    const x = randomNormal([10, 4], { seed: 1 });
    const y = randomNormal([10], { seed: 2 }).abs().mul(1.4).floor().cast('int32');
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    const path = join(dir, 'mlp');
    await m.save(path);
    const doc = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(doc.format).toBe('nabla-model');
    expect(doc.formatVersion).toBe(1);
    expect(doc.modelConfig.className).toBe('Sequential');
    expect(doc.modelConfig.config.layers.map((l: { className: string }) => l.className)).toEqual([
      'Dense',
      'Dropout',
      'Dense',
    ]);
    expect(doc.trainingConfig.loss.name).toBe(sparseCategoricalCrossentropy().name);
    expect(doc.trainingConfig.metrics).toEqual(['accuracy']);
    expect(doc.trainingConfig.optimizer.name).toBe('adam');
    const first = m.layers[0]!.name;
    expect(doc.weightsManifest[0]).toEqual({ name: `${first}/kernel`, shape: [4, 8], dtype: 'float32' });
    const loaded = await loadModel(path);
    expect(loaded.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    await expectSamePredictions(m, loaded, x);
    expect(loaded.isCompiled).toBe(true);
    expect(loaded.optimizer.currentLearningRate()).toBeCloseTo(0.01);
    const logs = await loaded.evaluate(x, y);
    expect(Object.keys(logs)).toEqual(['loss', 'accuracy']);
    await loaded.fit(x, y, { epochs: 1, verbose: 0 });
  });

  it('loads a functional model with a branch and merge bit for bit', async () => {
    const inp = input({ shape: [5] });
    const a = dense({ units: 4, activation: 'relu' }).apply(inp);
    const b = dense({ units: 4 }).apply(inp);
    const out = dense({ units: 2 }).apply(add().apply([a, b]));
    const m = model({ inputs: inp, outputs: out });
    const path = join(dir, 'functional');
    await m.save(path);
    const doc = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    expect(doc.trainingConfig).toBeNull();
    const merge = doc.modelConfig.config.layers[3];
    expect(merge.className).toBe('Add');
    expect(merge.inboundNodes).toEqual([
      [
        [a.layer!.name, 0, 0],
        [b.layer!.name, 0, 0],
      ],
    ]);
    const loaded = await loadModel(path);
    expect(loaded.isCompiled).toBe(false);
    await expectSamePredictions(m, loaded, randomNormal([7, 5], { seed: 3 }));
  });

  it('raises FormatError naming the file for corrupted files', async () => {
    const m = mlp();
    const path = join(dir, 'broken');
    await m.save(path);
    const weights = join(path, 'model.safetensors');
    const bytes = await readFile(weights);
    await writeFile(weights, bytes.subarray(0, bytes.length - 10));
    await expect(loadModel(path)).rejects.toThrow(FormatError);
    await expect(loadModel(path)).rejects.toThrow(/model\.safetensors/);
    await m.save(path);
    await writeFile(join(path, 'model.json'), '{"format": "nabla-model", ');
    await expect(loadModel(path)).rejects.toThrow(FormatError);
    await expect(loadModel(path)).rejects.toThrow(/model\.json/);
    await writeFile(join(path, 'model.json'), JSON.stringify({ format: 'other' }));
    await expect(loadModel(path)).rejects.toThrow(/model\.json: expected format 'nabla-model'/);
    const doc = JSON.parse(
      JSON.stringify({
        format: 'nabla-model',
        formatVersion: 1,
        modelConfig: { className: 'Nope', config: {} },
        trainingConfig: null,
        weightsManifest: [],
      }),
    );
    await writeFile(join(path, 'model.json'), JSON.stringify(doc));
    await expect(loadModel(path)).rejects.toThrow(
      /model\.json: invalid modelConfig: layerFromConfig: unknown layer class 'Nope'/,
    );
    await expect(loadModel(join(dir, 'missing'))).rejects.toThrow(FormatError);
  });
});

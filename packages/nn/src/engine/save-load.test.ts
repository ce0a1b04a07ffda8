// Tests of save and load: the folder layout and model.json document, bit-identical predictions
// after loading (sequential and functional), the restored training config, FormatErrors naming
// the file for corrupted, truncated or hostile files (checked before anything is built), a
// save's weight snapshot taken at one step, and saves that touch only their own files and
// survive being killed at any step or racing another save or a load.

import '@nabla/backend-cpu';
import '../io/node-setup.js';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, randomNormal, setBackend, Tensor, tensor } from '@nabla/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Callback } from '../callbacks/callback.js';
import { nodeSaveFs, type SaveFs } from '../io/atomic.js';
import { FormatError, IOError } from '../io/errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsEntry } from '../io/safetensors.js';
import { dense, dropout } from '../layers/core.js';
import { add } from '../layers/merge.js';
import { sparseCategoricalCrossentropy } from '../losses/index.js';
import { adam } from '../optimizers/index.js';
import { model } from './functional.js';
import { input } from './input-layer.js';
import type { Model } from './model.js';
import { loadModel, saveModel } from './save-load.js';
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

  it('raises FormatError naming the file for corrupted files, IOError for missing ones', async () => {
    const m = mlp();
    const path = join(dir, 'broken');
    await m.save(path);
    const weights = join(path, 'model.safetensors');
    const bytes = await readFile(weights);
    await writeFile(weights, bytes.subarray(0, bytes.length - 10));
    await expect(loadModel(path)).rejects.toThrow(FormatError);
    await expect(loadModel(path)).rejects.toThrow(
      /model\.safetensors: its sha256 [0-9a-f]{64} does not match/,
    );
    await m.save(path);
    await writeFile(join(path, 'model.json'), '{"format": "nabla-model", ');
    await expect(loadModel(path)).rejects.toThrow(FormatError);
    await expect(loadModel(path)).rejects.toThrow(/model\.json/);
    await writeFile(join(path, 'model.json'), JSON.stringify({ format: 'other' }));
    await expect(loadModel(path)).rejects.toThrow(/model\.json: expected format 'nabla-model'/);
    const doc = {
      format: 'nabla-model',
      formatVersion: 1,
      modelConfig: { className: 'Nope', config: {} },
      trainingConfig: null,
      weightsManifest: [],
    };
    await writeFile(join(path, 'model.json'), JSON.stringify(doc));
    await expect(loadModel(path)).rejects.toThrow(
      /model\.json: modelConfig\.className: unknown layer class 'Nope'/,
    );
    await rm(weights);
    await expect(loadModel(path)).rejects.toThrow(/model\.safetensors: could not read the file \(ENOENT/);
    await writeFile(join(path, 'model.json'), JSON.stringify({ format: 'other' }));
    await expect(loadModel(path)).rejects.toThrow(/model\.json: expected format 'nabla-model'/);
    const missing = await loadModel(join(dir, 'missing')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IOError);
    expect(String(missing)).toMatch(/missing\/model\.json: could not read the file \(ENOENT/);
  });
});

/** The float32 values of every weight of a model, in order. */
async function weightValues(m: Model): Promise<number[][]> {
  const out: number[][] = [];
  for (const w of m.getWeights()) out.push(Array.from(await w.data()));
  return out;
}

describe('saving during training', () => {
  it('takes the whole weight snapshot in one synchronous block', async () => {
    const m = mlp();
    const before = await weightValues(m);
    const path = join(dir, 'snapshot');
    const saving = m.save(path);
    // Changes made right after save() returns, before its reads finish, must not reach the file.
    m.setWeights(m.getWeights().map((w) => w.add(1)));
    await saving;
    expect(await weightValues(await loadModel(path))).toEqual(before);
  });

  it('a save started during fit holds the weights of one step', async () => {
    // Many small weights, so that reading them takes longer than a train step.
    const m = sequential([
      dense({ units: 4, activation: 'relu', inputShape: [4] }),
      ...Array.from({ length: 30 }, () => dense({ units: 4, activation: 'relu' })),
      dense({ units: 3, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = randomNormal([64, 4], { seed: 5 });
    const y = tensor(
      Int32Array.from({ length: 64 }, (_, i) => i % 3),
      [64],
      'int32',
    );
    const path = join(dir, 'during-fit');
    const steps: number[][][] = [];
    let saving: Promise<unknown> | undefined;
    class SaveMidway extends Callback {
      override async onBatchEnd(batch: number): Promise<void> {
        steps.push(await weightValues(m));
        if (batch === 2) saving = m.save(path);
      }
    }
    // Reads that take a macrotask each, as on WebGPU, while fit takes a step per macrotask:
    // a save that read the live weights one by one would mix steps.
    const read = Tensor.prototype.data;
    const slow = vi.spyOn(Tensor.prototype, 'data').mockImplementation(async function (this: Tensor) {
      await new Promise((done) => setImmediate(done));
      return read.call(this);
    });
    try {
      await m.fit(x, y, {
        epochs: 1,
        batchSize: 8,
        verbose: 0,
        yieldEvery: 'batch',
        callbacks: [new SaveMidway()],
      });
      await saving;
    } finally {
      slow.mockRestore();
    }
    const saved = await weightValues(await loadModel(path));
    expect(steps[2]).toEqual(saved);
    expect(steps[7]).not.toEqual(saved);
  });
});

/** The sha256 of bytes in hex. */
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Rewrites a saved folder: edits model.json and replaces the weights, keeping the sha256 record. */
async function tamper(
  path: string,
  // biome-ignore lint/suspicious/noExplicitAny: tests edit arbitrary parts of a parsed model.json
  edit: (doc: Record<string, any>) => void,
  weights?: (tensors: Record<string, SafetensorsEntry>) => Record<string, SafetensorsEntry>,
): Promise<void> {
  const doc = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
  let bytes: Uint8Array = await readFile(join(path, 'model.safetensors'));
  if (weights) {
    bytes = encodeSafetensors(weights(decodeSafetensors(bytes).tensors), { format: 'nabla-model' });
    await writeFile(join(path, 'model.safetensors'), bytes);
  }
  doc.weights = { bytes: bytes.length, sha256: sha256(bytes) };
  edit(doc);
  await writeFile(join(path, 'model.json'), JSON.stringify(doc));
}

describe('hostile model files are refused before anything is built', () => {
  async function saved(name: string): Promise<string> {
    const path = join(dir, name);
    await mlp().save(path);
    return path;
  }

  async function expectRefused(path: string, pattern: RegExp): Promise<void> {
    const live = memory().numTensors;
    const error = await loadModel(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect(String(error)).toMatch(pattern);
    expect(memory().numTensors).toBe(live);
  }

  it('duplicate layer names (which would alias weights)', async () => {
    const path = await saved('dup-layers');
    await tamper(path, (doc) => {
      const layers = doc.modelConfig.config.layers;
      layers[2].config.name = layers[0].config.name;
    });
    await expectRefused(
      path,
      /model\.json: two layers are named '\w+' \(modelConfig\.config\.layers\[0\] and modelConfig\.config\.layers\[2\]\)/,
    );
  });

  it('duplicate weight names in the manifest', async () => {
    const path = await saved('dup-weights');
    await tamper(path, (doc) => {
      doc.weightsManifest[1].name = doc.weightsManifest[0].name;
    });
    await expectRefused(path, /model\.json: weightsManifest lists weight '\w+\/kernel' twice/);
  });

  it('extra and missing tensors in the safetensors file', async () => {
    const extra = await saved('extra-tensor');
    await tamper(
      extra,
      () => {},
      (t) => ({ ...t, stowaway: { dtype: 'F32', shape: [2], data: new Float32Array(2) } }),
    );
    await expectRefused(
      extra,
      /model\.safetensors: holds tensor 'stowaway' that model\.json's weightsManifest does not list/,
    );
    const missing = await saved('missing-tensor');
    let dropped = '';
    await tamper(
      missing,
      () => {},
      (t) => {
        const names = Object.keys(t);
        dropped = names[names.length - 1]!;
        return Object.fromEntries(names.slice(0, -1).map((n) => [n, t[n]!]));
      },
    );
    await expectRefused(missing, new RegExp(`model\\.safetensors: lacks tensor '${dropped}'`));
  });

  it('manifest shapes that disagree with the safetensors header', async () => {
    const path = await saved('shape-mismatch');
    await tamper(path, (doc) => {
      doc.weightsManifest[0].shape = [4, 9];
    });
    await expectRefused(
      path,
      /model\.safetensors: tensor '\w+\/kernel' has shape \[4,8\], model\.json declares \[4,9\]/,
    );
  });

  it('an architecture that disagrees with its manifest, before allocating its weights', async () => {
    // 2 KB of JSON declaring a 10-million-wide input: the first kernel would be [1e7, 8].
    const path = await saved('huge-input');
    await tamper(path, (doc) => {
      doc.modelConfig.config.layers[0].config.inputShape = [1e7];
      doc.modelConfig.config.buildInputShape = [null, 1e7];
    });
    expect((await readFile(join(path, 'model.json'))).length).toBeLessThan(4096);
    const bytes = memory().numBytes;
    const started = performance.now();
    await expectRefused(
      path,
      /model\.json: the architecture makes weight '\w+\/kernel' of shape \[10000000,8\], weightsManifest declares \[4,8\]/,
    );
    expect(memory().numBytes).toBe(bytes);
    // A later layer that disagrees: the weights made before it are freed.
    await tamper(path, (doc) => {
      doc.modelConfig.config.layers[0].config.inputShape = [4];
      doc.modelConfig.config.buildInputShape = [null, 4];
      doc.modelConfig.config.layers[2].config.units = 5;
    });
    await expectRefused(
      path,
      /the architecture makes weight '\w+\/kernel' of shape \[8,5\], weightsManifest declares \[8,3\]/,
    );
    expect(memory().numBytes).toBe(bytes);
    // Filling the 320 MB kernel with random values took 17 s here; refusing it takes milliseconds.
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('loss and optimizer names that are not registered (own keys only)', async () => {
    const path = await saved('names');
    await tamper(path, (doc) => {
      doc.trainingConfig.optimizer = { name: 'getOptimizer', config: { learningRate: 0.1 } };
    });
    await expectRefused(
      path,
      /model\.json: invalid trainingConfig\.optimizer 'getOptimizer': .*unknown optimizer/,
    );
    await tamper(path, (doc) => {
      doc.trainingConfig.optimizer = { name: 'adam', config: {} };
      doc.trainingConfig.loss = { name: 'toString', config: { fromLogits: true } };
    });
    await expectRefused(path, /model\.json: invalid trainingConfig\.loss 'toString': .*unknown loss/);
  });

  it('shapes past the limits, non-finite numbers and unknown dtypes', async () => {
    const path = await saved('limits');
    await tamper(path, (doc) => {
      doc.modelConfig.config.layers[0].config.inputShape = [3e9];
    });
    await expectRefused(
      path,
      /model\.json: modelConfig\.config\.layers\[0\]\.config\.inputShape must hold integers in \[0, 2147483647\]/,
    );
    await tamper(path, (doc) => {
      doc.modelConfig.config.layers[0].config.inputShape = [65536, 65536];
    });
    await expectRefused(path, /inputShape \[65536,65536\] has 4294967296 elements, more than the limit/);
    await tamper(path, (doc) => {
      doc.modelConfig.config.layers[0].config.inputShape = [4];
      doc.weightsManifest[0].dtype = 'uint8';
    });
    await expectRefused(path, /weightsManifest\[0\] \('\w+\/kernel'\) has unknown dtype "uint8"/);
    await tamper(path, (doc) => {
      doc.weightsManifest[0].dtype = 'float32';
      doc.extra = 1;
    });
    await expectRefused(path, /model\.json: unexpected key 'extra'/);
    const json = await readFile(join(path, 'model.json'), 'utf8');
    await writeFile(
      join(path, 'model.json'),
      json
        .replace('"extra":1', '"extra2":1e999')
        .replace(',"extra2":1e999', '')
        .replace('"units":8', '"units":1e999'),
    );
    await expectRefused(
      path,
      /model\.json: modelConfig\.config\.layers\[0\]\.config\.units must be a finite number/,
    );
  });
});

/** The real file system until call number `step`, which and after which every call fails. */
function dyingFs(step: number): SaveFs {
  let calls = 0;
  const gate = (path: string) => {
    if (calls++ >= step) throw new Error(`killed at call ${step}`);
    return path;
  };
  return {
    mkdir: async (p) => nodeSaveFs.mkdir(gate(p)),
    writeFileSynced: async (p, d) => nodeSaveFs.writeFileSynced(gate(p), d),
    syncDir: async (p) => nodeSaveFs.syncDir(gate(p)),
    rename: async (from, to) => nodeSaveFs.rename(gate(from), to),
    remove: async (p) => nodeSaveFs.remove(gate(p)),
    removeDir: async (p) => nodeSaveFs.removeDir(gate(p)),
    list: async (p) => nodeSaveFs.list(gate(p)),
    readFile: async (p) => nodeSaveFs.readFile(gate(p)),
    createExclusive: async (p, d) => nodeSaveFs.createExclusive(gate(p), d),
  };
}

describe('saving into a folder', () => {
  /** A small model with weights set to `value` everywhere, to tell saves apart. */
  function filled(value: number): Model {
    const m = mlp();
    m.setWeights(m.getWeights().map((w) => w.mul(0).add(value)));
    return m;
  }

  async function loadedValue(path: string): Promise<number> {
    const values = (await weightValues(await loadModel(path))).flat();
    expect(new Set(values).size).toBe(1);
    return values[0]!;
  }

  it('writes only its own files and never deletes anything else', async () => {
    const path = join(dir, 'shared');
    await mkdir(join(path, 'runs'), { recursive: true });
    await writeFile(join(path, 'notes.txt'), 'keep me');
    await writeFile(join(path, 'runs', 'log.csv'), 'epoch,loss\n');
    await filled(1).save(path);
    await filled(2).save(path);
    expect((await readdir(path)).sort()).toEqual(['model.json', 'model.safetensors', 'notes.txt', 'runs']);
    expect(await readFile(join(path, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(await readFile(join(path, 'runs', 'log.csv'), 'utf8')).toBe('epoch,loss\n');
    expect(await loadedValue(path)).toBe(2);
  });

  it('accepts a trailing slash and leaves nothing beside the folder', async () => {
    const parent = join(dir, 'slash');
    await mkdir(parent);
    await filled(3).save(`${join(parent, 'm')}/`);
    await filled(4).save(`${join(parent, 'm')}/`);
    expect(await readdir(parent)).toEqual(['m']);
    expect(await loadedValue(`${join(parent, 'm')}/`)).toBe(4);
  });

  it('removes the folders that interrupted saves of earlier versions left beside it', async () => {
    const parent = join(dir, 'legacy');
    const path = join(parent, 'm');
    const left = ['m.tmp-1764500000000-abc123', 'm.old-1764500000001-x9'];
    const kept = ['m.tmp-1764500000000-notes', 'm.old-mine', 'other.tmp-1764500000000-abc123'];
    for (const name of [...left, ...kept]) {
      await mkdir(join(parent, name), { recursive: true });
      await writeFile(join(parent, name, 'model.json'), '{}');
    }
    await writeFile(join(parent, left[0]!, 'model.safetensors'), '');
    await writeFile(join(parent, kept[0]!, 'notes.txt'), 'mine');
    await filled(1).save(path);
    expect((await readdir(parent)).sort()).toEqual(['m', ...kept].sort());
  });

  it('refuses to overwrite a model.json it did not write', async () => {
    const path = join(dir, 'foreign');
    await mkdir(path);
    await writeFile(join(path, 'model.json'), '{"modelTopology": {}}');
    await expect(filled(1).save(path)).rejects.toThrow(/model\.json: is not a Nabla model\.json/);
    expect(await readFile(join(path, 'model.json'), 'utf8')).toBe('{"modelTopology": {}}');
  });

  it('a save killed at any step leaves the previous save loadable with its exact weights', async () => {
    const path = join(dir, 'killed');
    await mkdir(path);
    await writeFile(join(path, 'notes.txt'), 'keep me');
    await filled(1).save(path);
    const outcomes = new Set<number>();
    let committed = 1;
    for (let step = 0; ; step++) {
      // The process "dies" at call `step`: that call and every later one fail, cleanup included.
      const dying = dyingFs(step);
      const next = committed === 1 ? 2 : 1;
      const finished = await saveModel(filled(next), path, { fs: dying }).then(
        () => true,
        () => false,
      );
      const value = await loadedValue(path);
      expect([committed, next]).toContain(value);
      outcomes.add(value === committed ? 0 : 1);
      committed = value;
      expect(await readFile(join(path, 'notes.txt'), 'utf8')).toBe('keep me');
      if (finished) break;
    }
    // Killed before the commit the previous save survived; killed after it, the new one loads.
    expect(outcomes).toEqual(new Set([0, 1]));
    // A later save cleans up what the killed ones left (temporaries, kept weights, the lock).
    await filled(7).save(path);
    expect((await readdir(path)).sort()).toEqual(['model.json', 'model.safetensors', 'notes.txt']);
    expect(await loadedValue(path)).toBe(7);
  });

  it('a save that fails (disk full) leaves the folder as it was', async () => {
    const path = join(dir, 'disk-full');
    await filled(1).save(path);
    const before = (await readdir(path)).sort();
    const json = await readFile(join(path, 'model.json'));
    const full: SaveFs = {
      ...nodeSaveFs,
      async writeFileSynced(p, d) {
        if (p.includes('.model.json.'))
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        await nodeSaveFs.writeFileSynced(p, d);
      },
    };
    const error = await saveModel(filled(2), path, { fs: full }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect(String(error)).toContain(`${join(path, 'model.json')}: could not write the file (ENOSPC`);
    expect((await readdir(path)).sort()).toEqual(before);
    expect(await readFile(join(path, 'model.json'))).toEqual(json);
    expect(await loadedValue(path)).toBe(1);
  });

  it('concurrent saves of one folder leave one complete save', async () => {
    const path = join(dir, 'racing');
    const models = [1, 2, 3, 4].map(filled);
    await Promise.all(models.map((m) => m.save(path)));
    expect([1, 2, 3, 4]).toContain(await loadedValue(path));
    expect((await readdir(path)).sort()).toEqual(['model.json', 'model.safetensors']);
  });

  it('loads during saves see the old or the new pair, never a mix', async () => {
    const path = join(dir, 'load-while-saving');
    const a = filled(1);
    const b = filled(2);
    await a.save(path);
    let saving = true;
    const saves = (async () => {
      for (let i = 0; i < 12; i++) await (i % 2 ? a : b).save(path);
      saving = false;
    })();
    let loads = 0;
    while (saving) {
      expect([1, 2]).toContain(await loadedValue(path));
      loads++;
    }
    await saves;
    expect(loads).toBeGreaterThan(0);
  });
});

describe('resuming training from a save', () => {
  function regressor(): Model {
    const m = sequential([dense({ units: 8, activation: 'tanh', inputShape: [3] }), dense({ units: 1 })]);
    m.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'mse' });
    return m;
  }
  const x = () => randomNormal([16, 3], { seed: 11 });
  const y = () => randomNormal([16, 1], { seed: 12 });
  const fit = async (m: Model, epochs: number) =>
    (await m.fit(x(), y(), { epochs, batchSize: 4, shuffle: false, verbose: 0 })).history.loss!;

  it('fit 2 epochs, save, load, fit 2 more gives the losses of fitting 4 epochs straight (Adam moments and step count restored)', async () => {
    const straight = regressor();
    const start = join(dir, 'resume-start');
    await straight.save(start);
    const resumed = await loadModel(start); // the same initial weights, a fresh Adam
    const all = await fit(straight, 4);
    const first = await fit(resumed, 2);
    const ckpt = join(dir, 'resume-ckpt');
    await resumed.save(ckpt);
    const doc = JSON.parse(await readFile(join(ckpt, 'model.json'), 'utf8'));
    expect(doc.optimizerState.iterations).toBe(8);
    expect(doc.optimizerState.slots.map((s: { names: string[] }) => s.names)).toEqual([
      ['m', 'v'],
      ['m', 'v'],
      ['m', 'v'],
      ['m', 'v'],
    ]);
    const header = decodeSafetensors(await readFile(join(ckpt, 'model.safetensors'))).tensors;
    expect(Object.keys(header).filter((k) => k.startsWith('optimizer/'))).toHaveLength(8);
    const reloaded = await loadModel(ckpt);
    expect(reloaded.optimizer.iterations).toBe(8);
    const rest = await fit(reloaded, 2);
    const joined = [...first, ...rest];
    expect(joined).toHaveLength(4);
    for (const [i, loss] of joined.entries()) expect(loss).toBeCloseTo(all[i]!, 6);
    // The same weights with a fresh Adam take different steps: the restored state is what matters.
    const fresh = await loadModel(ckpt);
    fresh.compile({ optimizer: adam({ learningRate: 0.05 }), loss: 'mse' });
    const freshLosses = await fit(fresh, 2);
    expect(Math.abs(freshLosses[1]! - all[3]!)).toBeGreaterThan(1e-4);
    for (const m of [straight, resumed, reloaded, fresh]) {
      m.optimizer.dispose();
      m.dispose();
    }
  });

  it('a loaded model owns the optimizer its file restored: dispose frees its state', async () => {
    const m = regressor();
    await fit(m, 1);
    const path = join(dir, 'owned-optimizer');
    await m.save(path);
    m.optimizer.dispose();
    m.dispose();
    const before = memory().numTensors;
    const loaded = await loadModel(path);
    expect(loaded.optimizer.iterations).toBe(4);
    loaded.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('an optimizerState that does not match the weights file is a FormatError before anything is built', async () => {
    const m = regressor();
    await fit(m, 1);
    const path = join(dir, 'resume-bad');
    await m.save(path);
    const doc = JSON.parse(await readFile(join(path, 'model.json'), 'utf8'));
    doc.optimizerState.slots[0].names = ['m', 'v', 'vhat'];
    delete doc.weights;
    await writeFile(join(path, 'model.json'), JSON.stringify(doc));
    const before = memory().numTensors;
    await expect(loadModel(path)).rejects.toThrow(/model\.safetensors: lacks tensor 'optimizer\/.*\/vhat'/);
    expect(memory().numTensors).toBe(before);
    doc.optimizerState = { iterations: -1, slots: [] };
    await writeFile(join(path, 'model.json'), JSON.stringify(doc));
    await expect(loadModel(path)).rejects.toThrow(/model\.json: expected optimizerState to be/);
    m.dispose();
  });
});

describe('targets in Node', () => {
  it('file:// is the folder handler (prefix stripped as TensorFlow.js does); URLs never become folders', async () => {
    const m = mlp();
    const path = join(dir, 'file-url');
    const result = await m.save(`file://${path}`);
    expect(result.weightsBytes).toBeGreaterThan(0);
    expect((await readdir(path)).sort()).toEqual(['model.json', 'model.safetensors']);
    const x = randomNormal([3, 4], { seed: 9 });
    await expectSamePredictions(m, await loadModel(`file://${path}`), x);
    await expectSamePredictions(m, await loadModel(path), x);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(m.save('foo://m')).rejects.toThrow(
        /unknown scheme 'foo:\/\/'.*file:\/\/.*\(a plain path is a folder\)/,
      );
      await expect(m.save('indexeddb://m')).rejects.toThrow(/no IndexedDB/);
      expect((await readdir(dir)).filter((n) => n.includes(':'))).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });
});

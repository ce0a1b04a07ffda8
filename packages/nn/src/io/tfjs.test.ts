// TensorFlow.js Layers import: the fixtures tfjs-layers saved (test/fixtures/tfjs, made by
// make-fixtures.mjs there) load through loadModel (folder, http, browserFiles) and through
// fromTfjsArtifacts, predict what tfjs predicted, fine-tune with fit, and every malformed or
// unsupported file is one FormatError that names the file and what is wrong, with no tensor
// left behind.

import '@nabla/backend-cpu';
import './node-setup.js';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, memory, setBackend, tensor } from '@nabla/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../engine/functional.js';
import { loadModel } from '../engine/save-load.js';
import '../engine/sequential.js';
import '../layers/index.js';
import { browserFiles } from './browser.js';
import { FormatError } from './errors.js';
import { fromTfjsArtifacts, isTfjsModelJson, modelFromTfjsJson, tfjsLayerClasses } from './tfjs.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/tfjs/', import.meta.url));
const NAMES = [
  'mlp',
  'cnn',
  'functional',
  'text',
  'text-defaults',
  'pools',
  'separable',
  'mlp-uint8',
  'cnn-uint16',
];

interface Expected {
  inputs: { shape: number[]; dtype: 'float32' | 'int32'; data: number[] }[];
  outputs: { shape: number[]; data: number[] }[];
}

async function expected(name: string): Promise<Expected> {
  return JSON.parse(await readFile(join(FIXTURES, name, 'expected.json'), 'utf8')) as Expected;
}

function close(actual: ArrayLike<number>, want: readonly number[], tol = 1e-5): void {
  expect(actual.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = actual[i]!;
    const w = want[i]!;
    if (Math.abs(a - w) > tol + tol * Math.abs(w)) {
      throw new Error(`element ${i}: got ${a}, tfjs predicted ${w}`);
    }
  }
}

let scratch: string;

beforeAll(async () => {
  await setBackend('cpu');
  scratch = await mkdtemp(join(tmpdir(), 'nabla-tfjs-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function checkPredictions(name: string, m: Awaited<ReturnType<typeof loadModel>>): Promise<void> {
  const { inputs, outputs } = await expected(name);
  const xs = inputs.map((x) => tensor(x.data, x.shape, x.dtype));
  const ys = m.predictOutputs(xs.length === 1 ? xs[0]! : xs);
  expect(ys.length).toBe(outputs.length);
  for (const [i, y] of ys.entries()) {
    expect(y.shape).toEqual(outputs[i]!.shape);
    close(await y.data(), outputs[i]!.data);
  }
  for (const t of [...xs, ...ys]) t.dispose();
}

describe('TensorFlow.js Layers import: predictions match tfjs', () => {
  it.each(NAMES)('%s loads from its folder and predicts what tfjs predicted', async (name) => {
    const before = memory().numTensors;
    const m = await loadModel(join(FIXTURES, name));
    await checkPredictions(name, m);
    m.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('reads the topology classes and weight names of each fixture', async () => {
    const m = await loadModel(join(FIXTURES, 'text'));
    expect(m.className).toBe('Sequential');
    const names = m.namedWeights.map((w) => w.name);
    expect(names.some((n) => n.endsWith('/recurrent_kernel'))).toBe(true);
    expect(names.some((n) => n.endsWith('/embeddings'))).toBe(true);
    m.dispose();
    const f = await loadModel(join(FIXTURES, 'functional'));
    expect(f.className).toBe('Functional');
    expect(f.outputNames.length).toBe(2);
    f.dispose();
    expect(tfjsLayerClasses()).toEqual(
      expect.arrayContaining(['Dense', 'Conv2D', 'LSTM', 'GRU', 'Concatenate']),
    );
  });

  it('fromTfjsArtifacts takes a tfjs model in memory (weightData as one buffer or several)', async () => {
    const doc = JSON.parse(await readFile(join(FIXTURES, 'cnn', 'model.json'), 'utf8'));
    const group = doc.weightsManifest[0];
    const shards = await Promise.all(
      group.paths.map(async (p: string) => {
        const b = await readFile(join(FIXTURES, 'cnn', p));
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
      }),
    );
    const m = fromTfjsArtifacts({
      modelTopology: doc.modelTopology,
      weightSpecs: group.weights,
      weightData: shards,
    });
    await checkPredictions('cnn', m);
    m.dispose();
    expect(() => fromTfjsArtifacts(null as never)).toThrow(ArgumentError);
    expect(() => fromTfjsArtifacts({ modelTopology: {}, weightSpecs: [], weightData: 'x' as never })).toThrow(
      /weightData to be an ArrayBuffer/,
    );
    const artifacts = { modelTopology: doc.modelTopology, weightSpecs: group.weights, weightData: shards };
    expect(() => fromTfjsArtifacts(artifacts, { jsonNam: 'x' } as never)).toThrow(/did you mean 'jsonName'/);
    const loose = fromTfjsArtifacts as (...args: unknown[]) => unknown;
    expect(() => loose(artifacts, {}, 3)).toThrow(/expected at most 2/);
    expect(() => modelFromTfjsJson(doc, 'bytes' as never)).toThrow(/weightData to be a Uint8Array/);
    expect(isTfjsModelJson(doc)).toBe(true);
    expect(isTfjsModelJson({ format: 'nabla-model' })).toBe(false);
  });

  it('loads through browserFiles: model.json and its shards in any order', async () => {
    const dir = join(FIXTURES, 'cnn');
    const doc = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const files = [
      ...(await Promise.all(
        doc.weightsManifest[0].paths.map(async (p: string) => new File([await readFile(join(dir, p))], p)),
      )),
      new File([await readFile(join(dir, 'model.json'))], 'model.json'),
    ].reverse();
    const m = await loadModel(browserFiles(files));
    await checkPredictions('cnn', m);
    m.dispose();
    const missing = await loadModel(browserFiles(files.slice(0, 2))).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FormatError);
    expect((missing as Error).message).toMatch(
      /^model\.json: weight shard 'group1-shard\dof3\.bin' .* could not be read/,
    );
  });
});

describe('TensorFlow.js Layers import over http', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      const [, prefix, ...rest] = path.split('/');
      const root = prefix === 'shards' ? join(FIXTURES, 'mlp') : FIXTURES;
      try {
        const file = prefix === 'shards' ? join(root, ...rest) : join(root, prefix!, ...rest);
        res.end(await readFile(file));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('loadModel(url of model.json) fetches the shards beside it, or under weightPathPrefix', async () => {
    const m = await loadModel(`${base}/functional/model.json`);
    await checkPredictions('functional', m);
    m.dispose();
    const n = await loadModel(`${base}/text/model.json`, { weightPathPrefix: `${base}/text` });
    await checkPredictions('text', n);
    n.dispose();
    const error = await loadModel(`${base}/mlp/model.json`, { weightPathPrefix: `${base}/nowhere` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(
      /weight shard 'group1-shard1of1\.bin' \(of weights 'dense_Dense1\/kernel'.*HTTP 404/,
    );
  });
});

describe('fine-tuning an imported model', () => {
  it('compiles and fits: the loss on the training data goes down', async () => {
    const before = memory().numTensors;
    const m = await loadModel(join(FIXTURES, 'mlp'));
    const values = Array.from({ length: 32 * 6 }, (_, i) => Math.sin(i * 0.37));
    const x = tensor(values, [32, 6]);
    // A learnable task: the class is the largest of the first four features.
    const labels = Array.from({ length: 32 }, (_, r) => {
      const row = values.slice(r * 6, r * 6 + 4);
      return row.indexOf(Math.max(...row));
    });
    const y = tensor(labels, [32], 'int32');
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const loss = async () => (await m.evaluate(x, y)).loss as number;
    const start = await loss();
    await m.fit(x, y, { epochs: 20, batchSize: 8, verbose: 0 });
    expect(await loss()).toBeLessThan(start * 0.9);
    for (const t of [x, y]) t.dispose();
    m.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

/** model.json as the tests edit it. */
interface Doc {
  format?: string;
  modelTopology: {
    class_name: string;
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
  };
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  }[];
}

let copies = 0;

/** A copy of a fixture folder in the scratch folder, its model.json changed by `edit`. */
async function variant(name: string, edit: (doc: Doc) => void = () => {}): Promise<string> {
  const dir = join(scratch, `${name}-${copies++}`);
  await cp(join(FIXTURES, name), dir, { recursive: true });
  const doc = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Doc;
  edit(doc);
  await writeFile(join(dir, 'model.json'), JSON.stringify(doc));
  return dir;
}

/** The FormatError a load gives, checked to leave no tensor behind. */
async function loadError(dir: string): Promise<FormatError> {
  const before = memory().numTensors;
  const error = await loadModel(dir).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FormatError);
  expect(memory().numTensors).toBe(before);
  return error as FormatError;
}

describe('TensorFlow.js Layers import: other spellings of the same model', () => {
  it("reads the converter's model_config wrapper, Keras scope names and a leading InputLayer", async () => {
    const dir = await variant('text', (doc) => {
      doc.modelTopology = {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: doc.modelTopology,
      } as never;
      for (const w of doc.weightsManifest[0]!.weights) {
        w.name = w.name.replace(/^(lstm_LSTM1|gru_GRU1)\//, (_: string, layer: string) => `${layer}/cell/`);
      }
    });
    const m = await loadModel(dir);
    await checkPredictions('text', m);
    m.dispose();
    const withInput = await variant('mlp', (doc) => {
      const layers = doc.modelTopology.config.layers;
      const shape = layers[0]!.config.batch_input_shape;
      delete layers[0]!.config.batch_input_shape;
      layers.unshift({
        class_name: 'InputLayer',
        config: { batch_input_shape: shape, dtype: 'float32', name: 'in' },
      });
    });
    const n = await loadModel(withInput);
    await checkPredictions('mlp', n);
    n.dispose();
  });

  it("loads file://dir/model.json as tfjs-node's loadLayersModel takes it", async () => {
    const m = await loadModel(`file://${join(FIXTURES, 'pools', 'model.json')}`);
    await checkPredictions('pools', m);
    m.dispose();
  });

  it("maps Keras's GRU with reset_after true (bias [2, 3·units]) to nn's", async () => {
    // units 1, one feature, one step from h = 0: z = σ(x·Wz + bz + cz), r = σ(x·Wr + br + cr),
    // h̃ = tanh(x·Wh + bh + r·ch), h = (1 − z)·h̃, with input biases b and recurrent biases c.
    const [wz, wr, wh] = [0.5, -0.3, 0.8];
    const [bz, br, bh, cz, cr, ch] = [0.1, 0.2, -0.1, 0.05, -0.2, 0.3];
    const values = new Float32Array([wz, wr, wh, 0.7, -0.4, 0.9, bz, br, bh, cz, cr, ch]);
    const m = fromTfjsArtifacts({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [
            {
              class_name: 'GRU',
              config: {
                name: 'gru',
                units: 1,
                reset_after: true,
                recurrent_activation: 'sigmoid',
                batch_input_shape: [null, 1, 1],
              },
            },
          ],
        },
      },
      weightSpecs: [
        { name: 'gru/gru_cell/kernel', shape: [1, 3], dtype: 'float32' },
        { name: 'gru/gru_cell/recurrent_kernel', shape: [1, 3], dtype: 'float32' },
        { name: 'gru/gru_cell/bias', shape: [2, 3], dtype: 'float32' },
      ],
      weightData: new Uint8Array(values.buffer),
    });
    const x = 1.5;
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const z = sigmoid(x * wz + bz + cz);
    const r = sigmoid(x * wr + br + cr);
    const h = (1 - z) * Math.tanh(x * wh + bh + r * ch);
    const input = tensor([[[x]]]);
    const y = m.predict(input);
    close(await y.data(), [h]);
    // Every tensor disposed: one left to the garbage collector would change the tensor count
    // that a later test's load checks.
    for (const t of [input, y]) t.dispose();
    m.dispose();
  });

  it('decodes int32 weights and float16 quantization (fromTfjsArtifacts)', async () => {
    const kernel = new Int32Array([1, 2, 3, 4]);
    // 0.5 and -1 as IEEE halves.
    const bias = new Uint16Array([0x3800, 0xbc00]);
    const data = new Uint8Array(20);
    data.set(new Uint8Array(kernel.buffer), 0);
    data.set(new Uint8Array(bias.buffer), 16);
    const m = fromTfjsArtifacts({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, batch_input_shape: [null, 2] } }],
        },
      },
      weightSpecs: [
        { name: 'd/kernel', shape: [2, 2], dtype: 'int32' },
        { name: 'd/bias', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } },
      ],
      weightData: data,
    });
    const input = tensor([[1, 1]]);
    const y = m.predict(input);
    expect(Array.from(await y.data())).toEqual([4.5, 5]);
    for (const t of [input, y]) t.dispose();
    m.dispose();
  });
});

describe('TensorFlow.js Layers import: what nn cannot express is one FormatError listing it all', () => {
  it('lists every unsupported class and option at once, naming model.json, before any tensor', async () => {
    const dir = await variant('cnn', (doc) => {
      const layers = doc.modelTopology.config.layers;
      layers[0]!.config.data_format = 'channels_first';
      layers[2]!.class_name = 'ZeroPadding2D';
      layers[9]!.config.kernel_constraint = { class_name: 'MaxNorm', config: { max_value: 2 } };
      layers[9]!.config.activation = 'mish';
    });
    const error = await loadError(dir);
    expect(error.source).toBe(join(dir, 'model.json'));
    expect(error.message).toContain('cannot import this TensorFlow.js model into nn');
    expect(error.message).toMatch(
      /layer 'conv2d_Conv2D1' \(Conv2D\): data_format "channels_first" is not supported/,
    );
    expect(error.message).toMatch(/layer '\w+' \(ZeroPadding2D\): class ZeroPadding2D has no nn equivalent/);
    expect(error.message).toMatch(/kernel_constraint .* is not supported/);
    expect(error.message).toMatch(/activation "mish" is not supported/);
  });

  it('refuses recurrent options nn lacks (exotic gates, dropout, state) and graph models', async () => {
    const dir = await variant('text', (doc) => {
      const layers = doc.modelTopology.config.layers;
      layers[1]!.config.recurrent_activation = 'mish';
      layers[2]!.config.recurrent_dropout = 0.2;
      layers[3]!.config.return_state = true;
      layers[0]!.config.mask_zero = true;
    });
    const error = await loadError(dir);
    expect(error.message).toMatch(/recurrent_activation "mish"/);
    expect(error.message).toMatch(/recurrent_dropout 0\.2 is not supported/);
    expect(error.message).toMatch(/return_state true is not supported/);
    expect(error.message).toMatch(/mask_zero true is not supported/);
    const graph = await variant('mlp', (doc) => {
      doc.format = 'graph-model';
    });
    expect((await loadError(graph)).message).toMatch(/is a TensorFlow.js graph model/);
    const nested = await variant('mlp', (doc) => {
      doc.modelTopology.class_name = 'Bidirectional';
    });
    expect((await loadError(nested)).message).toMatch(/model class "Bidirectional" is not supported/);
  });
});

describe('TensorFlow.js Layers import: malformed files are FormatErrors naming the weight', () => {
  it('a missing shard names the shard and the weights it holds', async () => {
    const dir = await variant('cnn');
    await rm(join(dir, 'group1-shard2of3.bin'));
    const error = await loadError(dir);
    expect(error.message).toMatch(
      /model\.json: weight shard 'group1-shard2of3\.bin' \(of weights 'conv2d_Conv2D1\/kernel', .*\) could not be read: .*ENOENT/,
    );
  });

  it('shards whose length disagrees with the manifest', async () => {
    const dir = await variant('cnn');
    const shard = join(dir, 'group1-shard3of3.bin');
    await writeFile(shard, (await readFile(shard)).subarray(0, 100));
    expect((await loadError(dir)).message).toMatch(
      /weight shards .* hold 1124 bytes, but their weights .* take 1536/,
    );
  });

  it('a weight whose shape disagrees with its layer, or that the manifest lacks, is named', async () => {
    const swapped = await variant('mlp', (doc) => {
      doc.weightsManifest[0]!.weights[0]!.shape = [8, 6];
    });
    expect((await loadError(swapped)).message).toMatch(
      /weight 'dense_Dense1\/kernel' has shape \[8,6\], but its layer needs \[6,8\]/,
    );
    // In a functional graph too (where layers prefix the errors they raise with their name).
    const multiplied = await variant('separable', (doc) => {
      doc.modelTopology.config.layers[1]!.config.depth_multiplier = 2;
    });
    const error = await loadError(multiplied);
    expect(error.source).toBe(join(multiplied, 'model.json'));
    expect(error.message).toMatch(
      /^\S+model\.json: weight 'separable_conv2d_SeparableConv2D1\/depthwise_kernel' has shape \[3,3,2,1\], but its layer needs \[3,3,2,2\]$/,
    );
    const renamed = await variant('mlp', (doc) => {
      doc.weightsManifest[0]!.weights[1]!.name = 'dense_Dense1/offset';
    });
    expect((await loadError(renamed)).message).toMatch(
      /the weights manifest lacks weights 'dense_Dense1\/bias' \(of layer 'dense_Dense1', Dense\)/,
    );
    const extra = await variant('mlp', (doc) => {
      doc.modelTopology.config.layers[2]!.config.use_bias = true;
    });
    expect((await loadError(extra)).message).toMatch(/lacks weights 'dense_Dense2\/bias'/);
    const unused = await variant('mlp', (doc) => {
      const layers = doc.modelTopology.config.layers;
      layers[0]!.config.use_bias = false;
    });
    expect((await loadError(unused)).message).toMatch(/lists weights no layer has: 'dense_Dense1\/bias'/);
  });

  it('bad dtypes, quantization, shapes, paths and topologies', async () => {
    const cases: [(doc: Doc) => void, RegExp][] = [
      [
        (d) => void (d.weightsManifest[0]!.weights[0]!.dtype = 'string'),
        /weight 'dense_Dense1\/kernel': dtype "string" is not supported/,
      ],
      [
        (d) => void (d.weightsManifest[0]!.weights[0]!.quantization = { dtype: 'int4' }),
        /weight 'dense_Dense1\/kernel': quantization .* is not supported/,
      ],
      [
        (d) => void (d.weightsManifest[0]!.weights[0]!.shape = [-6, 8]),
        /weight 'dense_Dense1\/kernel': shape \[-6,8\] is not a shape/,
      ],
      [
        (d) => void (d.weightsManifest[0]!.paths = ['../mlp/group1-shard1of1.bin']),
        /not a file name beside model\.json/,
      ],
      [(d) => void (d.weightsManifest = {} as never), /expected weightsManifest to be a list/],
      [
        (d) => void (d.modelTopology.config.layers[0]!.config.units = 0),
        /units 0 \(expected a positive integer\)/,
      ],
      [
        (d) => void delete d.modelTopology.config.layers[0]!.config.batch_input_shape,
        /declares no input shape/,
      ],
    ];
    for (const [edit, pattern] of cases) {
      expect((await loadError(await variant('mlp', edit))).message).toMatch(pattern);
    }
  });
});

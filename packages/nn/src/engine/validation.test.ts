// Run-time argument checks of nn for JS callers: layer options (declared once per class and
// checked in the Layer constructor, from code and from model.json alike), factory and method
// arity, and non-tensor data given to models. Each case failed before the checks existed.

import '@nabla/backend-cpu';
import { ArgumentError, DTypeError, memory, NablaError, ones, setBackend, tensor, zeros } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nn from '../index.js';
import { batchNormalization, conv2d, Dense, dense, dropout, embedding, reshape } from '../layers/index.js';
import { model } from './functional.js';
import { input } from './input-layer.js';
import { layerFromConfig } from './registry.js';
import { sequential } from './sequential.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** One valid options object per layer factory, for the key checks below. */
const VALID: Record<string, Record<string, unknown>> = {
  dense: { units: 2 },
  activation: { activation: 'relu' },
  dropout: { rate: 0.5 },
  flatten: {},
  reshape: { targetShape: [2, -1] },
  conv2d: { filters: 2, kernelSize: 3 },
  conv2dTranspose: { filters: 2, kernelSize: 3 },
  depthwiseConv2d: { kernelSize: 3 },
  batchNormalization: {},
  layerNormalization: {},
  embedding: { inputDim: 4, outputDim: 2 },
  multiHeadAttention: { numHeads: 1, keyDim: 2 },
  simpleRNN: { units: 2 },
  lstm: { units: 2 },
  gru: { units: 2 },
  maxPooling2d: {},
  averagePooling2d: {},
  globalAveragePooling2d: {},
  globalMaxPooling2d: {},
  add: {},
  subtract: {},
  multiply: {},
  average: {},
  maximum: {},
  minimum: {},
  concatenate: {},
};

const factory = (name: string) => (nn as unknown as Record<string, (...a: unknown[]) => nn.Layer>)[name]!;

describe('layer options', () => {
  it('dense() with no options names the layer and the required key', () => {
    expect(() => (dense as (...a: unknown[]) => unknown)()).toThrow(ArgumentError);
    expect(() => (dense as (...a: unknown[]) => unknown)()).toThrow(
      /^dense: expected an options object with units, got undefined$/,
    );
    expect(() => dense({} as never)).toThrow(/dense: expected units to be given \(a positive integer\)/);
  });

  it('every layer factory rejects an unknown key, suggesting the closest valid one', () => {
    for (const [name, options] of Object.entries(VALID)) {
      const make = factory(name);
      make(options).dispose();
      expect(() => make({ ...options, nmae: 'x' }), name).toThrow(ArgumentError);
      expect(() => make({ ...options, nmae: 'x' }), name).toThrow(
        new RegExp(`^${name}: unknown option 'nmae'; did you mean 'name'\\? \\(valid: .*name`),
      );
      expect(() => make(options, 2), name).toThrow(new RegExp(`^${name}: expected at most 1 argument`));
    }
    expect(() => dense({ units: 3, unitz: 4 } as never)).toThrow(
      /unknown option 'unitz'; did you mean 'units'\?/,
    );
    expect(() => input({ shape: [3], trainable: true } as never)).toThrow(
      /input: unknown option 'trainable'/,
    );
  });

  it('options must be a plain object', () => {
    expect(() => dense(Object.create({ units: 3 }))).toThrow(/dense: expected an options object/);
    expect(() => dense([3] as never)).toThrow(/dense: expected an options object/);
    expect(() => batchNormalization(null as never)).toThrow(/batchNormalization: expected an options object/);
    expect(() => nn.flatten('x' as never)).toThrow(/flatten: expected an options object/);
  });

  it('values have the right kind and range', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => batchNormalization({ momentum: 5 }),
        /batchNormalization: expected momentum to be a finite number in \[0, 1\], got 5/,
      ],
      [() => batchNormalization({ epsilon: 0 }), /expected epsilon to be a finite number > 0/],
      [() => batchNormalization({ axis: 1.5 }), /expected axis to be an integer/],
      [() => dropout({ rate: 1 }), /dropout: expected rate to be a finite number in \[0, 1\)/],
      [() => dropout({ rate: Number.NaN }), /expected rate/],
      [() => dense({ units: '3' as never }), /dense: expected units to be a positive integer, got "3"/],
      [() => dense({ units: 2, useBias: 1 as never }), /expected useBias to be a boolean/],
      [
        () => conv2d({ filters: 2, kernelSize: [3] as never }),
        /expected kernelSize to be a positive integer or a pair/,
      ],
      [
        () => conv2d({ filters: 2, kernelSize: 3, padding: 'full' as never }),
        /expected padding to be one of 'valid', 'same'/,
      ],
      [
        () => reshape({ targetShape: [-1, -1] }),
        /expected targetShape to be an array of non-negative integers \(at most one -1\)/,
      ],
      [
        () => embedding({ inputDim: 4, outputDim: -2 }),
        /expected outputDim to be a positive integer, got -2/,
      ],
      [
        () => dense({ units: 2, inputShape: [3, -1] }),
        /expected inputShape to be an array of non-negative integers/,
      ],
      [() => dense({ units: 2, name: 7 as never }), /dense: expected name to be a non-empty string, got 7/],
      [
        () => dense({ units: 2, kernelInitializer: { name: 'constant', config: { valu: 1 } } }),
        /dense: kernelInitializer \(constant\): unknown option 'valu'; did you mean 'value'\?/,
      ],
      [
        () => dense({ units: 2, kernelRegularizer: { name: 'l2', config: { l2: -1 } } }),
        /expected l2 to be a finite number >= 0/,
      ],
    ];
    for (const [call, message] of cases) expect(call, String(message)).toThrow(message);
    expect(() => dense({ units: 2, dtype: 'float16' as never })).toThrow(DTypeError);
  });

  it('named layers are named in their option errors', () => {
    expect(() => dense({ units: 0, name: 'my_dense' })).toThrow(
      /^my_dense: expected units to be a positive integer/,
    );
  });

  it('reads each option once: a getter cannot pass the check and answer differently later', () => {
    let reads = 0;
    const options = {
      get units() {
        reads++;
        return reads === 1 ? 3 : 'garbage';
      },
    };
    const layer = dense(options as never);
    expect(layer.units).toBe(3);
    const y = layer.apply(ones([1, 2]));
    expect(y.shape).toEqual([1, 3]);
    y.dispose();
    layer.dispose();
    expect(reads).toBe(1);
  });

  it('fromConfig goes through the same checks, naming the class and the key', () => {
    const config = new Dense({ units: 2, inputShape: [3] }).getConfig();
    expect(layerFromConfig({ className: 'Dense', config }).className).toBe('Dense');
    expect(() => layerFromConfig({ className: 'Dense', config: { ...config, unitz: 4 } })).toThrow(
      /^Dense config: unknown option 'unitz'; did you mean 'units'\?/,
    );
    expect(() => layerFromConfig({ className: 'Dense', config: { ...config, units: -1 } })).toThrow(
      /^Dense config: expected 'units' to be a positive integer, got -1/,
    );
    expect(() => layerFromConfig({ className: 'BatchNormalization', config: { momentum: 2 } })).toThrow(
      /^BatchNormalization config: expected 'momentum'/,
    );
    expect(() => layerFromConfig({ className: 'InputLayer', config: { shape: ['a'] } })).toThrow(
      /^InputLayer config: expected 'shape'/,
    );
  });
});

describe('method options', () => {
  it('are plain objects read once: no inherited keys, no getter answering twice', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([4, 3]);
    const y = ones([4, 2]);
    await expect(m.fit(x, y, Object.create({ epochs: 2 }))).rejects.toThrow(
      /fit: expected an options object/,
    );
    expect(() => m.predict(x, Object.create({ batchSize: 2 }))).toThrow(
      /predict: expected an options object/,
    );
    let reads = 0;
    const options = {
      get batchSize() {
        reads++;
        return reads === 1 ? 2 : 0;
      },
    };
    const out = m.predict(x, options as never);
    expect(out.shape).toEqual([4, 2]);
    expect(reads).toBe(1);
    for (const t of [out, x, y]) t.dispose();
    m.dispose();
  });
});

describe('model configs', () => {
  it('unknown keys in a saved sequential or functional config are errors, not ignored', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    const config = JSON.parse(JSON.stringify(m.getConfig())) as Record<string, unknown>;
    m.dispose();
    expect(() => layerFromConfig({ className: 'Sequential', config: { ...config, layer: [] } })).toThrow(
      /^Sequential config: unknown key 'layer'; did you mean 'layers'\?/,
    );
    expect(() =>
      layerFromConfig({ className: 'Sequential', config: { ...config, buildInputShape: 'x' } }),
    ).toThrow(/Sequential config: expected 'buildInputShape' to be an array of sizes/);
    const layers = config.layers as Record<string, unknown>[];
    expect(() =>
      layerFromConfig({
        className: 'Sequential',
        config: { ...config, layers: [{ ...layers[0], extra: 1 }] },
      }),
    ).toThrow(/Sequential config: layers\[0\]: unknown key 'extra'/);
    const x = input({ shape: [3] });
    const f = model({ inputs: x, outputs: dense({ units: 2 }).apply(x) });
    const fc = JSON.parse(JSON.stringify(f.getConfig())) as Record<string, unknown>;
    f.dispose();
    const again = layerFromConfig({ className: 'Functional', config: fc });
    again.dispose();
    expect(() => layerFromConfig({ className: 'Functional', config: { ...fc, outputLayer: [] } })).toThrow(
      /^Functional config: unknown key 'outputLayer'; did you mean 'outputLayers'\?/,
    );
  });
});

describe('model entry points', () => {
  const net = () => sequential([dense({ units: 2, inputShape: [3] })]);

  it('sequential and model check their arguments', () => {
    expect(() => sequential([1, 2] as never)).toThrow(
      /^sequential: expected layers\[0\] to be a layer, got 1/,
    );
    expect(() => sequential([], 3 as never)).toThrow(/^sequential: expected an options object, got 3/);
    expect(() => sequential([], { nam: 'x' } as never)).toThrow(
      /sequential: unknown option 'nam'; did you mean 'name'\?/,
    );
    expect(() => (sequential as (...a: unknown[]) => unknown)([], {}, 1)).toThrow(
      /^sequential: expected at most 2/,
    );
    expect(() => sequential('abc' as never)).toThrow(/sequential: expected layers to be an array of layers/);
    const x = input({ shape: [3] });
    const y = dense({ units: 2 }).apply(x);
    expect(() => model({ inputs: 'x' as never, outputs: y })).toThrow(/^model: .*inputs.*symbolic tensor/);
    expect(() => model({ inputs: x, outputs: [] })).toThrow(/model: .*outputs.*got an empty array/);
    expect(() => model({ inputs: x, outputs: y, nam: 'm' } as never)).toThrow(/model: unknown option 'nam'/);
    expect(() => (model as (...a: unknown[]) => unknown)()).toThrow(
      /^model: expected an options object with inputs, outputs/,
    );
    const m = sequential();
    expect(() => m.add(5 as never)).toThrow(/add expected a layer, got 5/);
    m.dispose();
  });

  it('predict, evaluate, fit and trainOnBatch reject non-tensor data naming the method', async () => {
    const m = net();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([4, 3]);
    const y = ones([4, 2]);
    expect(() => m.predict('x' as never)).toThrow(ArgumentError);
    expect(() => m.predict('x' as never)).toThrow(
      /predict: expected x to be a tensor or a non-empty array of tensors, got "x"/,
    );
    expect(() => m.predict([[1, 2, 3]] as never)).toThrow(/make one with tensor\(\.\.\.\) first/);
    expect(() => (m.predict as (...a: unknown[]) => unknown)(x, {}, 3)).toThrow(
      /predict: expected at most 2/,
    );
    expect(() => m.predictOutputs({} as never)).toThrow(/predictOutputs: expected x/);
    await expect(m.predictAsync(3 as never)).rejects.toThrow(/predictAsync: expected x/);
    await expect(m.evaluate('abc' as never, y)).rejects.toThrow(
      /evaluate: expected x and y tensors, or a dataset/,
    );
    await expect(m.evaluate(x, [[1, 2]] as never)).rejects.toThrow(/evaluate: expected y to be a tensor/);
    await expect((m.evaluate as (...a: unknown[]) => Promise<unknown>)(x, y, {}, 1)).rejects.toThrow(
      /evaluate: expected at most 3/,
    );
    await expect(m.fit('x' as never, 'y' as never)).rejects.toThrow(
      /fit: expected x and y tensors, or a dataset/,
    );
    await expect(m.fit(x, [1, 2] as never)).rejects.toThrow(/fit: expected y to be a tensor/);
    await expect((m.fit as (...a: unknown[]) => Promise<unknown>)(x, y, {}, 1)).rejects.toThrow(
      /fit: expected at most 3/,
    );
    await expect(m.fitDataset(x as never)).rejects.toThrow(/fitDataset: expected a dataset/);
    await expect(m.trainOnBatch(x, { y } as never)).rejects.toThrow(
      /trainOnBatch: expected y to be a tensor/,
    );
    await expect((m.trainOnBatch as (...a: unknown[]) => Promise<unknown>)(x, y, 1)).rejects.toThrow(
      /trainOnBatch: expected at most 2/,
    );
    const weights = m.getWeights();
    expect(() => (m.getWeights as (...a: unknown[]) => unknown)(1)).toThrow(/getWeights: expected at most 0/);
    expect(() => (m.setWeights as (...a: unknown[]) => unknown)(weights, 1)).toThrow(
      /setWeights: expected at most 1/,
    );
    expect(() => m.setWeights('ab' as never)).toThrow(/setWeights expected 2 tensors, got "ab"/);
    for (const w of weights) w.dispose();
    expect(() => m.summary('x' as never)).toThrow(/summary: expected printFn to be a function/);
    expect(() => (m.summary as (...a: unknown[]) => unknown)(() => {}, 2)).toThrow(
      /summary: expected at most 1/,
    );
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('apply checks its inputs and context', () => {
    const layer = dense({ units: 2, name: 'dd' });
    const x = ones([1, 3]);
    expect(() => layer.apply('x' as never)).toThrow(
      /^dd: apply expected a tensor, a symbolic tensor or a non-empty array/,
    );
    expect(() => layer.apply([] as never)).toThrow(/got an empty array/);
    expect(() => layer.apply(x, { trainin: true } as never)).toThrow(/dd: apply: unknown option 'trainin'/);
    expect(() => layer.apply(x, { training: 1 } as never)).toThrow(/expected training to be a boolean/);
    expect(() => (layer.apply as (...a: unknown[]) => unknown)(x, {}, 1)).toThrow(
      /dd: apply: expected at most 2/,
    );
    const dead = tensor([[1, 2, 3]]);
    dead.dispose();
    expect(() => layer.apply(dead)).toThrow(NablaError);
    expect(layer.built).toBe(false);
    x.dispose();
    const before = memory().numTensors;
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('errors from inside a layer name it; getLayer and batchSize garbage are typed', () => {
    const mha = nn.multiHeadAttention({ numHeads: 1, keyDim: 2, name: 'att' });
    const q = ones([1, 2, 3]);
    const v = ones([2, 2, 3]);
    const empty = ones([1, 0, 3]);
    expect(() => mha.apply([q, v])).toThrow(/^att: expected query, value and key to match on axis 0/);
    expect(() => mha.apply([q, empty])).toThrow(
      /^att: expected key and value to have at least one time step/,
    );
    const layer = nn.reshape({ targetShape: [5], name: 'rs' });
    expect(() => layer.apply(q)).toThrow(/^rs: /);
    for (const t of [q, v, empty]) t.dispose();
    mha.dispose();
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    expect(() => m.getLayer(5 as never)).toThrow(/getLayer expected a layer name, got 5/);
    const x = ones([4, 3]);
    expect(() => m.predict(x, { batchSize: Object.create(null) })).toThrow(ArgumentError);
    x.dispose();
    m.dispose();
  });

  it('a typed array is raw data, not a dataset', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(m.fitDataset(new Float32Array(12) as never)).rejects.toThrow(
      /fitDataset: expected x and y tensors, or a dataset .* \(make one with tensor\(\.\.\.\) first\)/,
    );
    m.dispose();
  });
});

describe('dataset batches', () => {
  it('a batch whose x or y is not tensors is refused, and its tensors are freed', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await expect(m.fit([{ x: 1, y: 2 }] as never, { verbose: 0 })).rejects.toThrow(
      /fit: dataset batch 0: expected x to be a tensor or a non-empty array of tensors, got 1/,
    );
    const before = memory().numTensors;
    function* bad() {
      yield { x: ones([2, 3]), y: 'labels' };
    }
    await expect(m.fit(bad() as never, { verbose: 0 })).rejects.toThrow(/dataset batch 0: expected y/);
    await expect(m.evaluate(bad() as never)).rejects.toThrow(/^evaluate: dataset batch 0: expected y/);
    expect(memory().numTensors).toBe(before);
    m.dispose();
  });
});

describe('shape rules agree with calls', () => {
  it('flatten and reshape refuse a scalar (no batch axis) in apply and in their shape rule', () => {
    const x = tensor(3);
    for (const layer of [nn.flatten({ name: 'fl' }), reshape({ targetShape: [1], name: 'rs0' })]) {
      expect(() => layer.apply(x)).toThrow(
        /: expected an input with a batch axis \(rank >= 1\), got shape \[\]/,
      );
      expect(() => layer.computeOutputShape([])).toThrow(/expected an input with a batch axis/);
      layer.dispose();
    }
    x.dispose();
  });
});

describe('pooling shape rule', () => {
  it('a pool over an empty spatial axis fails in apply as in its shape rule', () => {
    const x = zeros([0, 0, 0, 0]);
    const pool = nn.maxPooling2d({ padding: 'same', name: 'mp' });
    expect(() => pool.computeOutputShape([null, 0, 0, 0])).toThrow(
      /mp: the pool window 2x2 is larger than the input/,
    );
    expect(() => pool.apply(x)).toThrow(/mp: the pool window 2x2 is larger than the input/);
    x.dispose();
  });

  it('evaluate names the model and the call when the loss refuses the targets', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })], { name: 'ev' });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([4, 3]);
    await expect(m.evaluate(x, x)).rejects.toThrow(
      /^ev: evaluate: mean_squared_error: expected yTrue and yPred/,
    );
    await expect(m.trainOnBatch(x, x)).rejects.toThrow(/^ev: trainOnBatch: /);
    x.dispose();
    m.dispose();
  });
});

describe('layer dtypes and memory', () => {
  it('layers take a float dtype only (integer ids enter through input)', () => {
    expect(() => dense({ units: 2, dtype: 'int32' as never })).toThrow(DTypeError);
    expect(() => dense({ units: 2, dtype: 'int32' as never })).toThrow(
      /expected dtype to be one of 'float32', 'float64'/,
    );
    expect(input({ shape: [3], dtype: 'int32' }).dtype).toBe('int32');
  });

  it('normalization in float64 on a float32 input frees its cast', () => {
    for (const make of [
      () => nn.layerNormalization({ dtype: 'float64' }),
      () => batchNormalization({ dtype: 'float64' }),
    ]) {
      const layer = make();
      const x = ones([2, 3]);
      layer.apply(x).dispose();
      const before = memory().numTensors;
      layer.apply(x, { training: true }).dispose();
      expect(memory().numTensors).toBe(before);
      x.dispose();
      layer.dispose();
    }
  });
});

describe('initializer and regularizer factories called directly', () => {
  it('reject an unknown key or a bad value naming the factory, as their by-name forms do', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => nn.l1l2({ l1: '0.1' } as never), /^l1l2: expected l1 to be a finite number >= 0, got "0.1"/],
      [() => nn.l1({ l2: 0.1 } as never), /^l1: unknown option 'l2'/],
      [() => nn.l2({ l2: -1 }), /^l2: expected l2 to be a finite number >= 0, got -1/],
      [() => nn.glorotUniform({ seed: 1.5 }), /^glorotUniform: expected seed to be an integer, got 1.5/],
      [() => nn.heNormal({ scale: 3 } as never), /^heNormal: unknown option 'scale'/],
      [() => nn.varianceScaling({ mode: 'fan_in' } as never), /^varianceScaling: expected mode to be one of/],
      [() => nn.constant({ value: Number.NaN }), /^constant: expected value to be a finite number, got NaN/],
      [
        () => nn.randomNormalInit({ stddev: -1 }),
        /^randomNormal: expected stddev to be a finite number >= 0/,
      ],
      [
        () => nn.randomUniformInit({ maxval: '1' } as never),
        /^randomUniform: expected maxval to be a finite number/,
      ],
      [
        () => nn.orthogonal({ gain: Number.POSITIVE_INFINITY }),
        /^orthogonal: expected gain to be a finite number/,
      ],
    ];
    for (const [call, message] of bad) {
      expect(call).toThrow(ArgumentError);
      expect(call).toThrow(message);
    }
    expect(nn.l1l2({ l1: 0.1 }).getConfig()).toEqual({ l1: 0.1, l2: 0 });
    expect(nn.l1().getConfig()).toEqual({ l1: 0.01, l2: 0 });
    expect(nn.glorotUniform({ seed: 1 }).getConfig()).toEqual({
      scale: 1,
      mode: 'fanAvg',
      distribution: 'uniform',
      seed: 1,
    });
  });
});

// Every name registry of nn answers only to its own names: 'toString', 'constructor' and the
// other names inherited from Object.prototype are unknown (an ArgumentError listing the valid
// names), in the layer options, in compile, and in a model config as the loader reads it.

import '@nabla/backend-cpu';
import { ArgumentError, setBackend } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../layers/index.js';
import { getInitializer } from '../initializers/initializers.js';
import { activation, dense, getActivation } from '../layers/core.js';
import { getLoss } from '../losses/index.js';
import { getMetric } from '../metrics/index.js';
import { getOptimizer } from '../optimizers/index.js';
import { getRegularizer } from '../regularizers/regularizers.js';
import { NameTable } from './names.js';
import { layerFromConfig } from './registry.js';
import { sequential } from './sequential.js';

const INHERITED = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

beforeAll(async () => {
  await setBackend('cpu');
});

describe('name registries', () => {
  it('NameTable resolves every Keras spelling and suggests the closest name', () => {
    const table = new NameTable([
      ['leakyRelu', 1],
      ['relu', 2],
    ]);
    expect(table.lookup('leaky_relu', 'here', 'thing')).toBe(1);
    expect(table.lookup('LeakyReLU', 'here', 'thing')).toBe(1);
    expect(() => table.lookup('rleu', 'here', 'thing')).toThrow(
      `here: unknown thing "rleu"; did you mean 'relu'? (valid: leakyRelu, relu)`,
    );
    expect(() => table.lookup(3, 'here', 'thing')).toThrow(ArgumentError);
  });

  it('reject names inherited from Object.prototype everywhere', () => {
    for (const name of INHERITED) {
      const calls: [string, () => unknown][] = [
        ['getActivation', () => getActivation(name)],
        ['dense', () => dense({ units: 2, activation: name })],
        ['activation', () => activation({ activation: name })],
        ['getLoss', () => getLoss(name)],
        ['getMetric', () => getMetric(name)],
        ['getOptimizer', () => getOptimizer(name)],
        ['getInitializer', () => getInitializer(name)],
        ['getInitializer', () => getInitializer({ name })],
        ['getRegularizer', () => getRegularizer(name)],
        ['layerFromConfig', () => layerFromConfig({ className: name, config: {} })],
      ];
      for (const [where, call] of calls) {
        expect(call, `${where}(${name})`).toThrow(ArgumentError);
        expect(call, `${where}(${name})`).toThrow(/valid: /);
      }
    }
  });

  it('name the layer and the option in errors', () => {
    expect(() => dense({ units: 2, activation: 'rleu', name: 'd_named' })).toThrow(
      `d_named: unknown activation "rleu"; did you mean 'relu'?`,
    );
    expect(() => dense({ units: 2, kernelInitializer: 'glorot' })).toThrow(
      /dense: kernelInitializer: unknown initializer "glorot"/,
    );
    expect(() => dense({ units: 2, kernelRegularizer: 'l3' })).toThrow(
      /dense: kernelRegularizer: unknown regularizer "l3"/,
    );
    expect(() => layerFromConfig({ className: 'Dens', config: {} })).toThrow(
      /layerFromConfig: unknown layer class 'Dens'; did you mean 'Dense'\?/,
    );
  });

  it('compile rejects unknown losses, metrics and optimizers before fit', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    for (const name of ['constructor', 'toString']) {
      expect(() => m.compile({ loss: 'mse', metrics: [name] })).toThrow(/compile: unknown metric/);
      expect(() => m.compile({ loss: name })).toThrow(/unknown loss/);
      expect(() => m.compile({ loss: 'mse', optimizer: name })).toThrow(/unknown optimizer/);
    }
    expect(m.isCompiled).toBe(false);
    m.dispose();
  });

  it('a model config naming an inherited activation or class does not load', () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    const config = JSON.parse(JSON.stringify(m.getConfig())) as {
      layers: { config: Record<string, unknown> }[];
    };
    m.dispose();
    const layerSpec = config.layers[config.layers.length - 1]!;
    layerSpec.config.activation = 'toString';
    expect(() => layerFromConfig({ className: 'Sequential', config })).toThrow(
      /unknown activation "toString"/,
    );
    expect(() => layerFromConfig({ className: 'constructor', config })).toThrow(
      /unknown layer class 'constructor'/,
    );
  });
});

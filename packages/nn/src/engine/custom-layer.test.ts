// The README's "Writing a layer" example, as written there: its input spec is checked by apply
// and computeOutputShape before build or call, and it trains and revives like a built-in layer.

import '@nabla/backend-cpu';
import { ArgumentError, ones, ShapeError, setBackend, type Tensor, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CallContext,
  Layer,
  type LayerOptions,
  layerFromConfig,
  registerLayerClass,
  type SymbolicShape,
  sequential,
} from '../index.js';

class Scale extends Layer {
  readonly className = 'Scale';
  constructor(options?: LayerOptions) {
    super(options);
    this.inputSpec = { minNdim: 2, known: { [-1]: 'features' } };
  }
  override build(shape: SymbolicShape | SymbolicShape[]) {
    const features = (shape as SymbolicShape).at(-1)!;
    this.addWeight('scale', [features], { initializer: 'ones' });
    this.inputSpec = { minNdim: 2, axes: { [-1]: features } };
  }
  call(x: Tensor | Tensor[], _ctx: CallContext): Tensor {
    return (x as Tensor).mul(this.weights[0]!);
  }
}
registerLayerClass('Scale', Scale);

beforeAll(async () => {
  await setBackend('cpu');
});

describe('a user-written layer', () => {
  it('is checked against its input spec before it builds, and after', async () => {
    const layer = new Scale({ name: 'scale_a' });
    expect(() => layer.apply(tensor([1, 2]))).toThrow(
      new ShapeError('scale_a: expected an input of rank >= 2, got shape [2]'),
    );
    expect(layer.built).toBe(false);
    expect(() => layer.apply([ones([1, 2]), ones([1, 2])])).toThrow(ArgumentError);
    expect(await layer.apply(tensor([[1, 2]])).array()).toEqual([[1, 2]]);
    expect(() => layer.apply(ones([1, 3]))).toThrow(
      'scale_a: expected input axis -1 to be 2, got shape [1,3]',
    );
    expect(() => layer.computeOutputShape([null, 3])).toThrow(ShapeError);
    expect(layer.computeOutputShape([null, 2])).toEqual([null, 2]);
    layer.dispose();
  });

  it('trains in a model and is rebuilt from its config', async () => {
    const m = sequential([new Scale({ inputShape: [3] })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await m.fit(ones([4, 3]), ones([4, 3]).mul(2), { epochs: 2, verbose: 0 });
    expect(h.history.loss![1]!).toBeLessThan(h.history.loss![0]!);
    const copy = layerFromConfig({ className: 'Scale', config: m.layers[0]!.getConfig() });
    expect(copy).toBeInstanceOf(Scale);
    m.dispose();
  });
});

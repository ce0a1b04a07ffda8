// fit, evaluate and predict as a hostile caller sees them: a disposed model throws, a second
// fit is rejected, a failed fit releases what it took and leaves the model usable, timers fire
// during fit, options and labels are checked before any step, and classWeight follows Keras.

import '@nabla/backend-cpu';
import {
  ArgumentError,
  activeBackend,
  BackendError,
  memory,
  ones,
  randomNormal,
  ShapeError,
  setBackend,
  type Tensor,
  tensor,
  zeros,
} from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Callback } from '../callbacks/callback.js';
import { dense } from '../layers/core.js';
import { meanSquaredError } from '../losses/index.js';
import { sgd } from '../optimizers/index.js';
import type { Loss } from '../types.js';
import type { Model } from './model.js';
import { sequential } from './sequential.js';
import type { ClassWeight } from './train-step.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function classifier(classes = 3): Model {
  return sequential([
    dense({
      units: 4,
      activation: 'relu',
      inputShape: [2],
      kernelInitializer: { name: 'glorotUniform', config: { seed: 1 } },
    }),
    dense({
      units: classes,
      activation: 'softmax',
      kernelInitializer: { name: 'glorotUniform', config: { seed: 2 } },
    }),
  ]);
}

function regressor(): Model {
  return sequential([dense({ units: 1, inputShape: [2], kernelInitializer: 'ones' })]);
}

async function values(ts: readonly Tensor[]): Promise<number[][]> {
  return Promise.all(ts.map(async (t) => Array.from(await t.data())));
}

describe('model lifecycle', () => {
  it('a disposed model throws on use instead of rebuilding with fresh weights', async () => {
    const m = regressor();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([4, 2]);
    const y = ones([4, 1]);
    m.predict(x).dispose();
    m.dispose();
    expect(m.isDisposed).toBe(true);
    expect(() => m.predict(x)).toThrow(BackendError);
    expect(() => m.predict(x)).toThrow(/predict on a disposed model/);
    expect(() => m.predictOutputs(x)).toThrow(BackendError);
    expect(() => m.getWeights()).toThrow(BackendError);
    expect(() => m.setWeights([])).toThrow(BackendError);
    expect(() => m.compile({ loss: 'mse' })).toThrow(BackendError);
    expect(() => m.apply(x)).toThrow(BackendError);
    await expect(m.fit(x, y)).rejects.toThrow(BackendError);
    await expect(m.evaluate(x, y)).rejects.toThrow(BackendError);
    await expect(m.predictAsync(x)).rejects.toThrow(BackendError);
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(BackendError);
    await expect(m.save('/nonexistent/never-written')).rejects.toThrow(BackendError);
    expect(() => (m as ReturnType<typeof sequential>).add(dense({ units: 1 }))).toThrow(BackendError);
    expect(m.built).toBe(false);
    x.dispose();
    y.dispose();
  });

  it('a second fit (or trainOnBatch) on the same model is rejected while the first runs', async () => {
    const m = regressor();
    m.compile({ optimizer: sgd({ learningRate: 0.01 }), loss: 'mse' });
    const x = ones([16, 2]);
    const y = ones([16, 1]);
    const first = m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/fit while fit is already running/);
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(ArgumentError);
    expect(() => m.compile({ loss: 'mae' })).toThrow(/compile while fit is running/);
    const h = await first;
    expect(h.history.loss).toHaveLength(2);
    // Once the first is done, training works again.
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('a model disposed during fit makes that fit fail, freeing what it held', async () => {
    const m = regressor();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([16, 2]);
    const y = ones([16, 1]);
    const before = memory().numTensors;
    const stop = new (class extends Callback {
      override onBatchEnd(batch: number): void {
        if (batch === 1) m.dispose();
      }
    })();
    await expect(m.fit(x, y, { batchSize: 4, verbose: 0, callbacks: [stop] })).rejects.toThrow(BackendError);
    expect(memory().numTensors).toBeLessThanOrEqual(before);
    x.dispose();
    y.dispose();
  });
});

describe('setWeights', () => {
  it('sets every weight or none', async () => {
    const m = classifier(3);
    const before = await values(m.getWeights());
    const good = m.getWeights().map((w) => w.add(1));
    const bad = [...good.slice(0, 3), ones([7])];
    expect(() => m.setWeights(bad)).toThrow(ShapeError);
    expect(await values(m.getWeights())).toEqual(before);
    const dead = ones([3]);
    dead.dispose();
    expect(() => m.setWeights([...good.slice(0, 3), dead])).toThrow(BackendError);
    expect(await values(m.getWeights())).toEqual(before);
    m.setWeights(good);
    expect(await values(m.getWeights())).toEqual(await values(good));
    for (const t of good) t.dispose();
    bad[3]!.dispose();
    m.dispose();
  });
});

describe('a failed fit', () => {
  for (const where of ['loss', 'metric', 'callback', 'dataset']) {
    it(`(${where} throws on batch 3) releases everything and leaves the model usable`, async () => {
      const before = memory().numTensors;
      const m = classifier();
      let calls = 0;
      const mse = meanSquaredError();
      const flaky: Loss = {
        name: 'flaky',
        config: {},
        fn: (t, p, w) => {
          if (where === 'loss' && ++calls === 3) throw new Error('injected loss failure');
          return mse.fn(t, p, w);
        },
      };
      const optimizer = sgd({ learningRate: 0.1, momentum: 0.9 });
      // A metric updates after the step's losses are kept for logging, so its failure must free them.
      const failingMetric = {
        name: 'failing',
        update: () => {
          if (where === 'metric' && ++calls === 3) throw new Error('injected metric failure');
        },
        result: () => zeros([]),
        reset: () => {},
        dispose: () => {},
      };
      m.compile({ optimizer, loss: flaky, metrics: ['mae', failingMetric] });
      const x = randomNormal([32, 2], { seed: 3 });
      const y = zeros([32, 3]);
      const callbacks =
        where === 'callback'
          ? [
              {
                onBatchBegin: (batch: number) => {
                  if (batch === 2) throw new Error('injected callback failure');
                },
              },
            ]
          : [];
      const fitting =
        where === 'dataset'
          ? m.fit(
              (function* () {
                for (let i = 0; i < 4; i++) {
                  if (i === 2) throw new Error('injected dataset failure');
                  yield { x: randomNormal([8, 2], { seed: i }), y: zeros([8, 3]) };
                }
              })(),
              { verbose: 0 },
            )
          : m.fit(x, y, { batchSize: 8, verbose: 0, shuffle: false, callbacks });
      await expect(fitting).rejects.toThrow(/injected/);
      // Only the weights, the optimizer's momentum slots and x, y remain.
      const weights = m.weights.length + m.optimizer.getWeights().length;
      expect(memory().numTensors).toBe(before + weights + 2);
      // The model still trains, and nothing stays pinned: dispose frees every weight.
      calls = 100;
      const h = await m.fit(x, y, { batchSize: 8, verbose: 0 });
      expect(Number.isFinite(h.history.loss![0])).toBe(true);
      m.dispose();
      optimizer.dispose(); // given to compile, so the caller's to free
      x.dispose();
      y.dispose();
      expect(memory().numTensors).toBe(before);
    });
  }
});

describe('fit yields to the event loop', () => {
  it('timers fire during a multi-batch fit', async () => {
    const m = regressor();
    m.compile({ optimizer: sgd({ learningRate: 0.001 }), loss: 'mse' });
    const x = ones([64, 2]);
    const y = ones([64, 1]);
    for (const yieldEvery of ['batch', 'auto', 0] as const) {
      let batches = 0;
      // The batch count when the timer first fires: below 128 means it fired during fit. A
      // count of ticks would depend on how fast the machine runs the batches.
      let firstTickAt: number | undefined;
      const timer = setInterval(() => {
        firstTickAt ??= batches;
      }, 0);
      const counter = { onBatchEnd: () => void batches++ };
      try {
        // 'auto' yields by time; 64 batches of work with a ~0 ms timer still see it fire when
        // the period is reached, so ask for 0 ms (yield after every batch that took any time).
        await m.fit(x, y, { epochs: 2, batchSize: 1, verbose: 0, yieldEvery, callbacks: [counter] });
      } finally {
        clearInterval(timer);
      }
      expect(batches).toBe(128);
      if (yieldEvery !== 'auto') expect(firstTickAt).toBeLessThan(128);
    }
    // 'never' keeps the old behaviour: no timer runs until fit is done.
    let ticks = 0;
    const timer = setTimeout(() => ticks++, 0);
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0, yieldEvery: 'never' });
    expect(ticks).toBe(0);
    clearTimeout(timer);
    // evaluate and predictAsync yield too.
    let evalTicks = 0;
    const t2 = setInterval(() => void evalTicks++, 0);
    await m.evaluate(x, y, { batchSize: 2, yieldEvery: 'batch' });
    const [p] = await m.predictAsync(x, { batchSize: 2, yieldEvery: 'batch' });
    clearInterval(t2);
    // Without a macrotask yield inside them the interval could not fire before clearInterval.
    expect(evalTicks).toBeGreaterThan(0);
    expect(p!.shape).toEqual([64, 1]);
    expect(await values([p!])).toEqual(await values([m.predict(x)]));
    p!.dispose();
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('FinalizationRegistry callbacks run during fit, not only after it', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'vitest runs with --expose-gc').toBeTypeOf('function');
    const m = regressor();
    m.compile({ optimizer: sgd({ learningRate: 0.001 }), loss: 'mse' });
    const x = ones([16, 2]);
    const y = ones([16, 1]);
    for (const [yieldEvery, expected] of [
      ['batch', 1],
      ['never', 0],
    ] as const) {
      let finalized = 0;
      const registry = new FinalizationRegistry(() => {
        finalized++;
      });
      let seen = -1;
      const probe = {
        onBatchEnd: (batch: number) => {
          if (batch === 0) {
            // Made in a frame of its own, so nothing on this one still holds it.
            (() => registry.register({}, 0))();
            gc?.();
          }
          if (batch === 7) seen = finalized;
        },
      };
      await m.fit(x, y, { batchSize: 2, verbose: 0, yieldEvery, callbacks: [probe] });
      expect(seen, `yieldEvery: '${yieldEvery}'`).toBe(expected);
    }
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it("'auto' yields by time: a slow step lets a timer run during fit", async () => {
    const m = regressor();
    m.compile({ optimizer: sgd({ learningRate: 0.001 }), loss: 'mse' });
    const x = ones([8, 2]);
    const y = ones([8, 1]);
    let fired = 0;
    const timer = setTimeout(() => fired++, 0);
    const slow = {
      onBatchEnd: () => {
        const end = Date.now() + 20;
        while (Date.now() < end) {
          // busy: longer than the 16 ms period of 'auto'
        }
      },
    };
    let firedDuringFit = 0;
    const probe = { onEpochEnd: () => void (firedDuringFit = fired) };
    await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [slow, probe] });
    clearTimeout(timer);
    expect(firedDuringFit).toBe(1);
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('fit options', () => {
  it('are validated before any step, naming the option', async () => {
    const m = regressor();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([8, 2]);
    const y = ones([8, 1]);
    const w0 = await values(m.getWeights());
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ epochs: -1 }, /fit: expected epochs to be an integer >= 1, got -1/],
      [{ epochs: Number.NaN }, /expected epochs to be an integer >= 1, got NaN/],
      [{ epochs: '2' }, /expected epochs to be an integer >= 1, got "2"/],
      [{ epochs: 1.5 }, /expected epochs/],
      [{ batchSize: 0 }, /expected batchSize/],
      [{ batchSize: '8' }, /expected batchSize/],
      [
        { validationSplit: Number.NaN },
        /expected validationSplit to be a finite number in \[0, 1\), got NaN/,
      ],
      [{ validationSplit: 1 }, /expected validationSplit/],
      [{ validationSplit: -0.1 }, /expected validationSplit/],
      [{ initialEpoch: -1 }, /expected initialEpoch/],
      [{ verbose: 3 }, /expected verbose to be one of 0, 1, 2, got 3/],
      [{ verbose: true }, /expected verbose/],
      [{ shuffle: 'yes' }, /expected shuffle to be a boolean/],
      [{ callbacks: {} }, /expected callbacks to be an array/],
      [{ callbacks: [null] }, /expected callbacks\[0\] to be a callback object/],
      [{ callbacks: [{ onEpochEnd: 3 }] }, /expected callbacks\[0\].onEpochEnd to be a function/],
      [{ yieldEvery: 'sometimes' }, /expected yieldEvery/],
      [{ yieldEvery: -1 }, /expected yieldEvery/],
      [{ epoch: 2 }, /fit: unknown option 'epoch'; did you mean 'epochs'\? \(valid: epochs, /],
      [{ batchesPerEpoch: 2 }, /unknown option 'batchesPerEpoch'/],
      [{ sampleWeight: [1, 2] }, /expected sampleWeight to be a tensor/],
      [{ validationData: 5 }, /expected validationData/],
      [{ seed: Number.NaN }, /expected seed/],
      [{ writer: {} }, /expected writer/],
      [{ classWeight: 'balanced' }, /expected classWeight/],
    ];
    for (const [options, message] of bad) {
      await expect(m.fit(x, y, options as never), JSON.stringify(options)).rejects.toThrow(message);
      await expect(m.fit(x, y, options as never)).rejects.toThrow(ArgumentError);
    }
    await expect(m.fit(x, y, 'fast' as never)).rejects.toThrow(/fit: expected an options object/);
    await expect(m.fit([{ x, y }], { batchSize: 4 } as never)).rejects.toThrow(/unknown option 'batchSize'/);
    await expect(m.fit([{ x, y }], { batchesPerEpoch: 0 })).rejects.toThrow(/expected batchesPerEpoch/);
    await expect(m.fit(5 as never)).rejects.toThrow(/fit: expected x and y tensors, or a dataset/);
    expect(await values(m.getWeights())).toEqual(w0);
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it('evaluate, predict and compile options are validated too', async () => {
    const m = regressor();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = ones([8, 2]);
    const y = ones([8, 1]);
    await expect(m.evaluate(x, y, { batchsize: 2 } as never)).rejects.toThrow(
      /evaluate: unknown option 'batchsize'; did you mean 'batchSize'\?/,
    );
    await expect(m.evaluate(x, y, { batchSize: -1 })).rejects.toThrow(/evaluate: expected batchSize/);
    await expect(m.evaluate(x, y, { callbacks: 3 } as never)).rejects.toThrow(/evaluate: expected callbacks/);
    await expect(m.evaluate(x, y, { sampleWeight: ones([3]) })).rejects.toThrow(ShapeError);
    await expect(m.evaluate(x)).rejects.toThrow(/evaluate\(x, y\) expected targets y/);
    expect(() => m.predict(x, { batchSize: 0 })).toThrow(/predict: expected batchSize/);
    expect(() => m.predict(x, { batch: 2 } as never)).toThrow(/predict: unknown option 'batch'/);
    expect(() => m.compile({ loss: 'mse', metric: ['mae'] } as never)).toThrow(
      /compile: unknown option 'metric'; did you mean 'metrics'\?/,
    );
    expect(() => m.compile({ optimizer: 'sgd' } as never)).toThrow(/compile: expected a loss/);
    expect(() => m.compile({ loss: 'mse', metrics: 'mae' } as never)).toThrow(
      /compile: expected metrics to be an array/,
    );
    expect(() => m.compile({ loss: 'mse', metrics: [3] } as never)).toThrow(
      /compile: expected a metric name/,
    );
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('fit checks targets against the loss', () => {
  it('rejects sparse labels out of range or not integers, before any step', async () => {
    const m = classifier(3);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = randomNormal([6, 2], { seed: 1 });
    const w0 = await values(m.getWeights());
    const cases: [Tensor, RegExp][] = [
      [
        tensor([0, 1, 2, 7, 1, 0], [6], 'int32'),
        /got 1 of 6 labels outside it or not integers \(labels range over \[0, 7\]\)/,
      ],
      [tensor([0, 1, -1, 2, 1, 0]), /labels range over \[-1, 2\]/],
      [
        tensor([0, 1, 1.5, 2, 1, 0]),
        /sparse_categorical_crossentropy expects integer labels in \[0, 3\) for the model's 3 classes/,
      ],
      [tensor([0, 1, Number.NaN, 2, 1, 0]), /1 of 6 labels/],
    ];
    for (const [y, message] of cases) {
      await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(message);
      await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(ArgumentError);
      await expect(m.fit([{ x, y: y.clone() }], { verbose: 0 })).rejects.toThrow(message);
      await expect(m.trainOnBatch(x, y)).rejects.toThrow(message);
      await expect(m.evaluate(x, y)).rejects.toThrow(
        message.source.includes('labels') ? /evaluate: / : message,
      );
      await expect(m.evaluate([{ x, y: y.clone() }])).rejects.toThrow(
        /evaluate: sparse_categorical_crossentropy/,
      );
      // validationData is checked too.
      const good = tensor([0, 1, 2, 0, 1, 2], [6], 'int32');
      await expect(m.fit(x, good, { verbose: 0, validationData: [x, y] })).rejects.toThrow(message);
      good.dispose();
      y.dispose();
    }
    expect(await values(m.getWeights())).toEqual(w0);
    const ok = tensor([[0], [1], [2], [0], [1], [2]]);
    await m.fit(x, ok, { verbose: 0 });
    ok.dispose();
    m.dispose();
    x.dispose();
  });

  it('rejects one-hot and binary targets of the wrong shape', async () => {
    const m = classifier(3);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const x = ones([4, 2]);
    const sparse = tensor([0, 1, 2, 0]);
    await expect(m.fit(x, sparse, { verbose: 0 })).rejects.toThrow(
      /fit: categorical_crossentropy expects one-hot targets of the output's shape \[None,3\], got \[4\]/,
    );
    await expect(m.fit(x, ones([4, 4]), { verbose: 0 })).rejects.toThrow(ShapeError);
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await expect(m.fit(x, ones([4, 2]), { verbose: 0 })).rejects.toThrow(
      /binary_crossentropy expects targets/,
    );
    const b = sequential([dense({ units: 1, inputShape: [2], activation: 'sigmoid' })]);
    b.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    await b.fit(x, ones([4]), { verbose: 0 });
    await b.fit(x, ones([4, 1]), { verbose: 0 });
    b.dispose();
    m.dispose();
    x.dispose();
    sparse.dispose();
  });
});

describe('History', () => {
  it('keeps a metric named after an Object.prototype member as its own list', async () => {
    const m = regressor();
    const odd = {
      name: 'constructor',
      update: () => {},
      result: () => zeros([]),
      reset: () => {},
      dispose: () => {},
    };
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [odd] });
    const x = ones([4, 2]);
    const y = ones([4, 1]);
    const h = await m.fit(x, y, { epochs: 2, verbose: 0 });
    expect(Object.hasOwn(h.history, 'constructor')).toBe(true);
    expect(h.history.constructor).toEqual([0, 0]);
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('classWeight', () => {
  it('gives weight 1 to classes it does not list, as Keras', async () => {
    const x = randomNormal([6, 2], { seed: 4 });
    const y = tensor([0, 1, 2, 2, 1, 0], [6], 'int32');
    const losses: number[] = [];
    const weights: (ClassWeight | undefined)[] = [undefined, { 0: 1 }, [1], { 0: 1, 1: 1, 2: 1 }];
    for (const classWeight of weights) {
      const m = classifier(3);
      m.compile({ optimizer: sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
      const h = await m.fit(x, y, { verbose: 0, shuffle: false, classWeight });
      losses.push(h.history.loss![0]!);
      m.dispose();
    }
    for (const l of losses) expect(l).toBeCloseTo(losses[0]!, 6);
    x.dispose();
    y.dispose();
  });

  it('validates its keys and values', async () => {
    const m = classifier(3);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = ones([3, 2]);
    const y = tensor([0, 1, 2], [3], 'int32');
    const bad: [unknown, RegExp][] = [
      [{ 3: 1 }, /classWeight names class 3, but the model's output has 3 classes/],
      [{ '-1': 1 }, /expected classWeight keys to be class indices/],
      [{ a: 1 }, /expected classWeight keys to be class indices/],
      [{ 0: -1 }, /expected classWeight\[0\] to be a finite number >= 0, got -1/],
      [{ 0: Number.NaN }, /expected classWeight\[0\]/],
      [{ 0: '2' }, /expected classWeight\[0\]/],
      [[1, 1, 1, 1], /names class 3/],
    ];
    for (const [classWeight, message] of bad) {
      await expect(m.fit(x, y, { verbose: 0, classWeight: classWeight as never })).rejects.toThrow(message);
    }
    m.dispose();
    x.dispose();
    y.dispose();
  });
});

describe('host round trips', () => {
  it('fit reads the device once per batch, validation included, and metrics stay on the device', async () => {
    const backend = activeBackend();
    const m = classifier();
    m.compile({
      optimizer: sgd({ learningRate: 0.1 }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const x = randomNormal([40, 2], { seed: 5 });
    const y = tensor(
      Array.from({ length: 40 }, (_, i) => i % 3),
      [40],
      'int32',
    );
    const vx = randomNormal([12, 2], { seed: 6 });
    const vy = tensor(
      Array.from({ length: 12 }, (_, i) => i % 3),
      [12],
      'int32',
    );
    // A first fit builds the model and checks the labels (reads of their own); then count.
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    let reads = 0;
    const read = backend.read.bind(backend);
    const readSync = backend.readSync?.bind(backend);
    backend.read = (...args) => {
      reads++;
      return read(...args);
    };
    if (readSync) {
      backend.readSync = (...args) => {
        reads++;
        return readSync(...args);
      };
    }
    try {
      const history = await m.fit(x, y, {
        epochs: 2,
        batchSize: 8,
        validationData: [vx, vy],
        validationBatchSize: 4,
        verbose: 0,
      });
      expect(history.history.accuracy).toHaveLength(2);
      // 2 epochs × (5 training batches of 8 + 3 validation batches of 4), plus one read each of
      // the training and validation labels' range, checked once before any step.
      expect(reads).toBe(2 * (5 + 3) + 2);
    } finally {
      backend.read = read;
      if (readSync) backend.readSync = readSync;
      for (const t of [x, y, vx, vy]) t.dispose();
      m.dispose();
    }
  });
});

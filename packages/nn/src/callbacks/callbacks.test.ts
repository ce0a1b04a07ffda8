// Tests of the callbacks: hook order with instances and plain objects, earlyStopping (with best
// weights), reduceLROnPlateau, csvLogger and modelCheckpoint writing files.

import '@nabla/backend-cpu';
import '../io/node-setup.js'; // Node's file system for csvLogger and the folder handler of modelCheckpoint's saves
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, randomNormal, setBackend, tensor } from '@nabla/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequential } from '../engine/sequential.js';
import { dense } from '../layers/core.js';
import { sgd } from '../optimizers/index.js';
import { Callback, type Logs } from './callback.js';
import { csvLogger } from './csv-logger.js';
import { earlyStopping } from './early-stopping.js';
import { modelCheckpoint } from './model-checkpoint.js';
import { reduceLROnPlateau } from './reduce-lr-on-plateau.js';

let dir = '';

beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'nabla-callbacks-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tiny(lr = 0.1) {
  const m = sequential([dense({ units: 1, inputShape: [3] })]);
  m.compile({ optimizer: sgd({ learningRate: lr }), loss: 'mse' });
  return m;
}

const x = () => randomNormal([16, 3], { seed: 1 });
const y = () => randomNormal([16, 1], { seed: 2 });

describe('callbacks', () => {
  it('calls hooks in order on instances and plain objects (async too)', async () => {
    const events: string[] = [];
    class Recorder extends Callback {
      override async onTrainBegin() {
        await new Promise((r) => setTimeout(r, 1));
        events.push(`train:${this.params?.epochs}:${this.params?.steps}`);
      }
      override onEpochEnd(epoch: number, logs?: Logs) {
        events.push(`epoch:${epoch}:${Object.keys(logs ?? {}).join(',')}`);
      }
    }
    const plain = {
      onBatchEnd: (batch: number) => {
        events.push(`batch:${batch}`);
      },
      onTrainEnd: () => {
        events.push('end');
      },
    };
    const m = tiny();
    await m.fit(x(), y(), { epochs: 2, batchSize: 8, verbose: 0, callbacks: [new Recorder(), plain] });
    expect(events).toEqual([
      'train:2:2',
      'batch:0',
      'batch:1',
      'epoch:0:loss',
      'batch:0',
      'batch:1',
      'epoch:1:loss',
      'end',
    ]);
  });

  it('earlyStopping stops when the monitored value stalls, and restores the best weights', async () => {
    const m = tiny(0);
    const stopper = earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const h = await m.fit(x(), y(), { epochs: 20, verbose: 0, callbacks: [stopper] });
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(stopper.stoppedEpoch).toBe(2);
    expect(m.stopTraining).toBe(true);
  });

  it('earlyStopping restores the weights of the best epoch', async () => {
    const m = tiny(0);
    m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'mse' });
    let atBest: Float32Array[] = [];
    const recorder = {
      onEpochEnd: async (epoch: number) => {
        if (epoch === 0)
          atBest = await Promise.all(m.getWeights().map(async (w) => (await w.data()) as Float32Array));
      },
    };
    // Diverging updates: the loss of epoch 0 stays the best.
    const h = await m.fit(tensor([[1e3, 1e3, 1e3]]), tensor([[0]]), {
      epochs: 10,
      verbose: 0,
      callbacks: [recorder, earlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true })],
    });
    expect(h.epoch).toEqual([0, 1, 2]);
    const restored = await Promise.all(m.getWeights().map((w) => w.data()));
    expect(restored).toEqual(atBest);
  });

  it('earlyStopping does not stop while the value improves', async () => {
    const m = tiny(0.05);
    const before = memory().numTensors;
    const h = await m.fit(x(), y(), {
      epochs: 6,
      verbose: 0,
      validationData: [x(), y()],
      callbacks: [earlyStopping({ patience: 1, restoreBestWeights: true })],
    });
    expect(h.epoch).toHaveLength(6);
    expect(memory().numTensors).toBeLessThanOrEqual(before + 4);
  });

  it('reduceLROnPlateau lowers the learning rate', async () => {
    const m = tiny(0);
    m.compile({ optimizer: sgd({ learningRate: 0.5 }), loss: 'mse' });
    // With a rate of 0.5 on this data the loss diverges; it cannot improve, so the rate drops.
    const h = await m.fit(tensor([[1e3, 1e3, 1e3]]), tensor([[0]]), {
      epochs: 4,
      verbose: 0,
      callbacks: [reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minLr: 0.1 })],
    });
    expect(h.history.learning_rate![0]).toBe(0.5);
    expect(m.optimizer.currentLearningRate()).toBeLessThan(0.5);
    expect(m.optimizer.currentLearningRate()).toBeGreaterThanOrEqual(0.1);
  });

  it('csvLogger writes a header and one row per epoch', async () => {
    const filename = join(dir, 'log.csv');
    const m = tiny();
    await m.fit(x(), y(), {
      epochs: 3,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [csvLogger({ filename })],
    });
    const lines = (await readFile(filename, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,val_loss');
    expect(lines).toHaveLength(4);
    expect(lines[3]!.split(',')[0]).toBe('2');
    await m.fit(x(), y(), {
      epochs: 1,
      verbose: 0,
      validationSplit: 0.25,
      callbacks: [csvLogger({ filename, append: true })],
    });
    expect((await readFile(filename, 'utf8')).trim().split('\n')).toHaveLength(5);
  });

  it('modelCheckpoint saves every epoch, or only the best', async () => {
    const m = tiny();
    const every = modelCheckpoint({ filepath: join(dir, 'ckpt-{epoch}') });
    await m.fit(x(), y(), { epochs: 2, verbose: 0, callbacks: [every] });
    expect(every.saved).toEqual([join(dir, 'ckpt-01'), join(dir, 'ckpt-02')]);
    expect((await stat(join(dir, 'ckpt-02', 'model.json'))).size).toBeGreaterThan(0);
    expect((await stat(join(dir, 'ckpt-02', 'model.safetensors'))).size).toBeGreaterThan(0);
    const frozen = tiny(0);
    const best = modelCheckpoint({ filepath: join(dir, 'best'), monitor: 'loss', saveBestOnly: true });
    await frozen.fit(x(), y(), { epochs: 3, verbose: 0, callbacks: [best] });
    expect(best.saved).toHaveLength(1);
  });
});

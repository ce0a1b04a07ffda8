// Streaming metrics on small batches: two updates accumulated, checked against counts done by
// hand, then reset; accuracy resolved from the loss; AUC against the exact pairwise AUC;
// lookup by name and a leak check; on 'cpu' and on 'cpu-async' (no synchronous reads).

import { registerCpuAsync } from '@nabla/backend-cpu';
import { memory, ShapeError, setBackend, type Tensor, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Metric } from '../types.js';
import {
  auc,
  binaryAccuracy,
  categoricalAccuracy,
  getMetric,
  mae,
  mse,
  precision,
  recall,
  resolveAccuracy,
  sparseCategoricalAccuracy,
} from './index.js';

registerCpuAsync();

async function read(m: Metric): Promise<number> {
  const r = m.result();
  expect(r.shape).toEqual([]);
  const [v] = Array.from(await r.data());
  r.dispose();
  return v ?? Number.NaN;
}

const i32 = (v: number[]) => tensor(v, undefined, 'int32');
const probs = (): Tensor =>
  tensor([
    [0.1, 0.9, 0.8],
    [0.05, 0.95, 0],
  ]);

describe.each(['cpu', 'cpu-async'])('metrics on %s', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
  });

  it('binaryAccuracy: [(ŷ > 0.5) = y], accumulated, then reset', async () => {
    const m = binaryAccuracy();
    expect(m.name).toBe('binary_accuracy');
    expect(await read(m)).toBe(0);
    // ŷ > 0.5 → [1, 1, 0] against [1, 0, 1]: hits [1, 0, 0]
    m.update(tensor([[1], [0], [1]]), tensor([[0.8], [0.7], [0.3]]));
    expect(await read(m)).toBeCloseTo(1 / 3, 6);
    // labels [N] against [N,1]: [1, 0] vs [1, 0]: 2 more hits → 3/5
    m.update(tensor([1, 0]), tensor([[0.6], [0.2]]));
    expect(await read(m)).toBeCloseTo(3 / 5, 6);
    m.reset();
    expect(await read(m)).toBe(0);
    m.update(tensor([[1]]), tensor([[0.9]]));
    expect(await read(m)).toBe(1);
    m.dispose();
    // threshold 0.75: 0.7 → 0 (hit for label 0), 0.8 → 1
    const t = binaryAccuracy({ threshold: 0.75 });
    t.update(tensor([[0], [1]]), tensor([[0.7], [0.8]]));
    expect(await read(t)).toBe(1);
    t.dispose();
  });

  it('categoricalAccuracy: argmax(y) = argmax(ŷ)', async () => {
    const m = categoricalAccuracy();
    // argmax y = [2, 1], argmax ŷ = [1, 1] → [0, 1]
    m.update(
      tensor([
        [0, 0, 1],
        [0, 1, 0],
      ]),
      probs(),
    );
    expect(await read(m)).toBeCloseTo(0.5, 6);
    m.update(tensor([[1, 0, 0]]), tensor([[0.5, 0.3, 0.2]]));
    expect(await read(m)).toBeCloseTo(2 / 3, 6);
    m.reset();
    expect(await read(m)).toBe(0);
    m.dispose();
  });

  it('sparseCategoricalAccuracy: int32 or float ids of shape [N] or [N,1], weighted', async () => {
    const m = sparseCategoricalAccuracy();
    m.update(i32([2, 1]), probs());
    expect(await read(m)).toBeCloseTo(0.5, 6);
    m.update(tensor([[0]]), tensor([[0.5, 0.3, 0.2]]));
    expect(await read(m)).toBeCloseTo(2 / 3, 6);
    m.reset();
    // weights [1, 3] on hits [0, 1]: 3 / 4
    m.update(i32([2, 1]), probs(), tensor([1, 3]));
    expect(await read(m)).toBeCloseTo(0.75, 6);
    // then [[0]] hit with weight 4: (3 + 4) / (4 + 4)
    m.update(tensor([[0]]), tensor([[0.5, 0.3, 0.2]]), tensor([4]));
    expect(await read(m)).toBeCloseTo(7 / 8, 6);
    m.dispose();
  });

  it('precision and recall from TP, FP and FN over two updates', async () => {
    const p = precision();
    const r = recall();
    // ŷ > 0.5 → [1, 1, 0, 1] against [1, 0, 1, 1]: TP 2, FP 1, FN 1
    const y1 = tensor([1, 0, 1, 1]);
    const p1 = tensor([0.9, 0.8, 0.1, 0.6]);
    p.update(y1, p1);
    r.update(y1, p1);
    expect(await read(p)).toBeCloseTo(2 / 3, 6);
    expect(await read(r)).toBeCloseTo(2 / 3, 6);
    // [1, 1] against [0, 1]: TP 1, FP 1 → TP 3, FP 2, FN 1
    const y2 = tensor([0, 1]);
    const p2 = tensor([0.7, 0.9]);
    p.update(y2, p2);
    r.update(y2, p2);
    expect(await read(p)).toBeCloseTo(3 / 5, 6);
    expect(await read(r)).toBeCloseTo(3 / 4, 6);
    p.reset();
    r.reset();
    expect(await read(p)).toBe(0);
    expect(await read(r)).toBe(0);
    // weights [2, 1, 1, 1]: TP = 2 + 1 = 3 (samples 0, 3), FP = 1 → 3/4
    p.update(y1, p1, tensor([2, 1, 1, 1]));
    expect(await read(p)).toBeCloseTo(3 / 4, 6);
    p.dispose();
    r.dispose();
  });

  it('mae and mse: per-sample means, then the mean over all samples seen', async () => {
    const a = mae();
    const s = mse();
    // per sample: mae [1, 0.5], mse [2, 0.5]
    const y1 = tensor([
      [1, 2],
      [3, 4],
    ]);
    const p1 = tensor([
      [1, 4],
      [2, 4],
    ]);
    a.update(y1, p1);
    s.update(y1, p1);
    expect(await read(a)).toBeCloseTo(0.75, 6);
    expect(await read(s)).toBeCloseTo(1.25, 6);
    // mae 2, mse 5
    a.update(tensor([[0, 0]]), tensor([[3, 1]]));
    s.update(tensor([[0, 0]]), tensor([[3, 1]]));
    expect(await read(a)).toBeCloseTo((1 + 0.5 + 2) / 3, 6);
    expect(await read(s)).toBeCloseTo((2 + 0.5 + 5) / 3, 6);
    a.reset();
    expect(await read(a)).toBe(0);
    a.dispose();
    s.dispose();
  });

  it('auc: the Keras example with 3 thresholds gives 0.75', async () => {
    // thresholds [-ε, 0.5, 1+ε]: TP [2,1,0], FP [2,0,0], FN [0,1,2], TN [0,2,2]
    // TPR [1, 0.5, 0], FPR [1, 0, 0]: (1 - 0)·(1 + 0.5)/2 + (0 - 0)·(0.5 + 0)/2 = 0.75
    const m = auc({ numThresholds: 3 });
    m.update(tensor([0, 0, 1, 1]), tensor([0, 0.5, 0.3, 0.9]));
    expect(await read(m)).toBeCloseTo(0.75, 6);
    m.dispose();
  });

  it('auc with 200 thresholds matches the pairwise AUC, over two updates, then reset', async () => {
    const labels = [0, 1, 0, 1, 1, 0, 0, 1];
    const scores = [0.1, 0.35, 0.4, 0.8, 0.62, 0.55, 0.02, 0.97];
    // exact AUC = P(score of a positive > score of a negative)
    let wins = 0;
    let pairs = 0;
    labels.forEach((li, i) => {
      labels.forEach((lj, j) => {
        if (li === 1 && lj === 0) {
          pairs++;
          wins += scores[i]! > scores[j]! ? 1 : 0;
        }
      });
    });
    const m = auc();
    m.update(tensor(labels.slice(0, 4)), tensor(scores.slice(0, 4)));
    m.update(tensor(labels.slice(4)), tensor(scores.slice(4)));
    expect(await read(m)).toBeCloseTo(wins / pairs, 5);
    m.reset();
    expect(await read(m)).toBe(0);
    // perfectly ranked → 1; from logits the same ranking → 1
    m.update(tensor([0, 1]), tensor([0.2, 0.7]));
    expect(await read(m)).toBeCloseTo(1, 6);
    m.dispose();
    const logits = auc({ fromLogits: true });
    logits.update(tensor([0, 1, 1]), tensor([-3, 2, 5]));
    expect(await read(logits)).toBeCloseTo(1, 6);
    logits.dispose();
  });

  it('updates, results and resets leave no tensors behind', async () => {
    const metrics = [binaryAccuracy(), precision(), auc(), mae(), resolveAccuracy('mse')];
    const y = tensor([[1], [0]]);
    const p = tensor([[0.8], [0.3]]);
    for (const m of metrics) m.update(y, p);
    const before = memory().numTensors;
    for (let i = 0; i < 10; i++) {
      for (const m of metrics) {
        m.update(y, p);
        m.result().dispose();
      }
    }
    for (const m of metrics) m.reset();
    expect(memory().numTensors).toBe(before);
    for (const m of metrics) m.dispose();
    expect(memory().numTensors).toBeLessThan(before);
  });
});

describe('accuracy resolution and lookup', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('resolveAccuracy picks binary, sparse or categorical from the loss', async () => {
    // binary: [0.8, 0.7] vs [1, 0] → 1/2 (a categorical argmax over size-1 axes would give 1)
    const b = resolveAccuracy('binary_crossentropy');
    expect(b.name).toBe('accuracy');
    b.update(tensor([[1], [0]]), tensor([[0.8], [0.7]]));
    expect(await read(b)).toBeCloseTo(0.5, 6);
    const s = resolveAccuracy('sparseCategoricalCrossentropy');
    s.update(i32([2, 1]), probs());
    expect(await read(s)).toBeCloseTo(0.5, 6);
    const c = resolveAccuracy('categorical_crossentropy');
    c.update(
      tensor([
        [0, 1, 0],
        [0, 1, 0],
      ]),
      probs(),
    );
    expect(await read(c)).toBe(1);
    expect(() => c.update(i32([2, 1]), probs())).toThrow(ShapeError);
  });

  it('for other losses resolveAccuracy decides from the shapes, as Keras does', async () => {
    const one = resolveAccuracy('mse');
    one.update(tensor([[1], [0]]), tensor([[0.8], [0.7]]));
    expect(await read(one)).toBeCloseTo(0.5, 6);
    const sparse = resolveAccuracy('mse');
    sparse.update(tensor([2, 1]), probs());
    expect(await read(sparse)).toBeCloseTo(0.5, 6);
    const categorical = resolveAccuracy('mse');
    categorical.update(
      tensor([
        [0, 1, 0],
        [1, 0, 0],
      ]),
      probs(),
    );
    expect(await read(categorical)).toBeCloseTo(0.5, 6);
  });

  it('getMetric resolves names in camelCase and snake_case, keeping the given name', async () => {
    const names = [
      'accuracy',
      'acc',
      'binary_accuracy',
      'categoricalAccuracy',
      'sparse_categorical_accuracy',
      'precision',
      'recall',
      'auc',
      'AUC',
      'mae',
      'mean_absolute_error',
      'mse',
      'meanSquaredError',
    ];
    for (const n of names) expect(getMetric(n, 'binary_crossentropy').name).toBe(n);
    const acc = getMetric('acc', 'sparse_categorical_crossentropy');
    acc.update(i32([1, 1]), probs());
    expect(await read(acc)).toBe(1);
    const m = precision();
    expect(getMetric(m)).toBe(m);
    const custom = getMetric(function sumAbs(t: Tensor, p: Tensor) {
      return t.sub(p).abs().sum({ axis: -1 });
    });
    expect(custom.name).toBe('sumAbs');
    custom.update(tensor([[1, 2]]), tensor([[0, 0]]));
    expect(await read(custom)).toBeCloseTo(3, 6);
    expect(() => getMetric('f1')).toThrow(/getMetric: unknown metric "f1" \(valid: accuracy, /);
    expect(() => auc({ numThresholds: 1 })).toThrow(
      'auc: expected numThresholds to be an integer > 1, got 1',
    );
  });

  it('shape errors name the metric and both shapes', () => {
    const m = sparseCategoricalAccuracy();
    expect(() => m.update(tensor([1, 2, 3]), probs())).toThrow(
      'sparse_categorical_accuracy: expected yTrue.shape=[2] or [2,1] for yPred.shape=[2,3], got yTrue.shape=[3]',
    );
    const c = categoricalAccuracy();
    expect(() => c.update(tensor([[1, 0]]), probs())).toThrow(
      'categorical_accuracy: expected yTrue and yPred to have the same shape, got yTrue.shape=[1,2] and yPred.shape=[2,3]',
    );
  });
});

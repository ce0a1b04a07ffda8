// Every loss against values worked out by hand for two samples, the logits forms against the
// probability forms, stability with logits of 1e4, shape errors, and lookup by name; run on
// 'cpu' and on 'cpu-async' (which cannot read synchronously).

import { registerCpuAsync } from '@nabla/backend-cpu';
import { clip, grad, grads, memory, ShapeError, setBackend, type Tensor, tensor } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Loss } from '../types.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  getLoss,
  hinge,
  huber,
  kld,
  kullbackLeiblerDivergence,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
} from './index.js';

registerCpuAsync();

async function value(t: Tensor): Promise<number[]> {
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

async function expectLoss(loss: Loss, yTrue: Tensor, yPred: Tensor, expected: number, w?: Tensor) {
  const out = loss.fn(yTrue, yPred, w);
  expect(out.shape).toEqual([]);
  const [v] = await value(out);
  expect(v).toBeCloseTo(expected, 5);
}

const sigmoidInv = (p: number) => Math.log(p / (1 - p));

describe.each(['cpu', 'cpu-async'])('losses on %s', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
  });

  // The Keras docs' example batch: two samples of two outputs.
  const yTrue = () =>
    tensor([
      [0, 1],
      [0, 0],
    ]);
  const yPred = () =>
    tensor([
      [0.6, 0.4],
      [0.4, 0.6],
    ]);

  it('meanSquaredError: mean over outputs, then over the batch, weighted Σw·l/N', async () => {
    // l1 = (0.6² + 0.6²)/2 = 0.36, l2 = (0.4² + 0.6²)/2 = 0.26
    await expectLoss(meanSquaredError(), yTrue(), yPred(), (0.36 + 0.26) / 2);
    // w = [1, 0]: (1·0.36 + 0·0.26) / 2
    await expectLoss(meanSquaredError(), yTrue(), yPred(), 0.18, tensor([1, 0]));
    // w of shape [N,1] behaves the same; w = [2, 1]: (0.72 + 0.26) / 2
    await expectLoss(meanSquaredError(), yTrue(), yPred(), 0.49, tensor([[2], [1]]));
    // labels [N] against predictions [N,1]: (1 + 4)/2
    await expectLoss(meanSquaredError(), tensor([1, 2]), tensor([[2], [0]]), 2.5);
  });

  it('meanAbsoluteError', async () => {
    // l1 = (0.6 + 0.6)/2, l2 = (0.4 + 0.6)/2
    await expectLoss(meanAbsoluteError(), yTrue(), yPred(), (0.6 + 0.5) / 2);
  });

  it('huber: quadratic inside delta, linear outside', async () => {
    // all |e| <= 1: l1 = (½·0.36 + ½·0.36)/2 = 0.18, l2 = (½·0.16 + ½·0.36)/2 = 0.13
    await expectLoss(huber(), yTrue(), yPred(), (0.18 + 0.13) / 2);
    // e = 3, δ = 1: δ·|e| - ½δ² = 2.5; e = 0.5: ½·0.25 = 0.125
    await expectLoss(huber({ delta: 1 }), tensor([[0], [0]]), tensor([[3], [0.5]]), (2.5 + 0.125) / 2);
    // δ = 2, e = 3: 2·3 - ½·4 = 4
    await expectLoss(huber({ delta: 2 }), tensor([[0]]), tensor([[3]]), 4);
  });

  it('hinge: {0,1} labels map to {-1,1}', async () => {
    // y = [[-1,1],[-1,-1]]: l1 = (max(1+0.6,0) + max(1-0.4,0))/2 = 1.1, l2 = (1.4 + 1.6)/2 = 1.5
    await expectLoss(hinge(), yTrue(), yPred(), 1.3);
    // already signed: l = (max(1-2,0) + max(1-(-1)(0.5),0))/2 = 0.75
    await expectLoss(hinge(), tensor([[1, -1]]), tensor([[2, 0.5]]), 0.75);
  });

  it('kld: Σ y·log(y/ŷ) with both clipped to [ε, 1]', async () => {
    const e = 1e-7;
    const l1 = e * Math.log(e / 0.6) + 1 * Math.log(1 / 0.4);
    const l2 = e * Math.log(e / 0.4) + e * Math.log(e / 0.6);
    await expectLoss(kld(), yTrue(), yPred(), (l1 + l2) / 2);
    expect(kullbackLeiblerDivergence).toBe(kld);
  });

  it('binaryCrossentropy from probabilities and from logits agree', async () => {
    // l1 = -(log 0.4 + log 0.4)/2, l2 = -(log 0.6 + log 0.4)/2 (Keras docs: 0.815)
    const l1 = -(Math.log(0.4) + Math.log(0.4)) / 2;
    const l2 = -(Math.log(0.6) + Math.log(0.4)) / 2;
    await expectLoss(binaryCrossentropy(), yTrue(), yPred(), (l1 + l2) / 2);
    const logits = tensor([
      [sigmoidInv(0.6), sigmoidInv(0.4)],
      [sigmoidInv(0.4), sigmoidInv(0.6)],
    ]);
    await expectLoss(binaryCrossentropy({ fromLogits: true }), yTrue(), logits, (l1 + l2) / 2);
  });

  it('binaryCrossentropy label smoothing: y ← y·(1-s) + s/2', async () => {
    // s = 0.2: y = [[0.1, 0.9], [0.1, 0.1]]
    const bce = (y: number, p: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    const l1 = (bce(0.1, 0.6) + bce(0.9, 0.4)) / 2;
    const l2 = (bce(0.1, 0.4) + bce(0.1, 0.6)) / 2;
    await expectLoss(binaryCrossentropy({ labelSmoothing: 0.2 }), yTrue(), yPred(), (l1 + l2) / 2);
    const logits = tensor([
      [sigmoidInv(0.6), sigmoidInv(0.4)],
      [sigmoidInv(0.4), sigmoidInv(0.6)],
    ]);
    await expectLoss(
      binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }),
      yTrue(),
      logits,
      (l1 + l2) / 2,
    );
  });

  it('binaryCrossentropy clips probabilities 0 and 1 to ε and 1-ε', async () => {
    // p = 0 for y = 1: -log(1e-7) = 16.118; p = 1 for y = 1: -log(1 - 1e-7) ≈ 1e-7
    const out = await value(binaryCrossentropy().fn(tensor([[1], [1]]), tensor([[0], [1]])));
    expect(out[0]).toBeCloseTo((-Math.log(1e-7) + 1e-7) / 2, 3);
  });

  const probs = [
    [0.05, 0.95, 0],
    [0.1, 0.8, 0.1],
  ];

  it('categoricalCrossentropy: -Σ y·log p, probabilities and logits', async () => {
    // Keras docs: -(log 0.95 + log 0.1)/2 = 1.177
    const expected = -(Math.log(0.95) + Math.log(0.1)) / 2;
    const oneHot = () =>
      tensor([
        [0, 1, 0],
        [0, 0, 1],
      ]);
    await expectLoss(categoricalCrossentropy(), oneHot(), tensor(probs), expected);
    // logits z with softmax(z) = p for the second row; the first row's 0 becomes ε-clipped in
    // the probability form, so compare on rows without zeros.
    const z = [
      [1, 2, 0.5],
      [0.3, -1, 2],
    ];
    const lse = z.map((row) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)));
    const want = (-(z[0]![1]! - lse[0]!) - (z[1]![2]! - lse[1]!)) / 2;
    await expectLoss(categoricalCrossentropy({ fromLogits: true }), oneHot(), tensor(z), want);
    const p = z.map((row, i) => row.map((v) => Math.exp(v - lse[i]!)));
    await expectLoss(categoricalCrossentropy(), oneHot(), tensor(p), want);
    // unnormalised probabilities are renormalised: [0.1, 0.9, 0] ·2
    await expectLoss(categoricalCrossentropy(), tensor([[0, 1, 0]]), tensor([[0.2, 1.8, 0]]), -Math.log(0.9));
  });

  it('categoricalCrossentropy label smoothing: y ← y·(1-s) + s/K', async () => {
    // s = 0.3, K = 3: y = [0.1, 0.8, 0.1]
    const p = [0.2, 0.7, 0.1];
    const expected = -(0.1 * Math.log(0.2) + 0.8 * Math.log(0.7) + 0.1 * Math.log(0.1));
    await expectLoss(
      categoricalCrossentropy({ labelSmoothing: 0.3 }),
      tensor([[0, 1, 0]]),
      tensor([p]),
      expected,
    );
    const logits = tensor([p.map(Math.log)]);
    await expectLoss(
      categoricalCrossentropy({ labelSmoothing: 0.3, fromLogits: true }),
      tensor([[0, 1, 0]]),
      logits,
      expected,
    );
  });

  it('sparseCategoricalCrossentropy: int32 or float labels of shape [N] or [N,1]', async () => {
    const expected = -(Math.log(0.95) + Math.log(0.1)) / 2;
    const loss = sparseCategoricalCrossentropy();
    await expectLoss(loss, tensor([1, 2], undefined, 'int32'), tensor(probs), expected);
    await expectLoss(loss, tensor([[1], [2]], undefined, 'int32'), tensor(probs), expected);
    await expectLoss(loss, tensor([1, 2]), tensor(probs), expected);
    await expectLoss(loss, tensor([[1], [2]]), tensor(probs), expected);
    // sample weights [1, 3]: (1·-log 0.95 + 3·-log 0.1) / 2
    const weighted = (-Math.log(0.95) - 3 * Math.log(0.1)) / 2;
    await expectLoss(loss, tensor([1, 2], undefined, 'int32'), tensor(probs), weighted, tensor([1, 3]));
  });

  it('sparseCategoricalCrossentropy from logits equals the probability form', async () => {
    const z = [
      [2, -1, 0.5],
      [0, 0, 3],
    ];
    const lse = z.map((row) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)));
    const want = (-(z[0]![0]! - lse[0]!) - (z[1]![1]! - lse[1]!)) / 2;
    const labels = () => tensor([0, 1], undefined, 'int32');
    await expectLoss(sparseCategoricalCrossentropy({ fromLogits: true }), labels(), tensor(z), want);
    const p = z.map((row, i) => row.map((v) => Math.exp(v - lse[i]!)));
    await expectLoss(sparseCategoricalCrossentropy(), labels(), tensor(p), want);
  });

  it('probability forms: value and gradients (to targets and predictions) match the composite', async () => {
    // The hand-written gradient against the chain rule through the ops it replaces: rows with a
    // sum of 2 (renormalised), a 0 (below ε: no gradient through the clip), a 1 (above 1-ε),
    // soft targets, and a sample weight; grads to both yTrue and yPred.
    const pv = [
      [0.2, 1.8, 0],
      [0, 1, 0],
      [0.5, 0.25, 0.25],
      [0.1, 0.6, 0.3],
    ];
    const tv = [
      [0, 1, 0],
      [0.2, 0.5, 0.3],
      [0.1, 0.1, 0.8],
      [0, 0, 1],
    ];
    const weights = tensor([1, 2, 0.5, 3]);
    const composite = (t: Tensor, p: Tensor) => {
      const pc = clip(p.div(p.sum({ axis: -1, keepDims: true })), 1e-7, 1 - 1e-7);
      const perSample = t.mul(pc.log()).sum({ axis: -1 }).neg();
      return perSample.mul(weights).sum().div(4);
    };
    const loss = categoricalCrossentropy();
    const ours = grads((t, p) => loss.fn(t!, p!, weights));
    const theirs = grads((t, p) => composite(t!, p!));
    const got = ours([tensor(tv), tensor(pv)]);
    const want = theirs([tensor(tv), tensor(pv)]);
    for (let i = 0; i < 2; i++) {
      const [g, w] = [await value(got[i]!), await value(want[i]!)];
      expect(g.every(Number.isFinite)).toBe(true);
      for (let k = 0; k < g.length; k++) expect(g[k]).toBeCloseTo(w[k]!, 5);
    }
    // A row whose entries are all clipped (q = [0, 1, 0]) passes no gradient to p.
    const gp = await value(ours([tensor(tv), tensor(pv)])[1]!);
    expect(gp.slice(3, 6).map(Math.abs)).toEqual([0, 0, 0]);
    expect(gp[2]).not.toBe(0);
    const [v] = await value(loss.fn(tensor(tv), tensor(pv), weights));
    const [u] = await value(composite(tensor(tv), tensor(pv)));
    expect(v).toBeCloseTo(u!, 5);
    // The sparse form is the one-hot categorical form.
    const labels = tensor([1, 0, 2, 1], undefined, 'int32');
    const sparse = grad((p) => sparseCategoricalCrossentropy().fn(labels, p))(tensor(pv));
    const oneHot = grad((p) =>
      loss.fn(
        tensor([
          [0, 1, 0],
          [1, 0, 0],
          [0, 0, 1],
          [0, 1, 0],
        ]),
        p,
      ),
    )(tensor(pv));
    expect(await value(sparse)).toEqual(await value(oneHot));
  });

  it('logits of 1e4 give finite losses and gradients', async () => {
    // binary: x = 1e4 with y = 0 → softplus(1e4) = 1e4; x = -1e4 with y = 1 → 1e4
    await expectLoss(
      binaryCrossentropy({ fromLogits: true }),
      tensor([[0], [1]]),
      tensor([[1e4], [-1e4]]),
      1e4,
    );
    // categorical: logits [1e4, 0, -1e4] with label 2 → lse - (-1e4) = 2e4
    await expectLoss(
      categoricalCrossentropy({ fromLogits: true }),
      tensor([[0, 0, 1]]),
      tensor([[1e4, 0, -1e4]]),
      2e4,
    );
    await expectLoss(
      sparseCategoricalCrossentropy({ fromLogits: true }),
      tensor([2], undefined, 'int32'),
      tensor([[1e4, 0, -1e4]]),
      2e4,
    );
    const labels = tensor([2, 0], undefined, 'int32');
    const loss = sparseCategoricalCrossentropy({ fromLogits: true });
    const g = grad((x) => loss.fn(labels, x))(
      tensor([
        [1e4, 0, -1e4],
        [-1e4, 1e4, 0],
      ]),
    );
    // d/dx = (softmax(x) - onehot)/N: row 1 → [1, 0, -1]/2, row 2 → [-1, 1, 0]/2
    const gv = await value(g);
    expect(gv.every(Number.isFinite)).toBe(true);
    expect(gv).toEqual([0.5, 0, -0.5, -0.5, 0.5, 0]);
    const b = binaryCrossentropy({ fromLogits: true });
    const gb = await value(grad((x) => b.fn(tensor([[0], [1]]), x))(tensor([[1e4], [-1e4]])));
    // d/dx = (σ(x) - y)/N
    expect(gb).toEqual([0.5, -0.5]);
  });

  it('leaves no tensors behind', () => {
    const yt = yTrue();
    const yp = yPred();
    const labels = tensor([0, 1], undefined, 'int32');
    const before = memory().numTensors;
    for (const l of [
      meanSquaredError(),
      huber(),
      hinge(),
      kld(),
      binaryCrossentropy(),
      categoricalCrossentropy(),
    ]) {
      l.fn(yt, yp).dispose();
    }
    sparseCategoricalCrossentropy({ fromLogits: true }).fn(labels, yp).dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('loss errors and lookup', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('shape errors name the loss and both shapes', () => {
    const call = () => meanSquaredError().fn(tensor([[1, 2, 3]]), tensor([[1, 2, 3, 4]]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(
      'mean_squared_error: expected yTrue and yPred to have the same shape, got yTrue.shape=[1,3] and yPred.shape=[1,4]',
    );
    const sparse = () =>
      sparseCategoricalCrossentropy().fn(
        tensor([1, 2, 0]),
        tensor([
          [0.5, 0.5],
          [0.5, 0.5],
        ]),
      );
    expect(sparse).toThrow(/sparse_categorical_crossentropy: .*yPred.shape=\[2,2\], got yTrue.shape=\[3\]/);
    const weight = () => meanSquaredError().fn(tensor([[1], [2]]), tensor([[1], [2]]), tensor([1, 2, 3]));
    expect(weight).toThrow(/mean_squared_error: .*sampleWeight.shape=\[3\]/);
    expect(() => huber({ delta: -1 })).toThrow('huber: expected delta > 0, got -1');
    expect(() => binaryCrossentropy({ labelSmoothing: 2 })).toThrow(/labelSmoothing in \[0, 1\], got 2/);
  });

  it('getLoss resolves Keras names in camelCase and snake_case', () => {
    const cases: [string, string][] = [
      ['mse', 'mean_squared_error'],
      ['mean_squared_error', 'mean_squared_error'],
      ['meanSquaredError', 'mean_squared_error'],
      ['mae', 'mean_absolute_error'],
      ['huber', 'huber_loss'],
      ['hinge', 'hinge'],
      ['kld', 'kl_divergence'],
      ['kullback_leibler_divergence', 'kl_divergence'],
      ['binary_crossentropy', 'binary_crossentropy'],
      ['binaryCrossentropy', 'binary_crossentropy'],
      ['categorical_crossentropy', 'categorical_crossentropy'],
      ['sparse_categorical_crossentropy', 'sparse_categorical_crossentropy'],
      ['sparseCategoricalCrossentropy', 'sparse_categorical_crossentropy'],
    ];
    for (const [name, want] of cases) expect(getLoss(name).name).toBe(want);
    expect(getLoss('sparse_categorical_crossentropy').config).toEqual({ fromLogits: false });
    const l = sparseCategoricalCrossentropy({ fromLogits: true });
    expect(getLoss(l)).toBe(l);
    const custom = getLoss(function myLoss(t: Tensor, p: Tensor) {
      return t.sub(p).sum();
    });
    expect(custom.name).toBe('myLoss');
    expect(() => getLoss('nope')).toThrow(/getLoss: unknown loss "nope" \(valid: mse, /);
  });
});

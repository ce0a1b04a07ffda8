// Each optimizer's first three steps against the published update rules worked out in plain
// numbers (two-element variables, a different gradient each step), clipping, weight decay,
// schedules, lookup by name, and a leak check over 50 steps; on 'cpu' and 'cpu-async'.

import { registerCpuAsync } from '@nabla/backend-cpu';
import { ArgumentError, memory, ShapeError, setBackend, tensor, variable } from '@nabla/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Optimizer } from '../types.js';
import {
  adagrad,
  adam,
  adamw,
  cosineDecay,
  exponentialDecay,
  getOptimizer,
  piecewiseConstantDecay,
  rmsprop,
  sgd,
  stepDecay,
} from './index.js';

registerCpuAsync();

const W0 = [1, -2];
const GRADS = [
  [0.5, -1],
  [0.2, 0.3],
  [-0.4, 0.1],
];

/** Runs `opt` over GRADS from W0 and returns the weights after each step. */
async function run(opt: Optimizer, w0 = W0, grads = GRADS): Promise<number[][]> {
  const w = variable(tensor(w0));
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tensor(g);
    opt.applyGradients([{ variable: w, grad: gt }]);
    gt.dispose();
    out.push(Array.from(await w.data()));
  }
  opt.dispose();
  w.dispose();
  return out;
}

/** Applies a per-element reference rule (state carried in `s`) over GRADS from W0. */
function reference<S>(init: () => S, step: (w: number, g: number, s: S, t: number) => number): number[][] {
  const w = [...W0];
  const states = w.map(init);
  return GRADS.map((g, k) => {
    for (let i = 0; i < w.length; i++) w[i] = step(w[i]!, g[i]!, states[i]!, k + 1);
    return [...w];
  });
}

function expectRows(actual: number[][], expected: number[][], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) => {
    row.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[k]![i]!, digits);
    });
  });
}

describe.each(['cpu', 'cpu-async'])('optimizers on %s', (backend) => {
  beforeAll(async () => {
    await setBackend(backend);
  });

  it('sgd: w ← w - lr·g', async () => {
    const want = reference(
      () => ({}),
      (w, g) => w - 0.1 * g,
    );
    // step 1 by hand: [1 - 0.1·0.5, -2 + 0.1·1]
    expect(want[0]).toEqual([0.95, -1.9]);
    expectRows(await run(sgd({ learningRate: 0.1 })), want);
  });

  it('sgd with momentum: m ← μ·m - lr·g; w ← w + m', async () => {
    const want = reference(
      () => ({ m: 0 }),
      (w, g, s) => {
        s.m = 0.9 * s.m - 0.1 * g;
        return w + s.m;
      },
    );
    // step 2, element 0: m = 0.9·(-0.05) - 0.02 = -0.065; w = 0.95 - 0.065
    expect(want[1]![0]).toBeCloseTo(0.885, 12);
    expectRows(await run(sgd({ learningRate: 0.1, momentum: 0.9 })), want);
  });

  it('sgd with Nesterov momentum: w ← w + μ·m - lr·g', async () => {
    const want = reference(
      () => ({ m: 0 }),
      (w, g, s) => {
        s.m = 0.9 * s.m - 0.1 * g;
        return w + 0.9 * s.m - 0.1 * g;
      },
    );
    // step 1, element 0: m = -0.05; w = 1 - 0.045 - 0.05
    expect(want[0]![0]).toBeCloseTo(0.905, 12);
    expectRows(await run(sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true })), want);
  });

  it('adagrad: a ← a + g²; w ← w - lr·g/√(a + ε), a₀ = 0.1', async () => {
    const want = reference(
      () => ({ a: 0.1 }),
      (w, g, s) => {
        s.a += g * g;
        return w - (0.1 * g) / Math.sqrt(s.a + 1e-7);
      },
    );
    // step 1, element 0: a = 0.35; w = 1 - 0.05/√0.35
    expect(want[0]![0]).toBeCloseTo(1 - 0.05 / Math.sqrt(0.35 + 1e-7), 12);
    expectRows(await run(adagrad({ learningRate: 0.1 })), want);
  });

  it('rmsprop: v ← ρv + (1-ρ)g²; w ← w - lr·g/√(v + ε)', async () => {
    const want = reference(
      () => ({ v: 0 }),
      (w, g, s) => {
        s.v = 0.9 * s.v + 0.1 * g * g;
        return w - (0.01 * g) / Math.sqrt(s.v + 1e-7);
      },
    );
    // step 1: v = 0.1·g², so the step is lr·g/(√0.1·|g|) ≈ 0.0316·sign(g)
    expect(want[0]![0]).toBeCloseTo(1 - 0.01 / Math.sqrt(0.1), 5);
    expectRows(await run(rmsprop({ learningRate: 0.01 })), want);
  });

  it('rmsprop centered with momentum', async () => {
    const want = reference(
      () => ({ v: 0, avg: 0, m: 0 }),
      (w, g, s) => {
        s.v = 0.9 * s.v + 0.1 * g * g;
        s.avg = 0.9 * s.avg + 0.1 * g;
        const inc = (0.01 * g) / Math.sqrt(s.v - s.avg * s.avg + 1e-7);
        s.m = 0.5 * s.m + inc;
        return w - s.m;
      },
    );
    expectRows(await run(rmsprop({ learningRate: 0.01, centered: true, momentum: 0.5 })), want, 5);
  });

  it("adam: Keras's form, α = lr·√(1-β2ᵗ)/(1-β1ᵗ); w ← w - α·m/(√v + ε)", async () => {
    const want = reference(
      () => ({ m: 0, v: 0 }),
      (w, g, s, t) => {
        s.m = 0.9 * s.m + 0.1 * g;
        s.v = 0.999 * s.v + 0.001 * g * g;
        const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        return w - (alpha * s.m) / (Math.sqrt(s.v) + 1e-7);
      },
    );
    // step 1 moves each weight by ≈ lr·sign(g)
    expect(want[0]![0]).toBeCloseTo(0.99, 6);
    expect(want[0]![1]).toBeCloseTo(-1.99, 6);
    expectRows(await run(adam({ learningRate: 0.01 })), want);
  });

  it('adam with amsgrad uses max(v̂, v)', async () => {
    const want = reference(
      () => ({ m: 0, v: 0, vhat: 0 }),
      (w, g, s, t) => {
        s.m = 0.9 * s.m + 0.1 * g;
        s.v = 0.999 * s.v + 0.001 * g * g;
        s.vhat = Math.max(s.vhat, s.v);
        const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        return w - (alpha * s.m) / (Math.sqrt(s.vhat) + 1e-7);
      },
    );
    expectRows(await run(adam({ learningRate: 0.01, amsgrad: true })), want);
  });

  it('adamw: w ← w - w·λ·lr, then the Adam step', async () => {
    const want = reference(
      () => ({ m: 0, v: 0 }),
      (w0, g, s, t) => {
        const w = w0 - w0 * 0.1 * 0.01;
        s.m = 0.9 * s.m + 0.1 * g;
        s.v = 0.999 * s.v + 0.001 * g * g;
        const alpha = (0.01 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        return w - (alpha * s.m) / (Math.sqrt(s.v) + 1e-7);
      },
    );
    expectRows(await run(adamw({ learningRate: 0.01, weightDecay: 0.1 })), want);
    expect(adamw().getConfig().weightDecay).toBe(0.004);
  });

  it('clipNorm rescales each gradient to norm ≤ c', async () => {
    // g = [3, 4], ‖g‖ = 5 → [0.6, 0.8]; g = [0.3, 0.4], ‖g‖ = 0.5 → unchanged
    const rows = await run(
      sgd({ learningRate: 1, clipNorm: 1 }),
      [0, 0],
      [
        [3, 4],
        [0.3, 0.4],
      ],
    );
    expectRows(rows, [
      [-0.6, -0.8],
      [-0.9, -1.2],
    ]);
  });

  it('globalClipNorm rescales all gradients together; clipNorm each alone', async () => {
    const a = variable(tensor([0, 0]));
    const b = variable(tensor([0]));
    const ga = tensor([3, 0]);
    const gb = tensor([4]);
    // global norm √(9 + 16) = 5 → [0.6, 0] and [0.8]
    const global = sgd({ learningRate: 1, globalClipNorm: 1 });
    global.applyGradients([
      { variable: a, grad: ga },
      { variable: b, grad: gb },
    ]);
    expectRows([Array.from(await a.data()), Array.from(await b.data())], [[-0.6, 0], [-0.8]]);
    // per gradient: [1, 0] and [1]
    const each = sgd({ learningRate: 1, clipNorm: 1 });
    each.applyGradients([
      { variable: a, grad: ga },
      { variable: b, grad: gb },
    ]);
    expectRows([Array.from(await a.data()), Array.from(await b.data())], [[-1.6, 0], [-1.8]]);
    for (const t of [a, b, ga, gb]) t.dispose();
  });

  it('clipValue clips each element to [-c, c]', async () => {
    // g = [-2, 0.3] → [-0.5, 0.3]
    const rows = await run(sgd({ learningRate: 1, clipValue: 0.5 }), [0, 0], [[-2, 0.3]]);
    expectRows(rows, [[0.5, -0.3]]);
  });

  it('a schedule sets the rate of each step from the step number', async () => {
    // lr(t) = 0.1·0.5^t: w = 1 - 0.1·1 - 0.05·1 - 0.025·1
    const opt = sgd({
      learningRate: exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }),
    });
    expect(opt.currentLearningRate()).toBeCloseTo(0.1, 12);
    const rows = await run(opt, [1], [[1], [1], [1]]);
    expectRows(rows, [[0.9], [0.85], [0.825]]);
    expect(opt.iterations).toBe(3);
    expect(opt.currentLearningRate()).toBeCloseTo(0.0125, 12);
    opt.setLearningRate(0.3);
    expect(opt.currentLearningRate()).toBe(0.3);
  });

  it('50 steps keep memory().numTensors flat after the first', () => {
    for (const opt of [
      sgd({ momentum: 0.9, clipNorm: 1 }),
      adam({ globalClipNorm: 1 }),
      adamw({ amsgrad: true }),
      rmsprop({ centered: true, momentum: 0.5, clipValue: 1 }),
      adagrad(),
    ]) {
      const w = variable(tensor([1, 2, 3]));
      const g = tensor([0.1, -0.2, 0.3]);
      opt.applyGradients([{ variable: w, grad: g }]);
      const after1 = memory().numTensors;
      for (let i = 0; i < 50; i++) opt.applyGradients([{ variable: w, grad: g }]);
      expect(memory().numTensors).toBe(after1);
      const slots = opt.getWeights().length;
      opt.dispose();
      expect(memory().numTensors).toBe(after1 - slots);
      expect(opt.getWeights()).toEqual([]);
      w.dispose();
      g.dispose();
    }
  });
});

describe('optimizer state, config, errors and lookup', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('slots are made lazily per variable and are not trainable', () => {
    const opt = adam();
    expect(opt.getWeights()).toEqual([]);
    const a = variable(tensor([1, 2]), { name: 'a' });
    const b = variable(tensor([[1]]), { name: 'b' });
    const g = tensor([1, 1]);
    opt.applyGradients([{ variable: a, grad: g }]);
    expect(opt.getWeights().map((s) => s.shape)).toEqual([[2], [2]]);
    opt.applyGradients([{ variable: a, grad: g }]);
    expect(opt.getWeights()).toHaveLength(2);
    const gb = tensor([[1]]);
    opt.applyGradients([{ variable: b, grad: gb }]);
    const slots = opt.getWeights();
    expect(slots).toHaveLength(4);
    expect(slots.every((s) => !s.trainable)).toBe(true);
    expect(slots[0]!.name).toMatch(/^adam_\d+\/a\/m$/);
    expect(opt.iterations).toBe(3);
    opt.dispose();
    for (const t of [a, b, g, gb]) t.dispose();
  });

  it('getConfig records options and schedules', () => {
    expect(sgd({ learningRate: 0.1, momentum: 0.9, clipNorm: 1 }).getConfig()).toEqual({
      name: 'sgd',
      learningRate: 0.1,
      clipNorm: 1,
      momentum: 0.9,
      nesterov: false,
    });
    const lr = cosineDecay({ initialLearningRate: 1, decaySteps: 10 });
    expect(adam({ learningRate: lr }).getConfig()).toMatchObject({
      name: 'adam',
      learningRate: {
        className: 'CosineDecay',
        config: { initialLearningRate: 1, decaySteps: 10, alpha: 0 },
      },
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
    expect(rmsprop().getConfig()).toMatchObject({
      learningRate: 0.001,
      rho: 0.9,
      epsilon: 1e-7,
      centered: false,
    });
  });

  it('rejects bad options and gradients of the wrong shape', () => {
    expect(() => sgd({ clipNorm: 1, clipValue: 1 })).toThrow(ArgumentError);
    expect(() => sgd({ clipNorm: -1 })).toThrow('sgd: expected clipNorm to be a finite number > 0, got -1');
    expect(() => sgd({ momentum: 1 })).toThrow(
      'sgd: expected momentum to be a finite number in [0, 1), got 1',
    );
    expect(() => adam({ beta1: 1.5 })).toThrow(
      'adam: expected beta1 to be a finite number in [0, 1), got 1.5',
    );
    expect(() => sgd().setLearningRate(Number.NaN)).toThrow(ArgumentError);
    const w = variable(tensor([[1, 2, 3]]), { name: 'wshape' });
    const g = tensor([1, 2, 3]);
    const opt = sgd();
    expect(() => opt.applyGradients([{ variable: w, grad: g }])).toThrow(ShapeError);
    expect(() => opt.applyGradients([{ variable: w, grad: g }])).toThrow(
      "sgd: expected the gradient of 'wshape' to have the variable's shape [1,3], got [3]",
    );
    expect(opt.iterations).toBe(0);
    w.dispose();
    g.dispose();
  });

  it('getOptimizer resolves names with Keras defaults', () => {
    const rates: [string, number][] = [
      ['sgd', 0.01],
      ['adam', 0.001],
      ['Adam', 0.001],
      ['adamw', 0.001],
      ['AdamW', 0.001],
      ['rmsprop', 0.001],
      ['RMSprop', 0.001],
      ['adagrad', 0.001],
    ];
    for (const [name, lr] of rates) {
      const opt = getOptimizer(name);
      expect(opt.name).toBe(name.toLowerCase());
      expect(opt.currentLearningRate()).toBe(lr);
    }
    const opt = sgd();
    expect(getOptimizer(opt)).toBe(opt);
    expect(() => getOptimizer('lbfgs')).toThrow(
      /getOptimizer: unknown optimizer "lbfgs" \(valid: sgd, adam, /,
    );
    expect(() => getOptimizer('adamm')).toThrow(/did you mean 'adam'\?/);
    // Names inherited from Object.prototype are not optimizers.
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty'])
      expect(() => getOptimizer(name)).toThrow(ArgumentError);
  });
});

describe('optimizer hyper-parameters', () => {
  it('are checked at construction, naming the optimizer and the option', () => {
    const bad: [() => unknown, string][] = [
      [() => adam({ epsilon: 0 }), 'adam: expected epsilon to be a finite number > 0, got 0'],
      [() => adam({ epsilon: Number.NaN }), 'adam: expected epsilon'],
      [() => adamw({ beta2: 1 }), 'adamw: expected beta2 to be a finite number in [0, 1), got 1'],
      [() => adam({ beta1: -0.1 }), 'adam: expected beta1'],
      [() => adam({ amsgrad: 'yes' as never }), 'adam: expected amsgrad to be a boolean'],
      [
        () => sgd({ learningRate: -0.1 }),
        'sgd: expected learningRate to be a finite number >= 0 or a schedule, got -0.1',
      ],
      [() => sgd({ learningRate: Number.POSITIVE_INFINITY }), 'sgd: expected learningRate'],
      [() => sgd({ learningRate: '0.1' as never }), 'sgd: expected learningRate'],
      [() => sgd({ momentum: -1 }), 'sgd: expected momentum'],
      [() => sgd({ nesterov: 1 as never }), 'sgd: expected nesterov to be a boolean'],
      [() => rmsprop({ rho: 1 }), 'rmsprop: expected rho'],
      [() => rmsprop({ epsilon: -1 }), 'rmsprop: expected epsilon'],
      [() => adagrad({ epsilon: 0 }), 'adagrad: expected epsilon'],
      [() => adagrad({ initialAccumulatorValue: Number.NaN }), 'adagrad: expected initialAccumulatorValue'],
      [() => sgd({ clipValue: 0 }), 'sgd: expected clipValue to be a finite number > 0, got 0'],
      [() => sgd({ globalClipNorm: Number.NaN }), 'sgd: expected globalClipNorm'],
      [() => adamw({ weightDecay: Number.POSITIVE_INFINITY }), 'adamw: expected weightDecay'],
      [() => adam({ lr: 0.1 } as never), "adam: unknown option 'lr'"],
      [() => sgd({ learningrate: 0.1 } as never), "did you mean 'learningRate'?"],
      [() => rmsprop({ beta1: 0.9 } as never), "rmsprop: unknown option 'beta1'"],
      [() => adam('fast' as never), 'adam: expected an options object'],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(ArgumentError);
      expect(make).toThrow(message);
    }
    // What getConfig records is accepted again (the loader rebuilds optimizers from it).
    const factories = { adam, adamw, sgd, rmsprop, adagrad };
    for (const opt of [
      adam({ clipNorm: 1 }),
      adamw(),
      sgd({ momentum: 0.5 }),
      rmsprop({ centered: true }),
      adagrad(),
    ]) {
      const { name, ...config } = opt.getConfig();
      const again = factories[name as keyof typeof factories](config);
      expect(again.getConfig()).toEqual(opt.getConfig());
    }
  });

  it('adam with the default epsilon keeps weights finite on a zero gradient', async () => {
    await setBackend('cpu');
    const w = variable(tensor([1, 2]), { name: 'zero_grad_w' });
    const g = tensor([0, 0]);
    const opt = adam();
    opt.applyGradients([{ variable: w, grad: g }]);
    expect(Array.from(await w.data())).toEqual([1, 2]);
    opt.dispose();
    w.dispose();
    g.dispose();
  });
});

describe('optimizer steps are all-or-nothing', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const make of [
    () => sgd({ momentum: 0.9 }),
    () => adam(),
    () => rmsprop({ centered: true, momentum: 0.5 }),
    () => adagrad(),
  ]) {
    it(`${make().name}: a step that fails on its second variable changes no variable and keeps no slot`, async () => {
      const a = variable(tensor([1, 2]), { name: `atomic_a_${make().name}` });
      const b = variable(tensor([3, 4]), { name: `atomic_b_${make().name}` });
      const ga = tensor([0.5, 0.5]);
      const gb = tensor([0.5, 0.5]);
      gb.dispose(); // fails only when the step reaches b, after a's update has been computed
      const opt = make();
      const before = memory().numTensors;
      expect(() =>
        opt.applyGradients([
          { variable: a, grad: ga },
          { variable: b, grad: gb },
        ]),
      ).toThrow();
      expect(Array.from(await a.data())).toEqual([1, 2]);
      expect(Array.from(await b.data())).toEqual([3, 4]);
      expect(opt.getWeights()).toEqual([]);
      expect(opt.iterations).toBe(0);
      expect(memory().numTensors).toBe(before);
      // The optimizer still works, and the same slot names can be made again.
      opt.applyGradients([{ variable: a, grad: ga }]);
      expect(Array.from(await a.data())).not.toEqual([1, 2]);
      expect(opt.iterations).toBe(1);
      opt.dispose();
      for (const t of [a, b, ga]) t.dispose();
    });
  }

  it('a failure in the update rule of a later variable leaves earlier ones and all slots unchanged', async () => {
    const a = variable(tensor([1, 2]), { name: 'rule_a' });
    const b = variable(tensor([3, 4]), { name: 'rule_b' });
    const g = tensor([1, 1]);
    const opt = adam();
    opt.applyGradients([{ variable: a, grad: g }]);
    const read = async () =>
      Promise.all([a, ...opt.getWeights()].map(async (t) => Array.from(await t.data())));
    const before = await read();
    const tensorsBefore = memory().numTensors;
    // The rule runs for a (its new values computed), then throws for b, whose slots are new.
    const rule = Reflect.get(opt, 'update') as (...args: unknown[]) => unknown;
    let calls = 0;
    Object.defineProperty(opt, 'update', {
      configurable: true,
      value: (...args: unknown[]) => {
        if (++calls === 2) throw new Error('injected');
        return rule.apply(opt, args);
      },
    });
    expect(() =>
      opt.applyGradients([
        { variable: a, grad: g },
        { variable: b, grad: g },
      ]),
    ).toThrow('injected');
    expect(calls).toBe(2);
    expect(await read()).toEqual(before);
    expect(opt.getWeights()).toHaveLength(2);
    expect(opt.iterations).toBe(1);
    expect(memory().numTensors).toBe(tensorsBefore);
    expect(() =>
      opt.applyGradients([
        { variable: a, grad: g },
        { variable: a, grad: g },
      ]),
    ).toThrow("adam: variable 'rule_a' appears twice in one step");
    opt.dispose();
    for (const t of [a, b, g]) t.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('exponentialDecay: lr₀·r^(step/decaySteps), floored when staircase', () => {
    const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(s.rate(0)).toBeCloseTo(0.1, 12);
    expect(s.rate(5)).toBeCloseTo(0.1 * Math.SQRT1_2, 12);
    expect(s.rate(20)).toBeCloseTo(0.025, 12);
    const stairs = exponentialDecay({
      initialLearningRate: 0.1,
      decaySteps: 10,
      decayRate: 0.5,
      staircase: true,
    });
    expect(stairs.rate(9)).toBeCloseTo(0.1, 12);
    expect(stairs.rate(15)).toBeCloseTo(0.05, 12);
    expect(() => exponentialDecay({ initialLearningRate: 1, decaySteps: 0, decayRate: 0.5 })).toThrow(
      ArgumentError,
    );
  });

  it('cosineDecay: lr₀·((1-α)·½(1 + cos(π·min(t, T)/T)) + α)', () => {
    const s = cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
    expect(s.rate(0)).toBeCloseTo(1, 12);
    expect(s.rate(50)).toBeCloseTo(0.9 * 0.5 + 0.1, 12);
    expect(s.rate(25)).toBeCloseTo(0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1, 12);
    expect(s.rate(100)).toBeCloseTo(0.1, 12);
    expect(s.rate(500)).toBeCloseTo(0.1, 12);
  });

  it('piecewiseConstantDecay (stepDecay): values[i] up to and including boundaries[i]', () => {
    const s = piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect([0, 10, 11, 20, 21, 1000].map((t) => s.rate(t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
    expect(stepDecay).toBe(piecewiseConstantDecay);
    expect(() => stepDecay({ boundaries: [10], values: [1] })).toThrow(
      'piecewiseConstantDecay: expected values to have boundaries.length + 1 = 2 entries, got 1',
    );
    expect(() => stepDecay({ boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/increasing boundaries/);
    expect(() => stepDecay({ boundaries: [10], values: [1, Number.NaN] })).toThrow(
      'piecewiseConstantDecay: expected values[1] to be a finite number >= 0, got NaN',
    );
    expect(() =>
      exponentialDecay({ initialLearningRate: Number.NaN, decaySteps: 10, decayRate: 0.5 }),
    ).toThrow('exponentialDecay: expected initialLearningRate to be a finite number >= 0, got NaN');
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 })).toThrow(
      'cosineDecay: expected alpha to be a finite number in [0, 1], got 2',
    );
    expect(() => cosineDecay({ initialLearningRate: 0.1, decay: 10 } as never)).toThrow(
      /cosineDecay: unknown option 'decay'/,
    );
  });
});

describe('optimizer and schedule options are read once', () => {
  /** Options whose `key` getter counts its reads and answers `first`, then garbage. */
  function flipping(
    base: Record<string, unknown>,
    key: string,
    first: unknown,
  ): { options: object; reads: () => number } {
    let n = 0;
    const options = { ...base };
    Object.defineProperty(options, key, {
      enumerable: true,
      get: () => (n++ === 0 ? first : 'garbage'),
    });
    return { options, reads: () => n };
  }
  const cases: [string, (o: never) => unknown, Record<string, unknown>, string, unknown][] = [
    ['sgd', sgd, {}, 'momentum', 0.5],
    ['adam', adam, {}, 'epsilon', 1e-7],
    ['adamw', adamw, {}, 'beta1', 0.9],
    ['rmsprop', rmsprop, {}, 'rho', 0.9],
    ['adagrad', adagrad, {}, 'epsilon', 1e-7],
    ['exponentialDecay', exponentialDecay, { initialLearningRate: 0.1, decaySteps: 10 }, 'decayRate', 0.5],
    ['cosineDecay', cosineDecay, { initialLearningRate: 0.1 }, 'decaySteps', 10],
  ];
  it.each(cases)(
    '%s reads each option once, so a getter cannot pass the check and answer garbage',
    (_, make, base, key, first) => {
      const { options, reads } = flipping(base, key, first);
      expect(() => make(options as never)).not.toThrow();
      expect(reads()).toBe(1);
    },
  );
});

describe('optimizer state (getState / setState)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('a fresh optimizer given the state of a trained one takes the same next step', async () => {
    const a = adam({ learningRate: 0.1 });
    const wa = variable(tensor(W0));
    for (const g of GRADS.slice(0, 2)) a.applyGradients([{ variable: wa, grad: tensor(g) }]);
    const b = adam({ learningRate: 0.1 });
    const wb = variable(tensor(Array.from(await wa.data())));
    const state = a.getState();
    expect(state.iterations).toBe(2);
    expect(Object.keys(state.slots[0]!.values)).toEqual(['m', 'v']);
    b.setState({ iterations: state.iterations, slots: [{ variable: wb, values: state.slots[0]!.values }] });
    expect(b.iterations).toBe(2);
    a.applyGradients([{ variable: wa, grad: tensor(GRADS[2]!) }]);
    b.applyGradients([{ variable: wb, grad: tensor(GRADS[2]!) }]);
    expect(Array.from(await wb.data())).toEqual(Array.from(await wa.data()));
    // setState copied: a's slots moving on left b's alone.
    expect(b.getState().slots[0]!.values.m).not.toBe(a.getState().slots[0]!.values.m);
    for (const x of [a, b, wa, wb]) x.dispose();
  });

  it('refuses wrong slot names, shapes or iterations, changing nothing', async () => {
    const opt = adam();
    const w = variable(tensor(W0));
    opt.applyGradients([{ variable: w, grad: tensor([1, 1]) }]);
    const before = memory().numTensors;
    const m = tensor([0, 0]);
    expect(() => opt.setState({ iterations: 5, slots: [{ variable: w, values: { m } }] })).toThrow(
      /adam: setState: expected the slots \[m, v\] for '.*', got \[m\]/,
    );
    expect(() =>
      opt.setState({ iterations: 5, slots: [{ variable: w, values: { m, v: tensor([1, 2, 3]) } }] }),
    ).toThrow(ShapeError);
    expect(() => opt.setState({ iterations: -1, slots: [] })).toThrow(ArgumentError);
    expect(opt.iterations).toBe(1);
    expect(memory().numTensors).toBe(before + 2);
    opt.dispose();
    w.dispose();
  });
});

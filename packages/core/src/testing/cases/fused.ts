// Conformance cases: the optional fused ops (ops/fused.ts). Each is held to a float64
// reference written here and to the composite of ordinary ops written out in the case, values
// and gradients, so a backend's fused kernel (where it has one) and core's fallback (where it
// does not) must agree. The optimizer steps must also stay off gradient tapes.

import { grads } from '../../autodiff.js';
import { ArgumentError, ShapeError } from '../../errors.js';
import type { ConvActivation, FusedActivation } from '../../fused-prims.js';
import { tidy } from '../../memory.js';
import { relu6 } from '../../ops/activations.js';
import { batchNorm, fusedBatchNorm } from '../../ops/batch-norm.js';
import { add, div, maximum, mul, sub } from '../../ops/binary.js';
import {
  type ChainBuilder,
  type ChainValue,
  chain,
  chainProgram,
  chainSum,
  runChainComposite,
} from '../../ops/chain.js';
import { type Conv2DOptions, conv2d, conv2dBiasActivation } from '../../ops/conv.js';
import { oneHot, tensor } from '../../ops/creation.js';
import { adamStep, biasActivation, fusedMatmul, sgdStep, softmaxCrossEntropy } from '../../ops/fused.js';
import { matmul } from '../../ops/linalg.js';
import { reshape } from '../../ops/movement.js';
import { moments, sum } from '../../ops/reduce.js';
import { logSoftmax } from '../../ops/softmax.js';
import { neg, relu, sigmoid, sqrt, tanh } from '../../ops/unary.js';
import type { NestedArray, Tensor } from '../../tensor.js';
import { type CaseTools, type ConformanceCase, ConformanceError, compareValues } from '../harness.js';

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data(), Number);

/** `flat` as a nested array of `like`'s shape (what `expectValues` compares against). */
function tensorValues(flat: readonly number[], like: Tensor): NestedArray {
  const build = (axis: number, offset: number): NestedArray => {
    if (axis === like.rank) return flat[offset]!;
    const stride = like.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
    return Array.from({ length: like.shape[axis]! }, (_, i) => build(axis + 1, offset + i * stride));
  };
  return build(0, 0);
}

const ACTS: Record<FusedActivation, { op: (z: Tensor) => Tensor; ref: (z: number) => number }> = {
  linear: { op: (z) => z, ref: (z) => z },
  relu: { op: (z) => relu(z), ref: (z) => Math.max(z, 0) },
  relu6: { op: (z) => relu6(z), ref: (z) => Math.min(Math.max(z, 0), 6) },
  sigmoid: { op: (z) => sigmoid(z), ref: (z) => 1 / (1 + Math.exp(-z)) },
  tanh: { op: (z) => tanh(z), ref: (z) => Math.tanh(z) },
};

const ACTIVATIONS = Object.keys(ACTS) as FusedActivation[];

interface MatmulSpec {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly tA: boolean;
  readonly tB: boolean;
  readonly bias: boolean;
}

const SPECS: readonly MatmulSpec[] = [
  { m: 5, k: 7, n: 6, tA: false, tB: false, bias: true },
  { m: 3, k: 4, n: 9, tA: true, tB: false, bias: true },
  { m: 6, k: 5, n: 3, tA: false, tB: true, bias: false },
  { m: 4, k: 3, n: 5, tA: true, tB: true, bias: true },
  // Wider than a register tile and not a multiple of four, so SIMD epilogues have tails.
  { m: 9, k: 33, n: 19, tA: false, tB: false, bias: true },
];

/** The operands of a spec, stored transposed where the spec says. */
function operands(t: CaseTools, s: MatmulSpec, scale: number): Tensor[] {
  const a = t.rand(s.tA ? [s.k, s.m] : [s.m, s.k], { min: -scale, max: scale, seed: 21 + s.m });
  const b = t.rand(s.tB ? [s.n, s.k] : [s.k, s.n], { min: -1, max: 1, seed: 31 + s.n });
  const bias = t.rand([s.n], { min: -1, max: 1, seed: 41 + s.k });
  return s.bias ? [a, b, bias] : [a, b];
}

/** The fused op and the composite it stands for, over the same operands. */
function fusedOf(s: MatmulSpec, act: FusedActivation): (...xs: Tensor[]) => Tensor {
  return (a, b, bias) =>
    fusedMatmul(a, b, { bias: bias ?? null, activation: act, transposeA: s.tA, transposeB: s.tB });
}

function compositeOf(s: MatmulSpec, act: FusedActivation): (...xs: Tensor[]) => Tensor {
  return (a, b, bias) =>
    tidy(() => {
      const z = matmul(a, b, { transposeA: s.tA, transposeB: s.tB });
      return ACTS[act].op(bias ? add(z, bias) : z);
    });
}

/** act(Â·B̂ + bias) in float64. */
async function refFusedMatmul(s: MatmulSpec, act: FusedActivation, xs: readonly Tensor[]): Promise<number[]> {
  const [a, b, bias] = await Promise.all(xs.map(values));
  const out: number[] = [];
  for (let i = 0; i < s.m; i++) {
    for (let j = 0; j < s.n; j++) {
      let z = bias ? bias[j]! : 0;
      for (let p = 0; p < s.k; p++) {
        z += a![s.tA ? p * s.m + i : i * s.k + p]! * b![s.tB ? j * s.k + p : p * s.n + j]!;
      }
      out.push(ACTS[act].ref(z));
    }
  }
  return out;
}

/** A `conv2dBiasActivation` case: shapes, conv options, epilogue, and whether to compare gradients. */
interface ConvEpilogueSpec {
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly options: Conv2DOptions;
  readonly bias: boolean;
  readonly activation: ConvActivation;
  readonly grads: boolean;
}

const CONV_EPILOGUE_SPECS: readonly ConvEpilogueSpec[] = [
  // One input channel (a first layer), five output channels (a SIMD tail), padded.
  {
    x: [2, 5, 6, 1],
    w: [3, 3, 1, 5],
    options: { padding: 'same' },
    bias: true,
    activation: 'relu',
    grads: true,
  },
  // Batch of five (threads claim images), strided, no bias.
  {
    x: [5, 7, 7, 3],
    w: [3, 3, 3, 8],
    options: { strides: 2 },
    bias: false,
    activation: 'sigmoid',
    grads: true,
  },
  // Pointwise, and one image (threads split its rows).
  { x: [1, 6, 4, 6], w: [1, 1, 6, 4], options: {}, bias: true, activation: 'tanh', grads: true },
  {
    x: [2, 6, 6, 2],
    w: [2, 2, 2, 3],
    options: { dilations: 2 },
    bias: true,
    activation: 'linear',
    grads: true,
  },
  // Unbatched HWC.
  {
    x: [5, 5, 2],
    w: [3, 3, 2, 4],
    options: { padding: 'same' },
    bias: true,
    activation: 'relu',
    grads: true,
  },
  // Images of 269 KB of output each, over half of wasm's 512 KiB a call: one image a call.
  { x: [2, 40, 80, 1], w: [1, 1, 1, 21], options: {}, bias: true, activation: 'relu', grads: false },
];

/** Gradients of Σ f(xs)·w (w fixed) by the fused op and by the composite agree. */
async function expectSameGrads(
  f: (...xs: Tensor[]) => Tensor,
  g: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  tol: { rtol: number; atol: number },
): Promise<void> {
  const objective =
    (fn: (...xs: Tensor[]) => Tensor) =>
    (...args: Tensor[]) => {
      const y = fn(...args);
      return sum(mul(y, weights(y)));
    };
  const fused = grads(objective(f))(xs);
  const composite = grads(objective(g))(xs);
  try {
    for (let i = 0; i < xs.length; i++) {
      compareValues(
        `gradient of input ${i}, fused vs composite`,
        await values(fused[i]!),
        await values(composite[i]!),
        tol,
      );
    }
  } finally {
    for (const t of [...fused, ...composite]) t.dispose();
  }
}

/** A fixed weighting of the outputs, 1, 1.25, 1.5, 1.75 cycling, so every output matters. */
function weights(y: Tensor): Tensor {
  const w = Array.from({ length: y.size }, (_, i) => 1 + 0.25 * (i % 4));
  return tensor(w, y.shape, y.dtype);
}

/** -Σ_c y_c·logSoftmax(x)_c in float64, row by row. */
function refCrossEntropy(x: readonly number[], y: readonly number[], classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / classes; r++) {
    const row = x.slice(r * classes, (r + 1) * classes);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    out.push(row.reduce((s, v, c) => s + y[r * classes + c]! * (lse - v), 0));
  }
  return out;
}

/** One-hot rows (zeros for labels outside [0, C)). */
function oneHotRef(labels: readonly number[], classes: number): number[] {
  return labels.flatMap((l) => Array.from({ length: classes }, (_, c) => (c === l ? 1 : 0)));
}

/** A chain using every step kind over x [2, 3, 4], m [4] (broadcast) and s [] (scalar). */
function everyStep(b: ChainBuilder, [x, m, s]: readonly ChainValue[]): ChainValue {
  const a = b.sub(x!, m!);
  const p = b.mul(a, s!);
  const c = b.add(b.unary('tanh', p), b.unary('sigmoid', a));
  const d = b.div(c, b.add(b.unary('exp', b.unary('neg', b.unary('abs', a))), 1));
  const e = b.mul(b.unary('erf', p), b.unary('sqrt', b.add(b.mul(a, a), 1)));
  const f = b.mul(b.unary('rsqrt', b.add(b.mul(p, p), 2)), b.unary('log', b.add(b.mul(x!, x!), 1)));
  const g = b.add(b.unary('log1p', b.mul(a, a)), b.unary('expm1', b.mul(p, 0.3)));
  const h = b.select(
    b.binary('greater', a, 0),
    b.unary('relu', p),
    b.mul(b.unary('sign', a), b.binary('minimum', a, m!)),
  );
  const flags = b.add(
    b.add(b.binary('greaterEqual', x!, m!), b.binary('less', x!, 0)),
    b.add(b.binary('lessEqual', x!, -1), b.binary('equal', x!, m!)),
  );
  return b.add(b.add(b.binary('maximum', d, e), b.add(f, g)), b.add(h, b.mul(flags, 0.25)));
}

/** everyStep in float64 JS, for one element. */
function everyStepRef(x: number, m: number, s: number): number {
  const a = x - m;
  const p = a * s;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const c = Math.tanh(p) + sig(a);
  const d = c / (Math.exp(-Math.abs(a)) + 1);
  const e = erfRef(p) * Math.sqrt(a * a + 1);
  const f = (1 / Math.sqrt(p * p + 2)) * Math.log(x * x + 1);
  const g = Math.log1p(a * a) + Math.expm1(p * 0.3);
  const h = a > 0 ? Math.max(p, 0) : Math.sign(a) * Math.min(a, m);
  const flags = Number(x >= m) + Number(x < 0) + Number(x <= -1) + Number(x === m);
  return Math.max(d, e) + (f + g) + (h + flags * 0.25);
}

/** erf to 1e-7 (Abramowitz and Stegun 7.1.26). */
function erfRef(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-x * x);
  return x < 0 ? -y : y;
}

export const FUSED_CASES: ConformanceCase[] = [
  ...ACTIVATIONS.map(
    (act): ConformanceCase => ({
      name: `fused: fusedMatmul ${act} matches the reference and the composite`,
      run: async (t) => {
        for (const s of SPECS) {
          const xs = operands(t, s, 3);
          const ref = await refFusedMatmul(s, act, xs);
          const shape = [s.m, s.n];
          await t.expectValues(fusedOf(s, act)(...xs), ref, { shape, rtol: 1e-5, atol: 1e-5 });
          await t.expectValues(compositeOf(s, act)(...xs), ref, { shape, rtol: 1e-5, atol: 1e-5 });
        }
      },
    }),
  ),
  ...ACTIVATIONS.map(
    (act): ConformanceCase => ({
      name: `fused: fusedMatmul ${act} gradient`,
      run: async (t) => {
        for (const s of SPECS.slice(0, 4)) {
          const xs = operands(t, s, 3);
          await t.checkGrad(fusedOf(s, act), xs);
          await expectSameGrads(fusedOf(s, act), compositeOf(s, act), xs, { rtol: 1e-4, atol: 1e-5 });
        }
      },
    }),
  ),
  {
    name: 'fused: fusedMatmul promotes, and rejects bad shapes and activations',
    run: async (t) => {
      const a = t.input([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
      const b = t.input([1, 0, 0, 1, 1, 1], [3, 2], 'int32');
      await t.expectValues(
        fusedMatmul(a, b, { bias: [0.5, -10] }),
        [
          [4.5, -5],
          [10.5, 1],
        ],
        { dtype: 'float32' },
      );
      const x = t.rand([2, 3]);
      const w = t.rand([4, 2]);
      t.expectError(() => fusedMatmul(x, w), ShapeError, 'fusedMatmul: inner dimensions must match');
      const flat = t.own(x.reshape([6]));
      t.expectError(() => fusedMatmul(x, flat), ShapeError, 'expected 2-D operands');
      const w2 = t.rand([3, 2]);
      const bias3 = t.rand([3]);
      t.expectError(
        () => fusedMatmul(x, w2, { bias: bias3 }),
        ShapeError,
        'fusedMatmul: expected bias of shape [2]',
      );
      t.expectError(
        () => fusedMatmul(x, w2, { activation: 'gelu' as FusedActivation }),
        ArgumentError,
        `fusedMatmul: expected options.activation to be one of 'linear', 'relu', 'relu6', 'sigmoid', 'tanh', got "gelu"`,
      );
    },
  },
  {
    name: 'fused: fusedMatmul with empty dimensions',
    run: async (t) => {
      const bias = t.input([1, 2, 3]);
      await t.expectValues(
        fusedMatmul(t.input([], [2, 0]), t.input([], [0, 3]), { bias, activation: 'relu' }),
        [
          [1, 2, 3],
          [1, 2, 3],
        ],
      );
      await t.expectValues(fusedMatmul(t.input([], [0, 4]), t.rand([4, 3]), { bias }), [], { shape: [0, 3] });
    },
  },
  {
    name: 'fused: softmaxCrossEntropy sparse and dense match the reference and the composite',
    run: async (t) => {
      const classes = 7;
      const x = t.rand([6, classes], { min: -4, max: 4, seed: 61 });
      const xv = await values(x);
      // The last two labels are out of range: their rows contribute 0.
      const labels = [3, 0, 6, 2, -1, 7];
      const sparse = t.input(labels, [6], 'int32');
      const ref = refCrossEntropy(xv, oneHotRef(labels, classes), classes);
      await t.expectValues(softmaxCrossEntropy(x, sparse), ref, { rtol: 1e-5, atol: 1e-6 });
      // Float class indices are accepted when sparse is said.
      const floatLabels = t.input(labels, [6]);
      await t.expectValues(softmaxCrossEntropy(x, floatLabels, { sparse: true }), ref, {
        rtol: 1e-5,
        atol: 1e-6,
      });
      const composite = tidy(() => neg(sum(mul(oneHot(sparse, classes), logSoftmax(x)), { axis: -1 })));
      await t.expectValues(composite, ref, { rtol: 1e-5, atol: 1e-6 });
      // Soft labels (rows need not sum to 1).
      const soft = t.rand([6, classes], { min: 0, max: 1, seed: 62 });
      const softRef = refCrossEntropy(xv, await values(soft), classes);
      await t.expectValues(softmaxCrossEntropy(x, soft), softRef, { rtol: 1e-5, atol: 1e-5 });
      await t.expectValues(softmaxCrossEntropy(x, soft, { sparse: false }), softRef, {
        rtol: 1e-5,
        atol: 1e-5,
      });
    },
  },
  {
    name: 'fused: softmaxCrossEntropy is stable for large logits',
    run: async (t) => {
      const x = t.input([
        [1e4, 0, -1e4],
        [-1e4, -1e4, 1e4],
        [50, 50, 50],
      ]);
      const labels = t.input([1, 2, 0], [3], 'int32');
      await t.expectValues(softmaxCrossEntropy(x, labels), [1e4, 0, Math.log(3)], { rtol: 1e-6 });
      const dense = t.input([
        [0, 1, 0],
        [0.5, 0, 0.5],
        [1, 0, 0],
      ]);
      await t.expectValues(softmaxCrossEntropy(x, dense), [1e4, 1e4, Math.log(3)], { rtol: 1e-6 });
    },
  },
  {
    name: 'fused: softmaxCrossEntropy gradient',
    run: async (t) => {
      const x = t.rand([5, 4], { min: -3, max: 3, seed: 63 });
      // Sparse labels are constants of the function (in range, and one out of range).
      await t.checkGrad((a) => softmaxCrossEntropy(a, [1, 3, 0, 2, 9], { sparse: true }), [x]);
      const soft = t.rand([5, 4], { min: 0, max: 1, seed: 64 });
      await t.checkGrad((a, y) => softmaxCrossEntropy(a, y), [x, soft]);
      const composite = (a: Tensor, y: Tensor) => tidy(() => neg(sum(mul(y, logSoftmax(a)), { axis: -1 })));
      await expectSameGrads(
        (a, y) => softmaxCrossEntropy(a, y),
        (a, y) => composite(a, y),
        [x, soft],
        { rtol: 1e-4, atol: 1e-6 },
      );
    },
  },
  {
    name: 'fused: softmaxCrossEntropy rejects bad shapes',
    run: async (t) => {
      const x = t.rand([4, 3]);
      const three = t.input([0, 1, 2], [3], 'int32');
      const narrow = t.rand([4, 2]);
      const flat = t.rand([4]);
      const one = t.input([1], [1], 'int32');
      t.expectError(
        () => softmaxCrossEntropy(x, three),
        ShapeError,
        'softmaxCrossEntropy: expected sparse labels of shape [4]',
      );
      t.expectError(
        () => softmaxCrossEntropy(x, narrow),
        ShapeError,
        'softmaxCrossEntropy: expected dense labels of shape [4,3]',
      );
      t.expectError(
        () => softmaxCrossEntropy(flat, one),
        ShapeError,
        'softmaxCrossEntropy: expected 2-D logits',
      );
    },
  },
  {
    name: 'fused: sgdStep plain, momentum and Nesterov match the reference',
    run: async (t) => {
      const n = 11;
      const w = t.rand([n], { seed: 71 });
      const g = t.rand([n], { seed: 72 });
      const vel = t.rand([n], { seed: 73 });
      const [wv, gv, mv] = await Promise.all([values(w), values(g), values(vel)]);
      const lr = 0.1;
      const mu = 0.9;
      const plain = sgdStep({ param: w, grad: g }, { learningRate: lr });
      expectNull(plain.velocity, 'velocity without momentum');
      await t.expectValues(
        plain.param,
        wv.map((x, i) => x - lr * gv[i]!),
        { shape: [n] },
      );
      for (const nesterov of [false, true]) {
        const next = sgdStep(
          { param: w, grad: g, velocity: vel },
          { learningRate: lr, momentum: mu, nesterov },
        );
        const m1 = mv.map((m, i) => mu * m - lr * gv[i]!);
        const w1 = wv.map((x, i) => (nesterov ? x + mu * m1[i]! - lr * gv[i]! : x + m1[i]!));
        await t.expectValues(next.velocity!, m1, { shape: [n] });
        await t.expectValues(next.param, w1, { shape: [n] });
      }
      t.expectError(
        () => sgdStep({ param: w, grad: g }, { learningRate: lr, momentum: mu }),
        ArgumentError,
        'sgdStep: momentum=0.9 needs a velocity tensor',
      );
      const short = t.rand([3]);
      t.expectError(
        () => sgdStep({ param: w, grad: short }, { learningRate: lr }),
        ShapeError,
        'sgdStep: expected grad to match param.shape=[11]',
      );
    },
  },
  {
    name: 'fused: adamStep and AMSGrad match the reference and the composite',
    run: async (t) => {
      const shape = [3, 7];
      const w = t.rand(shape, { seed: 81 });
      const g = t.rand(shape, { seed: 82 });
      const m = t.rand(shape, { min: -0.1, max: 0.1, seed: 83 });
      const v = t.rand(shape, { min: 0, max: 0.01, seed: 84 });
      const vhat = t.rand(shape, { min: 0, max: 0.02, seed: 85 });
      const [wv, gv, mv, vv, hv] = await Promise.all([
        values(w),
        values(g),
        values(m),
        values(v),
        values(vhat),
      ]);
      const [lr, b1, b2, eps, step] = [0.01, 0.9, 0.999, 1e-7, 3];
      const alpha = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
      const m1 = mv.map((x, i) => x + (1 - b1) * (gv[i]! - x));
      const v1 = vv.map((x, i) => x + (1 - b2) * (gv[i]! ** 2 - x));
      const h1 = hv.map((x, i) => Math.max(x, v1[i]!));
      const options = { learningRate: lr, step, beta1: b1, beta2: b2, epsilon: eps };
      const tol = { shape, rtol: 1e-5, atol: 1e-6 };
      for (const amsgrad of [false, true]) {
        const next = adamStep({ param: w, grad: g, m, v, vhat: amsgrad ? vhat : null }, options);
        const denom = amsgrad ? h1 : v1;
        const w1 = wv.map((x, i) => x - (alpha * m1[i]!) / (Math.sqrt(denom[i]!) + eps));
        await t.expectValues(next.m, m1, tol);
        await t.expectValues(next.v, v1, tol);
        if (amsgrad) await t.expectValues(next.vhat!, h1, tol);
        else expectNull(next.vhat, 'vhat without AMSGrad');
        await t.expectValues(next.param, w1, tol);
      }
      // The composite, written out as nn wrote it before the fused op.
      const [mc, vc, wc] = tidy(() => {
        const mn = add(m, mul(sub(g, m), 1 - b1));
        const vn = add(v, mul(sub(mul(g, g), v), 1 - b2));
        return [mn, vn, sub(w, div(mul(mn, alpha), add(sqrt(vn), eps)))];
      });
      const fused = adamStep({ param: w, grad: g, m, v }, options);
      t.own(mc, vc, wc);
      await t.expectValues(fused.param, await values(wc), tol);
      await t.expectValues(fused.m, await values(mc), tol);
      await t.expectValues(fused.v, await values(vc), tol);
      await t.expectValues(maximum(vc, 0), v1, tol);
      t.expectError(
        () => adamStep({ param: w, grad: g, m, v }, { learningRate: lr, step: 0 }),
        ArgumentError,
        'adamStep: expected options.step to be an integer >= 1, got number 0',
      );
    },
  },
  {
    name: 'fused: an elementwise chain of every step kind matches the reference and the composite',
    run: async (t) => {
      const x = t.rand([2, 3, 4], { min: -2, max: 2, seed: 71 });
      const m = t.input([0.5, -0.25, 1, -1.5], [4]);
      const s = t.input(1.5, []);
      const [xv, mv] = [await values(x), await values(m)];
      const ref = xv.map((v, i) => everyStepRef(v, mv[i % 4]!, 1.5));
      const flat = (y: Tensor) => reshape(t.own(y), [24]);
      await t.expectValues(flat(chain([x, m, s], everyStep)), ref, { rtol: 1e-5, atol: 1e-5 });
      const program = chainProgram(3, everyStep);
      await t.expectValues(flat(runChainComposite([x, m, s], program)), ref, { rtol: 1e-5, atol: 1e-5 });
      await t.checkGrad((a, c, d) => chain([a, c, d], everyStep), [x, m, s], { rtol: 2e-3, atol: 2e-3 });
      await expectSameGrads(
        (a, c, d) => chain([a, c, d], everyStep),
        (a, c, d) => runChainComposite([a, c, d], program),
        [x, m, s],
        { rtol: 1e-4, atol: 1e-5 },
      );
    },
  },
  {
    name: 'fused: a chain over several blocks reads inputs of every broadcast layout as the composite does',
    run: async (t) => {
      // 1,365 elements (blocks of a few hundred, an odd tail) and inputs of the output's shape, over
      // its trailing axes ([7, 13]), its leading axes ([3, 1, 1, 1]), a middle axis ([5, 1, 13])
      // and one element: each layout a kernel may read differently.
      const x = t.rand([3, 5, 7, 13], { min: -2, max: 2, seed: 91 });
      const trailing = t.rand([7, 13], { min: -1, max: 1, seed: 92 });
      const leading = t.rand([3, 1, 1, 1], { min: 0.5, max: 2, seed: 93 });
      const middle = t.rand([5, 1, 13], { min: -1, max: 1, seed: 94 });
      const one = t.input(0.75, []);
      const body = (b: ChainBuilder, [a, p, r, q, c]: readonly ChainValue[]): ChainValue => {
        const u = b.mul(b.sub(a!, p!), r!);
        const v = b.add(b.unary('tanh', u), b.mul(q!, c!));
        return b.select(b.binary('greater', v, 0), b.mul(v, 2), b.unary('exp', v));
      };
      const inputs = [x, trailing, leading, middle, one];
      const program = chainProgram(5, body);
      const flat = (y: Tensor) => reshape(t.own(y), [1365]);
      const composite = flat(runChainComposite(inputs, program));
      const want = await values(composite);
      composite.dispose();
      await t.expectValues(flat(chain(inputs, body)), want, { rtol: 1e-5, atol: 1e-6 });
      await expectSameGrads(
        (a, p, r, q, c) => chain([a, p, r, q, c], body),
        (a, p, r, q, c) => runChainComposite([a, p, r, q, c], program),
        inputs,
        { rtol: 1e-4, atol: 1e-5 },
      );
    },
  },
  {
    name: 'fused: chainSum over the leading axes matches the sum of the chain, values and gradients',
    run: async (t) => {
      // Columns a multiple of 4 with inputs of the full shape, a row and one element (the form a
      // backend compiles), 6 columns, an input over the leading axes, other axes than the
      // leading ones, and 512 × 512 (a reduction big enough to run in row chunks).
      const body = (b: ChainBuilder, [a, p, q]: readonly ChainValue[]): ChainValue => {
        const c = b.sub(a!, p!);
        return b.mul(b.mul(c, c), q!);
      };
      const cases: [number[], number[], number[], number[]][] = [
        [[5, 7, 8], [8], [], [0, 1]],
        [[3, 6], [6], [], [0]],
        [
          [4, 3, 8],
          [4, 1, 1],
          [1, 1, 8],
          [0, 1],
        ],
        [[4, 3, 8], [8], [], [1, 2]],
        [[512, 512], [512], [], [0]],
      ];
      for (const [shape, pShape, qShape, axes] of cases) {
        const x = t.rand(shape, { min: -2, max: 2, seed: 95 });
        const p = t.rand(pShape, { min: -1, max: 1, seed: 96 });
        const q = t.rand(qShape, { min: 0.5, max: 2, seed: 97 });
        const composite = t.own(
          tidy(() =>
            sum(runChainComposite([x, p, q], chainProgram(3, body)), { axis: axes, keepDims: true }),
          ),
        );
        const want = await values(composite);
        const got = t.own(chainSum([x, p, q], body, axes));
        if (got.shape.join() !== composite.shape.join()) {
          throw new ConformanceError(
            `chainSum over ${axes} of [${shape}] gave shape [${got.shape}], want [${composite.shape}]`,
          );
        }
        await t.expectValues(reshape(got, [got.size]), want, { rtol: 1e-5, atol: 1e-4 });
        if (shape.length === 3) {
          await expectSameGrads(
            (a, c, d) => chainSum([a, c, d], body, axes),
            (a, c, d) =>
              sum(runChainComposite([a, c, d], chainProgram(3, body)), { axis: axes, keepDims: true }),
            [x, p, q],
            { rtol: 1e-4, atol: 1e-5 },
          );
        }
      }
    },
  },
  {
    name: 'fused: batchNorm matches its formula, has gradients for every argument, and rejects misfit shapes',
    run: async (t) => {
      const x = t.rand([2, 3, 4], { min: -2, max: 2, seed: 81 });
      const mean = t.input([0.5, -0.25, 1, 0], [4]);
      const variance = t.input([0.5, 2, 1, 0.25], [4]);
      const scale = t.input([1.5, -1, 0.5, 2], [4]);
      const offset = t.input([0, 1, -1, 0.5], [4]);
      const [xv, mv, vv, sv, ov] = [
        await values(x),
        await values(mean),
        await values(variance),
        await values(scale),
        await values(offset),
      ];
      const ref = xv.map((v, i) => {
        const c = i % 4;
        return ((v - mv[c]!) / Math.sqrt(vv[c]! + 1e-3)) * sv[c]! + ov[c]!;
      });
      const y = t.own(batchNorm(x, mean, variance, { scale, offset, varianceEpsilon: 1e-3 }));
      await t.expectValues(reshape(y, [24]), ref, { rtol: 1e-5, atol: 1e-5 });
      await t.checkGrad(
        (a, m, v, s, o) => batchNorm(a, m, v, { scale: s, offset: o, varianceEpsilon: 1e-3 }),
        [x, mean, variance, scale, offset],
        { rtol: 2e-3, atol: 2e-3 },
      );
      const wrongMean = t.input([0, 0, 0], [3]);
      const tallOffset = t.input([0, 0], [2, 1, 1, 1]);
      t.expectError(
        () => batchNorm(x, wrongMean, variance),
        ShapeError,
        /expected mean to broadcast to x.shape=\[2,3,4\], got mean.shape=\[3\]/,
      );
      t.expectError(
        () => batchNorm(x, mean, variance, { offset: tallOffset }),
        ShapeError,
        /expected offset to broadcast/,
      );
    },
  },
  {
    name: 'fused: fusedBatchNorm matches moments + batchNorm, its closed-form gradient matches the chain rule and finite differences',
    run: async (t) => {
      // NHWC-like [N, H, C] with statistics over [0, 1] (the default), and over [0, 2] with γ, β
      // of the statistics' own rank.
      const x = t.rand([3, 5, 4], { min: -2, max: 2, seed: 83 });
      const scale = t.input([1.5, -1, 0.5, 2], [4]);
      const offset = t.input([0, 1, -1, 0.5], [4]);
      const dy = t.rand([3, 5, 4], { min: -1, max: 1, seed: 84 });
      const composite = (a: Tensor, s: Tensor, o: Tensor, axes: number[]) =>
        tidy(() => {
          const { mean, variance } = moments(a, { axis: axes, keepDims: true });
          return batchNorm(a, mean, variance, { scale: s, offset: o, varianceEpsilon: 1e-3 });
        });
      for (const [axes, s, o] of [
        [[0, 1], scale, offset],
        [[0, 2], t.input([2, -0.5, 1, 0.75, -1.25], [1, 5, 1]), t.input([0.5, 0, -1, 2, 1], [1, 5, 1])],
      ] as const) {
        const fused = (a: Tensor, ss: Tensor, oo: Tensor) =>
          fusedBatchNorm(a, { axes: [...axes], scale: ss, offset: oo, varianceEpsilon: 1e-3 });
        const out = fused(x, s, o);
        t.own(out.y, out.mean, out.variance);
        const stats = moments(x, { axis: [...axes], keepDims: true });
        t.own(stats.mean, stats.variance);
        const close = { rtol: 1e-5, atol: 1e-6 };
        await t.expectValues(out.mean.clone(), tensorValues(await values(stats.mean), stats.mean), close);
        await t.expectValues(
          out.variance.clone(),
          tensorValues(await values(stats.variance), stats.variance),
          close,
        );
        const ref = t.own(composite(x, s, o, [...axes]));
        await t.expectValues(out.y.clone(), tensorValues(await values(ref), ref), { rtol: 1e-4, atol: 1e-5 });
        // The same cotangent through both: the closed form against the chain rule.
        const [gx, gs, go] = grads((a, ss, oo) => sum(mul(fused(a, ss, oo).y, dy)))([x, s, o]);
        const [rx, rs, ro] = grads((a, ss, oo) => sum(mul(composite(a, ss, oo, [...axes]), dy)))([x, s, o]);
        for (const [got, want] of [
          [gx!, rx!],
          [gs!, rs!],
          [go!, ro!],
        ] as const) {
          t.own(want);
          await t.expectValues(got, tensorValues(await values(want), want), { rtol: 2e-3, atol: 2e-4 });
        }
        await t.checkGrad((a, ss, oo) => fused(a, ss, oo).y, [x, s, o], { rtol: 3e-3, atol: 3e-3 });
      }
      const bad = t.input([1, 2, 3], [3]);
      t.expectError(
        () => fusedBatchNorm(x, { scale: bad }),
        ShapeError,
        /expected scale to broadcast to the statistics' shape \[1,1,4\] of x.shape=\[3,5,4\], got scale.shape=\[3\]/,
      );
      t.expectError(() => fusedBatchNorm(x, { axes: [3] }), ArgumentError, /axis/);
    },
  },
  {
    name: 'fused: biasActivation matches add + activation in values and gradients, and rejects a misfit bias',
    run: async (t) => {
      const y = t.rand([2, 3, 5], { min: -2, max: 2, seed: 85 });
      const bias = t.input([0.5, -1, 0.25, 0, 1.5], [5]);
      const dz = t.rand([2, 3, 5], { min: -1, max: 1, seed: 86 });
      const composites = {
        linear: (a: Tensor, b: Tensor) => add(a, b),
        relu: (a: Tensor, b: Tensor) => relu(add(a, b)),
        sigmoid: (a: Tensor, b: Tensor) => sigmoid(add(a, b)),
        tanh: (a: Tensor, b: Tensor) => tanh(add(a, b)),
      } as const;
      for (const [activation, composite] of Object.entries(composites)) {
        const act = activation as keyof typeof composites;
        const ref = t.own(tidy(() => composite(y, bias)));
        await t.expectValues(biasActivation(y, bias, act), tensorValues(await values(ref), ref), {
          rtol: 1e-6,
          atol: 1e-6,
        });
        const [gy, gb] = grads((a, b) => sum(mul(biasActivation(a, b, act), dz)))([y, bias]);
        const [ry, rb] = grads((a, b) => sum(mul(composite(a, b), dz)))([y, bias]);
        t.own(ry!, rb!);
        await t.expectValues(gy!, tensorValues(await values(ry!), ry!), { rtol: 1e-5, atol: 1e-6 });
        await t.expectValues(gb!, tensorValues(await values(rb!), rb!), { rtol: 1e-5, atol: 1e-6 });
      }
      const wrong = t.input([1, 2, 3], [3]);
      t.expectError(
        () => biasActivation(y, wrong, 'relu'),
        ShapeError,
        /expected bias of shape \[C\] for the last axis of y.shape=\[2,3,5\], got bias.shape=\[3\]/,
      );
    },
  },
  {
    name: 'fused: conv2dBiasActivation matches conv2d + bias + activation in values and gradients',
    run: async (t) => {
      const acts = { linear: (z: Tensor) => z, relu, sigmoid, tanh } as const;
      for (const [i, s] of CONV_EPILOGUE_SPECS.entries()) {
        const act = s.activation;
        const x = t.rand(s.x, { min: -1, max: 1, seed: 201 + i });
        const w = t.rand(s.w, { min: -0.5, max: 0.5, seed: 211 + i });
        const b = t.rand([s.w[3]!], { min: -0.5, max: 0.5, seed: 221 + i });
        const xs = s.bias ? [x, w, b] : [x, w];
        const fused = (...a: Tensor[]) => conv2dBiasActivation(a[0]!, a[1]!, s.options, a[2] ?? null, act);
        const composite = (...a: Tensor[]) =>
          tidy(() => {
            const y = conv2d(a[0]!, a[1]!, s.options);
            return acts[act](a[2] ? add(y, a[2]) : y);
          });
        const ref = t.own(composite(...xs));
        const got = t.own(fused(...xs));
        if (got.shape.join() !== ref.shape.join()) {
          throw new ConformanceError(`spec ${i}: expected shape [${ref.shape}], got [${got.shape}]`);
        }
        compareValues(`spec ${i} (${act}) values`, await values(got), await values(ref), {
          rtol: 1e-5,
          atol: 1e-5,
        });
        if (s.grads) await expectSameGrads(fused, composite, xs, { rtol: 1e-4, atol: 1e-5 });
      }
    },
  },
  {
    name: 'fused: conv2dBiasActivation rejects a misfit bias, an unknown activation and mismatched channels',
    run: async (t) => {
      const x = t.rand([1, 5, 5, 3], { seed: 231 });
      const w = t.rand([3, 3, 3, 4], { seed: 232 });
      const misfit = t.input([1, 2, 3], [3]);
      const w2 = t.rand([3, 3, 2, 4], { seed: 233 });
      t.expectError(
        () => conv2dBiasActivation(x, w, {}, misfit, 'relu'),
        ShapeError,
        'conv2dBiasActivation: expected bias of shape [C] for the last axis of y.shape=[1,3,3,4], got bias.shape=[3]',
      );
      t.expectError(
        () => conv2dBiasActivation(x, w, {}, null, 'gelu' as 'relu'),
        ArgumentError,
        'conv2dBiasActivation: expected activation to be one of linear, relu, sigmoid, tanh, got gelu',
      );
      t.expectError(
        () => conv2dBiasActivation(x, w2, {}, null, 'relu'),
        ShapeError,
        'conv2dBiasActivation: expected filter axis 2 (in channels) to be 3',
      );
    },
  },
  {
    name: 'fused: optimizer steps are not recorded on gradient tapes',
    run: async (t) => {
      const w = t.rand([4], { seed: 91 });
      const g = t.rand([4], { seed: 92 });
      const m = t.rand([4], { seed: 93 });
      const v = t.rand([4], { min: 0, max: 1, seed: 94 });
      const [dw, dg] = grads((a, b) => {
        const next = adamStep({ param: a, grad: b, m, v }, { learningRate: 0.1, step: 1 });
        return sum(add(next.param, sgdStep({ param: a, grad: b }, { learningRate: 0.1 }).param));
      })([w, g]);
      await t.expectValues(dw!, [0, 0, 0, 0]);
      await t.expectValues(dg!, [0, 0, 0, 0]);
    },
  },
];

function expectNull(value: unknown, what: string): void {
  if (value !== null) throw new ConformanceError(`expected no ${what}, got ${String(value)}`);
}

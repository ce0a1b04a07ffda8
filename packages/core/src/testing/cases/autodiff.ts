// Conformance cases: the autodiff API (grad, grads, valueAndGrad(s), variableGrads, vjp,
// customGrad, stopGradient, jacobian), gradients of gradients, gradients through reshape and
// cast, the errors, and that taking a gradient leaves no tensors behind.

import {
  customGrad,
  grad,
  grads,
  jacobian,
  stopGradient,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  vjp,
} from '../../autodiff.js';
import { ShapeError } from '../../errors.js';
import { dispose, memory } from '../../memory.js';
import { add, mul, sub } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { clone, variable } from '../../ops/creation.js';
import { reshape } from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { clip, cos, exp, sin } from '../../ops/unary.js';
import type { Tensor } from '../../tensor.js';
import { type ConformanceCase, ConformanceError } from '../harness.js';

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConformanceError(message);
}

const sumSquares = (x: Tensor): Tensor => sum(mul(x, x));

export const AUTODIFF_CASES: ConformanceCase[] = [
  {
    name: 'autodiff: grad',
    run: async (t) => {
      const x = t.input([
        [1, -2],
        [3, 0.5],
      ]);
      await t.expectValues(
        grad(sumSquares)(x),
        [
          [2, -4],
          [6, 1],
        ],
        { dtype: 'float32' },
      );
      // A tensor used twice: contributions add up (d(x² + x) = 2x + 1).
      await t.expectValues(grad((a) => sum(add(mul(a, a), a)))(x), [
        [3, -3],
        [7, 2],
      ]);
      const s = t.input(3, []);
      await t.expectValues(grad((a) => mul(mul(a, a), a))(s), 27, { shape: [] });
    },
  },
  {
    name: 'autodiff: grad with an explicit dy',
    run: async (t) => {
      const x = t.input([1, 2, 3]);
      const dy = t.input([1, 0, -2]);
      await t.expectValues(grad((a) => mul(a, a))(x, dy), [2, 0, -12]);
      const wrong = t.input([1, 2]);
      t.expectError(
        () => grad((a) => mul(a, a))(x, wrong),
        ShapeError,
        /grad: dy\.shape=\[2\] must equal the output shape \[3\]/,
      );
    },
  },
  {
    name: 'autodiff: grads',
    run: async (t) => {
      const a = t.input([1, 2, 3]);
      const b = t.input([4, 5, 6]);
      const [da, db] = grads((x, y) => sum(mul(x, y)))([a, b]);
      await t.expectValues(da!, [4, 5, 6]);
      await t.expectValues(db!, [1, 2, 3]);
      // An argument the function ignores gets zeros.
      const [ga, gb] = grads((x) => sumSquares(x))([a, b]);
      await t.expectValues(ga!, [2, 4, 6]);
      await t.expectValues(gb!, [0, 0, 0]);
    },
  },
  {
    name: 'autodiff: valueAndGrad and valueAndGrads',
    run: async (t) => {
      const x = t.input([1, 2, 3]);
      const { value, grad: g } = valueAndGrad(sumSquares)(x);
      await t.expectValues(value, 14, { shape: [] });
      await t.expectValues(g, [2, 4, 6]);
      const y = t.input([0.5, -1, 2]);
      const r = valueAndGrads((a, b) => sum(mul(sub(a, b), a)))([x, y]);
      await t.expectValues(r.value, 0.5 + 6 + 3, { shape: [] });
      // d/da Σ(a - b)·a = 2a - b; d/db = -a.
      await t.expectValues(r.grads[0]!, [1.5, 5, 4]);
      await t.expectValues(r.grads[1]!, [-1, -2, -3]);
    },
  },
  {
    name: 'autodiff: variableGrads',
    run: async (t) => {
      const init = t.input([1, -2, 3]);
      const w = t.own(variable(init, { name: 'conformance_autodiff_w' }));
      const frozen = t.own(variable(t.input([5]), { name: 'conformance_autodiff_frozen', trainable: false }));
      const x = t.input([2, 2, 2]);
      const { value, grads: g } = variableGrads(() => sum(mul(mul(w, x), frozen)), [w, frozen]);
      await t.expectValues(value, 20, { shape: [] });
      check(
        Object.keys(g).join() === 'conformance_autodiff_w',
        `expected grads for the trainable variable only, got [${Object.keys(g)}]`,
      );
      await t.expectValues(g.conformance_autodiff_w!, [10, 10, 10]);
      // Without a list, every trainable variable is watched.
      const all = variableGrads(() => sumSquares(w));
      await t.expectValues(all.value, 14, { shape: [] });
      const gw = all.grads.conformance_autodiff_w;
      check(gw !== undefined, 'expected a gradient for conformance_autodiff_w');
      check(
        all.grads.conformance_autodiff_frozen === undefined,
        'a non-trainable variable must get no gradient',
      );
      await t.expectValues(gw!, [2, -4, 6]);
      dispose(all.grads);
      // After assign, the gradient uses the new value.
      const next = t.input([0, 1, 0]);
      w.assign(next);
      const again = variableGrads(() => sumSquares(w), [w]);
      again.value.dispose();
      await t.expectValues(again.grads.conformance_autodiff_w!, [0, 2, 0]);
    },
  },
  {
    name: 'autodiff: vjp',
    run: async (t) => {
      const x = t.input([
        [1, 2],
        [3, 4],
      ]);
      const dy = t.input([
        [1, -1],
        [0.5, 0],
      ]);
      const { value, grads: g } = vjp((a) => mul(a, a), [x], dy);
      await t.expectValues(value, [
        [1, 4],
        [9, 16],
      ]);
      await t.expectValues(g[0]!, [
        [2, -4],
        [3, 0],
      ]);
      const y = t.input([2, 3]);
      const r = vjp((a, b) => mul(a, b), [x, y], dy);
      r.value.dispose();
      await t.expectValues(r.grads[0]!, [
        [2, -3],
        [1, 0],
      ]);
      // b broadcasts over rows, so its cotangent is summed over them.
      await t.expectValues(r.grads[1]!, [2.5, -2]);
    },
  },
  {
    name: 'autodiff: customGrad with a clipped-gradient identity',
    run: async (t) => {
      const clipGrad = customGrad((x) => ({ value: clone(x), gradFunc: (dy) => [clip(dy, -1, 1)] }));
      const x = t.input([1, -2, 3]);
      await t.expectValues(clipGrad(x), [1, -2, 3]);
      // The true derivative of 5·x is 5; the custom rule clips it to 1.
      await t.expectValues(grad((a) => sum(mul(clipGrad(a), 5)))(x), [1, 1, 1]);
      await t.expectValues(grad((a) => sum(mul(clipGrad(a), 0.25)))(x), [0.25, 0.25, 0.25]);
      await t.expectValues(grad((a) => sum(mul(clipGrad(a), a)))(x), [2, -3, 4]);
    },
  },
  {
    name: 'autodiff: customGrad with saved tensors',
    run: async (t) => {
      // f(x) = eˣ with its derivative written by hand from the saved output.
      const myExp = customGrad((x) => {
        const y = exp(x);
        return { value: y, gradFunc: (dy) => [mul(dy, y)], save: [y] };
      });
      const x = t.input([0, 1, -1]);
      await t.expectValues(grad((a) => sum(myExp(a)))(x), [1, Math.E, Math.exp(-1)]);
      await t.checkGrad((a) => myExp(a), [x]);
    },
  },
  {
    name: 'autodiff: stopGradient',
    run: async (t) => {
      const x = t.input([1, -2, 3]);
      await t.expectValues(grad((a) => sum(mul(stopGradient(a), a)))(x), [1, -2, 3]);
      await t.expectValues(grad((a) => sum(stopGradient(mul(a, a))))(x), [0, 0, 0]);
      await t.expectValues(stopGradient(x), [1, -2, 3]);
    },
  },
  {
    name: 'autodiff: jacobian',
    run: async (t) => {
      const x = t.input([1, 2, 3]);
      await t.expectValues(jacobian((a) => mul(a, a))(x), [
        [2, 0, 0],
        [0, 4, 0],
        [0, 0, 6],
      ]);
      const m = t.input([
        [1, 2],
        [3, 4],
      ]);
      const J = jacobian((a) => sum(mul(a, a), { axis: 1 }))(m);
      await t.expectValues(J, [
        [
          [2, 4],
          [0, 0],
        ],
        [
          [0, 0],
          [6, 8],
        ],
      ]);
    },
  },
  {
    name: 'autodiff: second derivatives of scalar functions',
    run: async (t) => {
      const cube = (a: Tensor): Tensor => mul(mul(a, a), a);
      for (const v of [-1.5, 0.5, 2]) {
        const x = t.input(v, []);
        // (x³)'' = 6x
        await t.expectValues(grad((a) => grad(cube)(a))(x), 6 * v, { shape: [] });
        // sin'' = -sin
        await t.expectValues(grad((a) => grad(sin)(a))(x), -Math.sin(Math.fround(v)), { shape: [] });
        // cos''' = sin
        await t.expectValues(grad((b) => grad((a) => grad(cos)(a))(b))(x), Math.sin(Math.fround(v)), {
          shape: [],
        });
      }
    },
  },
  {
    name: 'autodiff: second derivatives through sum',
    run: async (t) => {
      const x = t.input([-1.5, 0.5, 2]);
      const g1 = (a: Tensor): Tensor => grad((b) => sum(mul(mul(b, b), b)))(a);
      await t.expectValues(grad((a) => sum(g1(a)))(x), [-9, 3, 12]);
      await t.checkGrad((a) => g1(a), [x]);
    },
  },
  {
    name: 'autodiff: gradient through reshape and cast',
    run: async (t) => {
      const x = t.input([1, 2, 3, 4, 5, 6]);
      const w = t.input([
        [1, -1],
        [2, -2],
        [3, -3],
      ]);
      await t.expectValues(grad((a) => sum(mul(reshape(a, [3, 2]), w)))(x), [1, -1, 2, -2, 3, -3], {
        dtype: 'float32',
      });
      if (t.gradDType === 'float64') {
        // A float-to-float cast passes the cotangent through, cast back to the input's dtype.
        await t.expectValues(
          grad((a) => sum(mul(cast(reshape(a, [3, 2]), 'float64'), w)))(x),
          [1, -1, 2, -2, 3, -3],
          {
            dtype: 'float32',
          },
        );
      }
      // A cast to int32 stops the gradient.
      await t.expectValues(grad((a) => add(sum(cast(a, 'int32')), sum(a)))(x), [1, 1, 1, 1, 1, 1]);
      await t.checkGrad((a) => reshape(mul(reshape(a, [2, 3]), 2), [6]), [x]);
    },
  },
  {
    name: 'autodiff: grad of a non-scalar without dy is a ShapeError',
    run: async (t) => {
      const x = t.input([1, 2, 3]);
      t.expectError(
        () => grad((a) => mul(a, a))(x),
        ShapeError,
        /grad: the function must return a scalar to take its gradient without dy, got shape \[3\]/,
      );
      t.expectError(
        () => valueAndGrads((a) => mul(a, 2))([x]),
        ShapeError,
        /valueAndGrads: the function must return a scalar/,
      );
    },
  },
  {
    name: 'autodiff: taking a gradient leaves no extra tensors',
    run: async (t) => {
      const x = t.input([
        [0.5, -1],
        [2, 3],
      ]);
      const before = memory().numTensors;
      const bytesBefore = memory().numBytes;
      const g = grad((a) => sum(exp(mul(sin(a), a))))(x);
      check(
        memory().numTensors === before + 1,
        `expected one new tensor (the gradient), got ${memory().numTensors - before}`,
      );
      g.dispose();
      const { value, grad: g2 } = valueAndGrad((a) => sum(mul(a, a)))(x);
      check(
        memory().numTensors === before + 2,
        `expected two new tensors (value and gradient), got ${memory().numTensors - before}`,
      );
      dispose([value, g2]);
      const gg = grad((a) => grad((b) => mul(mul(b, b), b))(a));
      const s = t.input(2, []);
      const before2 = memory().numTensors;
      const h = gg(s);
      check(
        memory().numTensors === before2 + 1,
        `a second derivative left ${memory().numTensors - before2 - 1} extra tensors`,
      );
      h.dispose();
      check(
        memory().numBytes === bytesBefore + 4,
        `expected the bytes back where they were, got ${memory().numBytes - bytesBefore - 4} extra`,
      );
    },
  },
];

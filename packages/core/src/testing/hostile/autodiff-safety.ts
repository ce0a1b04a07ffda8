// Exception safety of autodiff: when the differentiated function, a custom gradient or an
// argument check throws, the error reaches the caller unchanged, no tape stays active, the
// intermediates are freed, and the arguments stay disposable (a later dispose() brings the
// live tensor and byte counts back to where they were). Run by each backend's test file.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customGrad, grad, grads, valueAndGrad, valueAndGrads, variableGrads, vjp } from '../../autodiff.js';
import { setBackend } from '../../backend-registry.js';
import { ENGINE } from '../../engine.js';
import { NablaError } from '../../errors.js';
import { memory } from '../../memory.js';
import { mul } from '../../ops/binary.js';
import { ones, tensor, variable } from '../../ops/creation.js';
import { sum } from '../../ops/reduce.js';
import { exp, neg } from '../../ops/unary.js';
import type { Tensor } from '../../tensor.js';

class UserError extends Error {
  override name = 'UserError';
}

function counts(): { numTensors: number; numBytes: number } {
  const { numTensors, numBytes } = memory();
  return { numTensors, numBytes };
}

/** Runs `fn`, which must throw; returns what it threw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, it returned');
}

/**
 * Registers the autodiff exception-safety tests for `backend`.
 * @example
 * runAutodiffSafetySuite('cpu');
 */
export function runAutodiffSafetySuite(backend: string): void {
  describe(`autodiff exception safety on ${backend}`, () => {
    let baseline: { numTensors: number; numBytes: number };
    let tapes: number;
    beforeEach(async () => {
      await setBackend(backend);
      baseline = counts();
      tapes = ENGINE.tapes.length;
    });
    // Every test disposes what it made; the counts must then be back where they started.
    afterEach(() => {
      expect(ENGINE.tapes.length, 'active gradient tapes').toBe(tapes);
      expect(counts(), 'live tensors and bytes after disposing the arguments').toEqual(baseline);
    });

    const boom = new UserError('boom');
    const throwing = (...xs: Tensor[]): Tensor => {
      // Intermediates made before the throw must be freed too.
      exp(mul(xs[0]!, 2));
      throw boom;
    };

    it('grads: the function throws', () => {
      const a = tensor([1, 2, 3]);
      const b = tensor([4, 5, 6]);
      expect(thrownBy(() => grads(throwing)([a, b]))).toBe(boom);
      a.dispose();
      b.dispose();
      expect(a.isDisposed && b.isDisposed).toBe(true);
    });

    it('grad, valueAndGrad, valueAndGrads, vjp: the function throws', () => {
      const x = tensor([1, 2]);
      const dy = ones([2]);
      expect(thrownBy(() => grad(throwing)(x))).toBe(boom);
      expect(thrownBy(() => valueAndGrad(throwing)(x))).toBe(boom);
      expect(thrownBy(() => valueAndGrads(throwing)([x]))).toBe(boom);
      expect(thrownBy(() => vjp(throwing, [x], dy))).toBe(boom);
      x.dispose();
      dy.dispose();
    });

    it('variableGrads: the function throws; the variables keep their values and free', async () => {
      const init = tensor([1, 2]);
      const w = variable(init, { name: 'hostile_safety_w' });
      init.dispose();
      expect(thrownBy(() => variableGrads(() => throwing(w), [w]))).toBe(boom);
      expect(Array.from(await w.data())).toEqual([1, 2]);
      w.dispose();
    });

    it('grads: a later argument is disposed or not a tensor', () => {
      const a = tensor([1, 2]);
      const gone = tensor([3, 4]);
      gone.dispose();
      const f = (x: Tensor, y: Tensor) => sum(mul(x, y));
      const e1 = thrownBy(() => grads(f)([a, gone]));
      expect(e1, String(e1)).toBeInstanceOf(NablaError);
      const e2 = thrownBy(() => grads(f)([a, [1, 2] as unknown as Tensor]));
      expect(e2, String(e2)).toBeInstanceOf(NablaError);
      a.dispose();
    });

    it('grads: the function returns a non-scalar or a non-tensor, or dy has the wrong shape', () => {
      const a = tensor([1, 2]);
      const dy = ones([3]);
      expect(thrownBy(() => grads((x) => mul(x, 2))([a]))).toBeInstanceOf(NablaError);
      expect(thrownBy(() => grads(() => 3 as unknown as Tensor)([a]))).toBeInstanceOf(NablaError);
      expect(thrownBy(() => grads((x) => mul(x, 2))([a], dy))).toBeInstanceOf(NablaError);
      a.dispose();
      dy.dispose();
    });

    it('customGrad: the gradient function throws', () => {
      const x = tensor([1, 2, 3]);
      const f = customGrad((t: Tensor) => {
        const saved = exp(t);
        return {
          value: mul(saved, 1),
          save: [saved],
          gradFunc: () => {
            throw boom;
          },
        };
      });
      expect(thrownBy(() => grads((t) => sum(f(t)))([x]))).toBe(boom);
      x.dispose();
    });

    it('customGrad: the forward function throws', () => {
      const x = tensor([1, 2, 3]);
      const f = customGrad(() => {
        throw boom;
      });
      expect(thrownBy(() => grads((t) => sum(f(t)))([x]))).toBe(boom);
      expect(thrownBy(() => f(x))).toBe(boom);
      x.dispose();
    });

    const badGradFuncs: Record<string, (dy: Tensor) => readonly (Tensor | null)[]> = {
      'two gradients for one input': (dy) => [dy, dy],
      'a string instead of a tensor': () => ['not a tensor' as unknown as Tensor],
      'a gradient of the wrong shape': () => [ones([7])],
    };
    for (const [what, gradFunc] of Object.entries(badGradFuncs)) {
      it(`customGrad: the gradient function returns ${what}`, () => {
        const x = tensor([1, 2, 3]);
        const f = customGrad((t: Tensor) => ({ value: mul(t, 2), gradFunc }));
        try {
          const err = thrownBy(() => grads((t) => sum(f(t)))([x]));
          expect(err, String(err)).toBeInstanceOf(NablaError);
        } finally {
          x.dispose();
        }
      });
    }

    it('the function disposes its own argument: freed once the gradient is done', async () => {
      const x = tensor([1, 2]);
      const [g] = grads((t) => {
        const y = sum(mul(t, t));
        t.dispose();
        return y;
      })([x]);
      expect(Array.from(await g!.data())).toEqual([2, 4]);
      g!.dispose();
      x.dispose();
    });

    it('a failed inner gradient leaves the outer one intact', async () => {
      const x = tensor([1, 2, 3]);
      const g = grad((t) => {
        expect(thrownBy(() => grad(throwing)(t))).toBe(boom);
        return sum(mul(t, t));
      })(x);
      expect(Array.from(await g.data())).toEqual([2, 4, 6]);
      g.dispose();
      x.dispose();
    });

    it('after a failure, gradients work and free as usual', async () => {
      const x = tensor([1, -2]);
      thrownBy(() => grads(throwing)([x]));
      const [g] = grads((t) => sum(neg(mul(t, t))))([x]);
      expect(Array.from(await g!.data())).toEqual([-2, 4]);
      g!.dispose();
      x.dispose();
    });
  });
}

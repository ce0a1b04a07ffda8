// Proof that the hostile harness can fail: deliberately broken fake ops (one leaks a tensor,
// one throws a raw TypeError, one names the wrong op, one reaches a missing kernel, one ignores
// an extra argument, one corrupts the canary through a hook the backend's test supplies, one
// returns wrong values) must each be reported, and a well-behaved op must pass.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeBackend, setBackend } from '../../backend-registry.js';
import { ENGINE } from '../../engine.js';
import { ArgumentError, UnsupportedError } from '../../errors.js';
import { checkValue, opSignatures, type Spec } from '../../ops/args.js';
import { add } from '../../ops/binary.js';
import { sum } from '../../ops/reduce.js';
import { neg } from '../../ops/unary.js';
import { Tensor } from '../../tensor.js';
import { callArbitrary, param } from './arbitraries.js';
import { checkCall } from './check.js';
import { breaking, fitting } from './from-spec.js';
import { type ArgSpec, type CallSpec, render } from './specs.js';
import { HOSTILE_SEED } from './suite.js';

/** Options of `runHostileSelfTest`. */
export interface SelfTestOptions {
  /** Changes a canary's stored values in place, the way an out-of-bounds kernel write would. */
  corrupt?: (canary: Tensor) => void;
  /** A second backend whose results the harness must compare against (to catch wrong values). */
  reference?: string;
}

const CALL: CallSpec = {
  op: 'fake',
  args: [{ kind: 'tensor', shape: [2, 3], dtype: 'float32', fill: 'small' }],
};

/**
 * Checks the harness on `backend` with broken fake ops.
 * @example
 * runHostileSelfTest('cpu', { corrupt: (t) => { (t.storage.handle as CpuData).values[0] = 7; } });
 */
export function runHostileSelfTest(backend: string, options: SelfTestOptions = {}): void {
  describe(`hostile harness self-test on ${backend}`, () => {
    const check = async (fn: (...args: unknown[]) => unknown, call = CALL, extra = {}) => {
      await setBackend(backend);
      return checkCall(call, fn, { backend, opName: 'fake', arity: 1, ...extra });
    };

    it('passes a well-behaved op', async () => {
      expect(await check((x) => neg(x as Tensor))).toEqual([]);
      expect(
        await check(() => {
          throw new ArgumentError('fake: x must be nice');
        }),
      ).toEqual([]);
    });

    it('catches an op that leaks a tensor', async () => {
      const leaked: Tensor[] = [];
      const failures = await check((x) => {
        leaked.push(neg(x as Tensor));
        return neg(x as Tensor);
      });
      for (const t of leaked) t.dispose();
      expect(failures.join('\n')).toMatch(/^leak: /m);
    });

    it('catches a leak on the error path', async () => {
      const leaked: Tensor[] = [];
      const failures = await check((x) => {
        leaked.push(neg(x as Tensor));
        throw new ArgumentError('fake: rejected after allocating');
      });
      for (const t of leaked) t.dispose();
      expect(failures.join('\n')).toMatch(/^leak: /m);
    });

    it('catches a raw TypeError', async () => {
      const failures = await check((x) => (x as { nope: () => void }).nope());
      expect(failures.join('\n')).toMatch(/threw a raw TypeError/);
    });

    it('catches a typed error that names another op', async () => {
      const failures = await check(() => {
        throw new ArgumentError('other: something');
      });
      expect(failures.join('\n')).toMatch(/does not name 'fake'/);
    });

    it('catches an op reaching a kernel the backend lacks, which it must skip instead', async () => {
      const failures = await check(() => {
        const name = activeBackend().name;
        throw new UnsupportedError(`fake: not supported on the ${name} backend (no kernel yet)`);
      });
      expect(failures.join('\n')).toMatch(/^reached a kernel the \S+ backend lacks/m);
      const other = await check(() => {
        throw new UnsupportedError('fake: the device cannot do that with these arguments');
      });
      expect(other).toEqual([]);
    });

    it('catches an ignored extra argument', async () => {
      const call: CallSpec = { ...CALL, args: [...CALL.args, { kind: 'value', value: 1 }] };
      const failures = await check((x) => neg(x as Tensor), call);
      expect(failures.join('\n')).toMatch(/beyond its 1: they were ignored/);
    });

    it('catches an op that leaves a tidy scope open', async () => {
      const failures = await check((x) => {
        ENGINE.startScope();
        return neg(x as Tensor);
      });
      expect(failures.join('\n')).toMatch(/left a tidy scope open/);
    });

    it('catches an op that reads an option again after validating it', async () => {
      const call: CallSpec = {
        ...CALL,
        args: [...CALL.args, { kind: 'flipFlop', key: 'k', good: 'good', bad: 'bad' }],
      };
      const failures = await check(
        (x, o) => {
          if ((o as { k: string }).k !== 'good') throw new ArgumentError('fake: k must be good');
          return add(x as Tensor, (o as { k: string }).k === 'good' ? 0 : 1);
        },
        call,
        { arity: 2 },
      );
      expect(failures.join('\n')).toMatch(/used option values it had not validated/);
    });

    it('catches a silently wrong answer with a plain-JS oracle', async () => {
      // A sum that ignores its axis, as `x.sum(1)` once did.
      const call: CallSpec = { op: 'sum', args: [CALL.args[0]!, { kind: 'value', value: { axis: 1 } }] };
      const failures = await checkCall(call, (x) => sum(x as Tensor), { backend, opName: 'sum', arity: 2 });
      expect(failures.join('\n')).toMatch(/the result has shape \[\], expected \[2\]/);
      const right = await checkCall(call, (x, o) => sum(x as Tensor, o as { axis: number }), {
        backend,
        opName: 'sum',
        arity: 2,
      });
      expect(right).toEqual([]);
    });

    it('catches a promise that never settles and a call that nearly hangs', async () => {
      const hung = await check(() => new Promise(() => undefined), CALL, { asyncTimeoutMs: 50 });
      expect(hung.join('\n')).toMatch(/^hang: /m);
      const slow = await check(
        (x) => {
          const until = performance.now() + 30;
          while (performance.now() < until) {
            // a kernel stuck spinning
          }
          return neg(x as Tensor);
        },
        CALL,
        { slowMs: 10 },
      );
      expect(slow.join('\n')).toMatch(/the call took \d+ ms/);
    });

    it('catches an op that disposes its argument', async () => {
      const failures = await check((x) => {
        const y = neg(x as Tensor);
        (x as Tensor).dispose();
        return y;
      });
      expect(failures.join('\n')).toMatch(/was disposed by the call/);
    });

    if (options.corrupt) {
      const corrupt = options.corrupt;
      it('catches an op that corrupts the canary', async () => {
        let canary: Tensor | undefined;
        const failures = await checkCall(
          CALL,
          (x) => {
            if (canary) corrupt(canary);
            return neg(x as Tensor);
          },
          {
            backend,
            opName: 'fake',
            onCanary: (c) => {
              canary = c;
            },
          },
        );
        expect(failures.join('\n')).toMatch(/canary tensor .* changed its values/);
      });
    }

    if (options.reference) {
      const reference = options.reference;
      it('catches a wrong value against the reference backend', async () => {
        const failures = await checkCall(
          CALL,
          (x) => add(x as Tensor, backendOf(x) === reference ? 0 : 1e-2),
          { backend, opName: 'fake', reference },
        );
        expect(failures.join('\n')).toMatch(/element 0: expected/);
      });
    }

    it("generates values that fit core's parameter specs, and values that break them", () => {
      // Only plain values can be judged without a call; tensors and derived values need one.
      const plain = (s: Spec) =>
        ['number', 'enum', 'dtype', 'boolean', 'axis', 'axes', 'shape'].includes(s.kind);
      const specs = [...opSignatures().values()]
        .flatMap((sig) => sig.params.map((p) => p.spec))
        .filter(plain);
      expect(specs.length).toBeGreaterThan(10);
      const judge = (spec: Spec, arg: ArgSpec): boolean | undefined => {
        if (arg.kind !== 'value') return undefined;
        try {
          checkValue('hostile', 'arg', spec, arg.value);
          return true;
        } catch {
          return false;
        }
      };
      for (const spec of specs) {
        for (const arg of fc.sample(fitting(spec), { numRuns: 20, seed: HOSTILE_SEED })) {
          expect(judge(spec, arg), `${render(arg)} should fit ${JSON.stringify(spec)}`).not.toBe(false);
        }
        for (const arg of fc.sample(breaking(spec), { numRuns: 20, seed: HOSTILE_SEED })) {
          expect(judge(spec, arg), `${render(arg)} should break ${JSON.stringify(spec)}`).not.toBe(true);
        }
      }
    });

    it('shrinks a failing property to a small printed call', async () => {
      // Leaks whenever its first argument is a plain array: the shrunk call must show one.
      const leaked: Tensor[] = [];
      const leaky = (...args: unknown[]) => {
        if (args.some((a) => a instanceof Tensor && a.isDisposed)) throw new ArgumentError('fake: disposed');
        if (Array.isArray(args[0])) leaked.push(neg(1));
        return neg(0);
      };
      const arbitrary = callArbitrary({ op: 'fake', params: [param('x'), param('x2')], method: false });
      const property = fc.asyncProperty(arbitrary, async (call) => {
        const failures = await checkCall(call, leaky, { backend, opName: 'fake' });
        if (failures.length) throw new Error(failures.join('; '));
      });
      const out = await fc.check(property, { numRuns: 200, seed: HOSTILE_SEED });
      for (const t of leaked) t.dispose();
      expect(out.failed).toBe(true);
      const first = out.counterexample?.[0].args[0];
      expect(first?.kind === 'value' && Array.isArray(first.value), String(out.errorInstance)).toBe(true);
      expect(String(out.errorInstance)).toMatch(/leak: /);
    });
  });
}

function backendOf(x: unknown): string | undefined {
  return (x as Tensor | undefined)?.backend;
}

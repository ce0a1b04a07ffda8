// The conformance harness: the tools a case uses (value checks with per-dtype tolerances,
// error checks, gradient checks against finite differences in float64 or against a reference
// backend) and the bookkeeping that makes every case dispose what it made. Cases own their
// inputs through `t.input(...)`; every op result goes through `expectValues` (which disposes
// it) or `t.own(...)`, so a leak inside an op shows up as a changed tensor or byte count.

import { grads as gradsOf } from '../autodiff.js';
import { activeBackend, setBackend } from '../backend-registry.js';
import { type DType, isFloat, type TypedArray } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import { mul } from '../ops/binary.js';
import { cast } from '../ops/cast.js';
import type { TensorLike } from '../ops/convert.js';
import { fromValues } from '../ops/convert.js';
import { randomUniform } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import type { NestedArray, Tensor } from '../tensor.js';

/** Absolute and relative tolerance: |a - e| <= atol + rtol·|e|. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

const DEFAULT_TOL: Record<DType, Required<Tolerance>> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-10, atol: 1e-12 },
  // Half precision keeps 11 significant bits: 2^-11 ≈ 4.9e-4 per rounding.
  float16: { rtol: 2e-3, atol: 1e-4 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

/** Options of `expectValues`. */
export interface ExpectOptions extends Tolerance {
  /** Expected dtype; checked when given. */
  dtype?: DType;
  /** Expected shape; defaults to the shape of the expected nested array. */
  shape?: readonly number[];
}

/** Options of `checkGrad`. */
export interface GradCheckOptions extends Tolerance {
  /** Finite-difference step (float64). */
  eps?: number;
}

/** What a case gets. */
export interface CaseTools {
  /** The backend under test. */
  readonly backend: string;
  /** The float dtype gradient checks run in on this backend. */
  readonly gradDType: DType;
  /** Makes an input tensor, disposed when the case ends. */
  input(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor;
  /** Seeded uniform input in [min, max), disposed when the case ends. */
  rand(
    shape: readonly number[],
    options?: { min?: number; max?: number; seed?: number; dtype?: DType },
  ): Tensor;
  /** Registers tensors the case made for disposal when it ends; returns the first. */
  own<T extends Tensor>(t: T, ...more: Tensor[]): T;
  /** Checks shape, dtype and values (NaN and ±Infinity exactly), then disposes `actual`. */
  expectValues(actual: Tensor, expected: NestedArray, options?: ExpectOptions): Promise<void>;
  /** Checks that `fn` throws `type` with a message matching `message`, leaking nothing. */
  expectError(
    fn: () => unknown,
    type: abstract new (...args: never[]) => Error,
    message: RegExp | string,
  ): void;
  /**
   * Checks the gradient of `f` at `inputs` (each disposed by the caller) against central
   * finite differences in float64, or against `referenceBackend` where float64 is missing.
   */
  checkGrad(
    f: (...xs: Tensor[]) => Tensor,
    inputs: readonly Tensor[],
    options?: GradCheckOptions,
  ): Promise<void>;
}

/** One conformance case. */
export interface ConformanceCase {
  /** `family: what`, unique across the suite; backends skip cases by this name. */
  readonly name: string;
  readonly run: (t: CaseTools) => Promise<void>;
}

/** A failed check, with what was expected and what came. */
export class ConformanceError extends Error {
  override name = 'ConformanceError';
}

function shapeOfNested(value: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = value;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] ?? 0;
  }
  return shape;
}

function flatten(value: NestedArray, out: number[]): number[] {
  if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else out.push(Number(value));
  return out;
}

/** Compares flat values with a tolerance; NaN must match NaN and infinities match exactly. */
export function compareValues(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Required<Tolerance>,
): void {
  if (actual.length !== expected.length) {
    throw new ConformanceError(`${what}: expected ${expected.length} values, got ${actual.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      throw new ConformanceError(`${what}: element ${i}: expected ${e}, got ${a}`);
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a === e) continue;
      throw new ConformanceError(`${what}: element ${i}: expected ${e}, got ${a}`);
    }
    if (Math.abs(a - e) > tol.atol + tol.rtol * Math.abs(e)) {
      throw new ConformanceError(
        `${what}: element ${i}: expected ${e}, got ${a} (|diff| ${Math.abs(a - e).toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol}·|e|)`,
      );
    }
  }
}

/** Builds the tools for one case run on `backend`; `finish()` disposes the case's inputs. */
export function makeTools(
  backend: string,
  referenceBackend: string | undefined,
): CaseTools & { finish(): void } {
  const owned: Tensor[] = [];
  const supports64 = activeBackend().supportsDType('float64');
  const gradDType: DType = supports64 ? 'float64' : 'float32';
  const tools: CaseTools & { finish(): void } = {
    backend,
    gradDType,
    input(values, shape, dtype) {
      const t = fromValues('input', values, shape, dtype);
      owned.push(t);
      return t;
    },
    rand(shape, options = {}) {
      const { min = -1, max = 1, seed = 1234, dtype = 'float32' } = options;
      const t = randomUniform(shape, { minval: min, maxval: max, seed, dtype });
      owned.push(t);
      return t;
    },
    own(t, ...more) {
      owned.push(t, ...more);
      return t;
    },
    async expectValues(actual, expected, options = {}) {
      try {
        const shape = options.shape ?? shapeOfNested(expected);
        if (actual.shape.length !== shape.length || actual.shape.some((d, i) => d !== shape[i])) {
          throw new ConformanceError(`expected shape ${fmtShape(shape)}, got ${fmtShape(actual.shape)}`);
        }
        if (options.dtype && actual.dtype !== options.dtype) {
          throw new ConformanceError(`expected dtype ${options.dtype}, got ${actual.dtype}`);
        }
        const base = DEFAULT_TOL[actual.dtype];
        const tol = { rtol: options.rtol ?? base.rtol, atol: options.atol ?? base.atol };
        const values = await actual.data();
        const want = flatten(expected, []).map(Number);
        const got = Array.from(values as ArrayLike<number>);
        compareValues(`values of shape ${fmtShape(actual.shape)}`, got, want, tol);
      } finally {
        actual.dispose();
      }
    },
    expectError(fn, type, message) {
      const before = ENGINE.memory().numTensors;
      let thrown: unknown;
      try {
        const result = fn();
        if (result && typeof result === 'object' && 'dispose' in result) (result as Tensor).dispose();
      } catch (err) {
        thrown = err;
      }
      if (thrown === undefined)
        throw new ConformanceError(
          `expected ${type.name} matching ${String(message)}, but nothing was thrown`,
        );
      if (!(thrown instanceof type)) {
        throw new ConformanceError(
          `expected ${type.name}, got ${(thrown as Error)?.name}: ${(thrown as Error)?.message}`,
        );
      }
      const text = (thrown as Error).message;
      const ok = typeof message === 'string' ? text.includes(message) : message.test(text);
      if (!ok) throw new ConformanceError(`expected the message to match ${String(message)}, got: ${text}`);
      const after = ENGINE.memory().numTensors;
      if (after !== before) throw new ConformanceError(`the failing call leaked ${after - before} tensors`);
    },
    async checkGrad(f, inputs, options = {}) {
      if (supports64) {
        await gradVsFiniteDifferences(f, inputs, options);
      } else if (referenceBackend) {
        await gradVsReference(f, inputs, backend, referenceBackend, options);
      } else {
        throw new ConformanceError(
          'checkGrad: this backend has no float64 and no reference backend was given',
        );
      }
    },
    finish() {
      for (const t of owned) t.dispose();
      owned.length = 0;
    },
  };
  return tools;
}

/** The scalar objective: sum(f(xs) · w) with a fixed pseudo-random w, so every output matters. */
function objective(f: (...xs: Tensor[]) => Tensor, dtype: DType): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    const y = f(...xs);
    const w = randomUniform(y.shape, { minval: 0.5, maxval: 1.5, seed: 99, dtype });
    return sum(mul(isFloat(y.dtype) ? y : cast(y, dtype), w));
  };
}

async function gradVsFiniteDifferences(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradCheckOptions,
): Promise<void> {
  const eps = options.eps ?? 1e-6;
  const tol = { rtol: options.rtol ?? 1e-5, atol: options.atol ?? 1e-7 };
  const xs = inputs.map((x) => cast(x, 'float64'));
  try {
    const L = objective(f, 'float64');
    const analytic = tidy(() => gradsOf(L)(xs));
    const analyticValues = await Promise.all(analytic.map((g) => g.data()));
    for (const g of analytic) g.dispose();
    for (let k = 0; k < xs.length; k++) {
      const base = (await xs[k]!.data()) as Float64Array;
      const numeric = new Float64Array(base.length);
      for (let j = 0; j < base.length; j++) {
        const at = async (delta: number): Promise<number> => {
          const moved = Float64Array.from(base);
          moved[j] = moved[j]! + delta;
          const value = tidy(() => {
            const xk = fromValues('checkGrad', moved, xs[k]!.shape, 'float64');
            const args = xs.map((x, i) => (i === k ? xk : x));
            return L(...args);
          });
          const v = (await value.data())[0]!;
          value.dispose();
          return v;
        };
        numeric[j] = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      }
      compareValues(
        `gradient of input ${k} (shape ${fmtShape(xs[k]!.shape)}) vs finite differences`,
        analyticValues[k]! as TypedArray,
        numeric,
        tol,
      );
    }
  } finally {
    for (const x of xs) x.dispose();
  }
}

async function gradVsReference(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  backend: string,
  reference: string,
  options: GradCheckOptions,
): Promise<void> {
  const tol = { rtol: options.rtol ?? 1e-3, atol: options.atol ?? 1e-4 };
  const values = await Promise.all(inputs.map((x) => x.data()));
  const here = tidy(() =>
    gradsOf(objective(f, 'float32'))(inputs.map((x) => (isFloat(x.dtype) ? cast(x, 'float32') : x))),
  );
  const hereValues = await Promise.all(here.map((g) => g.data()));
  for (const g of here) g.dispose();
  await setBackend(reference);
  let refValues: TypedArray[];
  try {
    const refInputs = inputs.map((x, i) =>
      fromValues('checkGrad', values[i]!, x.shape, isFloat(x.dtype) ? 'float64' : x.dtype),
    );
    const refGrads = tidy(() => gradsOf(objective(f, 'float64'))(refInputs));
    refValues = await Promise.all(refGrads.map((g) => g.data()));
    for (const t of [...refInputs, ...refGrads]) t.dispose();
  } finally {
    // By registered name: several names may share one backend class (and its `name`).
    await setBackend(backend);
  }
  refValues.forEach((r, k) => {
    compareValues(`gradient of input ${k} vs the ${reference} backend`, hereValues[k]!, r, tol);
  });
}

// One hostile call, checked: the arguments are made on the backend under test next to a canary
// tensor, the op is called, and the outcome must be a valid result (equal to the reference
// backend's, where there is one) or a NablaError naming the op. Either way the live tensor and
// byte counts must come back, the canary and the inputs must keep their exact values, no tape
// may stay active, and the arguments must still be freeable. Every broken rule is reported.
// Reaching a kernel the backend declares `unsupported` is reported too: a backend without a
// kernel skips the ops that need it by name (`skip` in the suite), so nothing passes unseen.

import { activeBackend, setBackend, setRandomSeed } from '../../backend-registry.js';
import { DTYPES, type DType } from '../../dtype.js';
import { ENGINE } from '../../engine.js';
import { NablaError, UnsupportedError } from '../../errors.js';
import { memory } from '../../memory.js';
import { fromValues } from '../../ops/convert.js';
import { variable } from '../../ops/creation.js';
import { Tensor } from '../../tensor.js';
import { compareValues, type Tolerance } from '../harness.js';
import { type Expected, oracleOf } from './oracles.js';
import { type ArgSpec, type CallSpec, fillValues, type SpecShape } from './specs.js';

/** Tolerances for comparing against the reference backend (kernels differ in rounding). */
export const HOSTILE_TOLERANCE: Readonly<Record<DType, Required<Tolerance>>> = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  float64: { rtol: 1e-9, atol: 1e-12 },
  float16: { rtol: 1e-2, atol: 1e-3 },
  int32: { rtol: 0, atol: 0 },
  bool: { rtol: 0, atol: 0 },
};

/** How `checkCall` runs a call. */
export interface CheckOptions {
  /** The backend under test (registered name). */
  readonly backend: string;
  /** Backend whose results count as correct; none when testing the reference itself. */
  readonly reference?: string;
  /** Backend that tensors "from a different backend" live on. */
  readonly foreign?: string;
  /** The name an error message must carry. */
  readonly opName: string;
  /** Number of declared parameters (receiver included), when known; more arguments are extra. */
  readonly arity?: number;
  /**
   * Leading arguments that must not be disposed tensors when the call succeeds (default: the
   * declared ones, or all when the arity is unknown).
   */
  readonly checkedArgs?: number;
  /** The call may change its receiver's values when it succeeds (Variable#assign). */
  readonly mutatesReceiver?: boolean;
  /** A call slower than this fails (a hang cannot be interrupted, but a near-hang can be seen). */
  readonly slowMs?: number;
  /** Milliseconds a returned promise may take. */
  readonly asyncTimeoutMs?: number;
  readonly tolerance?: Partial<Record<DType, Required<Tolerance>>>;
  /** Self-test instrumentation: sees the canary before the call. */
  readonly onCanary?: (canary: Tensor) => void;
}

const CANARY_VALUES = Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? -1 : 1) * (i + 0.5) * 1.125);
const LIKE_DEFAULT: readonly number[] = [2, 3];

interface Snapshot {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly values: number[];
}

/** Makes the JS values of a call's arguments, recording every tensor made for them. */
class ArgFactory {
  readonly created: Tensor[] = [];
  first: Tensor | undefined;

  constructor(
    readonly backend: string,
    readonly foreign: string | undefined,
    /** The dtypes of the backend under test: the reference run must make the same inputs. */
    readonly supports: (dtype: DType) => boolean,
  ) {}

  #shape(s: SpecShape): number[] {
    return s === 'like' ? [...(this.first?.shape ?? LIKE_DEFAULT)] : [...s];
  }

  #tensor(shape: readonly number[], dtype: string, fill: 'small' | 'float' | 'special'): Tensor {
    const dt = (DTYPES as readonly string[]).includes(dtype) ? (dtype as DType) : 'float32';
    const supported = this.supports(dt) && activeBackend().supportsDType(dt) ? dt : 'float32';
    const size = shape.reduce((a, b) => a * b, 1);
    const t = fromValues('hostile', fillValues(fill, size), shape, supported);
    this.created.push(t);
    this.first ??= t;
    return t;
  }

  async make(spec: ArgSpec): Promise<unknown> {
    switch (spec.kind) {
      case 'tensor':
        return this.#tensor(this.#shape(spec.shape), spec.dtype, spec.fill);
      case 'variable': {
        const init = this.#tensor(this.#shape(spec.shape), spec.dtype, 'small');
        const v = variable(init);
        // The variable holds its own reference to the storage.
        init.dispose();
        this.created.push(v);
        return v;
      }
      case 'disposed': {
        const t = this.#tensor(this.#shape(spec.shape), spec.dtype, 'small');
        t.dispose();
        return t;
      }
      case 'foreign': {
        if (!this.foreign) return this.#tensor(this.#shape(spec.shape), spec.dtype, 'small');
        await setBackend(this.foreign);
        try {
          return this.#tensor(this.#shape(spec.shape), spec.dtype, 'small');
        } finally {
          await setBackend(this.backend);
        }
      }
      case 'list': {
        const out: unknown[] = [];
        for (const item of spec.items) out.push(await this.make(item));
        return out;
      }
      case 'object': {
        const body: Record<string, unknown> = {};
        for (const [k, v] of spec.entries) {
          // defineProperty, so a '__proto__' key is an own key and not a prototype swap.
          Object.defineProperty(body, k, {
            value: await this.make(v),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        if (spec.proto === 'inherit') return Object.create(body);
        if (spec.proto === 'null') return Object.assign(Object.create(null), body);
        return body;
      }
      case 'derived':
        return this.#derived(spec.of);
      case 'flipFlop': {
        // Fresh per call, so the reference run sees the same first read.
        let reads = 0;
        const { good, bad } = spec;
        return Object.defineProperty({}, spec.key, {
          get: () => (reads++ === 0 ? good : bad),
          enumerable: true,
        });
      }
      case 'value':
        return spec.value;
      default:
        spec satisfies never;
        return undefined;
    }
  }

  #derived(of: string): unknown {
    const shape = this.first?.shape ?? LIKE_DEFAULT;
    const size = shape.reduce((a, b) => a * b, 1);
    switch (of) {
      case 'shape':
        return [...shape];
      case 'size':
        return size;
      case 'flat':
        return [size];
      case 'rank':
        return shape.length;
      case 'perm':
        return shape.map((_, i) => shape.length - 1 - i);
      case 'lastAxis':
        return shape.length - 1;
      case 'pairs':
        return shape.map((_, i) => [i % 2, 1]);
      case 'halfShape':
        return size % 2 === 0 ? [2, size / 2] : [size, 1];
      default:
        return undefined;
    }
  }

  /** Frees everything made for the arguments (a disposed tensor is a no-op). */
  disposeAll(): void {
    for (const t of this.created) t.dispose();
  }
}

function hasKind(specs: readonly ArgSpec[], kinds: readonly ArgSpec['kind'][]): boolean {
  return specs.some((s) => {
    if (kinds.includes(s.kind)) return true;
    if (s.kind === 'list') return hasKind(s.items, kinds);
    if (s.kind === 'object')
      return hasKind(
        s.entries.map((e) => e[1]),
        kinds,
      );
    return false;
  });
}

/** Tensors in a result, in a stable order (arrays, plain objects; depth-first). */
function resultTensors(value: unknown, out: Tensor[] = [], depth = 0): Tensor[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  if (value instanceof Tensor) {
    if (!out.includes(value)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) resultTensors(v, out, depth + 1);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      for (const k of Object.keys(value).sort())
        resultTensors((value as Record<string, unknown>)[k], out, depth + 1);
    }
  }
  return out;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The harness never runs inside `tidy`, so any open scope was left by the call; closing it
 * (which frees what it tracked) returns whether there was one.
 */
function closeDanglingScope(): boolean {
  try {
    ENGINE.endScope(undefined);
    return true;
  } catch {
    return false;
  }
}

/** A returned promise that never settled. */
class HangError extends Error {
  override name = 'HangError';
}

/** What a call did, for comparison with the reference. */
type Outcome =
  | { readonly ok: true; readonly snapshots: Snapshot[] }
  | { readonly ok: false; readonly error: unknown };

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const frames = (err.stack ?? '')
      .split('\n')
      .slice(1)
      .filter((l) => /packages[/\\]/.test(l) && !/testing[/\\]hostile/.test(l))
      .slice(0, 2)
      .map((l) =>
        l
          .trim()
          .replace(/^at /, '')
          .replace(/\(?\/.*?packages[/\\]/, '('),
      );
    return `${err.name}: ${err.message.slice(0, 300)}${frames.length ? ` [at ${frames.join(' < ')}]` : ''}`;
  }
  return `a thrown non-Error value (${typeof err}): ${String(err)}`;
}

/** Runs the function, awaiting a returned promise; the result is checked and snapshotted. */
async function invoke(
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
  timeoutMs: number,
): Promise<{ result?: unknown; error?: unknown; elapsed: number }> {
  const t0 = performance.now();
  try {
    let result = fn(...args);
    if (result instanceof Promise) result = await withTimeout(result, timeoutMs, 'the returned promise');
    return { result, elapsed: performance.now() - t0 };
  } catch (error) {
    return { error, elapsed: performance.now() - t0 };
  }
}

/** Validates result tensors and reads them; problems go to `failures`. */
async function snapshotResult(
  tensors: readonly Tensor[],
  failures: string[],
  timeoutMs: number,
): Promise<Snapshot[]> {
  const snaps: Snapshot[] = [];
  for (const [i, t] of tensors.entries()) {
    const label = tensors.length > 1 ? `result tensor ${i}` : 'the result';
    if (t.isDisposed) {
      failures.push(`${label} is already disposed`);
      continue;
    }
    if (!(DTYPES as readonly string[]).includes(t.dtype))
      failures.push(`${label} has an invalid dtype ${String(t.dtype)}`);
    const shapeOk = t.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (!shapeOk || !Number.isSafeInteger(size) || size !== t.size) {
      failures.push(`${label} has shape [${t.shape.join(',')}] and size ${t.size}, not a safe-integer size`);
      continue;
    }
    try {
      const data = await withTimeout(t.data(), timeoutMs, `${label}.data()`);
      if (data.length !== size)
        failures.push(`${label} of shape [${t.shape.join(',')}] reads ${data.length} values`);
      const values = Array.from(data as ArrayLike<number>);
      if (t.dtype === 'bool' && values.some((v) => v !== 0 && v !== 1))
        failures.push(`${label} is bool but holds values other than 0 and 1`);
      snaps.push({ shape: [...t.shape], dtype: t.dtype, values });
    } catch (err) {
      failures.push(`${label} cannot be read: ${describeError(err)}`);
    }
  }
  return snaps;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

async function readAll(tensors: readonly Tensor[]): Promise<(number[] | undefined)[]> {
  const out: (number[] | undefined)[] = [];
  for (const t of tensors)
    out.push(t.isDisposed ? undefined : Array.from((await t.data()) as ArrayLike<number>));
  return out;
}

function counts(backend: string): { numTensors: number; numBytes: number; backendBytes: number } {
  const m = memory();
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    backendBytes: m.backends[backend]?.bytesInUse ?? 0,
  };
}

function sameCounts(a: ReturnType<typeof counts>, b: ReturnType<typeof counts>): boolean {
  // Object.is: once a bad call has made a count NaN, later calls should not all fail for it.
  return (
    Object.is(a.numTensors, b.numTensors) &&
    Object.is(a.numBytes, b.numBytes) &&
    Object.is(a.backendBytes, b.backendBytes)
  );
}

function fmtCounts(c: ReturnType<typeof counts>): string {
  return `${c.numTensors} tensors, ${c.numBytes} bytes (backend ${c.backendBytes})`;
}

/** What the engine's error says when a primitive's kernel is `unsupported` on `backend` (engine.ts). */
function unsupportedKernel(backend: string): string {
  return `: not supported on the ${backend} backend (`;
}

/** Runs the call on the reference backend; the outcome (result snapshots or the error). */
async function referenceOutcome(
  call: CallSpec,
  fn: (...args: unknown[]) => unknown,
  options: CheckOptions,
  reference: string,
  supports: (dtype: DType) => boolean,
): Promise<Outcome> {
  await setBackend(reference);
  const factory = new ArgFactory(reference, options.foreign, supports);
  try {
    const args: unknown[] = [];
    for (const spec of call.args) args.push(await factory.make(spec));
    setRandomSeed(0x5eed);
    const { result, error } = await invoke(fn, args, options.asyncTimeoutMs ?? 5000);
    if (error !== undefined) return { ok: false, error };
    const tensors = resultTensors(result).filter((t) => !factory.created.includes(t));
    const snapshots = await snapshotResult(tensors, [], options.asyncTimeoutMs ?? 5000);
    for (const t of tensors) t.dispose();
    return { ok: true, snapshots };
  } finally {
    factory.disposeAll();
    await setBackend(options.backend);
  }
}

/**
 * Runs one call on `options.backend` and returns every rule it broke (empty: it behaved).
 * @example
 * const failures = await checkCall(call, sum, { backend: 'cpu', opName: 'sum' });
 */
export async function checkCall(
  call: CallSpec,
  fn: (...args: unknown[]) => unknown,
  options: CheckOptions,
): Promise<string[]> {
  const failures: string[] = [];
  const timeoutMs = options.asyncTimeoutMs ?? 5000;
  await setBackend(options.backend);
  const tapesBefore = ENGINE.tapes.length;
  const baseline = counts(options.backend);
  const canary = fromValues('hostile', CANARY_VALUES, [CANARY_VALUES.length], 'float32');
  const tested = activeBackend();
  const supports = (dtype: DType) => tested.supportsDType(dtype);
  const factory = new ArgFactory(options.backend, options.foreign, supports);
  try {
    const args: unknown[] = [];
    for (const spec of call.args) args.push(await factory.make(spec));
    const live = factory.created.filter((t) => !t.isDisposed);
    const inputValues = await readAll(live);
    options.onCanary?.(canary);
    setRandomSeed(0x5eed);
    const before = counts(options.backend);
    const { result, error, elapsed } = await invoke(fn, args, timeoutMs);
    if (elapsed > (options.slowMs ?? 2000)) failures.push(`the call took ${Math.round(elapsed)} ms`);
    let outcome: Outcome;
    if (error !== undefined) {
      outcome = { ok: false, error };
      const name = options.opName.replace(/[$]/g, '\\$');
      if (error instanceof HangError) failures.push(`hang: ${error.message}`);
      else if (!(error instanceof NablaError)) failures.push(`threw a raw ${describeError(error)}`);
      else if (error instanceof UnsupportedError && error.message.includes(unsupportedKernel(tested.name))) {
        failures.push(
          `reached a kernel the ${tested.name} backend lacks (skip the op there, with this reason): ${error.message.slice(0, 200)}`,
        );
      } else if (!new RegExp(`(^|[^\\w])${name}([^\\w]|$)`).test(error.message)) {
        failures.push(
          `threw ${error.name} whose message does not name '${options.opName}': ${error.message.slice(0, 200)}`,
        );
      }
    } else {
      const all = resultTensors(result);
      const own = all.filter((t) => !factory.created.includes(t));
      if (own.length !== all.length)
        failures.push(
          'returned one of its argument tensors itself (disposing the result disposes the argument)',
        );
      const snapshots = await snapshotResult(own, failures, timeoutMs);
      for (const t of own) t.dispose();
      outcome = { ok: true, snapshots };
      const oracle = oracleOf(options.opName);
      if (oracle) {
        const known = new Map(live.map((t, i) => [t, inputValues[i]]));
        const expected = oracle(args, (t) => known.get(t));
        if (expected) failures.push(...judge(expected, snapshots, options.tolerance));
      }
      if (hasKind(call.args.slice(0, options.checkedArgs ?? options.arity), ['disposed'])) {
        failures.push('returned a result although an argument is a disposed tensor');
      }
      if (options.arity !== undefined && call.args.length > options.arity) {
        const extra = call.args.slice(options.arity);
        if (extra.some((s) => !(s.kind === 'value' && s.value === undefined))) {
          failures.push(
            `returned a result although it was given ${extra.length} argument(s) beyond its ${options.arity}: they were ignored`,
          );
        }
      }
    }
    if (ENGINE.tapes.length !== tapesBefore)
      failures.push(`left ${ENGINE.tapes.length - tapesBefore} gradient tape(s) active`);
    if (closeDanglingScope())
      failures.push('left a tidy scope open (later tensors would be freed by a scope nobody closes)');
    const after = counts(options.backend);
    // A successful assign makes the variable share the value's storage, freeing its old one.
    const shared = options.mutatesReceiver && outcome.ok;
    const ok = shared
      ? after.numTensors === before.numTensors && after.numBytes <= before.numBytes
      : sameCounts(before, after);
    if (!ok) {
      failures.push(
        `leak: ${fmtCounts(before)} before the call, ${fmtCounts(after)} after it${outcome.ok ? ' and disposing its result' : ''}`,
      );
    }
    const canaryNow = await canary.data();
    if (!sameBits(canaryNow, CANARY_VALUES))
      failures.push('the canary tensor made before the call changed its values');
    const inputsNow = await readAll(live);
    // The receiver is made first; a successful assign is meant to change it.
    const receiver = options.mutatesReceiver && outcome.ok ? args[0] : undefined;
    if (receiver instanceof Tensor && args[1] instanceof Tensor && !args[1].isDisposed) {
      const [got, want] = await readAll([receiver, args[1]]);
      if (!got || !want || !sameBits(got, want))
        failures.push('the receiver does not hold the assigned values');
    }
    inputsNow.forEach((v, i) => {
      if (live[i] === receiver) return;
      const was = inputValues[i];
      if (v === undefined)
        failures.push(`argument tensor ${i} (shape [${live[i]!.shape.join(',')}]) was disposed by the call`);
      else if (was && !sameBits(v, was))
        failures.push(`argument tensor ${i} (shape [${live[i]!.shape.join(',')}]) changed its values`);
    });
    if (outcome.ok && hasKind(call.args, ['flipFlop'])) {
      // The values the op validated are the only ones it may use: the same call with plain
      // options holding them must give the same result.
      const stable = await referenceOutcome(steady(call), fn, options, options.backend, supports);
      if (!stable.ok)
        failures.push(
          `returned a result, but with the validated option values it throws ${describeError(stable.error)}`,
        );
      else {
        const diff = compareOutcomes(
          outcome.snapshots,
          stable.snapshots,
          'the validated options',
          options.tolerance,
        );
        if (diff.length) failures.push(`used option values it had not validated: ${diff.join('; ')}`);
      }
    }
    const reference = options.reference;
    if (reference && outcome.ok && !hasKind(call.args, ['foreign', 'disposed'])) {
      const ref = await referenceOutcome(call, fn, options, reference, supports);
      if (!ref.ok) {
        failures.push(`returned a result where the ${reference} backend threw ${describeError(ref.error)}`);
      } else {
        const mine = ACCUMULATING_OPS.has(call.op)
          ? sameOverflow(outcome.snapshots, ref.snapshots)
          : outcome.snapshots;
        failures.push(...compareOutcomes(mine, ref.snapshots, reference, options.tolerance));
      }
    }
  } finally {
    factory.disposeAll();
    canary.dispose();
  }
  const end = counts(options.backend);
  if (!sameCounts(baseline, end)) {
    failures.push(
      `the arguments could not be freed after the call: ${fmtCounts(baseline)} at the start, ${fmtCounts(end)} after disposing everything`,
    );
  }
  return failures;
}

/** Differences between a result and an oracle's answer. */
function judge(expected: Expected, got: readonly Snapshot[], tolerance: CheckOptions['tolerance']): string[] {
  if (expected.refuse) return [`returned a result although ${expected.refuse}`];
  if (got.length !== 1) return [];
  const g = got[0]!;
  if (expected.shape && expected.shape.join() !== g.shape.join()) {
    return [`the result has shape [${g.shape.join(',')}], expected [${expected.shape.join(',')}]`];
  }
  if (expected.dtype && expected.dtype !== g.dtype)
    return [`the result has dtype ${g.dtype}, expected ${expected.dtype}`];
  try {
    compareValues(
      'the result vs plain JS',
      g.values,
      expected.values,
      tolerance?.[g.dtype] ?? HOSTILE_TOLERANCE[g.dtype],
    );
  } catch (err) {
    return [(err as Error).message];
  }
  return [];
}

/** The call with every flip-flopping getter replaced by a plain property holding its first answer. */
function steady(call: CallSpec): CallSpec {
  const fix = (spec: ArgSpec): ArgSpec => {
    if (spec.kind === 'flipFlop') return { kind: 'value', value: { [spec.key]: spec.good } };
    if (spec.kind === 'list') return { ...spec, items: spec.items.map(fix) };
    if (spec.kind === 'object')
      return { ...spec, entries: spec.entries.map(([k, v]) => [k, fix(v)] as const) };
    return spec;
  };
  return { ...call, args: call.args.map(fix) };
}

/**
 * Ops whose kernels may accumulate in different precisions: the cpu GEMM sums float32 products
 * in float64, wasm in float32, so 1e30·1e30 + … is -Infinity on one and NaN (Inf - Inf) on the
 * other. Both are overflow; where both backends overflowed, their non-finite values count as equal.
 */
const ACCUMULATING_OPS = new Set([
  'matmul',
  'dot',
  'tensordot',
  'outer',
  'fusedMatmul',
  'conv2d',
  'conv2dTranspose',
  'depthwiseConv2d',
]);

/** `got` with each non-finite value replaced by `want`'s where that is non-finite too. */
function sameOverflow(got: readonly Snapshot[], want: readonly Snapshot[]): Snapshot[] {
  return got.map((g, i) => {
    const w = want[i];
    if (!w || w.values.length !== g.values.length) return g;
    const values = g.values.map((v, k) => {
      const r = w.values[k]!;
      return !Number.isFinite(v) && !Number.isFinite(r) ? r : v;
    });
    return { ...g, values };
  });
}

function compareOutcomes(
  got: readonly Snapshot[],
  want: readonly Snapshot[],
  reference: string,
  tolerance: CheckOptions['tolerance'],
): string[] {
  if (got.length !== want.length)
    return [`returned ${got.length} tensors, the ${reference} backend ${want.length}`];
  const out: string[] = [];
  got.forEach((g, i) => {
    const w = want[i]!;
    const label = got.length > 1 ? `result tensor ${i}` : 'the result';
    if (g.dtype !== w.dtype || g.shape.join() !== w.shape.join()) {
      out.push(
        `${label} is [${g.shape.join(',')}] ${g.dtype}, on ${reference} [${w.shape.join(',')}] ${w.dtype}`,
      );
      return;
    }
    try {
      compareValues(
        `${label} vs ${reference}`,
        g.values,
        w.values,
        tolerance?.[g.dtype] ?? HOSTILE_TOLERANCE[g.dtype],
      );
    } catch (err) {
      out.push((err as Error).message);
    }
  });
  return out;
}

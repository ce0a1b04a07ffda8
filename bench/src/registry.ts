// The benchmark registry: a row is one piece of work measured on a Nabla backend and on a peer,
// with the same inputs. Groups (matmul, conv2d, elementwise, reductions, dispatch overhead, MLP
// inference and training) are functions that turn the run's options into rows.

import type { MeasurePlan } from './measure.js';

/** One prepared case: inputs live on both sides until `dispose()`. */
export interface BenchCase {
  /** Runs Nabla once and returns the seconds it took, completion included. */
  ours(): Promise<number>;
  /**
   * Runs the peer once on the same inputs and returns the seconds it took; absent where the row's
   * `peerMissing` says why the peer cannot (or does not) run it.
   */
  theirs?(): Promise<number>;
  /**
   * Largest difference between the two results relative to the peer's largest magnitude; throws
   * when a check fails, returns undefined where the results cannot be compared.
   */
  verify?(): Promise<number | undefined>;
  /** Facts found while setting up that the report should show, e.g. how many threads really ran. */
  notes?: string[];
  /** Frees the inputs on both sides. */
  dispose(): void;
}

/** Why a row has no peer measurement: the peer lacks a kernel, or the run skips it. */
export interface PeerMissing {
  status: 'not supported' | 'skipped';
  reason: string;
}

/** One line of the report: the same work on a Nabla backend and on a peer. */
export interface BenchRow {
  /** Family of work, e.g. `matmul`. */
  group: string;
  /** Unique, filterable name, e.g. `matmul 256x256 · 256x256`. */
  name: string;
  /** Nabla backend that runs `ours`, e.g. `cpu`. */
  backend: string;
  /** Peer that runs `theirs`, e.g. `tfjs-cpu`. */
  peer: string;
  /** Throughput unit, e.g. `GFLOP/s`: throughput = work / seconds. */
  unit: string;
  /** Work per call, in the unit's numerator (GFLOP for `GFLOP/s`, samples for `samples/s`). */
  work: number;
  /** Also report time per call (or per item of a call), lower is better; ratios stay on throughput. */
  latency?: Latency;
  /** Settings replacing the run's measuring plan for this row, e.g. a longer warm-up. */
  plan?: Partial<MeasurePlan>;
  /** Settings replacing `plan` for the peer's side only (a peer 40× slower gets fewer samples). */
  peerPlan?: Partial<MeasurePlan>;
  /** Work per `theirs` call where the peer does less of it than Nabla (default `work`). */
  peerWork?: number;
  /** Set when the peer does not run this row; `setup` then returns no `theirs`. */
  peerMissing?: PeerMissing;
  /** Largest `verify` result that is not a warning (default 1e-3). */
  tolerance?: number;
  /**
   * GFLOP per unit of work, for rows not counted in GFLOP (training samples), so the report can
   * give Nabla's wasm figure as a share of the SIMD peak.
   */
  gflopPerWork?: number;
  /** Allocates inputs on both sides and returns the timed calls. */
  setup(): Promise<BenchCase>;
}

/** How to turn a row's throughput back into a time: median seconds per call ÷ `count`, in `unit`. */
export interface Latency {
  unit: 's' | 'ms' | 'µs';
  /** What one time is for, e.g. `op` or `forward pass`. */
  per: string;
  /** Items per call: 1000 for a chain of 1000 ops, 1 for one forward pass. */
  count: number;
}

/** What a group sees when it makes its rows. */
export interface GroupOptions {
  quick: boolean;
  /** Square sizes chosen on the command line, replacing the default shapes of the groups that have them. */
  sizes?: number[];
}

/** A group turns the run's options into rows. */
export type BenchGroup = (options: GroupOptions) => BenchRow[];

/** Seconds since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Deterministic float32 values in [-1, 1) (mulberry32), so every run and both sides see the same inputs. */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** max |a - b| / max |b|, the error measure `verify` reports. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    maxRef = Math.max(maxRef, Math.abs(b[i]!));
  }
  return maxDiff / Math.max(maxRef, Number.MIN_VALUE);
}

/** Something either framework can read back and free: a Nabla or a TF.js tensor. */
export interface Readable {
  data(): Promise<ArrayLike<number>>;
  dispose(): void;
}

function asList(out: Readable | readonly Readable[]): readonly Readable[] {
  return Array.isArray(out) ? out : [out as Readable];
}

/**
 * Seconds one call of an asynchronous peer takes (ONNX Runtime's `session.run`), to the settled
 * promise.
 * @example
 * const seconds = await timeAsync(() => session.run(feeds));
 */
export async function timeAsync(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return secondsSince(start);
}

/**
 * Times one call of `run`, from the first op to the end of reading every output back, then frees
 * the outputs; this is what a row's `ours` and `theirs` usually are.
 */
export async function timeCall(run: () => Readable | readonly Readable[]): Promise<number> {
  const start = performance.now();
  const outputs = asList(run());
  for (const y of outputs) await y.data();
  const seconds = secondsSince(start);
  for (const y of outputs) y.dispose();
  return seconds;
}

/** Runs both sides once and returns the largest `relativeError` over their outputs, pairwise. */
export async function compareCalls(
  ours: () => Readable | readonly Readable[],
  theirs: () => Readable | readonly Readable[],
): Promise<number> {
  const a = asList(ours());
  const b = asList(theirs());
  let error = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    error = Math.max(error, relativeError(await a[i]!.data(), await b[i]!.data()));
  }
  for (const y of [...a, ...b]) y.dispose();
  return error;
}

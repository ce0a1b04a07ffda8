// Timing: warm both sides up, size each sample so it lasts long enough to time, then take
// interleaved samples of ours and theirs (alternating which goes first) until the repetition
// count or the row's time budget runs out. Results are seconds per call.

import { type BenchCase, secondsSince } from './registry.js';

/** How hard to measure one row. */
export interface MeasurePlan {
  /** Calls per side before timing starts (at least this many, and at least `warmupSeconds`). */
  warmup: number;
  warmupSeconds: number;
  /** Samples per side, unless the budget runs out first. */
  reps: number;
  /** Samples per side even past the budget. */
  minReps: number;
  /** Seconds both sides may spend sampling, together. */
  budgetSeconds: number;
  /** A sample repeats the call until it lasts about this long, so tiny ops are timeable. */
  sampleSeconds: number;
}

/** The plan for full runs. */
export const FULL_PLAN: MeasurePlan = {
  warmup: 2,
  warmupSeconds: 0.2,
  reps: 10,
  minReps: 3,
  budgetSeconds: 20,
  sampleSeconds: 0.02,
};

/** The plan for `--quick`. */
export const QUICK_PLAN: MeasurePlan = {
  warmup: 1,
  warmupSeconds: 0.05,
  reps: 5,
  minReps: 3,
  budgetSeconds: 4,
  sampleSeconds: 0.01,
};

type Call = () => Promise<number>;

/** Warms `call` up and returns how many calls make one sample. */
async function warmUp(call: Call, plan: MeasurePlan): Promise<number> {
  const start = performance.now();
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < plan.warmup || secondsSince(start) < plan.warmupSeconds; i++) {
    fastest = Math.min(fastest, await call());
  }
  return Math.min(10_000, Math.max(1, Math.ceil(plan.sampleSeconds / Math.max(fastest, 1e-9))));
}

/** Mean seconds per call over `calls` calls. */
async function sample(call: Call, calls: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < calls; i++) total += await call();
  return total / calls;
}

/** Seconds per call for each sample, ours and theirs. */
export async function measurePair(
  benchCase: BenchCase,
  plan: MeasurePlan,
): Promise<{ ours: number[]; theirs: number[] }> {
  const oursCalls = await warmUp(() => benchCase.ours(), plan);
  const theirsCalls = await warmUp(() => benchCase.theirs(), plan);
  const ours: number[] = [];
  const theirs: number[] = [];
  const start = performance.now();
  for (let rep = 0; rep < plan.reps; rep++) {
    if (rep >= plan.minReps && secondsSince(start) > plan.budgetSeconds) break;
    if (rep % 2 === 0) {
      ours.push(await sample(() => benchCase.ours(), oursCalls));
      theirs.push(await sample(() => benchCase.theirs(), theirsCalls));
    } else {
      theirs.push(await sample(() => benchCase.theirs(), theirsCalls));
      ours.push(await sample(() => benchCase.ours(), oursCalls));
    }
  }
  return { ours, theirs };
}

/** Median, min and max of a throughput series. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Throughputs (work / seconds) of each sample, summarised. */
export function throughput(work: number, seconds: readonly number[]): Spread & { samples: number[] } {
  const samples = seconds.map((s) => work / s);
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

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
  /** A call that takes longer than this is warm after one warm-up call (its loops are compiled by then). */
  longCallSeconds: number;
  /** The warm-up stops after the call that passes this many seconds, however many calls `warmup` asked for. */
  warmupMaxSeconds: number;
  /**
   * A pause after each sample, so threads a side leaves spinning (OpenMP's and OpenBLAS's wait
   * before they sleep) do not run into the other side's next sample. 0 for in-process peers.
   */
  settleSeconds: number;
}

/** The plan for full runs. */
export const FULL_PLAN: MeasurePlan = {
  warmup: 2,
  warmupSeconds: 0.2,
  reps: 10,
  minReps: 3,
  budgetSeconds: 20,
  sampleSeconds: 0.02,
  longCallSeconds: 2,
  warmupMaxSeconds: 30,
  settleSeconds: 0,
};

/** The plan for `--quick`. */
export const QUICK_PLAN: MeasurePlan = {
  warmup: 1,
  warmupSeconds: 0.05,
  reps: 5,
  minReps: 3,
  budgetSeconds: 4,
  sampleSeconds: 0.01,
  longCallSeconds: 2,
  warmupMaxSeconds: 30,
  settleSeconds: 0,
};

type Call = () => Promise<number>;

function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Warms `call` up and returns how many calls make one sample. */
async function warmUp(call: Call, plan: MeasurePlan): Promise<number> {
  const start = performance.now();
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < plan.warmup || secondsSince(start) < plan.warmupSeconds; i++) {
    fastest = Math.min(fastest, await call());
    if (fastest > plan.longCallSeconds || secondsSince(start) > plan.warmupMaxSeconds) break;
  }
  return Math.min(10_000, Math.max(1, Math.ceil(plan.sampleSeconds / Math.max(fastest, 1e-9))));
}

/** Mean seconds per call over `calls` calls. */
async function sample(call: Call, calls: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < calls; i++) total += await call();
  return total / calls;
}

/** One side of a row while it is being measured. */
interface Side {
  call: Call;
  plan: MeasurePlan;
  calls: number;
  samples: number[];
}

function wantsSample(side: Side, rep: number, elapsed: number): boolean {
  if (rep >= side.plan.reps) return false;
  return rep < side.plan.minReps || elapsed <= side.plan.budgetSeconds;
}

/**
 * Seconds per call for each sample, ours and theirs (empty where the case has no `theirs`).
 * `peerPlan` replaces `plan` for the peer, e.g. fewer samples for a peer that takes a minute a call.
 */
export async function measurePair(
  benchCase: BenchCase,
  plan: MeasurePlan,
  peerPlan: MeasurePlan = plan,
): Promise<{ ours: number[]; theirs: number[] }> {
  const ours: Side = { call: () => benchCase.ours(), plan, calls: 1, samples: [] };
  ours.calls = await warmUp(ours.call, plan);
  if (plan.settleSeconds > 0) await sleep(plan.settleSeconds);
  const theirsCall = benchCase.theirs?.bind(benchCase);
  const theirs: Side | undefined = theirsCall && { call: theirsCall, plan: peerPlan, calls: 1, samples: [] };
  if (theirs) theirs.calls = await warmUp(theirs.call, peerPlan);
  if (theirs && peerPlan.settleSeconds > 0) await sleep(peerPlan.settleSeconds);
  const start = performance.now();
  for (let rep = 0; ; rep++) {
    const elapsed = secondsSince(start);
    // Alternate which side goes first, so drift (turbo, GC, other load) hits both.
    const order = rep % 2 === 0 ? [ours, theirs] : [theirs, ours];
    const due = order.filter((side): side is Side => side !== undefined && wantsSample(side, rep, elapsed));
    if (due.length === 0) break;
    for (const side of due) {
      side.samples.push(await sample(side.call, side.calls));
      if (side.plan.settleSeconds > 0) await sleep(side.plan.settleSeconds);
    }
  }
  return { ours: ours.samples, theirs: theirs?.samples ?? [] };
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

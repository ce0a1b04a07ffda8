// runBench: make the rows, filter them, measure each on both sides, and write the report.
// Importing this module runs nothing; `cli.ts` is the command-line entry.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmBackend } from '@nabla/backend-wasm';
import { activeBackend, memory } from '@nabla/core';
import * as tf from '@tensorflow/tfjs-core';
import { type ThreadCapacity, threadCapacity } from './capacity.js';
import { fmaPeak, mulAddPeak, type PeakResult } from './fma-peak.js';
import { GROUPS } from './groups/index.js';
import { webgpuGroup } from './groups/webgpu.js';
import { FULL_PLAN, type MeasurePlan, measurePair, QUICK_PLAN, throughput } from './measure.js';
import { activate, CPU_PAIRING, pairingOf, TFJS_VERSION, threadNotes } from './pairings.js';
import { type BenchRow, type Latency, secondsSince } from './registry.js';
import {
  type MachineInfo,
  machineInfo,
  markdownReport,
  type RowResult,
  type SimdPeakBasis,
} from './report.js';

/**
 * Nabla's median as a percentage of the 128-bit SIMD peak of the threads its wasm backend ran
 * on, with the build that ran; nothing on other backends or rows without a FLOP count.
 */
function simdPeak(row: BenchRow, median: number): { percent?: number; basis?: SimdPeakBasis; note?: string } {
  const backend = activeBackend();
  if (!(backend instanceof WasmBackend)) return {};
  const info = backend.threadInfo();
  const note = `Nabla wasm build ${info.build} (${info.buildReason})`;
  const gflops = row.unit === 'GFLOP/s' ? median : row.gflopPerWork && median * row.gflopPerWork;
  if (gflops === undefined) return { note };
  // The FMA peak where the relaxed build runs (the engine then has relaxed SIMD), the mul + add
  // one for the plain SIMD build, the nominal clock's where neither could be measured.
  const relaxed = info.build.startsWith('relaxed');
  const measured = relaxed ? fmaPeak() : mulAddPeak();
  const basis: SimdPeakBasis = measured.ok ? (relaxed ? 'fma' : 'mul-add') : 'nominal';
  const perCore = measured.ok ? measured.gflops : machineInfo().simdPeakPerCore;
  if (!perCore) return { note };
  return { percent: (100 * gflops) / (perCore * info.threads), basis, note };
}

import { startWebGpu } from './webgpu.js';

/** Options of one run; the CLI flags map onto these one to one. */
export interface BenchOptions {
  /** Fewer repetitions and smaller sizes (matmul up to 512, conv2d batch 8, a 2,048-sample epoch). */
  quick?: boolean;
  /**
   * Keeps rows whose name and pairing (`matmul 64x64 · 64x64 (wasm vs tfjs-wasm)`) match this
   * regular expression (case-insensitive), or contain it.
   */
  filter?: string;
  /** Where the JSON results go; `null` writes none. Default `bench/results/latest.json`. */
  json?: string | null;
  /** Square sizes replacing each group's default shapes. */
  sizes?: number[];
  /**
   * Also run the webgpu rows, Nabla's WebGPU backend against tfjs-backend-webgpu on one Dawn
   * adapter; without an adapter they are skipped and the report says why.
   */
  webgpu?: boolean;
  /** Dawn's flags for the webgpu rows, e.g. `['backend=vulkan']` (default `NABLA_WEBGPU_FLAGS`). */
  dawnFlags?: string[];
  /** Rows to run instead of the registered groups' (tests use it for tiny shapes). */
  rows?: readonly BenchRow[];
  /** Overrides the measuring plan, rows' own settings included (tests use it to stay fast). */
  plan?: Partial<MeasurePlan>;
  /** Progress lines; default stderr. */
  log?: (line: string) => void;
}

/** Everything a run produced. */
export interface BenchReport {
  date: string;
  machine: MachineInfo;
  versions: Record<string, string>;
  options: { quick: boolean; filter?: string; sizes?: number[]; webgpu?: boolean };
  /** Facts about the whole run: the WebGPU adapter, or why the webgpu rows were skipped. */
  notes: string[];
  /** The machine's two-thread capacity at the start and end of the run (runs with ×2 rows). */
  threadCapacity?: ThreadCapacity[];
  rows: RowResult[];
  markdown: string;
  /** Absolute path of the JSON file, when one was written. */
  jsonPath?: string;
}

/** Where results go unless `--json` says otherwise (git-ignored). */
export const DEFAULT_JSON_PATH: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'results',
  'latest.json',
);

/** A row filter from a regular expression, or a plain substring where the pattern is not one. */
export function rowFilter(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  try {
    const regex = new RegExp(pattern, 'i');
    return (name) => regex.test(name);
  } catch {
    const needle = pattern.toLowerCase();
    return (name) => name.toLowerCase().includes(needle);
  }
}

function nablaVersion(): string {
  try {
    const pkg: { version?: string } = createRequire(import.meta.url)('@nabla/core/package.json');
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function liveTensors(): { ours: number; theirs: number } {
  return { ours: memory().numTensors, theirs: tf.memory().numTensors };
}

const SECONDS_PER: Record<Latency['unit'], number> = { s: 1, ms: 1e-3, µs: 1e-6 };

/** A throughput of `row` as time per item, in the row's latency unit. */
function toLatency(row: BenchRow, throughput: number): number {
  const latency = row.latency!;
  return row.work / throughput / latency.count / SECONDS_PER[latency.unit];
}

async function measureRow(
  row: BenchRow,
  plan: MeasurePlan,
  peerPlan: MeasurePlan,
): Promise<Partial<RowResult>> {
  const benchCase = await row.setup();
  try {
    if (row.peerMissing && benchCase.theirs)
      throw new Error(`bench: ${row.name}: peerMissing is set, yet setup returned theirs`);
    if (!row.peerMissing && !benchCase.theirs)
      throw new Error(`bench: ${row.name}: setup returned no theirs`);
    const seconds = await measurePair(benchCase, plan, peerPlan);
    const ours = throughput(row.work, seconds.ours);
    const theirs = benchCase.theirs ? throughput(row.peerWork ?? row.work, seconds.theirs) : undefined;
    const relativeError = benchCase.verify ? await benchCase.verify() : undefined;
    const latency = row.latency && {
      unit: row.latency.unit,
      per: row.latency.per,
      ours: toLatency(row, ours.median),
      theirs: theirs && toLatency(row, theirs.median),
    };
    const ratio = theirs && ours.median / theirs.median;
    // setup activated the row's backends, so they are the ones to ask about threads.
    const peak = simdPeak(row, ours.median);
    const found = [...threadNotes(pairingOf(row)), ...(benchCase.notes ?? [])];
    const notes = found.length ? found : undefined;
    return {
      ours,
      theirs,
      ratio,
      latency,
      relativeError,
      notes,
      simdPeakPercent: peak.percent,
      simdPeakBasis: peak.basis,
      wasmBuild: peak.note,
    };
  } finally {
    benchCase.dispose();
  }
}

async function runRow(row: BenchRow, plan: MeasurePlan, peerPlan: MeasurePlan): Promise<RowResult> {
  const { group, name, backend, peer, unit, work, peerWork, peerMissing, tolerance } = row;
  const before = liveTensors();
  let measured: Partial<RowResult>;
  try {
    measured = await measureRow(row, plan, peerPlan);
  } catch (error) {
    measured = { error: error instanceof Error ? error.message : String(error) };
  }
  const after = liveTensors();
  // Everything a row makes is disposed by the row, so anything left is a leak.
  const leakedTensors = { ours: after.ours - before.ours, theirs: after.theirs - before.theirs };
  return {
    group,
    name,
    backend,
    peer,
    unit,
    work,
    peerWork,
    peerMissing,
    tolerance,
    ...measured,
    leakedTensors,
  };
}

/** What `--filter` matches: the row name and its pairing, as progress lines show them. */
export function filterText(row: Pick<BenchRow, 'name' | 'backend' | 'peer'>): string {
  return `${row.name} (${row.backend} vs ${row.peer})`;
}

/**
 * Runs every registered row that passes the filter, Nabla and TF.js side by side, and returns
 * the results with a Markdown table; writes them as JSON unless `json` is null.
 * @example
 * const report = await runBench({ quick: true, filter: 'matmul' });
 * console.log(report.markdown);
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const quick = options.quick ?? false;
  const base: MeasurePlan = quick ? QUICK_PLAN : FULL_PLAN;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const keep = rowFilter(options.filter);
  const groupOptions = { quick, sizes: options.sizes };
  const made: BenchRow[] = [...(options.rows ?? GROUPS.flatMap((group) => group(groupOptions)))];
  const notes: string[] = [];
  if (options.webgpu && !options.rows) {
    const gpu = await startWebGpu(options.dawnFlags);
    if (gpu.ok) {
      made.push(...webgpuGroup(groupOptions));
      notes.push(`WebGPU: ${gpu.adapter}, on Dawn (${gpu.versions}); both sides on this adapter`);
    } else {
      notes.push(`webgpu rows skipped: ${gpu.reason}`);
    }
  } else if (!options.rows) {
    notes.push('webgpu rows not run (opt-in: --webgpu)');
  }
  for (const note of notes) log(note);
  const rows = made.filter((row) => keep(filterText(row)));
  if (rows.length === 0) {
    throw new Error(
      `bench: no benchmark matches filter '${options.filter}'${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
  }

  // Some backend must be active on both sides before the first leak count.
  await activate(CPU_PAIRING);
  const results: RowResult[] = [];
  const runStart = performance.now();
  // What a second thread can gain right now, for the ×2 rows (not for tests' own rows).
  const capacity: ThreadCapacity[] = [];
  const twoThreadRows = rows.some((row) => row.backend.endsWith('×2'));
  const measureCapacity = async () => {
    capacity.push(await threadCapacity(2), await threadCapacity(2, 5, 'gemm'));
  };
  if (twoThreadRows && !options.rows) await measureCapacity();
  for (const [index, row] of rows.entries()) {
    const rowStart = performance.now();
    log(`[${index + 1}/${rows.length}] ${filterText(row)}`);
    const plan = { ...base, ...row.plan, ...options.plan };
    const peerPlan = { ...base, ...row.plan, ...row.peerPlan, ...options.plan };
    const result = await runRow(row, plan, peerPlan);
    results.push(result);
    const outcome = result.error === undefined ? '' : `: error: ${result.error}`;
    log(`      ${secondsSince(rowStart).toFixed(1)} s${outcome}`);
  }
  if (capacity.length) {
    await measureCapacity();
    const at = (work: string) =>
      capacity
        .filter((c) => c.work === work)
        .map((c) => `${c.ratio.toFixed(2)}×`)
        .join(' at the start of the run and ');
    notes.push(
      `Two-thread capacity of this machine (two workers against one, median of ${capacity[0]!.samples.length} rounds; 2× on an idle 2-core machine, and the ceiling of any ×2 row's gain over ×1): plain scalar arithmetic ${at('scalar')} at its end; Nabla's one-thread wasm 256×256 matrix product, a backend per worker, ${at('gemm')} at its end`,
    );
    log(notes[notes.length - 1]!);
  }
  log(`${rows.length} rows in ${secondsSince(runStart).toFixed(0)} s`);

  // The measured peaks, where the % column of this run's rows used one: both then, so the report
  // can say how far FMA lifts the ceiling on this machine.
  const usedMeasured = results.some((row) => row.simdPeakBasis === 'fma' || row.simdPeakBasis === 'mul-add');
  const gflops = (peak: PeakResult): number | undefined => (peak.ok ? peak.gflops : undefined);
  const fma = usedMeasured ? gflops(fmaPeak()) : undefined;
  const mulAdd = usedMeasured ? gflops(mulAddPeak()) : undefined;
  const machine = {
    ...machineInfo(),
    ...(fma ? { fmaPeakPerCore: fma } : {}),
    ...(mulAdd ? { mulAddPeakPerCore: mulAdd } : {}),
  };
  const versions = { '@nabla/core': nablaVersion(), '@tensorflow/tfjs-core': TFJS_VERSION };
  const runOptions = { quick, filter: options.filter, sizes: options.sizes, webgpu: options.webgpu };
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine,
    versions,
    options: runOptions,
    notes,
    ...(capacity.length ? { threadCapacity: capacity } : {}),
    rows: results,
    markdown: markdownReport(results, machine, versions, notes),
  };
  if (options.json !== null) {
    const jsonPath = resolve(options.json ?? DEFAULT_JSON_PATH);
    mkdirSync(dirname(jsonPath), { recursive: true });
    const { markdown: _markdown, ...data } = report;
    writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    report.jsonPath = jsonPath;
  }
  return report;
}

// The report: the machine, a Markdown table for humans and the same results as JSON.

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { FMA_PEAK_METHOD, MUL_ADD_PEAK_METHOD } from './fma-peak.js';
import type { Spread } from './measure.js';
import type { PeerMissing } from './registry.js';

/** Where the numbers were taken. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  arch: string;
  /** Clock in GHz, from /proc/cpuinfo's `cpu MHz` (else Node's figure), where known. */
  ghz?: number;
  /** 128-bit SIMD peak of one core in GFLOP/s: ghz × SIMD_FLOP_PER_CYCLE. */
  simdPeakPerCore?: number;
  /**
   * 128-bit FMA peak of one thread in GFLOP/s as measured (`fmaPeak`), where a wasm row's %
   * column used a measured peak and the engine has relaxed SIMD; the relaxed build's rows are
   * against this instead of `simdPeakPerCore`.
   */
  fmaPeakPerCore?: number;
  /**
   * 128-bit peak of one thread with separate multiplies and adds, as measured (`mulAddPeak`): the
   * ceiling of the plain SIMD build, whose rows' % column is against it, and of tfjs-wasm.
   */
  mulAddPeakPerCore?: number;
}

/** Which peak a row's % column is against: measured with FMA, measured with mul + add, or nominal. */
export type SimdPeakBasis = 'fma' | 'mul-add' | 'nominal';

/**
 * float32 FLOP per cycle of one core with 128-bit vectors: two FMA pipes × 4 lanes × 2 (x64 since
 * Haswell and Zen; Zen also reaches it with separate multiply and add pipes).
 */
export const SIMD_FLOP_PER_CYCLE = 16;

/** The clock in GHz: the first `cpu MHz` of /proc/cpuinfo on Linux, else what Node reports. */
function clockGhz(): number | undefined {
  try {
    const match = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return Number(match[1]) / 1000;
  } catch {
    // Not Linux: fall back to Node's figure.
  }
  const mhz = os.cpus()[0]?.speed;
  return mhz ? mhz / 1000 : undefined;
}

/** One measured row, as it goes into the JSON file. */
export interface RowResult {
  group: string;
  name: string;
  backend: string;
  peer: string;
  unit: string;
  work: number;
  /** Work per peer call, where the peer was timed on less (e.g. a smaller epoch). */
  peerWork?: number;
  /** Why the peer has no measurement. */
  peerMissing?: PeerMissing;
  ours?: Spread & { samples: number[] };
  theirs?: Spread & { samples: number[] };
  /** ours.median ÷ theirs.median: above 1 means Nabla is faster. */
  ratio?: number;
  /** The median throughputs as times per call or per item (rows that ask for it), lower is better. */
  latency?: LatencyResult;
  /** Largest difference between the two outputs, relative to the peer's largest magnitude. */
  relativeError?: number;
  /** Largest `relativeError` that is not a warning, where the row sets one (default 1e-3). */
  tolerance?: number;
  /** Nabla and TF.js tensors still alive after the row disposed everything (should be 0). */
  leakedTensors?: { ours: number; theirs: number };
  /** What the row found while setting up, e.g. that a backend ran on fewer threads than asked. */
  notes?: string[];
  /** Nabla's wasm median as a percentage of the 128-bit SIMD peak of the threads it ran on. */
  simdPeakPercent?: number;
  /** Which peak `simdPeakPercent` is against (see `SimdPeakBasis`). */
  simdPeakBasis?: SimdPeakBasis;
  /** Which kernel build Nabla's wasm backend ran, and why (wasm rows). */
  wasmBuild?: string;
  error?: string;
}

/** Median time per `per` (one op, one forward pass, one epoch) on each side, in `unit`. */
export interface LatencyResult {
  unit: string;
  per: string;
  ours: number;
  theirs?: number;
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const ghz = clockGhz();
  return {
    ghz,
    simdPeakPerCore: ghz && ghz * SIMD_FLOP_PER_CYCLE,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: os.platform(),
    arch: os.arch(),
  };
}

/** Three significant figures without exponents. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function cell(row: RowResult, spread: Spread | undefined): string {
  if (spread) return `${formatNumber(spread.median)} ${row.unit}`;
  return row.peerMissing ? `n/a (${row.peerMissing.status})` : '–';
}

function latencyCell(latency: LatencyResult | undefined): string {
  if (!latency) return '–';
  const theirs = latency.theirs === undefined ? 'n/a' : formatNumber(latency.theirs);
  return `${formatNumber(latency.ours)} / ${theirs} ${latency.unit} per ${latency.per}`;
}

function range(spread: Spread | undefined): string {
  return spread ? `${formatNumber(spread.min)}–${formatNumber(spread.max)}` : '–';
}

function tableRow(row: RowResult): string {
  if (row.error !== undefined) return `| ${row.name} | error | error | – | – | ${row.error} | – |`;
  const ratio = row.ratio === undefined ? '–' : `${row.ratio.toFixed(2)}×`;
  const spread = `${range(row.ours)} / ${range(row.theirs)} (n = ${row.ours?.samples.length ?? 0} / ${row.theirs?.samples.length ?? 0})`;
  const peak = row.simdPeakPercent === undefined ? '–' : `${row.simdPeakPercent.toFixed(0)} %`;
  return `| ${row.name} | ${cell(row, row.ours)} | ${cell(row, row.theirs)} | ${ratio} | ${latencyCell(row.latency)} | ${spread} | ${peak} |`;
}

/** Footnotes of a row: missing peers, threads, disagreeing outputs, leaks. */
function rowNotes(row: RowResult): string[] {
  const notes: string[] = [];
  if (row.peerMissing)
    notes.push(
      `- ${row.name} (${row.backend}): ${row.peer} ${row.peerMissing.status}: ${row.peerMissing.reason}`,
    );
  for (const note of row.notes ?? []) notes.push(`- ${row.name} (${row.backend}): ${note}`);
  return notes;
}

function rowWarnings(row: RowResult): string[] {
  const warnings: string[] = [];
  if (row.relativeError !== undefined && !(row.relativeError <= (row.tolerance ?? 1e-3))) {
    warnings.push(
      `- ${row.name} (${row.backend}): outputs differ, relative error ${row.relativeError.toExponential(2)}`,
    );
  }
  if (row.leakedTensors && (row.leakedTensors.ours !== 0 || row.leakedTensors.theirs !== 0)) {
    warnings.push(
      `- ${row.name} (${row.backend}): leaked tensors, Nabla ${row.leakedTensors.ours}, TF.js ${row.leakedTensors.theirs}`,
    );
  }
  return warnings;
}

/** The results as Markdown: the machine, then one table per backend pairing, in run order. */
export function markdownReport(
  rows: readonly RowResult[],
  machine: MachineInfo,
  versions: Record<string, string>,
  runNotes: readonly string[] = [],
): string {
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}-${machine.arch})`,
    `Versions: ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    ...runNotes,
  ];
  lines.push(...new Set(rows.flatMap((row) => (row.wasmBuild ? [row.wasmBuild] : []))));
  const nominal = machine.simdPeakPerCore
    ? `${machine.ghz!.toFixed(2)} GHz × ${SIMD_FLOP_PER_CYCLE} FLOP/cycle = ${formatNumber(machine.simdPeakPerCore)} GFLOP/s per thread`
    : undefined;
  const fma = machine.fmaPeakPerCore;
  const mulAdd = machine.mulAddPeakPerCore;
  if (fma) {
    lines.push(
      `128-bit SIMD peak, measured: ${formatNumber(fma)} GFLOP/s per thread (${FMA_PEAK_METHOD}; the % column of the relaxed-build rows: Nabla wasm's median against it, times the threads it ran on${nominal ? `; /proc/cpuinfo's clock gives ${nominal}, its nominal clock` : ''})`,
    );
  }
  if (mulAdd) {
    lines.push(
      `128-bit SIMD peak without FMA, measured: ${formatNumber(mulAdd)} GFLOP/s per thread (${MUL_ADD_PEAK_METHOD}: the ceiling of a build without relaxed SIMD, tfjs-wasm's too; the % column of the plain SIMD build's rows is against it${fma ? `; FMA lifts the ceiling ${formatNumber(fma / mulAdd)}× on this machine` : ''})`,
    );
  }
  if (!fma && !mulAdd && nominal) {
    lines.push(
      `128-bit SIMD peak: ${nominal} (the % column: Nabla wasm's median against it, times the threads it ran on)`,
    );
  }
  const pairings = [...new Set(rows.map((row) => `${row.backend} vs ${row.peer}`))];
  for (const pairing of pairings) {
    const peer = /^(pytorch|onnxruntime|ort-web)/.test(pairing.split(' vs ')[1]!) ? 'peer' : 'TF.js';
    lines.push(
      '',
      `### Nabla ${pairing}`,
      '',
      `| benchmark | Nabla median | ${peer} median | ratio | time (Nabla / ${peer}) | spread (min–max, Nabla / ${peer}) | % SIMD peak |`,
      '| --- | --: | --: | --: | --: | --- | --: |',
    );
    for (const row of rows) if (`${row.backend} vs ${row.peer}` === pairing) lines.push(tableRow(row));
  }
  lines.push(
    '',
    'ratio = Nabla median ÷ peer (TF.js, PyTorch or ONNX Runtime) median throughput; above 1× means Nabla is faster.',
    'time = the same medians as time per op, forward pass or epoch; lower is better.',
  );
  const notes = rows.flatMap(rowNotes);
  if (notes.length) lines.push('', 'Notes:', ...notes);
  const warnings = rows.flatMap(rowWarnings);
  if (warnings.length) lines.push('', 'Warnings:', ...warnings);
  return lines.join('\n');
}

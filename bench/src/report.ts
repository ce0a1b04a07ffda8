// The report: the machine, a Markdown table for humans and the same results as JSON.

import os from 'node:os';
import type { Spread } from './measure.js';

/** Where the numbers were taken. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  arch: string;
}

/** One measured row, as it goes into the JSON file. */
export interface RowResult {
  group: string;
  name: string;
  backend: string;
  peer: string;
  unit: string;
  work: number;
  ours?: Spread & { samples: number[] };
  theirs?: Spread & { samples: number[] };
  /** ours.median ÷ theirs.median: above 1 means Nabla is faster. */
  ratio?: number;
  /** The median throughputs as times per call or per item (rows that ask for it), lower is better. */
  latency?: LatencyResult;
  /** Largest difference between the two outputs, relative to the peer's largest magnitude. */
  relativeError?: number;
  /** Nabla and TF.js tensors still alive after the row disposed everything (should be 0). */
  leakedTensors?: { ours: number; theirs: number };
  error?: string;
}

/** Median time per `per` (one op, one forward pass, one epoch) on each side, in `unit`. */
export interface LatencyResult {
  unit: string;
  per: string;
  ours: number;
  theirs: number;
}

/** The machine this process runs on. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
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
  return spread ? `${formatNumber(spread.median)} ${row.unit}` : '–';
}

function latencyCell(latency: LatencyResult | undefined): string {
  if (!latency) return '–';
  return `${formatNumber(latency.ours)} / ${formatNumber(latency.theirs)} ${latency.unit} per ${latency.per}`;
}

function range(spread: Spread | undefined): string {
  return spread ? `${formatNumber(spread.min)}–${formatNumber(spread.max)}` : '–';
}

/** The results as a Markdown table, with the machine above it. */
export function markdownReport(
  rows: readonly RowResult[],
  machine: MachineInfo,
  versions: Record<string, string>,
): string {
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}-${machine.arch})`,
    `Versions: ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    '| benchmark | Nabla backend | Nabla median | TF.js median | ratio | time (Nabla / TF.js) | spread (min–max, Nabla / TF.js) |',
    '| --- | --- | --: | --: | --: | --: | --- |',
  ];
  const notes: string[] = [];
  for (const row of rows) {
    if (row.error !== undefined) {
      lines.push(`| ${row.name} | ${row.backend} vs ${row.peer} | error | error | – | – | ${row.error} |`);
      continue;
    }
    const ratio = row.ratio === undefined ? '–' : `${row.ratio.toFixed(2)}×`;
    lines.push(
      `| ${row.name} | ${row.backend} vs ${row.peer} | ${cell(row, row.ours)} | ${cell(row, row.theirs)} | ${ratio} | ${latencyCell(row.latency)} | ${range(row.ours)} / ${range(row.theirs)} |`,
    );
    if (row.relativeError !== undefined && !(row.relativeError <= 1e-3)) {
      notes.push(`- ${row.name}: outputs differ, relative error ${row.relativeError.toExponential(2)}`);
    }
    if (row.leakedTensors && (row.leakedTensors.ours !== 0 || row.leakedTensors.theirs !== 0)) {
      notes.push(
        `- ${row.name}: leaked tensors, Nabla ${row.leakedTensors.ours}, TF.js ${row.leakedTensors.theirs}`,
      );
    }
  }
  lines.push(
    '',
    'ratio = Nabla median ÷ TF.js median throughput; above 1× means Nabla is faster.',
    'time = the same medians as time per op, forward pass or epoch; lower is better.',
  );
  if (notes.length) lines.push('', 'Warnings:', ...notes);
  return lines.join('\n');
}

#!/usr/bin/env node
// Command line of `pnpm bench`: parses the flags, runs the bench, prints the Markdown table on
// stdout (progress goes to stderr) and says where the JSON went.

import { parseArgs } from 'node:util';
import { runBench } from './run.js';
import { dawnFlags } from './webgpu.js';

const USAGE = `Usage: pnpm bench [--quick] [--filter <regex|substring>] [--sizes 64,128] [--json <path>]
                  [--webgpu [--dawn-flags backend=vulkan]]

  --quick            fewer repetitions and smaller sizes (under two minutes)
  --filter <p>       only rows whose name and pairing, '<name> (<nabla> vs <peer>)', match p
                     (regex, case-insensitive, or substring), e.g. 'matmul', 'wasm ×1', '^nn '
  --sizes <list>     squares replacing the matmul, elementwise and reduce shapes, e.g. 64,128
  --json <path>      where to write the JSON results (default bench/results/latest.json)
  --webgpu           also run the webgpu rows: Nabla's WebGPU backend against
                     tfjs-backend-webgpu on one Dawn adapter (skipped, saying why, without one)
  --dawn-flags <l>   Dawn's flags for --webgpu, comma separated (default NABLA_WEBGPU_FLAGS)
  --help             this text`;

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((part) => Number(part.trim()));
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`bench: --sizes expects positive integers separated by commas, got '${text}'`);
  }
  return sizes;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      filter: { type: 'string' },
      sizes: { type: 'string' },
      json: { type: 'string' },
      webgpu: { type: 'boolean', default: false },
      'dawn-flags': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const report = await runBench({
    quick: values.quick,
    filter: values.filter,
    sizes: values.sizes === undefined ? undefined : parseSizes(values.sizes),
    json: values.json,
    webgpu: values.webgpu,
    dawnFlags: values['dawn-flags'] === undefined ? undefined : dawnFlags(values['dawn-flags']),
  });
  process.stdout.write(`${report.markdown}\n`);
  if (report.jsonPath) process.stderr.write(`\nResults written to ${report.jsonPath}\n`);
  if (report.rows.some((row) => row.error !== undefined)) process.exitCode = 1;
}

// pnpm passes a lone `--` through when the root script forwards arguments.
main(process.argv.slice(2).filter((arg) => arg !== '--')).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
  process.exitCode = 1;
});

// The shared conformance suite, exported as `@nabla/core/testing`. A backend package runs it
// on itself with `runConformance('name', { skip })`; every case checks values, errors and
// gradients, and ends with the live tensor and byte counts back where they started.

import { beforeAll, describe, expect, it } from 'vitest';
import { activeBackend, setBackend } from '../backend-registry.js';
import { memory } from '../memory.js';
import { ALL_CASES } from './cases/index.js';
import { type ConformanceCase, makeTools } from './harness.js';

export { type OpSignature, opSignatures, type Param, type Spec } from '../ops/args.js';
export { ALL_CASES } from './cases/index.js';
export { holdCollectedTensors } from './collected.js';
export * from './harness.js';
export * from './hostile/index.js';

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** Case names this backend skips, each with the reason printed in the test name and log. */
  skip?: Readonly<Record<string, string>>;
  /** Backend with float64 whose gradients are the reference where this one has no float64. */
  referenceBackend?: string;
  /** Only run cases whose name starts with one of these prefixes (for focused runs). */
  only?: readonly string[];
  /** Extra label in the suite name (e.g. 'threads=1'). */
  label?: string;
  /** Runs once before the suite, after the backend is selected (e.g. to set options). */
  setup?: () => void | Promise<void>;
}

/**
 * Runs every conformance case on `backend` (which must be registered).
 * @example
 * runConformance('cpu');
 */
export function runConformance(
  backend: string,
  options: ConformanceOptions = {},
  cases: readonly ConformanceCase[] = ALL_CASES,
): void {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`conformance: duplicate case name '${c.name}'`);
    names.add(c.name);
  }
  for (const skipped of Object.keys(options.skip ?? {})) {
    if (!names.has(skipped)) throw new Error(`conformance: skip list names unknown case '${skipped}'`);
  }
  describe(`conformance on ${backend}${options.label ? ` (${options.label})` : ''}`, () => {
    beforeAll(async () => {
      await setBackend(backend);
      await options.setup?.();
    });
    for (const c of cases) {
      if (options.only && !options.only.some((p) => c.name.startsWith(p))) continue;
      const reason = options.skip?.[c.name];
      if (reason) {
        it.skip(`${c.name} — skipped on ${backend}: ${reason}`, () => undefined);
        continue;
      }
      it(c.name, async () => {
        await setBackend(backend);
        const before = memory();
        const bytesBefore = activeBackend().memory().bytesInUse;
        const tools = makeTools(backend, options.referenceBackend);
        try {
          await c.run(tools);
        } finally {
          tools.finish();
        }
        await setBackend(backend);
        const after = memory();
        expect(
          { numTensors: after.numTensors, numBytes: after.numBytes },
          'live tensors and bytes after the case',
        ).toEqual({
          numTensors: before.numTensors,
          numBytes: before.numBytes,
        });
        expect(activeBackend().memory().bytesInUse, 'backend bytes in use after the case').toBe(bytesBefore);
      });
    }
  });
}

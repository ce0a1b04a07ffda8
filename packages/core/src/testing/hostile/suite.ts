// The hostile suite as vitest tests: one property per public op and op method, each call
// checked by `checkCall`. Fixed seed by default so CI is reproducible; NABLA_HOSTILE_RUNS and
// NABLA_HOSTILE_SEED run more cases or replay one, NABLA_HOSTILE_ONLY focuses on some ops.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../backend-registry.js';
import type { DType } from '../../dtype.js';
import type { Tolerance } from '../harness.js';
import { callArbitrary } from './arbitraries.js';
import { arityOf, hostileTargets, paramArbitraries } from './catalog.js';
import { checkCall } from './check.js';
import { examplesFor } from './examples.js';
import { type CallSpec, renderCall } from './specs.js';

/** Options of `runHostileSuite`. */
export interface HostileOptions {
  /** Backend whose results count as correct (e.g. 'cpu'); omit when testing the reference. */
  reference?: string;
  /** Backend for "tensor from a different backend" arguments (registered name). */
  foreign?: string;
  /** Calls per op (default 60, or NABLA_HOSTILE_RUNS). */
  numRuns?: number;
  /** fast-check seed (default fixed, or NABLA_HOSTILE_SEED). */
  seed?: number;
  /** Only ops whose name is listed (`sum`, `Tensor#sum`), or NABLA_HOSTILE_ONLY=sum,reshape. */
  only?: readonly string[];
  /**
   * Ops this backend skips, each with the reason shown in the test name. An op that reaches a
   * kernel the backend declares `unsupported` must be listed: such a call fails otherwise.
   */
  skip?: Readonly<Record<string, string>>;
  /** Extra label in the suite name. */
  label?: string;
  /** Per-dtype tolerances against the reference. */
  tolerance?: Partial<Record<DType, Required<Tolerance>>>;
}

/** Tensor methods that read or print rather than compute: not ops, so not in the signature table. */
const READ_METHODS: ReadonlySet<string> = new Set([
  'data',
  'array',
  'dataSync',
  'arraySync',
  'toString',
  'toStringAsync',
  'toBackend',
  'assign',
]);

/** The fixed default seed: the same calls on every CI run. */
export const HOSTILE_SEED = 20261130;

function env(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env[name];
}

function envNumber(name: string): number | undefined {
  const raw = env(name);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got '${raw}'`);
  return n;
}

/** One failing call, as the survey mode (NABLA_HOSTILE_COLLECT) writes it. */
export interface HostileRecord {
  op: string;
  backend: string;
  call: string;
  failures: string[];
}

/** Appends records as JSON lines to `path` (Node only): the survey mode's sink. */
async function appender(path: string): Promise<(record: HostileRecord) => Promise<void>> {
  const fs = await import('node:fs/promises');
  return (record) => fs.appendFile(path, `${JSON.stringify(record)}\n`);
}

/** Writes each call synchronously to `path` before it runs (Node only): NABLA_HOSTILE_TRACE. */
async function tracer(path: string): Promise<(line: string) => void> {
  const fs = await import('node:fs');
  return (line) => fs.writeFileSync(path, `${line}\n`);
}

/** A broken rule, with the shrunk call that broke it printed first. */
export class HostileFailure extends Error {
  override name = 'HostileFailure';
}

/** The property of one op: every call either returns a valid result or throws a NablaError naming it, and leaves nothing behind. */
export function hostileProperty(
  name: string,
  opName: string,
  fn: (...args: unknown[]) => unknown,
  arbitrary: fc.Arbitrary<CallSpec>,
  options: HostileOptions & {
    backend: string;
    arity?: number;
    checkedArgs?: number;
    mutatesReceiver?: boolean;
    /** Record failures instead of throwing, so one run surveys every kind of failure. */
    collect?: (record: HostileRecord) => Promise<void>;
    /** Told each call before it runs, so a crash or a hang leaves the culprit behind. */
    trace?: (line: string) => void;
  },
): fc.IAsyncPropertyWithHooks<[CallSpec]> {
  return fc.asyncProperty(
    arbitrary.map((call) => Object.assign(call, { [fc.toStringMethod]: () => renderCall(call) })),
    async (call) => {
      options.trace?.(`${name} on ${options.backend}: ${renderCall(call)}`);
      const failures = await checkCall(call, fn, {
        backend: options.backend,
        opName,
        ...(options.reference ? { reference: options.reference } : {}),
        ...(options.foreign ? { foreign: options.foreign } : {}),
        ...(options.arity !== undefined ? { arity: options.arity } : {}),
        ...(options.checkedArgs !== undefined ? { checkedArgs: options.checkedArgs } : {}),
        ...(options.mutatesReceiver ? { mutatesReceiver: true } : {}),
        ...(options.tolerance ? { tolerance: options.tolerance } : {}),
      });
      if (failures.length && options.collect) {
        await options.collect({ op: name, backend: options.backend, call: renderCall(call), failures });
      } else if (failures.length) {
        throw new HostileFailure(
          `${name} on ${options.backend}: ${renderCall(call)}\n  - ${failures.join('\n  - ')}`,
        );
      }
    },
  );
}

/**
 * Runs the hostile-input suite on `backend` (which must be registered): random shapes,
 * dtypes, option objects and garbage at every public op and op method.
 * @example
 * runHostileSuite('wasm', { reference: 'cpu', foreign: 'cpu' });
 */
export function runHostileSuite(backend: string, options: HostileOptions = {}): void {
  const numRuns = envNumber('NABLA_HOSTILE_RUNS') ?? options.numRuns ?? 60;
  const seed = envNumber('NABLA_HOSTILE_SEED') ?? options.seed ?? HOSTILE_SEED;
  const envOnly = env('NABLA_HOSTILE_ONLY');
  const collectPath = env('NABLA_HOSTILE_COLLECT');
  const tracePath = env('NABLA_HOSTILE_TRACE');
  // For local surveys past an op that crashes the process; CI never sets it.
  const envSkip = (env('NABLA_HOSTILE_SKIP') ?? '').split(',').map((s) => s.trim());
  const only = envOnly ? envOnly.split(',').map((s) => s.trim()) : options.only;
  const targets = hostileTargets();
  for (const skipped of Object.keys(options.skip ?? {})) {
    if (!targets.some((t) => t.name === skipped))
      throw new Error(`hostile: skip list names unknown op '${skipped}'`);
  }
  describe(`hostile input on ${backend}${options.label ? ` (${options.label})` : ''} [seed ${seed}, ${numRuns} runs]`, () => {
    beforeAll(async () => {
      await setBackend(backend);
    });
    it('every public op declares its parameters (opSignatures), so every call is validated', () => {
      const missing = targets.filter((t) => !t.signature && !READ_METHODS.has(t.opName)).map((t) => t.name);
      expect(missing, 'ops and op methods without an entry in opSignatures()').toEqual([]);
    });
    for (const target of targets) {
      if (only && !only.includes(target.name) && !only.includes(target.opName)) continue;
      const reason =
        options.skip?.[target.name] ??
        (envSkip.includes(target.name) ? 'listed in NABLA_HOSTILE_SKIP' : undefined);
      if (reason) {
        it.skip(`${target.name} — skipped on ${backend}: ${reason}`, () => undefined);
        continue;
      }
      it(target.name, async () => {
        const params = paramArbitraries(target);
        const arbitrary = callArbitrary({
          op: target.name,
          params,
          method: target.method,
          ...(target.receiver ? { receiver: target.receiver } : {}),
        });
        const property = hostileProperty(target.name, target.opName, target.fn, arbitrary, {
          ...options,
          backend,
          ...(arityOf(target) !== undefined ? { arity: arityOf(target) } : {}),
          ...(target.receiver === 'variable' && target.opName === 'assign' ? { mutatesReceiver: true } : {}),
          // A method of unknown arity (data(), array()) must still refuse a disposed receiver;
          // toString() must not (printing a disposed tensor says so rather than throwing).
          ...(arityOf(target) === undefined && target.method
            ? { checkedArgs: target.opName === 'toString' ? 0 : 1 }
            : {}),
          ...(collectPath ? { collect: await appender(collectPath) } : {}),
          ...(tracePath ? { trace: await tracer(tracePath) } : {}),
        });
        const examples = examplesFor(target.name, env('NABLA_HOSTILE_CRASHERS') === '1').map(
          (call): [CallSpec] => [Object.assign(call, { [fc.toStringMethod]: () => renderCall(call) })],
        );
        await fc.assert(property, {
          numRuns,
          seed,
          examples,
          endOnFailure: env('NABLA_HOSTILE_SHRINK') === '0',
        });
      });
    }
  });
}

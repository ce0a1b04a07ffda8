// The hostile-input suite: property-based calls of every public op and op method with random
// shapes, dtypes, options and garbage, run on each backend like the conformance suite. Each
// call must give a valid (and, against a reference backend or a plain-JS oracle, correct)
// result or a NablaError naming the op, and leave counts, a canary and its inputs unchanged.
// Environment: NABLA_HOSTILE_RUNS (calls per op), NABLA_HOSTILE_SEED (replay a failure),
// NABLA_HOSTILE_ONLY=sum,Tensor#sum (focus), NABLA_HOSTILE_SHRINK=0 (no shrinking),
// NABLA_HOSTILE_COLLECT=file.jsonl (survey: record every failure instead of stopping),
// NABLA_HOSTILE_TRACE=file (each call written before it runs: names a crash or a hang),
// NABLA_HOSTILE_SKIP=op,... (local surveys only), NABLA_HOSTILE_CRASHERS=1 (process-killing examples).

/** Name of the suite, as it appears in test output. */
export const HOSTILE_SUITE = 'hostile input';

export {
  type CallShape,
  callArbitrary,
  hostileArg,
  type ParamKind,
  param,
  VALID_DTYPES,
  wellTyped,
} from './arbitraries.js';
export { runAutodiffSafetySuite } from './autodiff-safety.js';
export {
  arityOf,
  type HostileTarget,
  hostileTargets,
  NON_METHODS,
  NON_OPS,
  PARAMS,
  paramArbitraries,
} from './catalog.js';
export { type CheckOptions, checkCall, HOSTILE_TOLERANCE } from './check.js';
export { examplesFor, HOSTILE_CRASHERS, HOSTILE_EXAMPLES } from './examples.js';
export { breaking, fitting } from './from-spec.js';
export { type Expected, ORACLES, type Oracle, oracleOf } from './oracles.js';
export { runHostileSelfTest, type SelfTestOptions } from './self-test.js';
export { type ArgSpec, type CallSpec, type Fill, render, renderCall } from './specs.js';
export {
  HOSTILE_SEED,
  HostileFailure,
  type HostileOptions,
  type HostileRecord,
  hostileProperty,
  runHostileSuite,
} from './suite.js';

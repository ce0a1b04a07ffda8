// The hostile-input suite: property-based calls of every public op with random shapes, dtypes,
// options and garbage, run on each backend like the conformance suite.

/** Name of the suite, as it appears in test output. */
export const HOSTILE_SUITE = 'hostile input';

export {
  type CallShape,
  callArbitrary,
  hostileArg,
  type ParamKind,
  param,
  VALID_DTYPES,
} from './arbitraries.js';
export { runAutodiffSafetySuite } from './autodiff-safety.js';
export { type HostileTarget, hostileTargets, NON_METHODS, NON_OPS, PARAMS } from './catalog.js';
export { type CheckOptions, checkCall, HOSTILE_TOLERANCE } from './check.js';
export { examplesFor, HOSTILE_CRASHERS, HOSTILE_EXAMPLES } from './examples.js';
export { runHostileSelfTest, type SelfTestOptions } from './self-test.js';
export { type ArgSpec, type CallSpec, type Fill, render, renderCall } from './specs.js';
export {
  HOSTILE_SEED,
  HostileFailure,
  type HostileOptions,
  hostileProperty,
  runHostileSuite,
} from './suite.js';

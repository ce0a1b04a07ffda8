// The hostile-input suite: property-based calls of every public op with random shapes, dtypes,
// options and garbage, run on each backend like the conformance suite.

/** Name of the suite, as it appears in test output. */
export const HOSTILE_SUITE = 'hostile input';

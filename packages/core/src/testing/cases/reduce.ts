// Conformance cases: reduce.

import type { ConformanceCase } from '../harness.js';

export const REDUCE_CASES: ConformanceCase[] = [];

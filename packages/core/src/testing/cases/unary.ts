// Conformance cases: unary.

import type { ConformanceCase } from '../harness.js';

export const UNARY_CASES: ConformanceCase[] = [];

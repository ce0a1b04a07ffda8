// Conformance cases: conv.

import type { ConformanceCase } from '../harness.js';

export const CONV_CASES: ConformanceCase[] = [];

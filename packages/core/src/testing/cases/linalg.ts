// Conformance cases: linalg.

import type { ConformanceCase } from '../harness.js';

export const LINALG_CASES: ConformanceCase[] = [];

// Conformance cases: binary.

import type { ConformanceCase } from '../harness.js';

export const BINARY_CASES: ConformanceCase[] = [];

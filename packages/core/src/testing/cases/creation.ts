// Conformance cases: creation.

import type { ConformanceCase } from '../harness.js';

export const CREATION_CASES: ConformanceCase[] = [];

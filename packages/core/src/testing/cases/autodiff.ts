// Conformance cases: autodiff.

import type { ConformanceCase } from '../harness.js';

export const AUTODIFF_CASES: ConformanceCase[] = [];

// Conformance cases: activations.

import type { ConformanceCase } from '../harness.js';

export const ACTIVATION_CASES: ConformanceCase[] = [];

// Conformance cases: movement.

import type { ConformanceCase } from '../harness.js';

export const MOVEMENT_CASES: ConformanceCase[] = [];

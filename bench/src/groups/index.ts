// Every benchmark group, in report order. A new group is a file in this folder and a line here.

import type { BenchGroup } from '../registry.js';
import { matmulGroup } from './matmul.js';

/** Groups the bench runs, in order. */
export const GROUPS: readonly BenchGroup[] = [matmulGroup];

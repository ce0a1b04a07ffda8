// Every conformance case, by op family. Each family file exports an array of cases named
// `family: what`.

import type { ConformanceCase } from '../harness.js';
import { ACTIVATION_CASES } from './activations.js';
import { AUTODIFF_CASES } from './autodiff.js';
import { BINARY_CASES } from './binary.js';
import { CONV_CASES } from './conv.js';
import { CREATION_CASES } from './creation.js';
import { FUSED_CASES } from './fused.js';
import { IMAGE_CASES } from './image.js';
import { LINALG_CASES } from './linalg.js';
import { MOVEMENT_CASES } from './movement.js';
import { REDUCE_CASES } from './reduce.js';
import { SORT_CASES } from './sort.js';
import { UNARY_CASES } from './unary.js';

export const ALL_CASES: readonly ConformanceCase[] = [
  ...CREATION_CASES,
  ...UNARY_CASES,
  ...BINARY_CASES,
  ...ACTIVATION_CASES,
  ...REDUCE_CASES,
  ...SORT_CASES,
  ...LINALG_CASES,
  ...MOVEMENT_CASES,
  ...CONV_CASES,
  ...IMAGE_CASES,
  ...AUTODIFF_CASES,
  ...FUSED_CASES,
];

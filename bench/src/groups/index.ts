// Every benchmark group, in report order. A new group is a file in this folder and a line here.

import type { BenchGroup } from '../registry.js';
import { conv2dGroup } from './conv2d.js';
import { dispatchGroup } from './dispatch.js';
import { elementwiseGroup } from './elementwise.js';
import { matmulGroup } from './matmul.js';
import { mlpInferGroup } from './mlp.js';
import { mlpTrainGroup } from './mlp-train.js';
import { nativeGroup } from './native.js';
import { nnGroup } from './nn.js';
import { ortWebGroup } from './ort-web.js';
import { reduceGroup } from './reduce.js';

/** Groups the bench runs, in order. */
export const GROUPS: readonly BenchGroup[] = [
  matmulGroup,
  conv2dGroup,
  elementwiseGroup,
  reduceGroup,
  dispatchGroup,
  mlpInferGroup,
  mlpTrainGroup,
  nnGroup,
  ortWebGroup,
  nativeGroup,
];

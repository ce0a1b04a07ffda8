// Linear algebra: matmul (batched, broadcast batch dims, transposes), dot, tensordot, outer.

import { UnsupportedError } from '../errors.js';
import type { RuleTable } from '../vjp.js';

const todo = (): never => {
  throw new UnsupportedError('linalg gradients are being written');
};

/** VJP rules of matmul. */
export const LINALG_RULES: RuleTable<'matmul'> = { matmul: todo };

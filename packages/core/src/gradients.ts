// The one table of vector-Jacobian rules, typed over every primitive (plus reshape, which is
// not a kernel): a new primitive without a rule does not compile. The rules themselves sit
// beside their ops in ops/*.ts, each with its formula in a comment. The optional fused
// primitives have a second table of the same kind, next to it.

import type { FusedParams, FusedPrim } from './fused-prims.js';
import { BINARY_RULES } from './ops/binary.js';
import { CAST_RULES } from './ops/cast.js';
import { UNARY_CHAIN_RULES } from './ops/chain.js';
import { CONV_RULES } from './ops/conv.js';
import { FUSED_RULES } from './ops/fused.js';
import { IMAGE_RULES } from './ops/image.js';
import { LINALG_RULES } from './ops/linalg.js';
import { MOVEMENT_RULES, RESHAPE_RULE } from './ops/movement.js';
import { POOL_RULES } from './ops/pool.js';
import { REDUCE_RULES } from './ops/reduce.js';
import { SORT_RULES } from './ops/sort.js';
import { UNARY_RULES } from './ops/unary.js';
import { WHERE_RULES } from './ops/where.js';
import type { Prim, PrimParams } from './prims.js';
import type { VjpRule } from './vjp-rule.js';

type FullTable = { readonly [P in Prim]: VjpRule<PrimParams[P]> | 'nondiff' } & {
  readonly reshape: VjpRule<{ shape: readonly number[] }>;
};

export const VJP_RULES: FullTable = {
  ...UNARY_RULES,
  // relu, tanh and sigmoid: the same rules, written as one chain each.
  ...UNARY_CHAIN_RULES,
  ...BINARY_RULES,
  ...CAST_RULES,
  ...WHERE_RULES,
  ...REDUCE_RULES,
  ...LINALG_RULES,
  ...CONV_RULES,
  ...POOL_RULES,
  ...IMAGE_RULES,
  ...SORT_RULES,
  ...MOVEMENT_RULES,
  reshape: RESHAPE_RULE,
  // Random fills have no inputs.
  randomUniform: 'nondiff',
};

/** The rules of the optional fused primitives (fused-prims.ts), typed over all of them likewise. */
export const FUSED_VJP_RULES: { readonly [F in FusedPrim]: VjpRule<FusedParams[F]> | 'nondiff' } =
  FUSED_RULES;

// Types of the vector-Jacobian rule table. Each op family file exports the rules of its
// primitives next to the ops; gradients.ts assembles them into one table typed over every
// primitive, so a primitive without a rule does not compile.

import type { Prim, PrimParams } from './prims.js';
import type { Tensor } from './tensor.js';

/** What a VJP rule sees: the forward inputs and output, the params, and the cotangent. */
export interface VjpContext<P> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly params: P;
  readonly dy: Tensor;
  /**
   * Which inputs need a gradient (a watched tensor flows into them); a rule may return null
   * for the others instead of computing a gradient nobody reads.
   */
  readonly needs: readonly boolean[];
}

/** Returns one gradient (or null for none) per forward input, shaped like that input. */
export type VjpRule<P> = (ctx: VjpContext<P>) => readonly (Tensor | null)[];

/** Rules for a subset of primitives; 'nondiff' marks primitives with zero gradient. */
export type RuleTable<K extends Prim> = { readonly [P in K]: VjpRule<PrimParams[P]> | 'nondiff' };

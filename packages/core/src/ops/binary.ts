// Binary elementwise ops (arithmetic, comparisons, logic, and the composites floorDiv,
// squaredDifference and logicalXor) with NumPy broadcasting, and their VJP rules. Operands
// are promoted per dtype.ts; broadcast gradients are summed back with sumTo.

import { type DType, isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { tidy } from '../memory.js';
import type { BinaryPrim } from '../prims.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, req, S } from './args.js';
import { cast } from './cast.js';
import { resultType, type TensorLike, withArgs } from './convert.js';
import { reshape } from './movement.js';
import { sum } from './reduce.js';
import { floor, log, logicalNot } from './unary.js';
import { where } from './where.js';

type Kind = 'arith' | 'div' | 'compare' | 'logic';

const KINDS: Record<BinaryPrim, Kind> = {
  add: 'arith',
  sub: 'arith',
  mul: 'arith',
  div: 'div',
  pow: 'arith',
  maximum: 'arith',
  minimum: 'arith',
  mod: 'arith',
  equal: 'compare',
  notEqual: 'compare',
  less: 'compare',
  lessEqual: 'compare',
  greater: 'compare',
  greaterEqual: 'compare',
  logicalAnd: 'logic',
  logicalOr: 'logic',
};

/** Applies a binary primitive after promotion: arithmetic on bools runs in int32, `div` in float. */
function binaryImpl(prim: BinaryPrim, a: TensorLike, b: TensorLike): Tensor {
  return withArgs(prim, ['a', 'b'], [a, b], ([x, y]) => {
    // Equal shapes and a scalar operand (most calls) keep the other's frozen shape as it is.
    const shape =
      y.shape.length === 0 || shapesEqual(x.shape, y.shape)
        ? x.shape
        : x.shape.length === 0
          ? y.shape
          : broadcastShapes(prim, x.shape, y.shape);
    const kind = KINDS[prim];
    let common: DType = resultType([x, y]);
    if (kind === 'logic') common = 'bool';
    else if (kind === 'div' && !isFloat(common)) common = 'float32';
    else if (kind === 'arith' && common === 'bool') common = 'int32';
    const outDType: DType = kind === 'compare' || kind === 'logic' ? 'bool' : common;
    const xs = x.dtype === common ? x : cast(x, common);
    const ys = y.dtype === common ? y : cast(y, common);
    try {
      return ENGINE.run(prim, [xs, ys], {}, shape, outDType);
    } finally {
      if (xs !== x) xs.dispose();
      if (ys !== y) ys.dispose();
    }
  });
}

const AB = [req('a', S.tensor), req('b', S.tensor)] as const;

/** a + b. @example add(tensor([1, 2]), 10); // [11, 12] */
export const add = defineOp('add', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('add', a, b));
/** a - b. @example sub(tensor([3]), tensor([1])); // [2] */
export const sub = defineOp('sub', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('sub', a, b));
/** a · b. @example mul(tensor([2, 3]), 2); // [4, 6] */
export const mul = defineOp('mul', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('mul', a, b));
/** a / b (true division: int32 operands give float32). @example div(tensor([1]), 2); // [0.5] */
export const div = defineOp('div', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('div', a, b));
/** aᵇ. @example pow(tensor([2, 3]), 2); // [4, 9] */
export const pow = defineOp('pow', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('pow', a, b));
/** Elementwise maximum (NaN propagates). @example maximum(tensor([1, 5]), 3); // [3, 5] */
export const maximum = defineOp(
  'maximum',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('maximum', a, b),
);
/** Elementwise minimum (NaN propagates). @example minimum(tensor([1, 5]), 3); // [1, 3] */
export const minimum = defineOp(
  'minimum',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('minimum', a, b),
);
/** Floor modulo with the divisor's sign, like Python. @example mod(tensor([-1]), 3); // [2] */
export const mod = defineOp('mod', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('mod', a, b));
/** a == b (bool). @example equal(tensor([1, 2]), 2); // [false, true] */
export const equal = defineOp(
  'equal',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('equal', a, b),
);
/** a != b (bool). @example notEqual(tensor([1, 2]), 2); // [true, false] */
export const notEqual = defineOp(
  'notEqual',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('notEqual', a, b),
);
/** a < b (bool). @example less(tensor([1, 2]), 2); // [true, false] */
export const less = defineOp('less', AB, (a: TensorLike, b: TensorLike): Tensor => binaryImpl('less', a, b));
/** a <= b (bool). @example lessEqual(tensor([1, 3]), 2); // [true, false] */
export const lessEqual = defineOp(
  'lessEqual',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('lessEqual', a, b),
);
/** a > b (bool). @example greater(tensor([1, 3]), 2); // [false, true] */
export const greater = defineOp(
  'greater',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('greater', a, b),
);
/** a >= b (bool). @example greaterEqual(tensor([1, 2]), 2); // [false, true] */
export const greaterEqual = defineOp(
  'greaterEqual',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('greaterEqual', a, b),
);
/** Logical and (bool). @example logicalAnd(tensor([true, true]), tensor([true, false])); */
export const logicalAnd = defineOp(
  'logicalAnd',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('logicalAnd', a, b),
);
/** Logical or (bool). @example logicalOr(tensor([false]), tensor([true])); // [true] */
export const logicalOr = defineOp(
  'logicalOr',
  AB,
  (a: TensorLike, b: TensorLike): Tensor => binaryImpl('logicalOr', a, b),
);

/** floor(a / b); int32 (or bool) operands give int32, like NumPy's `//`. @example floorDiv(tensor([7, -7]), 2); // [3, -4] */
export const floorDiv = defineOp(
  'floorDiv',
  AB,
  (a: TensorLike, b: TensorLike): Tensor =>
    withArgs('floorDiv', ['a', 'b'], [a, b], ([x, y]) =>
      tidy(() => {
        const q = floor(div(x, y));
        return isFloat(x.dtype) || isFloat(y.dtype) ? q : cast(q, 'int32');
      }),
    ),
);

/** (a - b)². @example squaredDifference(tensor([3]), tensor([1])); // [4] */
export const squaredDifference = defineOp(
  'squaredDifference',
  AB,
  (a: TensorLike, b: TensorLike): Tensor =>
    withArgs('squaredDifference', ['a', 'b'], [a, b], ([x, y]) =>
      tidy(() => {
        const d = sub(x, y);
        return mul(d, d);
      }),
    ),
);

/** Logical exclusive or (bool). @example logicalXor(tensor([true, true]), tensor([true, false])); */
export const logicalXor = defineOp(
  'logicalXor',
  AB,
  (a: TensorLike, b: TensorLike): Tensor =>
    withArgs('logicalXor', ['a', 'b'], [a, b], ([x, y]) =>
      tidy(() => logicalAnd(logicalOr(x, y), logicalNot(logicalAnd(x, y)))),
    ),
);

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = sum(g, { axis: axes, keepDims: true });
  return reshape(s, shape);
}

/** Turns a boolean mask into the cotangent's dtype. */
function asMask(mask: Tensor, like: Tensor): Tensor {
  return cast(mask, like.dtype);
}

/**
 * Gradients of maximum/minimum: dy to the operand that won, half of it to each on a tie. `wins`
 * gives the strict comparison for one side; a side no watched tensor flows into gets null.
 */
function tieSplit(
  a: Tensor,
  b: Tensor,
  dy: Tensor,
  needs: readonly boolean[],
  wins: (x: Tensor, y: Tensor) => Tensor,
): [Tensor | null, Tensor | null] {
  const half = mul(asMask(equal(a, b), dy), 0.5);
  const side = (x: Tensor, y: Tensor) => sumTo(mul(dy, add(asMask(wins(x, y), dy), half)), x.shape);
  return [needs[0] ? side(a, b) : null, needs[1] ? side(b, a) : null];
}

/**
 * VJP rules of the binary primitives. Each skips the gradient of an operand that no watched
 * tensor flows into (the constant of `x.div(n)` or `x.mul(2)`): `needs` says which.
 */
export const BINARY_RULES: RuleTable<BinaryPrim> = {
  // d(a + b) = (dy, dy)
  add: ({ inputs: [a, b], dy, needs }) => [
    needs[0] ? sumTo(dy, a!.shape) : null,
    needs[1] ? sumTo(dy, b!.shape) : null,
  ],
  // d(a - b) = (dy, -dy)
  sub: ({ inputs: [a, b], dy, needs }) => [
    needs[0] ? sumTo(dy, a!.shape) : null,
    needs[1] ? sumTo(binaryImpl('mul', dy, -1), b!.shape) : null,
  ],
  // d(a·b) = (b·dy, a·dy)
  mul: ({ inputs: [a, b], dy, needs }) => [
    needs[0] ? sumTo(mul(dy, b!), a!.shape) : null,
    needs[1] ? sumTo(mul(dy, a!), b!.shape) : null,
  ],
  // d(a/b) = (dy/b, -a·dy/b²)
  div: ({ inputs: [a, b], dy, needs }) => [
    needs[0] ? sumTo(div(dy, b!), a!.shape) : null,
    needs[1] ? sumTo(mul(dy, div(binaryImpl('mul', a!, -1), mul(b!, b!))), b!.shape) : null,
  ],
  // d(aᵇ) = (b·aᵇ⁻¹·dy, aᵇ·log(a)·dy), the latter taken as 0 where a <= 0
  pow: ({ inputs: [a, b], output, dy, needs }) => {
    const da = needs[0] ? sumTo(mul(dy, mul(b!, pow(a!, sub(b!, 1)))), a!.shape) : null;
    const db = needs[1] && isFloat(b!.dtype) ? sumTo(mul(dy, mul(output, withLog(a!))), b!.shape) : null;
    return [da, db];
  },
  // d max(a, b) = (([a > b] + ½[a = b])·dy, ([a < b] + ½[a = b])·dy): ties split dy, as in PyTorch
  maximum: ({ inputs: [a, b], dy, needs }) => tieSplit(a!, b!, dy, needs, greater),
  // d min(a, b) = (([a < b] + ½[a = b])·dy, ([a > b] + ½[a = b])·dy)
  minimum: ({ inputs: [a, b], dy, needs }) => tieSplit(a!, b!, dy, needs, less),
  // d mod(a, b) = (dy, -floor(a/b)·dy)
  mod: ({ inputs: [a, b], dy, needs }) => [
    needs[0] ? sumTo(dy, a!.shape) : null,
    needs[1] ? sumTo(mul(dy, binaryImpl('mul', floorDivFloat(a!, b!), -1)), b!.shape) : null,
  ],
  equal: 'nondiff',
  notEqual: 'nondiff',
  less: 'nondiff',
  lessEqual: 'nondiff',
  greater: 'nondiff',
  greaterEqual: 'nondiff',
  logicalAnd: 'nondiff',
  logicalOr: 'nondiff',
};

function withLog(a: Tensor): Tensor {
  const positive = greater(a, 0);
  return where(positive, log(where(positive, a, 1)), 0);
}

function floorDivFloat(a: Tensor, b: Tensor): Tensor {
  return floor(div(a, b));
}

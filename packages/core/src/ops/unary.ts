// Unary elementwise ops (and clip, a composite) and their VJP rules, each rule under its op
// with the math above it. Float math on int32/bool inputs casts to float32 first, so kernels
// see float in, float out.

import { type DType, isFloat } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { ArgumentError } from '../errors.js';
import { tidy } from '../memory.js';
import type { UnaryPrim } from '../prims.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, req, S } from './args.js';
import {
  add,
  div,
  greater,
  greaterEqual,
  lessEqual,
  logicalAnd,
  maximum,
  minimum,
  mul,
  sub,
} from './binary.js';
import { cast } from './cast.js';
import { type TensorLike, withArgs } from './convert.js';
import { where } from './where.js';

type Mode = 'float' | 'same' | 'bool-out' | 'bool-in';

const MODES: Record<UnaryPrim, Mode> = {
  neg: 'same',
  abs: 'same',
  sign: 'same',
  exp: 'float',
  log: 'float',
  log1p: 'float',
  expm1: 'float',
  sqrt: 'float',
  rsqrt: 'float',
  sin: 'float',
  cos: 'float',
  tan: 'float',
  tanh: 'float',
  sigmoid: 'float',
  erf: 'float',
  floor: 'same',
  ceil: 'same',
  round: 'same',
  reciprocal: 'float',
  relu: 'same',
  isNaN: 'bool-out',
  isFinite: 'bool-out',
  logicalNot: 'bool-in',
};

/** Applies a unary primitive, casting inputs as its mode requires. */
function unaryImpl(prim: UnaryPrim, x: TensorLike): Tensor {
  return withArgs(prim, ['x'], [x], ([t]) => {
    const input = t;
    const mode = MODES[prim];
    if (mode === 'bool-out') return ENGINE.run(prim, [input], {}, input.shape, 'bool');
    if (mode === 'bool-in') {
      if (input.dtype === 'bool') return ENGINE.run(prim, [input], {}, input.shape, 'bool');
      using b = cast(input, 'bool');
      return ENGINE.run(prim, [b], {}, b.shape, 'bool');
    }
    const target: DType =
      mode === 'float'
        ? isFloat(input.dtype)
          ? input.dtype
          : 'float32'
        : input.dtype === 'bool'
          ? 'int32'
          : input.dtype;
    if (target === input.dtype) {
      if (!isFloat(target) && (prim === 'floor' || prim === 'ceil' || prim === 'round'))
        return ENGINE.share(input, input.shape);
      return ENGINE.run(prim, [input], {}, input.shape, target);
    }
    using c = cast(input, target);
    return ENGINE.run(prim, [c], {}, c.shape, target);
  });
}

const X = [req('x', S.tensor)] as const;

/** -x. @example neg(tensor([1, -2])); // [-1, 2] */
export const neg = defineOp('neg', X, (x: TensorLike): Tensor => unaryImpl('neg', x));
/** |x|. @example abs(tensor([-1, 2])); // [1, 2] */
export const abs = defineOp('abs', X, (x: TensorLike): Tensor => unaryImpl('abs', x));
/** -1, 0 or 1 (NaN stays NaN). @example sign(tensor([-3, 0, 2])); // [-1, 0, 1] */
export const sign = defineOp('sign', X, (x: TensorLike): Tensor => unaryImpl('sign', x));
/** eˣ. @example exp(tensor([0, 1])); // [1, 2.718...] */
export const exp = defineOp('exp', X, (x: TensorLike): Tensor => unaryImpl('exp', x));
/** Natural logarithm. @example log(tensor([1, Math.E])); // [0, 1] */
export const log = defineOp('log', X, (x: TensorLike): Tensor => unaryImpl('log', x));
/** log(1 + x), accurate for small x. @example log1p(tensor([1e-10])); */
export const log1p = defineOp('log1p', X, (x: TensorLike): Tensor => unaryImpl('log1p', x));
/** eˣ - 1, accurate for small x. @example expm1(tensor([1e-10])); */
export const expm1 = defineOp('expm1', X, (x: TensorLike): Tensor => unaryImpl('expm1', x));
/** √x. @example sqrt(tensor([4, 9])); // [2, 3] */
export const sqrt = defineOp('sqrt', X, (x: TensorLike): Tensor => unaryImpl('sqrt', x));
/** 1/√x. @example rsqrt(tensor([4])); // [0.5] */
export const rsqrt = defineOp('rsqrt', X, (x: TensorLike): Tensor => unaryImpl('rsqrt', x));
/** Sine. @example sin(tensor([0])); // [0] */
export const sin = defineOp('sin', X, (x: TensorLike): Tensor => unaryImpl('sin', x));
/** Cosine. @example cos(tensor([0])); // [1] */
export const cos = defineOp('cos', X, (x: TensorLike): Tensor => unaryImpl('cos', x));
/** Tangent. @example tan(tensor([0])); // [0] */
export const tan = defineOp('tan', X, (x: TensorLike): Tensor => unaryImpl('tan', x));
/** Hyperbolic tangent. @example tanh(tensor([0])); // [0] */
export const tanh = defineOp('tanh', X, (x: TensorLike): Tensor => unaryImpl('tanh', x));
/** 1 / (1 + e⁻ˣ). @example sigmoid(tensor([0])); // [0.5] */
export const sigmoid = defineOp('sigmoid', X, (x: TensorLike): Tensor => unaryImpl('sigmoid', x));
/** The Gauss error function. @example erf(tensor([0])); // [0] */
export const erf = defineOp('erf', X, (x: TensorLike): Tensor => unaryImpl('erf', x));
/** Rounds down. @example floor(tensor([1.5, -1.5])); // [1, -2] */
export const floor = defineOp('floor', X, (x: TensorLike): Tensor => unaryImpl('floor', x));
/** Rounds up. @example ceil(tensor([1.5])); // [2] */
export const ceil = defineOp('ceil', X, (x: TensorLike): Tensor => unaryImpl('ceil', x));
/** Rounds half to even, like NumPy. @example round(tensor([0.5, 1.5])); // [0, 2] */
export const round = defineOp('round', X, (x: TensorLike): Tensor => unaryImpl('round', x));
/** 1/x. @example reciprocal(tensor([2])); // [0.5] */
export const reciprocal = defineOp('reciprocal', X, (x: TensorLike): Tensor => unaryImpl('reciprocal', x));
/** max(x, 0). @example relu(tensor([-1, 2])); // [0, 2] */
export const relu = defineOp('relu', X, (x: TensorLike): Tensor => unaryImpl('relu', x));
/** Elementwise NaN test (bool). @example isNaN(tensor([NaN, 1])); // [true, false] */
export const isNaN = defineOp('isNaN', X, (x: TensorLike): Tensor => unaryImpl('isNaN', x));
/** Elementwise finiteness test (bool). @example isFinite(tensor([Infinity, 1])); // [false, true] */
export const isFinite = defineOp('isFinite', X, (x: TensorLike): Tensor => unaryImpl('isFinite', x));
/** Logical not (bool). @example logicalNot(tensor([true])); // [false] */
export const logicalNot = defineOp('logicalNot', X, (x: TensorLike): Tensor => unaryImpl('logicalNot', x));

/** clip bounds: any number but NaN (±Infinity leaves that side open). */
const NOT_NAN = S.oneOf(S.finite, S.enum(Infinity, -Infinity));

/**
 * Clamps to [min, max]; the gradient passes where min <= x <= max.
 * @example
 * clip(tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 */
export const clip = defineOp(
  'clip',
  [req('x', S.tensor), req('min', NOT_NAN), req('max', NOT_NAN)],
  (x: TensorLike, min: number, max: number): Tensor => {
    if (!(min <= max)) throw new ArgumentError(`clip: expected min <= max, got min=${min} and max=${max}`);
    return withArgs('clip', ['x'], [x], ([t]) =>
      tidy(() => {
        const clamped = minimum(maximum(t, min), max);
        // The value is `clamped`; `where` routes the gradient to x on the closed range, bounds
        // included, as PyTorch's clamp does (maximum/minimum alone would halve it at a bound).
        const inside = logicalAnd(greaterEqual(t, min), lessEqual(t, max));
        return where(inside, t, clamped);
      }),
    );
  },
);

/** VJP rules of the unary primitives. */
export const UNARY_RULES: RuleTable<UnaryPrim> = {
  // d(-x) = -dy
  neg: ({ dy }) => [neg(dy)],
  // d|x| = sign(x) · dy
  abs: ({ inputs: [x], dy }) => [mul(dy, sign(x!))],
  sign: 'nondiff',
  // d eˣ = eˣ · dy
  exp: ({ output, dy }) => [mul(dy, output)],
  // d log x = dy / x
  log: ({ inputs: [x], dy }) => [div(dy, x!)],
  // d log(1+x) = dy / (1 + x)
  log1p: ({ inputs: [x], dy }) => [div(dy, add(x!, 1))],
  // d (eˣ - 1) = eˣ · dy = (y + 1) · dy
  expm1: ({ output, dy }) => [mul(dy, add(output, 1))],
  // d √x = dy / (2√x)
  sqrt: ({ output, dy }) => [div(dy, mul(output, 2))],
  // d x^(-1/2) = -½ x^(-3/2) · dy = -½ · y / x · dy
  rsqrt: ({ inputs: [x], output, dy }) => [mul(dy, mul(div(output, x!), -0.5))],
  // d sin x = cos x · dy
  sin: ({ inputs: [x], dy }) => [mul(dy, cos(x!))],
  // d cos x = -sin x · dy
  cos: ({ inputs: [x], dy }) => [mul(dy, neg(sin(x!)))],
  // d tan x = (1 + tan² x) · dy
  tan: ({ output, dy }) => [mul(dy, add(mul(output, output), 1))],
  // d tanh x = (1 - tanh² x) · dy
  tanh: ({ output, dy }) => [mul(dy, sub(1, mul(output, output)))],
  // d σ(x) = σ(x)(1 - σ(x)) · dy
  sigmoid: ({ output, dy }) => [mul(dy, mul(output, sub(1, output)))],
  // d erf x = 2/√π · e^(-x²) · dy
  erf: ({ inputs: [x], dy }) => [mul(dy, mul(exp(neg(mul(x!, x!))), 2 / Math.sqrt(Math.PI)))],
  floor: 'nondiff',
  ceil: 'nondiff',
  round: 'nondiff',
  // d (1/x) = -1/x² · dy = -y² · dy
  reciprocal: ({ output, dy }) => [neg(mul(dy, mul(output, output)))],
  // d relu x = [x > 0] · dy
  relu: ({ inputs: [x], dy }) => [mul(dy, cast(greater(x!, 0), dy.dtype))],
  isNaN: 'nondiff',
  isFinite: 'nondiff',
  logicalNot: 'nondiff',
};

// Elementwise chains: a short program of elementwise steps over broadcasting inputs, run as
// one kernel where the backend has the fused `elementwise` primitive and as ordinary ops
// otherwise. The activations and batch normalization are written as chains, so on such a
// backend their forward pass is one dispatch; their gradients are chains too, derived here
// step by step with the same rules (and the same conventions at kinks and ties) as the
// primitives' VJPs, so the fused and the composite paths agree.

import { type DType, isFloat, promoteTypes } from '../dtype.js';
import { ENGINE } from '../engine.js';
import { type ChainBinary, type ChainStep, type ChainUnary, MAX_CHAIN_INPUTS } from '../fused-prims.js';
import { tidy } from '../memory.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { VjpRule } from '../vjp-rule.js';
import {
  add,
  div,
  equal,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  sub,
  sumTo,
} from './binary.js';
import { cast } from './cast.js';
import { broadcastTo } from './movement.js';
import { sum } from './reduce.js';
import { abs, erf, exp, expm1, log, log1p, neg, relu, rsqrt, sigmoid, sign, sqrt, tanh } from './unary.js';
import { where } from './where.js';

/** A value of a chain being built: an input or the result of a step. */
export interface ChainValue {
  readonly id: number;
}

/** An operand while building: a value, or a number that becomes a constant step. */
export type ChainArg = ChainValue | number;

/**
 * Builds a chain program over `inputs` values.
 * @example
 * const b = new ChainBuilder(1);
 * const [x] = b.inputs;
 * b.mul(x!, b.sigmoid(x!)); // silu
 */
export class ChainBuilder {
  readonly steps: ChainStep[] = [];
  readonly inputs: readonly ChainValue[];
  readonly #consts = new Map<number, ChainValue>();

  constructor(readonly inputCount: number) {
    this.inputs = Array.from({ length: inputCount }, (_, id) => ({ id }));
  }

  /** Appends a step and returns its value. */
  push(step: ChainStep): ChainValue {
    this.steps.push(step);
    return { id: this.inputCount + this.steps.length - 1 };
  }

  /** A value for `a`: numbers become constant steps, one per distinct value (−0 apart from 0). */
  val(a: ChainArg): ChainValue {
    if (typeof a !== 'number') return a;
    // A Map keys 0 and −0 alike (and NaN with NaN), so −0 always gets a step of its own.
    if (Object.is(a, -0)) return this.push({ op: 'const', value: a });
    let v = this.#consts.get(a);
    if (!v) {
      v = this.push({ op: 'const', value: a });
      this.#consts.set(a, v);
    }
    return v;
  }

  unary(op: ChainUnary, x: ChainArg): ChainValue {
    return this.push({ op, x: this.val(x).id });
  }

  binary(op: ChainBinary, x: ChainArg, y: ChainArg): ChainValue {
    return this.push({ op, x: this.val(x).id, y: this.val(y).id });
  }

  select(c: ChainArg, x: ChainArg, y: ChainArg): ChainValue {
    return this.push({ op: 'select', c: this.val(c).id, x: this.val(x).id, y: this.val(y).id });
  }

  add(x: ChainArg, y: ChainArg): ChainValue {
    return this.binary('add', x, y);
  }
  sub(x: ChainArg, y: ChainArg): ChainValue {
    return this.binary('sub', x, y);
  }
  mul(x: ChainArg, y: ChainArg): ChainValue {
    return this.binary('mul', x, y);
  }
  div(x: ChainArg, y: ChainArg): ChainValue {
    return this.binary('div', x, y);
  }
}

/** Builds and runs a chain over `inputs`: `body` gets the builder and one value per input. */
export function chain(
  inputs: readonly Tensor[],
  body: (b: ChainBuilder, xs: readonly ChainValue[]) => ChainValue,
): Tensor {
  return runChain(inputs, chainProgram(inputs.length, body));
}

/** The program `body` builds over `inputs` values (its result is the last step). */
export function chainProgram(
  inputs: number,
  body: (b: ChainBuilder, xs: readonly ChainValue[]) => ChainValue,
): ChainStep[] {
  const b = new ChainBuilder(inputs);
  const out = body(b, b.inputs);
  // The output is the last step: a chain that returns an input or an earlier step adds a copy.
  if (out.id !== inputs + b.steps.length - 1) b.add(out, 0);
  return b.steps;
}

/** A chain's inputs promoted to one float dtype (float32 for ints and bools); call inside `tidy`. */
function promoted(inputs: readonly Tensor[]): { xs: Tensor[]; dtype: DType } {
  let dtype: DType = inputs.map((t) => t.dtype).reduce(promoteTypes);
  if (!isFloat(dtype)) dtype = 'float32';
  return { xs: inputs.map((t) => (t.dtype === dtype ? t : cast(t, dtype))), dtype };
}

/**
 * Runs a program over `inputs` (promoted to one float dtype, float32 for ints and bools): one
 * fused kernel where the backend has it, ordinary ops otherwise.
 */
export function runChain(inputs: readonly Tensor[], program: readonly ChainStep[]): Tensor {
  return tidy(() => {
    const { xs, dtype } = promoted(inputs);
    const shape = xs.reduce<number[]>((s, t) => broadcastShapes('elementwise', s, t.shape), []);
    const kernel = xs.length <= MAX_CHAIN_INPUTS ? ENGINE.fusedKernel('elementwise', xs) : undefined;
    if (kernel && shape.reduce((a, d) => a * d, 1) > 0) {
      return ENGINE.runFused('elementwise', kernel, xs, { program }, [{ shape, dtype }])[0]!;
    }
    return composite(xs, program, dtype);
  });
}

/**
 * The sum of a chain's value over `axes` (kept as size 1), for batch statistics: one fused
 * kernel where the backend has `elementwiseSum` and `axes` are every axis but the last (NHWC's
 * per-channel sums), so the chain's value is never written out; else the chain, then `sum`.
 * @example
 * const sq = chainSum([x, mean], (b, [v, m]) => b.mul(b.sub(v!, m!), b.sub(v!, m!)), [0, 1, 2]);
 */
export function chainSum(
  inputs: readonly Tensor[],
  body: (b: ChainBuilder, xs: readonly ChainValue[]) => ChainValue,
  axes: readonly number[],
): Tensor {
  const program = chainProgram(inputs.length, body);
  return tidy(() => {
    const { xs, dtype } = promoted(inputs);
    const shape = xs.reduce<number[]>((s, t) => broadcastShapes('elementwise', s, t.shape), []);
    const rank = shape.length;
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    const kernel =
      leading && xs.length <= MAX_CHAIN_INPUTS ? ENGINE.fusedKernel('elementwiseSum', xs) : undefined;
    if (kernel && shape.reduce((a, d) => a * d, 1) > 0) {
      const out = shape.map((d, i) => (i === rank - 1 ? d : 1));
      return ENGINE.runFused('elementwiseSum', kernel, xs, { program }, [{ shape: out, dtype }])[0]!;
    }
    return sum(runChain(xs, program), { axis: [...axes], keepDims: true });
  });
}

/**
 * The program as ordinary ops even where the backend has the fused kernel: the reference the
 * conformance suite holds the fused kernel to.
 */
export function runChainComposite(inputs: readonly Tensor[], program: readonly ChainStep[]): Tensor {
  return tidy(() => {
    const { xs, dtype } = promoted(inputs);
    return composite(xs, program, dtype);
  });
}

// Arrow wrappers, not the functions themselves: reduce.ts imports this module, so at the time
// this module is evaluated some of these bindings are not initialised yet.
const UNARY_OPS: Record<ChainUnary, (x: Tensor) => Tensor> = {
  neg: (x) => neg(x),
  abs: (x) => abs(x),
  sign: (x) => sign(x),
  exp: (x) => exp(x),
  expm1: (x) => expm1(x),
  log: (x) => log(x),
  log1p: (x) => log1p(x),
  sqrt: (x) => sqrt(x),
  rsqrt: (x) => rsqrt(x),
  tanh: (x) => tanh(x),
  sigmoid: (x) => sigmoid(x),
  erf: (x) => erf(x),
  relu: (x) => relu(x),
};

type Operand = Tensor | number;

const BINARY_OPS: Record<ChainBinary, (a: Operand, b: Operand) => Tensor> = {
  add: (a, b) => add(a, b),
  sub: (a, b) => sub(a, b),
  mul: (a, b) => mul(a, b),
  div: (a, b) => div(a, b),
  maximum: (a, b) => maximum(a, b),
  minimum: (a, b) => minimum(a, b),
  greater: (a, b) => greater(a, b),
  greaterEqual: (a, b) => greaterEqual(a, b),
  less: (a, b) => less(a, b),
  lessEqual: (a, b) => lessEqual(a, b),
  equal: (a, b) => equal(a, b),
};

/**
 * The program as ordinary ops (each recorded with its own VJP rule). Comparison results stay
 * bool until arithmetic needs them, so a `select` on a comparison is one `where`.
 */
function composite(xs: readonly Tensor[], program: readonly ChainStep[], dtype: DType): Tensor {
  const values: (Tensor | number)[] = [...xs];
  const num = (v: Tensor | number): Tensor | number =>
    typeof v !== 'number' && v.dtype === 'bool' ? cast(v, dtype) : v;
  const tensorOf = (v: Tensor | number): Tensor => {
    const n = num(v);
    return typeof n === 'number' ? cast(n, dtype) : n;
  };
  for (const step of program) {
    if (step.op === 'const') values.push(step.value);
    else if (step.op === 'select') {
      const c = values[step.c]!;
      const cond = typeof c !== 'number' && c.dtype === 'bool' ? c : notEqual(tensorOf(c), 0);
      values.push(where(cond, tensorOf(values[step.x]!), tensorOf(values[step.y]!)));
    } else if ('y' in step) values.push(BINARY_OPS[step.op](num(values[step.x]!), num(values[step.y]!)));
    else values.push(UNARY_OPS[step.op](tensorOf(values[step.x]!)));
  }
  const out = tensorOf(values[values.length - 1]!);
  const shape = xs.reduce<number[]>((s, t) => broadcastShapes('elementwise', s, t.shape), []);
  return out.shape.length === shape.length && out.shape.every((d, i) => d === shape[i])
    ? out
    : broadcastTo(out, shape);
}

/**
 * The gradient program of input `wrt`: the forward steps, then adjoints accumulated backwards
 * with each primitive's own rule. Its inputs are the chain's inputs followed by dy; null when
 * the output does not depend on that input.
 */
function gradientProgram(program: readonly ChainStep[], inputs: number, wrt: number): ChainStep[] | null {
  const b = new ChainBuilder(inputs + 1);
  const dy = b.inputs[inputs]!;
  // Forward values, re-indexed past dy.
  const fwd: ChainValue[] = [...b.inputs.slice(0, inputs)];
  const at = (i: number): ChainValue => fwd[i]!;
  for (const step of program) {
    if (step.op === 'const') fwd.push(b.val(step.value));
    else if (step.op === 'select') fwd.push(b.select(at(step.c), at(step.x), at(step.y)));
    else if ('y' in step) fwd.push(b.binary(step.op, at(step.x), at(step.y)));
    else fwd.push(b.unary(step.op, at(step.x)));
  }
  const adj = new Map<number, ChainValue>([[fwd.length - 1, dy]]);
  const accumulate = (i: number, g: ChainValue) => {
    const prev = adj.get(i);
    adj.set(i, prev ? b.add(prev, g) : g);
  };
  for (let s = program.length - 1; s >= 0; s--) {
    const g = adj.get(inputs + s);
    const step = program[s]!;
    if (!g || step.op === 'const') continue;
    const out = at(inputs + s);
    if (step.op === 'select') {
      accumulate(step.x, b.select(at(step.c), g, 0));
      accumulate(step.y, b.select(at(step.c), 0, g));
      continue;
    }
    if ('y' in step) {
      const [x, y] = [at(step.x), at(step.y)];
      for (const [i, d] of binaryAdjoints(b, step.op, x, y, g)) accumulate(i === 0 ? step.x : step.y, d);
      continue;
    }
    const d = unaryAdjoint(b, step.op, at(step.x), out, g);
    if (d) accumulate(step.x, d);
  }
  const result = adj.get(wrt);
  if (!result) return null;
  if (result.id !== inputs + 1 + b.steps.length - 1) b.add(result, 0);
  return prune(b.steps, inputs + 1);
}

/** dx for a unary step, mirroring ops/unary.ts's rules; null where the op is not differentiable. */
function unaryAdjoint(
  b: ChainBuilder,
  op: ChainUnary,
  x: ChainValue,
  y: ChainValue,
  g: ChainValue,
): ChainValue | null {
  switch (op) {
    case 'neg':
      return b.unary('neg', g);
    case 'abs':
      return b.mul(g, b.unary('sign', x));
    case 'sign':
      return null;
    case 'exp':
      return b.mul(g, y);
    case 'expm1':
      return b.mul(g, b.add(y, 1));
    case 'log':
      return b.div(g, x);
    case 'log1p':
      return b.div(g, b.add(x, 1));
    case 'sqrt':
      return b.div(g, b.mul(y, 2));
    case 'rsqrt':
      return b.mul(g, b.mul(b.div(y, x), -0.5));
    case 'tanh':
      return b.mul(g, b.sub(1, b.mul(y, y)));
    case 'sigmoid':
      return b.mul(g, b.mul(y, b.sub(1, y)));
    case 'erf':
      return b.mul(g, b.mul(b.unary('exp', b.unary('neg', b.mul(x, x))), 2 / Math.sqrt(Math.PI)));
    case 'relu':
      return b.mul(g, b.binary('greater', x, 0));
    default:
      return op satisfies never;
  }
}

/** [operand, adjoint] pairs for a binary step, mirroring ops/binary.ts's rules. */
function binaryAdjoints(
  b: ChainBuilder,
  op: ChainBinary,
  x: ChainValue,
  y: ChainValue,
  g: ChainValue,
): [0 | 1, ChainValue][] {
  switch (op) {
    case 'add':
      return [
        [0, g],
        [1, g],
      ];
    case 'sub':
      return [
        [0, g],
        [1, b.mul(g, -1)],
      ];
    case 'mul':
      return [
        [0, b.mul(g, y)],
        [1, b.mul(g, x)],
      ];
    case 'div':
      return [
        [0, b.div(g, y)],
        [1, b.mul(g, b.div(b.mul(x, -1), b.mul(y, y)))],
      ];
    case 'maximum':
    case 'minimum': {
      // The winner takes dy, a tie splits it (ops/binary.ts's tieSplit).
      const half = b.mul(b.binary('equal', x, y), 0.5);
      const [xWins, yWins] =
        op === 'maximum' ? (['greater', 'less'] as const) : (['less', 'greater'] as const);
      return [
        [0, b.mul(g, b.add(b.binary(xWins, x, y), half))],
        [1, b.mul(g, b.add(b.binary(yWins, x, y), half))],
      ];
    }
    default:
      // Comparisons: no gradient.
      return [];
  }
}

/** Drops steps the last one does not depend on, re-indexing the rest. */
function prune(steps: readonly ChainStep[], inputs: number): ChainStep[] {
  const live = new Set<number>([inputs + steps.length - 1]);
  for (let s = steps.length - 1; s >= 0; s--) {
    if (!live.has(inputs + s)) continue;
    for (const i of operandsOf(steps[s]!)) live.add(i);
  }
  const map = new Map<number, number>();
  for (let i = 0; i < inputs; i++) map.set(i, i);
  const out: ChainStep[] = [];
  steps.forEach((step, s) => {
    if (!live.has(inputs + s)) return;
    map.set(inputs + s, inputs + out.length);
    const m = (i: number) => map.get(i)!;
    if (step.op === 'const') out.push(step);
    else if (step.op === 'select') out.push({ op: 'select', c: m(step.c), x: m(step.x), y: m(step.y) });
    else if ('y' in step) out.push({ op: step.op, x: m(step.x), y: m(step.y) });
    else out.push({ op: step.op, x: m(step.x) });
  });
  return out;
}

/** The value indices a step reads. */
export function operandsOf(step: ChainStep): number[] {
  if (step.op === 'const') return [];
  if (step.op === 'select') return [step.c, step.x, step.y];
  return 'y' in step ? [step.x, step.y] : [step.x];
}

/**
 * d chain: one gradient chain per input that needs it (the forward recomputed inside, so
 * nothing but the inputs is kept), summed back over broadcast axes.
 */
export const ELEMENTWISE_RULE: VjpRule<{ readonly program: readonly ChainStep[] }> = ({
  inputs,
  params,
  dy,
  needs,
}) =>
  inputs.map((x, i) => {
    if (!needs[i]) return null;
    const program = gradientProgram(params.program, inputs.length, i);
    return program ? sumTo(runChain([...inputs, dy], program), x.shape) : null;
  });

/**
 * The rules of relu, tanh and sigmoid as chains: the same steps as their rules in unary.ts
 * (dy·[x > 0], dy·(1 − y²), dy·(y·(1 − y))), one kernel where the backend fuses chains instead
 * of two or three passes over the tensor. gradients.ts puts them over unary.ts's.
 */
export const UNARY_CHAIN_RULES: {
  readonly [P in 'relu' | 'tanh' | 'sigmoid']: VjpRule<Record<string, never>>;
} = {
  relu: ({ inputs: [x], dy }) => [chain([dy, x!], (b, [d, v]) => b.mul(d!, b.binary('greater', v!, 0)))],
  tanh: ({ output, dy }) => [chain([dy, output], (b, [d, y]) => b.mul(d!, b.sub(1, b.mul(y!, y!))))],
  sigmoid: ({ output, dy }) => [chain([dy, output], (b, [d, y]) => b.mul(d!, b.mul(y!, b.sub(1, y!))))],
};

// Reverse-mode autodiff. While a gradient is requested, a tape records each primitive whose
// inputs descend from the watched tensors; backward walks it in reverse applying the VJP rules
// of gradients.ts, written with ordinary ops, so outer tapes record the backward pass too and
// gradients of gradients work. Tapes hold the tensors they need until they finish.

import { collectTensors, ENGINE, type TapeHook } from './engine.js';
import { ArgumentError, checkArgCount, describeValue, fmtShape, ShapeError } from './errors.js';
import { type FusedPrim, isFusedPrim } from './fused-prims.js';
import { FUSED_VJP_RULES, VJP_RULES } from './gradients.js';
import { tidy } from './memory.js';
import { defineOp, req, S } from './ops/args.js';
import { add } from './ops/binary.js';
import { oneHot, onesLike, scalar, zerosLike } from './ops/creation.js';
import { reshape, stack } from './ops/movement.js';
import type { Prim } from './prims.js';
import { shapesEqual } from './shape.js';
import { Tensor, Variable } from './tensor.js';

/**
 * A custom VJP: gets the output cotangent, returns one gradient (or null) per input. `needs[i]`
 * is false when no watched tensor flows into input i, so its gradient is never used and may be
 * skipped (null).
 */
export type CustomVjp = (dy: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];

interface Node {
  readonly prim: Prim | FusedPrim | 'reshape' | 'custom';
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly params: unknown;
  readonly custom?: CustomVjp;
}

class Tape implements TapeHook {
  readonly nodes: Node[] = [];
  readonly watched = new Set<number>();
  readonly #held: Tensor[] = [];

  watch(t: Tensor): void {
    this.watched.add(t.id);
    this.#hold(t);
  }

  #hold(t: Tensor): void {
    t.holds++;
    this.#held.push(t);
  }

  maybeRecord(
    prim: Prim | FusedPrim | 'reshape',
    inputs: readonly Tensor[],
    params: unknown,
    output: Tensor,
  ): void {
    this.#record({ prim, inputs, params, output });
  }

  recordCustom(inputs: readonly Tensor[], output: Tensor, custom: CustomVjp, saved: readonly Tensor[]): void {
    if (this.#record({ prim: 'custom', inputs, params: undefined, output, custom })) {
      for (const t of saved) this.#hold(t);
    }
  }

  #record(node: Node): boolean {
    if (!node.inputs.some((t) => this.watched.has(t.id))) return false;
    this.nodes.push(node);
    this.watched.add(node.output.id);
    for (const t of node.inputs) this.#hold(t);
    this.#hold(node.output);
    return true;
  }

  release(): void {
    for (const t of this.#held) ENGINE.unhold(t);
    this.#held.length = 0;
  }
}

function checkFunction(op: string, name: string, f: unknown): void {
  if (typeof f !== 'function')
    throw new ArgumentError(`${op}: ${name} must be a function, got ${describeValue(f)}`);
}

function checkTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor))
    throw new ArgumentError(`${op}: ${name} must be a tensor, got ${describeValue(x)}`);
  x.assertAlive(op);
}

/** Applies the VJP rules backwards from `y` (cotangent `dy`) to the tensors in `xs`. */
function backward(tape: Tape, y: Tensor, dy: Tensor, xs: readonly Tensor[]): Tensor[] {
  const grads = new Map<number, Tensor>();
  grads.set(y.id, dy);
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i]!;
    const g = grads.get(node.output.id);
    if (!g) continue;
    // Rules may skip the gradients of inputs that no watched tensor flows into.
    const needs = node.inputs.map((t) => tape.watched.has(t.id));
    const inputGrads = vjpOf(node, g, needs);
    node.inputs.forEach((input, k) => {
      const gi = inputGrads[k];
      if (!gi || !tape.watched.has(input.id)) return;
      if (!shapesEqual(gi.shape, input.shape)) {
        throw new ShapeError(
          `grad: the gradient rule of ${node.prim} returned shape ${fmtShape(gi.shape)} for an input of shape ${fmtShape(input.shape)}`,
        );
      }
      const prev = grads.get(input.id);
      grads.set(input.id, prev ? add(prev, gi) : gi);
    });
  }
  return xs.map((x) => grads.get(x.id) ?? zerosLike(x));
}

function vjpOf(node: Node, dy: Tensor, needs: readonly boolean[]): readonly (Tensor | null)[] {
  if (node.prim === 'custom') return node.custom!(dy, needs);
  const rule = isFusedPrim(node.prim) ? FUSED_VJP_RULES[node.prim] : VJP_RULES[node.prim];
  if (typeof rule === 'string') {
    // Non-differentiable primitives (comparisons, argMax, optimizer updates) pass no gradient.
    return node.inputs.map(() => null);
  }
  // The rule tables are typed per primitive; the node pairs each prim with its own params.
  const apply = rule as (ctx: {
    inputs: readonly Tensor[];
    output: Tensor;
    params: unknown;
    dy: Tensor;
    needs: readonly boolean[];
  }) => readonly (Tensor | null)[];
  return apply({ inputs: node.inputs, output: node.output, params: node.params, dy, needs });
}

/**
 * Runs `f` on `xs` with a tape, then backpropagates `dy` (ones for a scalar output).
 * Intermediates are freed; the value and the gradients survive.
 */
function runWithTape(
  op: string,
  f: (...args: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy: Tensor | undefined,
  extra: readonly Tensor[] = [],
): { value: Tensor; grads: Tensor[] } {
  checkFunction(op, 'f', f);
  if (!Array.isArray(xs))
    throw new ArgumentError(`${op}: expected an array of tensors, got ${describeValue(xs)}`);
  const watched = [...xs, ...extra];
  // Every check before the first hold: a failed call must leave nothing pinned.
  for (const [i, x] of watched.entries()) checkTensor(op, `xs[${i}]`, x);
  if (dy !== undefined) checkTensor(op, 'dy', dy);
  const tape = new Tape();
  ENGINE.startScope();
  let result: { value: Tensor; grads: Tensor[] } | undefined;
  try {
    for (const x of watched) tape.watch(x);
    ENGINE.tapes.push(tape);
    let value: Tensor;
    try {
      value = f(...xs);
    } finally {
      ENGINE.tapes.splice(ENGINE.tapes.indexOf(tape), 1);
    }
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${op}: the function must return a tensor, got ${describeValue(value)}`);
    }
    if (dy === undefined && value.size !== 1) {
      throw new ShapeError(
        `${op}: the function must return a scalar to take its gradient without dy, got shape ${fmtShape(value.shape)}`,
      );
    }
    if (dy !== undefined && !shapesEqual(dy.shape, value.shape)) {
      throw new ShapeError(
        `${op}: dy.shape=${fmtShape(dy.shape)} must equal the output shape ${fmtShape(value.shape)}`,
      );
    }
    const seed = dy ?? onesLike(value);
    const grads = backward(tape, value, seed, [...xs, ...extra]);
    result = { value, grads };
  } finally {
    ENGINE.endScope(result);
    tape.release();
  }
  return result;
}

/**
 * The gradient of a scalar function of one tensor.
 * @example
 * const df = grad((x) => x.square().sum());
 * await df(tensor([1, 2])).array(); // [2, 4]
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkArgCount('grad', arguments.length, 1, 'grad(f)');
  checkFunction('grad', 'f', f);
  return function gradOfF(x: Tensor, dy?: Tensor): Tensor {
    checkArgCount('grad', arguments.length, 2, 'grad(f)(x, dy?)');
    const { value, grads } = runWithTape('grad', f as (...a: Tensor[]) => Tensor, [x], dy);
    value.dispose();
    return grads[0]!;
  };
}

/**
 * Gradients of a scalar function of several tensors, one per argument.
 * @example
 * const [da, db] = grads((a, b) => a.mul(b).sum())([a, b]);
 */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => Tensor[] {
  checkArgCount('grads', arguments.length, 1, 'grads(f)');
  checkFunction('grads', 'f', f);
  return function gradsOfF(xs: readonly Tensor[], dy?: Tensor): Tensor[] {
    checkArgCount('grads', arguments.length, 2, 'grads(f)([x1, x2], dy?)');
    const { value, grads: g } = runWithTape('grads', f, xs, dy);
    value.dispose();
    return g;
  };
}

/**
 * The value of `f` and its gradient.
 * @example
 * const { value, grad: g } = valueAndGrad((x) => x.square().sum())(tensor([3]));
 */
export function valueAndGrad(
  f: (x: Tensor) => Tensor,
): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkArgCount('valueAndGrad', arguments.length, 1, 'valueAndGrad(f)');
  checkFunction('valueAndGrad', 'f', f);
  return function valueAndGradOfF(x: Tensor, dy?: Tensor): { value: Tensor; grad: Tensor } {
    checkArgCount('valueAndGrad', arguments.length, 2, 'valueAndGrad(f)(x, dy?)');
    const { value, grads: g } = runWithTape('valueAndGrad', f as (...a: Tensor[]) => Tensor, [x], dy);
    return { value, grad: g[0]! };
  };
}

/**
 * The value of `f` and its gradients with respect to every argument.
 * @example
 * const { value, grads: [da, db] } = valueAndGrads((a, b) => a.mul(b).sum())([a, b]);
 */
export function valueAndGrads(
  f: (...xs: Tensor[]) => Tensor,
): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkArgCount('valueAndGrads', arguments.length, 1, 'valueAndGrads(f)');
  checkFunction('valueAndGrads', 'f', f);
  return function valueAndGradsOfF(xs: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
    checkArgCount('valueAndGrads', arguments.length, 2, 'valueAndGrads(f)([x1, x2], dy?)');
    return runWithTape('valueAndGrads', f, xs, dy);
  };
}

/**
 * The value of `f()` and its gradient with respect to trainable variables (all of them, or
 * `varList`), keyed by variable name.
 * @example
 * const w = variable(ones([2]), { name: 'w' });
 * const { value, grads } = variableGrads(() => w.square().sum()); // grads.w
 */
export function variableGrads(
  f: () => Tensor,
  varList?: readonly Variable[],
): { value: Tensor; grads: Record<string, Tensor> } {
  checkArgCount('variableGrads', arguments.length, 2, 'variableGrads(f, varList?)');
  checkFunction('variableGrads', 'f', f);
  if (varList !== undefined) {
    if (!Array.isArray(varList)) {
      throw new ArgumentError(
        `variableGrads: varList must be an array of variables, got ${describeValue(varList)}`,
      );
    }
    varList.forEach((v: unknown, i) => {
      if (!(v instanceof Variable)) {
        throw new ArgumentError(`variableGrads: varList[${i}] must be a variable, got ${describeValue(v)}`);
      }
    });
  }
  const vars = (varList ?? ENGINE.variables()).filter((v) => v.trainable);
  const { value, grads: g } = runWithTape('variableGrads', () => f(), [], undefined, vars);
  const out: Record<string, Tensor> = Object.create(null);
  vars.forEach((v, i) => {
    out[v.name] = g[i]!;
  });
  return { value, grads: out };
}

/**
 * Vector-Jacobian product: the value of `f(...xs)` and `dy`ᵀ·J for each argument.
 * @example
 * const { value, grads } = vjp((x) => x.square(), [x], ones([3]));
 */
export function vjp(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dy: Tensor,
): { value: Tensor; grads: Tensor[] } {
  checkArgCount('vjp', arguments.length, 3, 'vjp(f, [x1, x2], dy)');
  checkTensor('vjp', 'dy', dy);
  return runWithTape('vjp', f, xs, dy);
}

/**
 * Stops gradients: the result has `x`'s value, but no gradient flows back through it.
 * @example
 * const y = stopGradient(x).mul(x); // dy/dx = x
 */
export const stopGradient = defineOp('stopGradient', [req('x', S.tensorInstance)], (x: Tensor): Tensor => {
  x.assertAlive('stopGradient');
  return ENGINE.share(x, x.shape, false);
});

/** What a custom-gradient function returns. */
export interface CustomGradResult {
  value: Tensor;
  /**
   * Gradients (or null) for each input, given the output cotangent and which inputs need one
   * (the second argument may be ignored).
   */
  gradFunc: CustomVjp;
  /** Tensors `gradFunc` uses, kept alive until the gradient has been taken. */
  save?: readonly Tensor[];
}

/**
 * Wraps `f` so its gradient is `gradFunc` instead of the derivative of its ops.
 * @example
 * const clipGrad = customGrad((x) => ({ value: x.clone(), gradFunc: (dy) => [dy.clip(-1, 1)] }));
 */
export function customGrad(f: (...xs: Tensor[]) => CustomGradResult): (...xs: Tensor[]) => Tensor {
  checkArgCount('customGrad', arguments.length, 1, 'customGrad(f)');
  checkFunction('customGrad', 'f', f);
  return (...xs) => {
    for (const [i, x] of xs.entries()) checkTensor('customGrad', `xs[${i}]`, x);
    const tapes = ENGINE.tapes.splice(0);
    let result: CustomGradResult;
    try {
      result = f(...xs);
    } finally {
      ENGINE.tapes.push(...tapes);
    }
    if (
      typeof result !== 'object' ||
      result === null ||
      !(result.value instanceof Tensor) ||
      typeof result.gradFunc !== 'function'
    ) {
      throw new ArgumentError(
        `customGrad: f must return { value: Tensor, gradFunc: (dy) => grads, save? }, got ${describeValue(result)}`,
      );
    }
    const output = ENGINE.share(result.value, result.value.shape, false);
    const saved = new Set<Tensor>();
    collectTensors(result.save, saved);
    const gradFunc: CustomVjp = (dy, needs) => {
      const gs: unknown = result.gradFunc(dy, needs);
      if (!Array.isArray(gs) || !gs.every((g) => g === null || g instanceof Tensor)) {
        throw new ArgumentError(
          `customGrad: gradFunc must return an array of tensors (or null), got ${describeValue(gs)}`,
        );
      }
      if (gs.length !== xs.length) {
        throw new ArgumentError(
          `customGrad: gradFunc returned ${gs.length} gradients for ${xs.length} inputs`,
        );
      }
      return gs;
    };
    for (const tape of tapes) {
      if (tape instanceof Tape) tape.recordCustom(xs, output, gradFunc, [...saved]);
    }
    // Only now: the value may also be saved, and the tapes must hold it before it is released.
    result.value.dispose();
    return output;
  };
}

/**
 * The Jacobian of `f` at `x`, of shape `[...f(x).shape, ...x.shape]`, one VJP per output
 * element; meant for small functions and for tests.
 * @example
 * const J = jacobian((x) => x.square())(tensor([1, 2])); // [[2, 0], [0, 4]]
 */
export function jacobian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  checkArgCount('jacobian', arguments.length, 1, 'jacobian(f)');
  checkFunction('jacobian', 'f', f);
  return function jacobianOfF(x: Tensor): Tensor {
    checkArgCount('jacobian', arguments.length, 1, 'jacobian(f)(x)');
    checkTensor('jacobian', 'x', x);
    const probe = tidy(() => f(x));
    const rows: Tensor[] = [];
    const outShape = probe.shape;
    probe.dispose();
    const n = outShape.reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      const dy = tidy(() => reshape(oneHot(scalar(i, 'int32'), n, { dtype: x.dtype }), outShape));
      const { value, grads: g } = runWithTape('jacobian', f as (...a: Tensor[]) => Tensor, [x], dy);
      value.dispose();
      dy.dispose();
      rows.push(g[0]!);
    }
    const out = tidy(() => reshape(stack(rows.length ? rows : [zerosLike(x)]), [...outShape, ...x.shape]));
    for (const r of rows) r.dispose();
    return out;
  };
}

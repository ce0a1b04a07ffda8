// Broadcasting binary kernels and `where`. Inputs arrive in their own shapes and are read with
// stride 0 on broadcast axes, never materialised. Equal shapes and a scalar operand are one
// flat loop; everything else walks rows, and each row is again one contiguous loop. The hot
// primitives have those loops written out per op so V8 inlines the arithmetic.

import type { TypedArray } from '@nabla/core';
import { type BinaryPrim, broadcastStrides, type Kernel } from '@nabla/core/internal';
import { type CpuContext, valuesOf } from '../cpu-data.js';
import { forEachRow } from './strided.js';

/** Scalar form of each binary primitive; a `Record` so a new primitive without one fails to compile. */
const BINARY_FNS: Record<BinaryPrim, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: Math.max,
  minimum: Math.min,
  mod: floorMod,
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

/**
 * Floored modulo: the result has the sign of the divisor (Python, NumPy), so
 * floorMod(−1, 3) = 2 and floorMod(1, −3) = −2. Division by zero gives NaN (0 in int32).
 * @example
 * floorMod(-7, 3); // 2
 */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  // `%` truncates, giving the dividend's sign; shift by one divisor when the signs disagree.
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * One primitive's contiguous loops, over `n` elements from the given offsets: `vv` reads both
 * operands, `vs` holds the right one fixed at `s`, `sv` the left one. Every broadcast row is
 * one of the three (a broadcast row's innermost stride is 0, otherwise 1).
 */
interface BinaryLoops {
  vv(a: TypedArray, ao: number, b: TypedArray, bo: number, y: TypedArray, yo: number, n: number): void;
  vs(a: TypedArray, ao: number, s: number, y: TypedArray, yo: number, n: number): void;
  sv(s: number, b: TypedArray, bo: number, y: TypedArray, yo: number, n: number): void;
}

// The hot primitives get their loops written out, one copy each: a shared loop calling a
// per-op function (or loops stamped out by one generator, whose closures share V8's feedback)
// makes that call megamorphic and it is never inlined, 5–6× slower on 1M elements.
const FAST_LOOPS: Partial<Record<BinaryPrim, BinaryLoops>> = {
  add: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] + b[bo + i];
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] + s;
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = s + b[bo + i];
    },
  },
  sub: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] - b[bo + i];
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] - s;
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = s - b[bo + i];
    },
  },
  mul: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] * b[bo + i];
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] * s;
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = s * b[bo + i];
    },
  },
  div: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] / b[bo + i];
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = a[ao + i] / s;
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = s / b[bo + i];
    },
  },
  maximum: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.max(a[ao + i], b[bo + i]);
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.max(a[ao + i], s);
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.max(s, b[bo + i]);
    },
  },
  minimum: {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.min(a[ao + i], b[bo + i]);
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.min(a[ao + i], s);
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = Math.min(s, b[bo + i]);
    },
  },
};

/** Loops for the other primitives: one shared body calling `fn` per element (not inlined). */
function genericLoops(fn: (a: number, b: number) => number): BinaryLoops {
  return {
    vv: (a, ao, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = fn(a[ao + i], b[bo + i]);
    },
    vs: (a, ao, s, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = fn(a[ao + i], s);
    },
    sv: (s, b, bo, y, yo, n) => {
      for (let i = 0; i < n; i++) y[yo + i] = fn(s, b[bo + i]);
    },
  };
}

/** Whether a shape is all ones (a scalar, however many axes it has). */
function isScalar(shape: readonly number[]): boolean {
  return shape.every((d) => d === 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A kernel applying one binary primitive with broadcasting.
 * @example
 * const add = binaryKernel(ctx, 'add');
 * add([a, b], {}, out);
 */
export function binaryKernel<P extends BinaryPrim>(ctx: CpuContext, prim: P): Kernel<P> {
  const loops = FAST_LOOPS[prim] ?? genericLoops(BINARY_FNS[prim]);
  return (inputs, _params, out) => {
    const [a, b] = inputs;
    const av = valuesOf(a, prim);
    const bv = valuesOf(b, prim);
    const y = ctx.alloc(out);
    const yv = y.values;
    const n = out.size;
    if (sameShape(a.shape, b.shape)) {
      loops.vv(av, 0, bv, 0, yv, 0, n);
    } else if (isScalar(b.shape) && sameShape(a.shape, out.shape)) {
      loops.vs(av, 0, bv[0], yv, 0, n);
    } else if (isScalar(a.shape) && sameShape(b.shape, out.shape)) {
      loops.sv(av[0], bv, 0, yv, 0, n);
    } else {
      // A row with both inner strides 0 has length 1, so `vs` reads the one element it needs.
      broadcastLoop(out.shape, [a.shape, b.shape], (o, rowA, rowB, sa, sb, len) => {
        if (sb === 0) loops.vs(av, rowA, bv[rowB], yv, o, len);
        else if (sa === 0) loops.sv(av[rowA], bv, rowB, yv, o, len);
        else loops.vv(av, rowA, bv, rowB, yv, o, len);
      });
    }
    return y;
  };
}

/**
 * The `where` kernel: `cond ? a : b` elementwise, all three broadcasting to `out.shape`.
 * @example
 * whereKernel(ctx)([cond, a, b], {}, out);
 */
export function whereKernel(ctx: CpuContext): Kernel<'where'> {
  return (inputs, _params, out) => {
    const [cond, a, b] = inputs;
    const cv = valuesOf(cond, 'where');
    const av = valuesOf(a, 'where');
    const bv = valuesOf(b, 'where');
    const y = ctx.alloc(out);
    const yv = y.values;
    if (sameShape(cond.shape, out.shape) && sameShape(a.shape, out.shape) && sameShape(b.shape, out.shape)) {
      for (let i = 0; i < out.size; i++) yv[i] = cv[i] !== 0 ? av[i] : bv[i];
      return y;
    }
    const rank = out.shape.length;
    const inner = rank === 0 ? 1 : out.shape[rank - 1];
    const strides = [cond.shape, a.shape, b.shape].map((s) => broadcastStrides(s, out.shape));
    const last = strides.map((s) => (rank === 0 ? 0 : s[rank - 1]));
    let o = 0;
    forEachRow(out.shape, strides, (offsets) => {
      const [oc, oa, ob] = offsets;
      for (let j = 0; j < inner; j++, o++) {
        yv[o] = cv[oc + j * last[0]] !== 0 ? av[oa + j * last[1]] : bv[ob + j * last[2]];
      }
    });
    return y;
  };
}

/**
 * Walks `outShape` row by row for two broadcast operands, handing `row` the output offset,
 * each operand's row offset and innermost stride, and the row length.
 */
function broadcastLoop(
  outShape: readonly number[],
  shapes: readonly (readonly number[])[],
  row: (out: number, rowA: number, rowB: number, strideA: number, strideB: number, len: number) => void,
): void {
  const rank = outShape.length;
  const len = rank === 0 ? 1 : outShape[rank - 1];
  const [sa, sb] = shapes.map((s) => broadcastStrides(s, outShape));
  const innerA = rank === 0 ? 0 : sa[rank - 1];
  const innerB = rank === 0 ? 0 : sb[rank - 1];
  let o = 0;
  forEachRow(outShape, [sa, sb], ([rowA, rowB]) => {
    row(o, rowA, rowB, innerA, innerB, len);
    o += len;
  });
}

// The fused `elementwise` kernel (core's chain programs) as one shader: the program becomes a
// WGSL function of the inputs, one `let` per step, each step's expression taken from the same
// unary and binary bodies the single-primitive kernels use (so NaN handling and accuracy are
// theirs). Constants are read from a small storage buffer, never written into the code (a
// compiler would fold x · 0 to 0 and lose NaN); the pipeline is keyed by the program without
// their values and reused across shapes, which come in the parameter block as for every
// elementwise kernel.

import type { DType } from '@nabla/core';
import type { ChainStep, FusedKernel } from '@nabla/core/internal';
import { type ElementwiseBody, type Operand, runElementwise } from '../elementwise.js';
import type { GpuContext } from '../gpu-context.js';
import { convert, type Scalar, scalarOf } from '../wgsl.js';
import { binaryBody } from './binary.js';
import { unaryBody } from './unary.js';

/** A short text per step, unique per program: the pipeline key. */
function keyOf(program: readonly ChainStep[]): string {
  return program
    .map((s) => {
      if (s.op === 'const') return 'c';
      if (s.op === 'select') return `?${s.c},${s.x},${s.y}`;
      return 'y' in s ? `${s.op}${s.x},${s.y}` : `${s.op}${s.x}`;
    })
    .join(';');
}

/** The body of one program: a helper function `chain(v0, …)` and its call. */
function chainBody(program: readonly ChainStep[], inputs: number): ElementwiseBody {
  const helpers = new Set<string>();
  const compute = (args: readonly Operand[], out: DType): Operand => {
    const t: Scalar = scalarOf(out);
    let k = 0;
    const value = (i: number): Operand => ({ expr: `v${i}`, type: t });
    const lines = program.map((step, s) => {
      const id = inputs + s;
      let r: Operand;
      if (step.op === 'const') r = { expr: `c[${k++}]`, type: 'f32' };
      else if (step.op === 'select') {
        const c = convert(value(step.c).expr, t, 'bool');
        r = { expr: `select(${value(step.y).expr}, ${value(step.x).expr}, ${c})`, type: t };
      } else {
        const body = 'y' in step ? binaryBody(step.op) : unaryBody(step.op);
        if (body.helpers) helpers.add(body.helpers);
        r = body.compute('y' in step ? [value(step.x), value(step.y)] : [value(step.x)], out);
      }
      return `  let v${id} = ${convert(r.expr, r.type, t)};`;
    });
    const params = args.map((_, k) => `v${k}: ${t}`).join(', ');
    helpers.add(
      `fn chain(${params}) -> ${t} {\n${lines.join('\n')}\n  return v${inputs + program.length - 1};\n}\n`,
    );
    return { expr: `chain(${args.map((a) => convert(a.expr, a.type, t)).join(', ')})`, type: t };
  };
  const body: ElementwiseBody = {
    key: `chain:${keyOf(program)}`,
    compute,
    constants: program.filter((step) => step.op === 'const').map((step) => step.value),
    get helpers() {
      return [...helpers].join('\n');
    },
  };
  return body;
}

/**
 * The `elementwise` fused kernel.
 * @example
 * const kernel = elementwiseKernel(ctx);
 * kernel([x], { program: [{ op: 'exp', x: 0 }] }, [out]);
 */
export function elementwiseKernel(ctx: GpuContext): FusedKernel<'elementwise'> {
  return (inputs, { program }, [out]) => [
    runElementwise(ctx, 'elementwise', chainBody(program, inputs.length), inputs, out!),
  ];
}

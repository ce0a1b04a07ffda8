// One shader generator for every elementwise primitive (unary, binary, where, cast): each
// output element reads its inputs (same index, a single broadcast value, or through strides)
// and stores a scalar expression the primitive gives. Pipelines are keyed by the primitive, the
// dtypes and how each input is read, never by shapes: those come in the parameter block.

import type { DType } from '@nabla/core';
import type { OutInfo, TensorInfo } from '@nabla/core/internal';
import { broadcastStrides } from '@nabla/core/internal';
import { type GpuContext, gpuData } from './gpu-context.js';
import type { GpuData } from './gpu-data.js';
import {
  collapseAxes,
  ENTRY,
  GRID_INDEX,
  groupsFor,
  loadScalar,
  PRELUDE,
  packParams,
  paramsStruct,
  type Scalar,
  scalarOf,
  storageType,
  storeAs,
} from './wgsl.js';

/** An input as the body sees it: a WGSL expression of its scalar type. */
export interface Operand {
  readonly expr: string;
  readonly type: Scalar;
}

/** A primitive's computation: WGSL over its operands, and the scalar type it yields. */
export interface ElementwiseBody {
  /** Unique per computation (the primitive and anything that changes the code). */
  readonly key: string;
  readonly compute: (args: readonly Operand[], out: DType) => Operand;
  /** Extra WGSL functions the expression calls. */
  readonly helpers?: string;
  /**
   * Numbers the expression reads as `c[k]`, bound in a storage buffer rather than written into
   * the code: compilers fold literals (x · 0 to 0, losing NaN), and the pipeline stays the same
   * for other values.
   */
  readonly constants?: readonly number[];
}

type Access = 'same' | 'scalar' | 'strided';

function accessOf(input: TensorInfo, out: OutInfo): Access {
  if (input.size === 1) return 'scalar';
  const same = input.shape.length === out.shape.length && input.shape.every((d, i) => d === out.shape[i]);
  return same ? 'same' : 'strided';
}

function shader(
  body: ElementwiseBody,
  dtypes: readonly DType[],
  access: readonly Access[],
  out: DType,
): string {
  const bindings = dtypes
    .map((d, k) => `@group(0) @binding(${k + 1}) var<storage, read> x${k}: array<${storageType(d)}>;`)
    .join('\n');
  const consts = (body.constants?.length ?? 0) > 0;
  const constBinding = consts
    ? `@group(0) @binding(${dtypes.length + 1}) var<storage, read> c: array<f32>;\n`
    : '';
  const outBinding = `${constBinding}@group(0) @binding(${dtypes.length + (consts ? 2 : 1)}) var<storage, read_write> y: array<${storageType(out)}>;`;
  const strided = access.some((a) => a === 'strided');
  const walk = strided
    ? `  var rem = i;\n${access
        .map((a, k) => (a === 'strided' ? `  var o${k} = 0u;\n` : ''))
        .join(
          '',
        )}  for (var d = i32(p.rank) - 1; d >= 0; d--) {\n    let q = u32(d);\n    let size = p.shape[q / 4u][q % 4u];\n    let c = rem % size;\n    rem = rem / size;\n${access
        .map((a, k) => (a === 'strided' ? `    o${k} += c * p.s${k}[q / 4u][q % 4u];\n` : ''))
        .join('')}  }\n`
    : '';
  const index = (a: Access, k: number) => (a === 'same' ? 'i' : a === 'scalar' ? '0u' : `o${k}`);
  const args = dtypes.map((d, k) => ({
    expr: loadScalar(`x${k}[${index(access[k]!, k)}]`, d),
    type: scalarOf(d),
  }));
  const result = body.compute(args, out);
  // Every binding must be used, or the automatic layout drops it (a predicate on ints reads none).
  const keep = [...dtypes.map((_, k) => `x${k}`), ...(consts ? ['c'] : [])]
    .map((name) => `  _ = arrayLength(&${name});\n`)
    .join('');
  return `${PRELUDE}${body.helpers ?? ''}\n${paramsStruct(dtypes.length)}${bindings}\n${outBinding}\n${ENTRY} {\n  ${GRID_INDEX}\n  if (i >= p.n) { return; }\n${keep}${walk}  y[i] = ${storeAs(result.expr, result.type, out)};\n}\n`;
}

/**
 * Records `body` over `inputs` (broadcasting to `out.shape`) and returns the output storage.
 * @example
 * const y = runElementwise(ctx, 'exp', UNARY_BODIES.exp, [x], out);
 */
export function runElementwise(
  ctx: GpuContext,
  op: string,
  body: ElementwiseBody,
  inputs: readonly TensorInfo[],
  out: OutInfo,
): GpuData {
  const buffers = inputs.map((t) => gpuData(t.handle, op).buffer);
  const access = inputs.map((t) => accessOf(t, out));
  const dtypes = inputs.map((t) => t.dtype);
  const key = `ew:${body.key}:${dtypes.join(',')}:${access.join(',')}:${out.dtype}`;
  const pipeline = ctx.queue.pipeline(key, () => shader(body, dtypes, access, out.dtype));
  let params: Uint32Array;
  if (access.includes('strided')) {
    const { shape, strides } = collapseAxes(
      out.shape,
      inputs.map((t) => broadcastStrides(t.shape, out.shape)),
    );
    params = packParams(out.size, shape, strides);
  } else {
    params = packParams(
      out.size,
      [],
      inputs.map(() => []),
    );
  }
  const y = ctx.alloc(out);
  const values = body.constants ?? [];
  // The constants' buffer comes from the pool and goes back once the dispatch is submitted.
  const constants = values.length > 0 ? ctx.pool.acquire(values.length * 4) : undefined;
  if (constants) ctx.device.queue.writeBuffer(constants, 0, Float32Array.from(values));
  const all = constants ? [...buffers, constants, y.buffer] : [...buffers, y.buffer];
  ctx.queue.dispatch({ pipeline, params, buffers: all, workgroups: groupsFor(out.size) });
  if (constants) ctx.pool.release(constants, ctx.queue.pending);
  return y;
}

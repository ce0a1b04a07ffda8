// The wasm backend's kernel table: one entry per primitive, checked by the compiler against
// core's closed set. GEMM, convolution and pooling are SIMD AssemblyScript (assembly/gemm.ts,
// conv.ts, pool.ts) with their glue in src/kernels/matmul.ts, conv.ts and pool.ts. The optional
// fused kernels (assembly/fused.ts, src/kernels/fused.ts) form a second table. Every entry runs
// inside `ctx.guard`, so a kernel that fails frees its outputs and names its primitive.

import type { FusedKernel, FusedKernelTable, FusedPrim, Kernel, KernelTable, Prim } from '@nabla/core';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from './kernels/conv.js';
import { binaryKernel, castKernel, unaryKernel, whereKernel } from './kernels/elementwise.js';
import {
  adamUpdateKernel,
  fusedMatmulKernel,
  sgdUpdateKernel,
  softmaxCrossEntropyKernel,
} from './kernels/fused.js';
import { matmulKernel } from './kernels/matmul.js';
import {
  broadcastToKernel,
  concatKernel,
  gatherKernel,
  padKernel,
  randomUniformKernel,
  reverseKernel,
  scatterAddKernel,
  sliceGradKernel,
  sliceKernel,
  tileKernel,
  transposeKernel,
} from './kernels/movement.js';
import {
  avgPool2dBackwardKernel,
  avgPool2dKernel,
  maxPool2dBackwardKernel,
  maxPool2dKernel,
} from './kernels/pool.js';
import { argExtremeKernel, cumulativeKernel, reduceKernel } from './kernels/reduce.js';
import type { WasmContext } from './wasm-data.js';

/**
 * Builds the full kernel table over one backend's context.
 * @example
 * const kernels = createKernels(ctx);
 * kernels.add;
 */
export function createKernels(ctx: WasmContext): KernelTable {
  return {
    neg: guarded(ctx, 'neg', unaryKernel(ctx, 'neg')),
    abs: guarded(ctx, 'abs', unaryKernel(ctx, 'abs')),
    sign: guarded(ctx, 'sign', unaryKernel(ctx, 'sign')),
    exp: guarded(ctx, 'exp', unaryKernel(ctx, 'exp')),
    log: guarded(ctx, 'log', unaryKernel(ctx, 'log')),
    log1p: guarded(ctx, 'log1p', unaryKernel(ctx, 'log1p')),
    expm1: guarded(ctx, 'expm1', unaryKernel(ctx, 'expm1')),
    sqrt: guarded(ctx, 'sqrt', unaryKernel(ctx, 'sqrt')),
    rsqrt: guarded(ctx, 'rsqrt', unaryKernel(ctx, 'rsqrt')),
    sin: guarded(ctx, 'sin', unaryKernel(ctx, 'sin')),
    cos: guarded(ctx, 'cos', unaryKernel(ctx, 'cos')),
    tan: guarded(ctx, 'tan', unaryKernel(ctx, 'tan')),
    tanh: guarded(ctx, 'tanh', unaryKernel(ctx, 'tanh')),
    sigmoid: guarded(ctx, 'sigmoid', unaryKernel(ctx, 'sigmoid')),
    erf: guarded(ctx, 'erf', unaryKernel(ctx, 'erf')),
    floor: guarded(ctx, 'floor', unaryKernel(ctx, 'floor')),
    ceil: guarded(ctx, 'ceil', unaryKernel(ctx, 'ceil')),
    round: guarded(ctx, 'round', unaryKernel(ctx, 'round')),
    reciprocal: guarded(ctx, 'reciprocal', unaryKernel(ctx, 'reciprocal')),
    relu: guarded(ctx, 'relu', unaryKernel(ctx, 'relu')),
    isNaN: guarded(ctx, 'isNaN', unaryKernel(ctx, 'isNaN')),
    isFinite: guarded(ctx, 'isFinite', unaryKernel(ctx, 'isFinite')),
    logicalNot: guarded(ctx, 'logicalNot', unaryKernel(ctx, 'logicalNot')),
    add: guarded(ctx, 'add', binaryKernel(ctx, 'add')),
    sub: guarded(ctx, 'sub', binaryKernel(ctx, 'sub')),
    mul: guarded(ctx, 'mul', binaryKernel(ctx, 'mul')),
    div: guarded(ctx, 'div', binaryKernel(ctx, 'div')),
    pow: guarded(ctx, 'pow', binaryKernel(ctx, 'pow')),
    maximum: guarded(ctx, 'maximum', binaryKernel(ctx, 'maximum')),
    minimum: guarded(ctx, 'minimum', binaryKernel(ctx, 'minimum')),
    mod: guarded(ctx, 'mod', binaryKernel(ctx, 'mod')),
    equal: guarded(ctx, 'equal', binaryKernel(ctx, 'equal')),
    notEqual: guarded(ctx, 'notEqual', binaryKernel(ctx, 'notEqual')),
    less: guarded(ctx, 'less', binaryKernel(ctx, 'less')),
    lessEqual: guarded(ctx, 'lessEqual', binaryKernel(ctx, 'lessEqual')),
    greater: guarded(ctx, 'greater', binaryKernel(ctx, 'greater')),
    greaterEqual: guarded(ctx, 'greaterEqual', binaryKernel(ctx, 'greaterEqual')),
    logicalAnd: guarded(ctx, 'logicalAnd', binaryKernel(ctx, 'logicalAnd')),
    logicalOr: guarded(ctx, 'logicalOr', binaryKernel(ctx, 'logicalOr')),
    sum: guarded(ctx, 'sum', reduceKernel(ctx, 'sum')),
    prod: guarded(ctx, 'prod', reduceKernel(ctx, 'prod')),
    max: guarded(ctx, 'max', reduceKernel(ctx, 'max')),
    min: guarded(ctx, 'min', reduceKernel(ctx, 'min')),
    any: guarded(ctx, 'any', reduceKernel(ctx, 'any')),
    all: guarded(ctx, 'all', reduceKernel(ctx, 'all')),
    where: guarded(ctx, 'where', whereKernel(ctx)),
    cast: guarded(ctx, 'cast', castKernel(ctx)),
    argMax: guarded(ctx, 'argMax', argExtremeKernel(ctx, 'argMax')),
    argMin: guarded(ctx, 'argMin', argExtremeKernel(ctx, 'argMin')),
    cumsum: guarded(ctx, 'cumsum', cumulativeKernel(ctx, 'cumsum')),
    cumprod: guarded(ctx, 'cumprod', cumulativeKernel(ctx, 'cumprod')),
    matmul: guarded(ctx, 'matmul', matmulKernel(ctx)),
    conv2d: guarded(ctx, 'conv2d', conv2dKernel(ctx)),
    conv2dBackpropInput: guarded(ctx, 'conv2dBackpropInput', conv2dBackpropInputKernel(ctx)),
    conv2dBackpropFilter: guarded(ctx, 'conv2dBackpropFilter', conv2dBackpropFilterKernel(ctx)),
    maxPool2d: guarded(ctx, 'maxPool2d', maxPool2dKernel(ctx)),
    maxPool2dBackward: guarded(ctx, 'maxPool2dBackward', maxPool2dBackwardKernel(ctx)),
    avgPool2d: guarded(ctx, 'avgPool2d', avgPool2dKernel(ctx)),
    avgPool2dBackward: guarded(ctx, 'avgPool2dBackward', avgPool2dBackwardKernel(ctx)),
    gather: guarded(ctx, 'gather', gatherKernel(ctx)),
    scatterAdd: guarded(ctx, 'scatterAdd', scatterAddKernel(ctx)),
    transpose: guarded(ctx, 'transpose', transposeKernel(ctx)),
    slice: guarded(ctx, 'slice', sliceKernel(ctx)),
    sliceGrad: guarded(ctx, 'sliceGrad', sliceGradKernel(ctx)),
    pad: guarded(ctx, 'pad', padKernel(ctx)),
    concat: guarded(ctx, 'concat', concatKernel(ctx)),
    tile: guarded(ctx, 'tile', tileKernel(ctx)),
    reverse: guarded(ctx, 'reverse', reverseKernel(ctx)),
    broadcastTo: guarded(ctx, 'broadcastTo', broadcastToKernel(ctx)),
    randomUniform: guarded(ctx, 'randomUniform', randomUniformKernel(ctx)),
  };
}

/**
 * Builds the fused kernel table (every fused primitive) over one backend's context.
 * @example
 * const fused = createFusedKernels(ctx);
 * fused.fusedMatmul;
 */
export function createFusedKernels(ctx: WasmContext): FusedKernelTable {
  return {
    fusedMatmul: guardedFused(ctx, 'fusedMatmul', fusedMatmulKernel(ctx)),
    softmaxCrossEntropy: guardedFused(ctx, 'softmaxCrossEntropy', softmaxCrossEntropyKernel(ctx)),
    sgdUpdate: guardedFused(ctx, 'sgdUpdate', sgdUpdateKernel(ctx)),
    adamUpdate: guardedFused(ctx, 'adamUpdate', adamUpdateKernel(ctx)),
  };
}

/** `kernel` run inside `ctx.guard`: on failure its outputs are freed and the error names `prim`. */
function guarded<P extends Prim>(ctx: WasmContext, prim: P, kernel: Kernel<P>): Kernel<P> {
  return (inputs, params, out) => ctx.guard(prim, () => kernel(inputs, params, out));
}

/** The same for a fused kernel. */
function guardedFused<F extends FusedPrim>(
  ctx: WasmContext,
  prim: F,
  kernel: FusedKernel<F>,
): FusedKernel<F> {
  return (inputs, params, outs) => ctx.guard(prim, () => kernel(inputs, params, outs));
}

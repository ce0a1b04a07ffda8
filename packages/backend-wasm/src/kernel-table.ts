// The wasm backend's kernel table: one entry per primitive, checked by the compiler against
// core's closed set. GEMM, convolution and pooling are SIMD AssemblyScript (assembly/gemm.ts,
// conv.ts, pool.ts) with their glue in src/kernels/matmul.ts, conv.ts and pool.ts. The optional
// fused kernels (assembly/fused.ts, src/kernels/fused.ts) form a second table.

import type { FusedKernelTable, KernelTable } from '@nabla/core';
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
    neg: unaryKernel(ctx, 'neg'),
    abs: unaryKernel(ctx, 'abs'),
    sign: unaryKernel(ctx, 'sign'),
    exp: unaryKernel(ctx, 'exp'),
    log: unaryKernel(ctx, 'log'),
    log1p: unaryKernel(ctx, 'log1p'),
    expm1: unaryKernel(ctx, 'expm1'),
    sqrt: unaryKernel(ctx, 'sqrt'),
    rsqrt: unaryKernel(ctx, 'rsqrt'),
    sin: unaryKernel(ctx, 'sin'),
    cos: unaryKernel(ctx, 'cos'),
    tan: unaryKernel(ctx, 'tan'),
    tanh: unaryKernel(ctx, 'tanh'),
    sigmoid: unaryKernel(ctx, 'sigmoid'),
    erf: unaryKernel(ctx, 'erf'),
    floor: unaryKernel(ctx, 'floor'),
    ceil: unaryKernel(ctx, 'ceil'),
    round: unaryKernel(ctx, 'round'),
    reciprocal: unaryKernel(ctx, 'reciprocal'),
    relu: unaryKernel(ctx, 'relu'),
    isNaN: unaryKernel(ctx, 'isNaN'),
    isFinite: unaryKernel(ctx, 'isFinite'),
    logicalNot: unaryKernel(ctx, 'logicalNot'),
    add: binaryKernel(ctx, 'add'),
    sub: binaryKernel(ctx, 'sub'),
    mul: binaryKernel(ctx, 'mul'),
    div: binaryKernel(ctx, 'div'),
    pow: binaryKernel(ctx, 'pow'),
    maximum: binaryKernel(ctx, 'maximum'),
    minimum: binaryKernel(ctx, 'minimum'),
    mod: binaryKernel(ctx, 'mod'),
    equal: binaryKernel(ctx, 'equal'),
    notEqual: binaryKernel(ctx, 'notEqual'),
    less: binaryKernel(ctx, 'less'),
    lessEqual: binaryKernel(ctx, 'lessEqual'),
    greater: binaryKernel(ctx, 'greater'),
    greaterEqual: binaryKernel(ctx, 'greaterEqual'),
    logicalAnd: binaryKernel(ctx, 'logicalAnd'),
    logicalOr: binaryKernel(ctx, 'logicalOr'),
    sum: reduceKernel(ctx, 'sum'),
    prod: reduceKernel(ctx, 'prod'),
    max: reduceKernel(ctx, 'max'),
    min: reduceKernel(ctx, 'min'),
    any: reduceKernel(ctx, 'any'),
    all: reduceKernel(ctx, 'all'),
    where: whereKernel(ctx),
    cast: castKernel(ctx),
    argMax: argExtremeKernel(ctx, 'argMax'),
    argMin: argExtremeKernel(ctx, 'argMin'),
    cumsum: cumulativeKernel(ctx, 'cumsum'),
    cumprod: cumulativeKernel(ctx, 'cumprod'),
    matmul: matmulKernel(ctx),
    conv2d: conv2dKernel(ctx),
    conv2dBackpropInput: conv2dBackpropInputKernel(ctx),
    conv2dBackpropFilter: conv2dBackpropFilterKernel(ctx),
    maxPool2d: maxPool2dKernel(ctx),
    maxPool2dBackward: maxPool2dBackwardKernel(ctx),
    avgPool2d: avgPool2dKernel(ctx),
    avgPool2dBackward: avgPool2dBackwardKernel(ctx),
    gather: gatherKernel(ctx),
    scatterAdd: scatterAddKernel(ctx),
    transpose: transposeKernel(ctx),
    slice: sliceKernel(ctx),
    sliceGrad: sliceGradKernel(ctx),
    pad: padKernel(ctx),
    concat: concatKernel(ctx),
    tile: tileKernel(ctx),
    reverse: reverseKernel(ctx),
    broadcastTo: broadcastToKernel(ctx),
    randomUniform: randomUniformKernel(ctx),
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
    fusedMatmul: fusedMatmulKernel(ctx),
    softmaxCrossEntropy: softmaxCrossEntropyKernel(ctx),
    sgdUpdate: sgdUpdateKernel(ctx),
    adamUpdate: adamUpdateKernel(ctx),
  };
}

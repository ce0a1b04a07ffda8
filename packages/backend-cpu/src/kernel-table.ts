// The CPU backend's kernel table: one entry per primitive, checked by the compiler against
// core's closed set (`KernelTable` maps every `Prim`), so a new primitive without a CPU kernel
// does not build. Kernels close over a `CpuContext` for allocation and workspaces, and live one
// file per kernel family in src/kernels (the README has the map, shared with the wasm backend).

import type { KernelTable } from '@nabla/core/internal';
import type { CpuContext } from './cpu-data.js';
import { binaryKernel, whereKernel } from './kernels/binary.js';
import { castKernel } from './kernels/cast.js';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from './kernels/conv.js';
import { gatherKernel, scatterAddKernel } from './kernels/gather.js';
import { resizeGradKernel, resizeKernel } from './kernels/image.js';
import { matmulKernel } from './kernels/matmul.js';
import {
  broadcastToKernel,
  concatKernel,
  padKernel,
  reverseKernel,
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
import { randomUniformKernel } from './kernels/random.js';
import { argExtremeKernel, cumulativeKernel, reduceKernel, topkIndicesKernel } from './kernels/reduce.js';
import { unaryKernel } from './kernels/unary.js';

/**
 * Builds the full kernel table over one backend's context.
 * @example
 * const kernels = createKernels(ctx);
 * kernels.add;
 */
export function createKernels(ctx: CpuContext): KernelTable {
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
    topkIndices: topkIndicesKernel(ctx),
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
    resize: resizeKernel(ctx),
    resizeGrad: resizeGradKernel(ctx),
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

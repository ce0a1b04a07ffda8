// The WebGPU backend's kernel table: one entry per primitive, checked by the compiler against
// core's closed set, one file per kernel family in src/kernels (the same family → file map as
// the other backends; the README has it). Every primitive has a WGSL kernel; one the device
// could not run would be `unsupported('reason')`, which core shows to users.

import {
  BINARY_PRIMS,
  type BinaryPrim,
  type Kernel,
  type KernelTable,
  UNARY_PRIMS,
  type UnaryPrim,
} from '@nabla/core/internal';
import type { GpuContext } from './gpu-context.js';
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
 * Builds the kernel table over one device's context.
 * @example
 * const kernels = createKernels(ctx);
 */
export function createKernels(ctx: GpuContext): KernelTable {
  const unary = Object.fromEntries(UNARY_PRIMS.map((p) => [p, unaryKernel(ctx, p)])) as {
    [P in UnaryPrim]: Kernel<P>;
  };
  const binary = Object.fromEntries(BINARY_PRIMS.map((p) => [p, binaryKernel(ctx, p)])) as {
    [P in BinaryPrim]: Kernel<P>;
  };
  return {
    ...unary,
    ...binary,
    where: whereKernel(ctx),
    cast: castKernel(ctx),
    sum: reduceKernel(ctx, 'sum'),
    prod: reduceKernel(ctx, 'prod'),
    max: reduceKernel(ctx, 'max'),
    min: reduceKernel(ctx, 'min'),
    any: reduceKernel(ctx, 'any'),
    all: reduceKernel(ctx, 'all'),
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

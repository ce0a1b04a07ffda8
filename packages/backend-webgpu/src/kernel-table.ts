// The WebGPU backend's kernel table: one entry per primitive, checked by the compiler against
// core's closed set, one file per kernel family in src/kernels (the same family → file map as
// the other backends; the README has it). Families not written yet are `unsupported` with the
// reason, which core shows to users and the conformance run lists as skipped.

import {
  BINARY_PRIMS,
  type BinaryPrim,
  type Kernel,
  type KernelTable,
  UNARY_PRIMS,
  type UnaryPrim,
  type Unsupported,
  unsupported,
} from '@nabla/core/internal';
import type { GpuContext } from './gpu-context.js';
import { binaryKernel, whereKernel } from './kernels/binary.js';
import { castKernel } from './kernels/cast.js';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from './kernels/conv.js';
import { gatherKernel, scatterAddKernel } from './kernels/gather.js';
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
import { randomUniformKernel } from './kernels/random.js';
import { argExtremeKernel, cumulativeKernel, reduceKernel } from './kernels/reduce.js';
import { unaryKernel } from './kernels/unary.js';

/** A family whose WGSL kernels do not exist yet. */
function notYet(family: string): Unsupported {
  return unsupported(`webgpu: the ${family} kernels are not written yet`);
}

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
    topkIndices: notYet('reduce'),
    cumsum: cumulativeKernel(ctx, 'cumsum'),
    cumprod: cumulativeKernel(ctx, 'cumprod'),
    matmul: matmulKernel(ctx),
    conv2d: conv2dKernel(ctx),
    conv2dBackpropInput: conv2dBackpropInputKernel(ctx),
    conv2dBackpropFilter: conv2dBackpropFilterKernel(ctx),
    maxPool2d: notYet('pool'),
    maxPool2dBackward: notYet('pool'),
    avgPool2d: notYet('pool'),
    avgPool2dBackward: notYet('pool'),
    gather: gatherKernel(ctx),
    scatterAdd: scatterAddKernel(ctx),
    resize: notYet('image'),
    resizeGrad: notYet('image'),
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

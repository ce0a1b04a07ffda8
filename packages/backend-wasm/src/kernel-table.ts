// The wasm backend's kernel tables: one entry per primitive, checked by the compiler against
// core's closed set, and one per optional fused primitive. Kernels are grouped by family, one
// file per family in src/kernels and in assembly (see the README's map). Every entry is wrapped
// once, below, to run inside `ctx.guard`, so a kernel that fails frees its outputs and names its
// primitive.

import type {
  FusedKernel,
  FusedKernelTable,
  FusedPrim,
  Kernel,
  KernelTable,
  Prim,
} from '@nabla/core/internal';
import type { CompiledChains } from './chain-jit.js';
import type { WasmContext } from './kernel-context.js';
import { binaryKernel, whereKernel } from './kernels/binary.js';
import { castKernel } from './kernels/cast.js';
import { elementwiseKernel, elementwiseSumKernel } from './kernels/chain.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  fusedConv2dKernel,
} from './kernels/conv.js';
import {
  adamUpdateKernel,
  fusedMatmulKernel,
  sgdUpdateKernel,
  softmaxCrossEntropyKernel,
  softmaxKernel,
} from './kernels/fused.js';
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
 * Kernels for the primitives `K` (every primitive has a wasm kernel, none is `Unsupported`);
 * generic over its keys so that one entry can be replaced through a generic key.
 */
type WasmKernels<K extends Prim = Prim> = { [P in K]: Kernel<P> };
type WasmFusedKernels<K extends FusedPrim = FusedPrim> = { [F in K]: FusedKernel<F> };

export function createKernels(ctx: WasmContext): KernelTable {
  const table: WasmKernels = {
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
  for (const prim of Object.keys(table) as Prim[]) guardEntry(ctx, table, prim);
  return table;
}

/** The fused primitives with a wasm kernel (all of core's). */
type WasmFusedPrim =
  | 'elementwise'
  | 'elementwiseSum'
  | 'fusedMatmul'
  | 'fusedConv2d'
  | 'softmaxCrossEntropy'
  | 'softmax'
  | 'sgdUpdate'
  | 'adamUpdate';

/**
 * Builds the fused kernel table over one backend's context.
 * @example
 * const fused = createFusedKernels(ctx, new CompiledChains(ctx));
 * fused.fusedMatmul;
 */
export function createFusedKernels(ctx: WasmContext, chains: CompiledChains): Partial<FusedKernelTable> {
  const table: WasmFusedKernels<WasmFusedPrim> = {
    elementwise: elementwiseKernel(ctx, chains),
    elementwiseSum: elementwiseSumKernel(ctx, chains),
    fusedMatmul: fusedMatmulKernel(ctx),
    fusedConv2d: fusedConv2dKernel(ctx),
    softmaxCrossEntropy: softmaxCrossEntropyKernel(ctx),
    softmax: softmaxKernel(ctx),
    sgdUpdate: sgdUpdateKernel(ctx),
    adamUpdate: adamUpdateKernel(ctx),
  };
  for (const prim of Object.keys(table) as WasmFusedPrim[]) guardFusedEntry(ctx, table, prim);
  return table;
}

/** Replaces `table[prim]` with the same kernel run inside `ctx.guard`, whose errors name `prim`. */
function guardEntry<P extends Prim>(ctx: WasmContext, table: WasmKernels<P>, prim: P): void {
  const kernel: Kernel<P> = table[prim];
  const wrapped: Kernel<P> = (inputs, params, out) => ctx.guard(prim, () => kernel(inputs, params, out));
  table[prim] = wrapped;
}

/** The same for a fused kernel. */
function guardFusedEntry<F extends FusedPrim>(ctx: WasmContext, table: WasmFusedKernels<F>, prim: F): void {
  const kernel: FusedKernel<F> = table[prim];
  const wrapped: FusedKernel<F> = (inputs, params, outs) =>
    ctx.guard(prim, () => kernel(inputs, params, outs));
  table[prim] = wrapped;
}

// The export lists of `@nabla/core` and `@nabla/core/internal`, as snapshots: a name that
// joins or leaves either entry shows up in review. Plumbing (gradient-rule tables, argument
// conversion, primitive dispatch, the engine, the random hash) must not reach the main entry.

import { describe, expect, it } from 'vitest';
import * as main from './index.js';
import * as internal from './internal.js';
import * as ops from './ops/index.js';

const names = (module: object): string[] => Object.keys(module).sort();

/**
 * Plumbing the main entry still exports because @nabla/nn imports it from there. Each is also
 * in `/internal`; drop it from index.ts (and from here) once nn imports it from there.
 */
const KEPT_FOR_NN = [
  'checkArgCount',
  'closestName',
  'deriveSeed',
  'describeValue',
  'fmtShape',
  'lookupName',
  'sizeOf',
  'uniformAt',
];

describe('@nabla/core exports', () => {
  it('the main entry exports exactly this list', () => {
    expect(names(main)).toMatchInlineSnapshot(`
      [
        "ArgumentError",
        "BackendError",
        "DTYPES",
        "DTypeError",
        "FUSED_ACTIVATIONS",
        "NablaError",
        "ShapeError",
        "Tensor",
        "UnsupportedError",
        "Variable",
        "abs",
        "activeBackend",
        "adamStep",
        "add",
        "all",
        "any",
        "arange",
        "argMax",
        "argMin",
        "avgPool2d",
        "broadcastTo",
        "cast",
        "ceil",
        "clip",
        "clone",
        "concat",
        "conv2d",
        "conv2dTranspose",
        "cos",
        "cumprod",
        "cumsum",
        "customGrad",
        "depthwiseConv2d",
        "dispose",
        "div",
        "dot",
        "elu",
        "equal",
        "erf",
        "exp",
        "expandDims",
        "expm1",
        "eye",
        "flatten",
        "floor",
        "floorDiv",
        "full",
        "fusedMatmul",
        "gather",
        "gelu",
        "getBackend",
        "grad",
        "grads",
        "greater",
        "greaterEqual",
        "image",
        "isDType",
        "isFinite",
        "isFloat",
        "isNaN",
        "jacobian",
        "keep",
        "leakyRelu",
        "less",
        "lessEqual",
        "linspace",
        "liveTensors",
        "log",
        "log1p",
        "logSigmoid",
        "logSoftmax",
        "logSumExp",
        "logicalAnd",
        "logicalNot",
        "logicalOr",
        "logicalXor",
        "matmul",
        "max",
        "maxPool2d",
        "maximum",
        "mean",
        "memory",
        "min",
        "minimum",
        "mod",
        "moments",
        "mul",
        "neg",
        "norm",
        "notEqual",
        "oneHot",
        "ones",
        "onesLike",
        "outer",
        "pad",
        "pow",
        "prod",
        "promoteTypes",
        "randomNormal",
        "randomUniform",
        "ready",
        "reciprocal",
        "registerBackend",
        "registeredBackends",
        "relu",
        "relu6",
        "removeBackend",
        "reshape",
        "resizeBilinear",
        "resizeNearestNeighbor",
        "reverse",
        "round",
        "rsqrt",
        "scalar",
        "selu",
        "setBackend",
        "setDebugMode",
        "setRandomSeed",
        "sgdStep",
        "sigmoid",
        "sign",
        "silu",
        "sin",
        "skippedBackends",
        "slice",
        "sliceRange",
        "softmax",
        "softmaxCrossEntropy",
        "softplus",
        "split",
        "sqrt",
        "square",
        "squaredDifference",
        "squeeze",
        "stack",
        "stopGradient",
        "sub",
        "sum",
        "tan",
        "tanh",
        "tensor",
        "tensor1d",
        "tensor2d",
        "tensor3d",
        "tensor4d",
        "tensor5d",
        "tensor6d",
        "tensordot",
        "tidy",
        "tile",
        "toBackend",
        "topk",
        "transpose",
        "truncatedNormal",
        "unstack",
        "valueAndGrad",
        "valueAndGrads",
        "variable",
        "variableGrads",
        "variance",
        "vjp",
        "where",
        "zeros",
        "zerosLike",
      ]
    `);
  });

  it('the internal entry exports exactly this list', () => {
    expect(names(internal)).toMatchInlineSnapshot(`
      [
        "BINARY_PRIMS",
        "FUSED_PRIMS",
        "REDUCE_PRIMS",
        "UNARY_PRIMS",
        "allocArray",
        "aroundAxis",
        "assertShape",
        "broadcastShapes",
        "broadcastStrides",
        "bytesPerElement",
        "checkArgCount",
        "closestName",
        "conv2dGeometry",
        "deriveSeed",
        "describeValue",
        "fmix32",
        "fmtShape",
        "hashAt",
        "isFusedPrim",
        "lookupName",
        "matmulDims",
        "normalizeAxes",
        "normalizeAxis",
        "pool2dGeometry",
        "reductionRuns",
        "resizeAxis",
        "shapesEqual",
        "sizeOf",
        "stridesOf",
        "tileView",
        "toTypedArray",
        "uniformAt",
        "unsupported",
      ]
    `);
  });

  it('keeps plumbing off the main entry', () => {
    const plumbing = names(main).filter(
      (name) =>
        /_RULES?$/.test(name) ||
        /_PRIMS$/.test(name) ||
        [
          'ENGINE',
          'S',
          'convertArgs',
          'defineOp',
          'fmix32',
          'hashAt',
          'isFusedPrim',
          'opt',
          'req',
          'sumTo',
          'validateArgs',
          'withArgs',
        ].includes(name),
    );
    expect(plumbing).toEqual([]);
  });

  it('exports every public op from the main entry', () => {
    expect(names(ops).filter((name) => !(name in main))).toEqual([]);
  });

  it('serves the plumbing nn still imports from both entries, as the same functions', () => {
    const exported = new Map<string, unknown>(Object.entries(main));
    const plumbing = new Map<string, unknown>(Object.entries(internal));
    for (const name of KEPT_FOR_NN) {
      expect(exported.get(name), name).toBeTypeOf('function');
      expect(plumbing.get(name), name).toBe(exported.get(name));
    }
  });
});

// The wasm binary's ABI numbers, written once: both compilers read this file (tsc for the JS
// glue in src/kernels, asc for the kernels in assembly/, which import '../src/abi'), so the op
// codes, dtype codes, GEMM tile and parameter-block layouts cannot disagree. It must stay plain
// `export const` integers: AssemblyScript inlines them as compile-time constants (the kernels'
// switches fold on them), and anything richer would not compile there.

// Float32 unary ops (unaryF32; unaryI32 takes the int32-keeping subset).
export const UNARY_NEG = 0;
export const UNARY_ABS = 1;
export const UNARY_SIGN = 2;
export const UNARY_EXP = 3;
export const UNARY_LOG = 4;
export const UNARY_LOG1P = 5;
export const UNARY_EXPM1 = 6;
export const UNARY_SQRT = 7;
export const UNARY_RSQRT = 8;
export const UNARY_SIN = 9;
export const UNARY_COS = 10;
export const UNARY_TAN = 11;
export const UNARY_TANH = 12;
export const UNARY_SIGMOID = 13;
export const UNARY_ERF = 14;
export const UNARY_FLOOR = 15;
export const UNARY_CEIL = 16;
export const UNARY_ROUND = 17;
export const UNARY_RECIPROCAL = 18;
export const UNARY_RELU = 19;

// The two float predicates (floatPredicate's `kind`).
export const PREDICATE_IS_NAN = 0;
export const PREDICATE_IS_FINITE = 1;

// Binary ops: arithmetic (binaryF32/binaryI32) then comparisons and logic (compare*).
export const BINARY_ADD = 0;
export const BINARY_SUB = 1;
export const BINARY_MUL = 2;
export const BINARY_DIV = 3;
export const BINARY_POW = 4;
export const BINARY_MAXIMUM = 5;
export const BINARY_MINIMUM = 6;
export const BINARY_MOD = 7;
export const BINARY_EQUAL = 8;
export const BINARY_NOT_EQUAL = 9;
export const BINARY_LESS = 10;
export const BINARY_LESS_EQUAL = 11;
export const BINARY_GREATER = 12;
export const BINARY_GREATER_EQUAL = 13;
export const BINARY_LOGICAL_AND = 14;
export const BINARY_LOGICAL_OR = 15;

// Reductions over axes (reduceF32/reduceI32/reduceU8).
export const REDUCE_SUM = 0;
export const REDUCE_PROD = 1;
export const REDUCE_MAX = 2;
export const REDUCE_MIN = 3;
export const REDUCE_ANY = 4;
export const REDUCE_ALL = 5;

// Dtypes as the cast kernel names them.
export const DTYPE_FLOAT32 = 0;
export const DTYPE_INT32 = 1;
export const DTYPE_BOOL = 2;

// Elementwise chains (chainF32): a step is CHAIN_STEP_INTS int32s, [kind, op, x, y, c]. A
// constant keeps its float32 bits in `op`; a unary step its UNARY_* code in `op` and its operand
// in `x`; a binary step a BINARY_* code (add … minimum, equal, less, less-equal, greater,
// greater-equal; comparisons give 1 or 0) and operands `x`, `y`; select takes `x` where `c` is
// nonzero, else `y`. Operands index the chain's values: inputs first, then the steps.
export const CHAIN_CONST = 0;
export const CHAIN_UNARY = 1;
export const CHAIN_BINARY = 2;
export const CHAIN_SELECT = 3;
export const CHAIN_STEP_INTS = 5;
// How chainF32 reads an input, element i of the output: [ptr, kind, period] per input.
/** src[i] (the output's shape). */
export const CHAIN_SAME = 0;
/** src[0] (one element). */
export const CHAIN_SCALAR = 1;
/** src[i mod period] (trailing axes: a bias or a batch-norm statistic over channels). */
export const CHAIN_PERIODIC = 2;
/** src[⌊i / period⌋] (leading axes: a per-row value). */
export const CHAIN_REPEAT = 3;
export const CHAIN_INPUT_INTS = 3;
/** Elements of a chain block: each value holds one block (1 KiB) in the scratch. */
export const CHAIN_BLOCK = 256;

// Activations of the fused matmul epilogue (biasActivationF32).
export const ACTIVATION_LINEAR = 0;
export const ACTIVATION_RELU = 1;
export const ACTIVATION_RELU6 = 2;
export const ACTIVATION_SIGMOID = 3;
export const ACTIVATION_TANH = 4;

// The GEMM's register tile, rows × columns: the JS side splits work for threads on its multiples,
// which keeps split results bit-exact.
export const GEMM_MR = 4;
export const GEMM_NR = 8;
// Products of at most this many rows with row-major A and B rows or columns contiguous take the
// GEMM's unpacked small-M path (batch-1 inference), which needs no scratch.
export const GEMM_SMALL_M = 4;

// The conv2d geometry block: int32 number k of the block holds the field named CONV_k.
export const CONV_N = 0;
export const CONV_H = 1;
export const CONV_W = 2;
export const CONV_C = 3;
export const CONV_FH = 4;
export const CONV_FW = 5;
export const CONV_OUT_H = 6;
export const CONV_OUT_W = 7;
export const CONV_OUT_C = 8;
export const CONV_GROUPS = 9;
export const CONV_SH = 10;
export const CONV_SW = 11;
export const CONV_DH = 12;
export const CONV_DW = 13;
export const CONV_TOP = 14;
export const CONV_LEFT = 15;
// The forward pass's epilogue (fusedConv2d): y ← act(y + bias), bias a heap address (0: none)
// stored as its int32 bit pattern, act an ACTIVATION_* code; both 0 for a plain convolution.
export const CONV_BIAS = 16;
export const CONV_ACT = 17;
export const CONV_GEO_INTS = 18;

// The pooling geometry block, laid out the same way.
export const POOL_N = 0;
export const POOL_H = 1;
export const POOL_W = 2;
export const POOL_C = 3;
export const POOL_OUT_H = 4;
export const POOL_OUT_W = 5;
export const POOL_FH = 6;
export const POOL_FW = 7;
export const POOL_SH = 8;
export const POOL_SW = 9;
export const POOL_TOP = 10;
export const POOL_LEFT = 11;
export const POOL_GEO_INTS = 12;

// The resize block: int32 number k holds RESIZE_k, then the source rows of each output row
// (lower[outH], upper[outH]) and columns (lower[outW], upper[outW]) from core's `resizeAxis`;
// the blends (rows' lerp[outH], then columns' lerp[outW]) travel as float32s in a second block.
export const RESIZE_N = 0;
export const RESIZE_H = 1;
export const RESIZE_W = 2;
export const RESIZE_C = 3;
export const RESIZE_OUT_H = 4;
export const RESIZE_OUT_W = 5;
export const RESIZE_NEAREST = 6;
export const RESIZE_GEO_INTS = 7;

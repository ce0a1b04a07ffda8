// Elementwise chains (core's fused `elementwise` primitive): a short program of unary, binary,
// comparison, select and constant steps run over the output in blocks of CHAIN_BLOCK elements.
// Each value of the chain (inputs, then steps) is one block in the scratch, so a block's whole
// program runs in L1 and memory sees each input read once and the output written once; the
// composite would write and re-read a tensor per step. Steps use the unary and binary kernels'
// own lane and scalar functions, so each step rounds as the ordinary op does. Inputs of the
// output's shape are read in place, one-element inputs are splatted once, and inputs over the
// trailing or leading axes (a channel statistic, a per-row value) are copied into their block;
// the JS side materialises any other broadcast first (src/kernels/chain.ts).

import {
  BINARY_ADD as ADD,
  BINARY_SUB as SUB,
  BINARY_MUL as MUL,
  BINARY_DIV as DIV,
  BINARY_MAXIMUM as MAXIMUM,
  BINARY_MINIMUM as MINIMUM,
  BINARY_EQUAL as EQUAL,
  BINARY_LESS as LESS,
  BINARY_LESS_EQUAL as LESS_EQUAL,
  BINARY_GREATER as GREATER,
  BINARY_GREATER_EQUAL as GREATER_EQUAL,
  CHAIN_BLOCK as BLOCK,
  CHAIN_BINARY,
  CHAIN_CONST,
  CHAIN_INPUT_INTS,
  CHAIN_PERIODIC,
  CHAIN_REPEAT,
  CHAIN_SCALAR,
  CHAIN_SELECT,
  CHAIN_STEP_INTS,
  CHAIN_UNARY,
  UNARY_NEG as NEG,
  UNARY_ABS as ABS,
  UNARY_SIGN as SIGN,
  UNARY_EXP as EXP,
  UNARY_LOG as LOG,
  UNARY_LOG1P as LOG1P,
  UNARY_EXPM1 as EXPM1,
  UNARY_SQRT as SQRT,
  UNARY_RSQRT as RSQRT,
  UNARY_TANH as TANH,
  UNARY_SIGMOID as SIGMOID,
  UNARY_ERF as ERF,
  UNARY_RELU as RELU,
} from '../src/abi';
import { arith, arithSimd, compare } from './binary';
import { hasSimd, unaryScalar, unarySimd } from './unary';

// @ts-ignore: decorator
@inline
function unaryBlock(op: i32, x: usize, y: usize, n: i32): void {
  let i = 0;
  if (hasSimd(op)) {
    for (; i + 4 <= n; i += 4) v128.store(y + <usize>(i << 2), unarySimd(op, v128.load(x + <usize>(i << 2))));
  }
  for (; i < n; i++) store<f32>(y + <usize>(i << 2), unaryScalar(op, load<f32>(x + <usize>(i << 2))));
}

/** One unary step over n elements; one case per op so that each loop is specialised. */
function unaryStep(op: i32, x: usize, y: usize, n: i32): void {
  switch (op) {
    case NEG: unaryBlock(NEG, x, y, n); break;
    case ABS: unaryBlock(ABS, x, y, n); break;
    case SIGN: unaryBlock(SIGN, x, y, n); break;
    case EXP: unaryBlock(EXP, x, y, n); break;
    case LOG: unaryBlock(LOG, x, y, n); break;
    case LOG1P: unaryBlock(LOG1P, x, y, n); break;
    case EXPM1: unaryBlock(EXPM1, x, y, n); break;
    case SQRT: unaryBlock(SQRT, x, y, n); break;
    case RSQRT: unaryBlock(RSQRT, x, y, n); break;
    case TANH: unaryBlock(TANH, x, y, n); break;
    case SIGMOID: unaryBlock(SIGMOID, x, y, n); break;
    case ERF: unaryBlock(ERF, x, y, n); break;
    case RELU: unaryBlock(RELU, x, y, n); break;
    default: unaryBlock(op, x, y, n);
  }
}

// @ts-ignore: decorator
@inline
function arithBlock(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>(i << 2);
    v128.store(y + off, arithSimd<f32>(op, v128.load(a + off), v128.load(b + off)));
  }
  for (; i < n; i++) {
    const off = <usize>(i << 2);
    store<f32>(y + off, arith<f32>(op, load<f32>(a + off), load<f32>(b + off)));
  }
}

// @ts-ignore: decorator
@inline
function compareLanes(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case EQUAL:
      return f32x4.eq(a, b);
    case LESS:
      return f32x4.lt(a, b);
    case LESS_EQUAL:
      return f32x4.le(a, b);
    case GREATER:
      return f32x4.gt(a, b);
  }
  return f32x4.ge(a, b);
}

/** A comparison step: 1 where it holds, else 0 (NaN compares false, as in the ordinary ops). */
// @ts-ignore: decorator
@inline
function compareBlock(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>(i << 2);
    v128.store(y + off, v128.and(compareLanes(op, v128.load(a + off), v128.load(b + off)), one));
  }
  for (; i < n; i++) {
    const off = <usize>(i << 2);
    store<f32>(y + off, compare<f32>(op, load<f32>(a + off), load<f32>(b + off)) ? 1 : 0);
  }
}

/** One binary step over n elements. */
function binaryStep(op: i32, a: usize, b: usize, y: usize, n: i32): void {
  switch (op) {
    case ADD: arithBlock(ADD, a, b, y, n); break;
    case SUB: arithBlock(SUB, a, b, y, n); break;
    case MUL: arithBlock(MUL, a, b, y, n); break;
    case DIV: arithBlock(DIV, a, b, y, n); break;
    case MAXIMUM: arithBlock(MAXIMUM, a, b, y, n); break;
    case MINIMUM: arithBlock(MINIMUM, a, b, y, n); break;
    case EQUAL: compareBlock(EQUAL, a, b, y, n); break;
    case LESS: compareBlock(LESS, a, b, y, n); break;
    case LESS_EQUAL: compareBlock(LESS_EQUAL, a, b, y, n); break;
    case GREATER: compareBlock(GREATER, a, b, y, n); break;
    case GREATER_EQUAL: compareBlock(GREATER_EQUAL, a, b, y, n); break;
    default: unreachable();
  }
}

/** y = c ≠ 0 ? x : z over n elements (a NaN condition counts as nonzero). */
function selectStep(c: usize, x: usize, z: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>(i << 2);
    const mask = f32x4.ne(v128.load(c + off), zero);
    v128.store(y + off, v128.bitselect(v128.load(x + off), v128.load(z + off), mask));
  }
  for (; i < n; i++) {
    const off = <usize>(i << 2);
    store<f32>(y + off, load<f32>(c + off) != 0 ? load<f32>(x + off) : load<f32>(z + off));
  }
}

/** Fills n floats at y with v. */
function fillBlock(y: usize, v: f32, n: i32): void {
  const lanes = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + <usize>(i << 2), lanes);
  for (; i < n; i++) store<f32>(y + <usize>(i << 2), v);
}

/**
 * Runs a chain program over output elements [begin, end) (threads take a range each). `prog` holds `steps` steps of
 * CHAIN_STEP_INTS int32s, `ins` `nIn` inputs of CHAIN_INPUT_INTS int32s ([ptr, kind, period]);
 * `scratch` has room for (nIn + steps) pointers (rounded up to 16 bytes), two blocks of
 * CHAIN_BLOCK floats per input and one per step (`chainScratchBytes`).
 */
export function chainF32(
  prog: usize,
  steps: i32,
  ins: usize,
  nIn: i32,
  y: usize,
  begin: i32,
  end: i32,
  scratch: usize,
): void {
  const values = nIn + steps;
  const table = scratch;
  const blockBytes = <usize>BLOCK * 4;
  // Each input has two blocks' room, each step one.
  const inputBlocks = scratch + ((<usize>values * 4 + 15) & ~(<usize>15));
  // Step v (v ≥ nIn) is at blocks + v·blockBytes, past the inputs' double blocks.
  const blocks = inputBlocks + <usize>nIn * blockBytes;
  const first = min(end - begin, BLOCK);
  // One-element inputs and constants fill their blocks once; a period of at most a block is
  // tiled once over two blocks, so that any block of it is a window at start mod period.
  for (let k = 0; k < nIn; k++) {
    const d = ins + <usize>(k * CHAIN_INPUT_INTS * 4);
    const kind = load<i32>(d, 4);
    const blk = inputBlocks + <usize>k * 2 * blockBytes;
    if (kind == CHAIN_SCALAR) fillBlock(blk, load<f32>(<usize>load<u32>(d)), first);
    const period = load<i32>(d, 8);
    if (kind == CHAIN_PERIODIC && period <= BLOCK) {
      const src = <usize>load<u32>(d);
      for (let i = 0; i < 2 * BLOCK; i += period) {
        memory.copy(blk + <usize>(i << 2), src, <usize>min(period, 2 * BLOCK - i) * 4);
      }
    }
  }
  for (let s = 0; s < steps - 1; s++) {
    const step = prog + <usize>(s * CHAIN_STEP_INTS * 4);
    if (load<i32>(step) == CHAIN_CONST) fillBlock(blocks + <usize>(nIn + s) * blockBytes, load<f32>(step, 4), first);
  }
  for (let start = begin; start < end; start += BLOCK) {
    const n = min(BLOCK, end - start);
    for (let k = 0; k < nIn; k++) {
      const d = ins + <usize>(k * CHAIN_INPUT_INTS * 4);
      const src = <usize>load<u32>(d);
      const kind = load<i32>(d, 4);
      const period = load<i32>(d, 8);
      const blk = inputBlocks + <usize>k * 2 * blockBytes;
      let ptr = blk;
      if (kind == CHAIN_PERIODIC && period <= BLOCK) {
        ptr = blk + <usize>(start % period) * 4;
      } else if (kind == CHAIN_PERIODIC) {
        // Runs of the period, wrapping to its start.
        let j = start % period;
        let i = 0;
        while (i < n) {
          const run = min(n - i, period - j);
          memory.copy(blk + <usize>(i << 2), src + <usize>j * 4, <usize>run * 4);
          i += run;
          j = 0;
        }
      } else if (kind == CHAIN_REPEAT) {
        // Runs of one source element, `period` long.
        let q = start / period;
        let r = start % period;
        let i = 0;
        while (i < n) {
          const run = min(n - i, period - r);
          fillBlock(blk + <usize>(i << 2), load<f32>(src + <usize>q * 4), run);
          i += run;
          r = 0;
          q++;
        }
      } else if (kind != CHAIN_SCALAR) {
        ptr = src + <usize>start * 4;
      }
      store<u32>(table + <usize>(k << 2), <u32>ptr);
    }
    for (let s = 0; s < steps; s++) {
      const step = prog + <usize>(s * CHAIN_STEP_INTS * 4);
      const v = nIn + s;
      const last = s == steps - 1;
      const out = last ? y + <usize>start * 4 : blocks + <usize>v * blockBytes;
      const kind = load<i32>(step);
      const op = load<i32>(step, 4);
      const x = <usize>load<u32>(table + <usize>(load<i32>(step, 8) << 2));
      if (kind == CHAIN_UNARY) {
        unaryStep(op, x, out, n);
      } else if (kind == CHAIN_BINARY) {
        binaryStep(op, x, <usize>load<u32>(table + <usize>(load<i32>(step, 12) << 2)), out, n);
      } else if (kind == CHAIN_SELECT) {
        const z = <usize>load<u32>(table + <usize>(load<i32>(step, 12) << 2));
        const c = <usize>load<u32>(table + <usize>(load<i32>(step, 16) << 2));
        selectStep(c, x, z, out, n);
      } else if (last) {
        fillBlock(out, load<f32>(step, 4), n);
      }
      store<u32>(table + <usize>(v << 2), <u32>out);
    }
  }
}

/** Scratch bytes `chainF32` needs: the pointer table, two blocks per input, one per step. */
export function chainScratchBytes(inputs: i32, steps: i32): usize {
  const values = inputs + steps;
  return ((<usize>values * 4 + 15) & ~(<usize>15)) + <usize>(2 * inputs + steps) * <usize>BLOCK * 4;
}

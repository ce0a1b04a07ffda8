// Compiles an elementwise chain program to a small WebAssembly module of its own: one loop over
// the output, four floats at a time, every value of the program in a v128 local. The block
// interpreter (assembly/chain.ts) writes each step's block to memory and reads it back; here
// memory sees only the inputs and the output, so a chain runs near memory bandwidth. The module
// imports the backend's memory and exports `run(begin, end, y, ptr0, period0, ptr1, period1, …)`
// over elements [begin, end), a multiple of 4 apart with begin a multiple of 4 (the interpreter
// takes any tail). Only steps whose SIMD form rounds exactly as the interpreter's does are
// compiled (arithmetic, comparisons, select, neg, abs, sqrt, rsqrt, relu, constants), so both
// give the same bits; a program with any other step, or an input read modulo a period that is
// not a multiple of 4, gets no module and runs in the interpreter.

import type { ChainStep } from '@nabla/core/internal';
import { CHAIN_PERIODIC, CHAIN_REPEAT, CHAIN_SAME, CHAIN_SCALAR } from './abi.js';
import type { WasmContext } from './kernel-context.js';
import type { CompiledCode } from './thread-pool.js';

/** Opcodes used below (MVP, then the SIMD prefix's). */
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Load: 0x2a,
  i32Const: 0x41,
  i32Eq: 0x46,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Eqz: 0x45,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32DivU: 0x6e,
  i32RemU: 0x70,
  i32Shl: 0x74,
  simd: 0xfd,
} as const;

/** SIMD opcodes (after the 0xfd prefix, as LEB128). */
const SIMD = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  f32x4Splat: 0x13,
  f32x4Eq: 0x41,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  and: 0x4e,
  bitselect: 0x52,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Pmax: 0xeb,
} as const;

const I32 = 0x7f;
const V128 = 0x7b;

/** The binary chain steps with a single SIMD instruction. */
const BINARY: Partial<Record<string, number>> = {
  add: SIMD.f32x4Add,
  sub: SIMD.f32x4Sub,
  mul: SIMD.f32x4Mul,
  div: SIMD.f32x4Div,
  maximum: SIMD.f32x4Max,
  minimum: SIMD.f32x4Min,
};

/** Comparisons: the mask ANDed with 1.0 gives 1 or 0, as the interpreter's compare step does. */
const COMPARE: Partial<Record<string, number>> = {
  equal: SIMD.f32x4Eq,
  less: SIMD.f32x4Lt,
  lessEqual: SIMD.f32x4Le,
  greater: SIMD.f32x4Gt,
  greaterEqual: SIMD.f32x4Ge,
};

/** Unsigned LEB128. */
function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** Signed LEB128 of an int32. */
function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** A section: id, then its contents prefixed with their length. */
function section(id: number, body: readonly number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

function name(s: string, out: number[]): void {
  uleb(s.length, out);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** Whether a program and its inputs' layouts can be compiled (see the header). */
export function canCompile(
  program: readonly ChainStep[],
  kinds: readonly number[],
  periods: readonly number[],
): boolean {
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    if ((kind === CHAIN_PERIODIC || kind === CHAIN_REPEAT) && periods[k]! % 4 !== 0) return false;
    if (kind !== CHAIN_SAME && kind !== CHAIN_SCALAR && kind !== CHAIN_PERIODIC && kind !== CHAIN_REPEAT)
      return false;
  }
  return program.every(
    (s) =>
      s.op === 'const' ||
      s.op === 'select' ||
      ('y' in s
        ? BINARY[s.op] !== undefined || COMPARE[s.op] !== undefined
        : Object.hasOwn(UNARY_CODE, s.op)),
  );
}

/** Code being written: the function body's bytes and helpers that append instructions. */
class Emitter {
  readonly c: number[] = [];
  /** An opcode and its unsigned LEB128 immediate. */
  #op(code: number, n: number): void {
    this.c.push(code);
    uleb(n, this.c);
  }
  get(l: number): void {
    this.#op(OP.localGet, l);
  }
  set(l: number): void {
    this.#op(OP.localSet, l);
  }
  tee(l: number): void {
    this.#op(OP.localTee, l);
  }
  i32(n: number): void {
    this.c.push(OP.i32Const);
    sleb(n, this.c);
  }
  simd(op: number): void {
    this.#op(OP.simd, op);
  }
  /** A memory immediate: alignment (log2) and a byte offset. */
  memarg(align: number, offset = 0): void {
    this.c.push(align);
    uleb(offset, this.c);
  }
  /** into = splat(f32 at the address in addrLocal). */
  splatLoad(addrLocal: number, into: number): void {
    this.get(addrLocal);
    this.c.push(OP.f32Load);
    this.memarg(2);
    this.simd(SIMD.f32x4Splat);
    this.set(into);
  }
  v128Const(f: number): void {
    this.simd(SIMD.const);
    this.c.push(...new Uint8Array(new Float32Array([f, f, f, f]).buffer));
  }
  /** The program's steps: step s reads and writes the v128 locals value(·), its result value(nIn + s). */
  steps(program: readonly ChainStep[], nIn: number, value: (v: number) => number): void {
    program.forEach((step, s) => {
      const to = value(nIn + s);
      if (step.op === 'const') {
        this.v128Const(step.value);
      } else if (step.op === 'select') {
        this.get(value(step.x));
        this.get(value(step.y));
        this.get(value(step.c));
        this.v128Const(0);
        this.simd(SIMD.f32x4Ne);
        this.simd(SIMD.bitselect);
      } else if ('y' in step) {
        this.get(value(step.x));
        this.get(value(step.y));
        const arith = BINARY[step.op];
        if (arith !== undefined) this.simd(arith);
        else {
          this.simd(COMPARE[step.op]!);
          this.v128Const(1);
          this.simd(SIMD.and);
        }
      } else {
        const unary = UNARY_CODE[step.op];
        if (!unary) throw new Error(`compileChain: no SIMD form for ${step.op}`);
        unary(this, value(step.x));
      }
      this.set(to);
    });
  }
}

/** The unary steps' code: each leaves f(local x) on the stack. */
const UNARY_CODE: Partial<Record<string, (e: Emitter, x: number) => void>> = {
  neg: (e, x) => {
    e.get(x);
    e.simd(SIMD.f32x4Neg);
  },
  abs: (e, x) => {
    e.get(x);
    e.simd(SIMD.f32x4Abs);
  },
  sqrt: (e, x) => {
    e.get(x);
    e.simd(SIMD.f32x4Sqrt);
  },
  rsqrt: (e, x) => {
    e.v128Const(1);
    e.get(x);
    e.simd(SIMD.f32x4Sqrt);
    e.simd(SIMD.f32x4Div);
  },
  // As the interpreter's relu (assembly/unary.ts, reluSimd): pmax(x, 0) + 0, two instructions
  // that keep a NaN and turn −0 into +0, as f32x4.max(x, 0) does in about eight.
  relu: (e, x) => {
    e.get(x);
    e.v128Const(0);
    e.simd(SIMD.f32x4Pmax);
    e.v128Const(0);
    e.simd(SIMD.f32x4Add);
  },
};

/**
 * A module of one function, `run(i32 × params)`, over the imported memory (shared or not), with
 * `i32Locals` then `v128Locals` locals past its parameters and `code` as its body.
 */
function moduleOf(
  params: number,
  i32Locals: number,
  v128Locals: number,
  code: readonly number[],
  shared: boolean,
): Uint8Array<ArrayBuffer> {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // Types: run(i32 × params) → ().
  const types: number[] = [1, 0x60];
  uleb(params, types);
  for (let i = 0; i < params; i++) types.push(I32);
  types.push(0);
  section(1, types, out);
  // Imports: env.memory, with a maximum (shared memories must have one).
  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, shared ? 0x03 : 0x01);
  uleb(1, imports);
  uleb(65536, imports);
  section(2, imports, out);
  section(3, [1, 0], out);
  const exports: number[] = [1];
  name('run', exports);
  exports.push(0x00, 0);
  section(7, exports, out);
  // Code: the locals (i32s, then v128s), then the body.
  const body: number[] = [2];
  uleb(i32Locals, body);
  body.push(I32);
  uleb(v128Locals, body);
  body.push(V128);
  for (const b of code) body.push(b);
  body.push(OP.end);
  const section10: number[] = [1];
  uleb(body.length, section10);
  for (const b of body) section10.push(b);
  section(10, section10, out);
  return new Uint8Array(out);
}

/**
 * The module's bytes for `program` over inputs read as `kinds` (CHAIN_SAME, CHAIN_SCALAR,
 * CHAIN_PERIODIC, CHAIN_REPEAT); `shared` when the backend's memory is shared. `sharing[k]` is
 * the first periodic input with input k's period: inputs of one period (a batch norm's mean,
 * scale and offset) step through it with one offset. The caller has checked `canCompile`.
 * @example
 * const bytes = compileChain([{ op: 'relu', x: 0 }], [CHAIN_SAME], false);
 * const run = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.run;
 */
export function compileChain(
  program: readonly ChainStep[],
  kinds: readonly number[],
  shared: boolean,
  sharing: readonly number[] = kinds.map((_, k) => k),
): Uint8Array<ArrayBuffer> {
  const nIn = kinds.length;
  const params = 3 + 2 * nIn;
  // Locals past the params: o (byte offset), endb, then per input off/q, r (i32), then one v128
  // per value.
  const begin = 0;
  const end = 1;
  const y = 2;
  const ptr = (k: number) => 3 + 2 * k;
  const period = (k: number) => 4 + 2 * k;
  const o = params;
  const endb = params + 1;
  const aux = (k: number) => params + 2 + 2 * k; // periodic: byte offset in the period; repeat: source pointer
  const count = (k: number) => params + 3 + 2 * k; // repeat: elements left of the current run
  const i32Locals = 2 + 2 * nIn;
  const value = (v: number) => params + i32Locals + v;
  const values = nIn + program.length;

  const e = new Emitter();
  const c = e.c;
  // Set-up: o = begin·4, endb = end·4; scalars splatted; periodic offsets and repeat runs placed.
  e.get(begin);
  e.i32(2);
  c.push(OP.i32Shl);
  e.set(o);
  e.get(end);
  e.i32(2);
  c.push(OP.i32Shl);
  e.set(endb);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_SCALAR) {
      e.splatLoad(ptr(k), value(k));
    } else if (kind === CHAIN_PERIODIC && sharing[k] === k) {
      // aux = (begin mod period)·4; period becomes bytes.
      e.get(begin);
      e.get(period(k));
      c.push(OP.i32RemU);
      e.i32(2);
      c.push(OP.i32Shl);
      e.set(aux(k));
      e.get(period(k));
      e.i32(2);
      c.push(OP.i32Shl);
      e.set(period(k));
    } else if (kind === CHAIN_REPEAT) {
      // aux = ptr + ⌊begin / period⌋·4, count = period − begin mod period.
      e.get(ptr(k));
      e.get(begin);
      e.get(period(k));
      c.push(OP.i32DivU);
      e.i32(2);
      c.push(OP.i32Shl);
      c.push(OP.i32Add);
      e.set(aux(k));
      e.get(period(k));
      e.get(begin);
      e.get(period(k));
      c.push(OP.i32RemU);
      c.push(OP.i32Sub);
      e.set(count(k));
      e.splatLoad(aux(k), value(k));
    }
  });
  // block { if o >= endb break; loop { … } }
  c.push(OP.block, 0x40);
  e.get(o);
  e.get(endb);
  c.push(OP.i32GeU, OP.brIf, 0);
  c.push(OP.loop, 0x40);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_SAME) {
      e.get(ptr(k));
      e.get(o);
      c.push(OP.i32Add);
      e.simd(SIMD.load);
      e.memarg(2);
      e.set(value(k));
    } else if (kind === CHAIN_PERIODIC) {
      e.get(ptr(k));
      e.get(aux(sharing[k]!));
      c.push(OP.i32Add);
      e.simd(SIMD.load);
      e.memarg(2);
      e.set(value(k));
    } else if (kind === CHAIN_REPEAT) {
      // A run used up: the next source element (read only when a vector needs it).
      e.get(count(k));
      c.push(OP.i32Eqz);
      c.push(OP.if, 0x40);
      e.get(period(k));
      e.set(count(k));
      e.get(aux(k));
      e.i32(4);
      c.push(OP.i32Add);
      e.set(aux(k));
      e.splatLoad(aux(k), value(k));
      c.push(OP.end);
    }
  });
  e.steps(program, nIn, value);
  // y[o] = last value
  e.get(y);
  e.get(o);
  c.push(OP.i32Add);
  e.get(value(values - 1));
  e.simd(SIMD.store);
  e.memarg(2);
  // Advance: o += 16; periodic offsets wrap at their period; repeat runs count down by 4.
  e.get(o);
  e.i32(16);
  c.push(OP.i32Add);
  e.set(o);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_PERIODIC && sharing[k] === k) {
      // aux = aux + 16 == period ? 0 : aux + 16
      e.i32(0);
      e.get(aux(k));
      e.i32(16);
      c.push(OP.i32Add);
      e.tee(aux(k));
      e.get(aux(k));
      e.get(period(k));
      c.push(OP.i32Eq);
      // select(a, b, cond) = cond ? a : b
      c.push(OP.select);
      e.set(aux(k));
    } else if (kind === CHAIN_REPEAT) {
      e.get(count(k));
      e.i32(4);
      c.push(OP.i32Sub);
      e.set(count(k));
    }
  });
  e.get(o);
  e.get(endb);
  c.push(OP.i32LtU, OP.brIf, 0);
  c.push(OP.end); // loop
  c.push(OP.end); // block
  return moduleOf(params, i32Locals, values, c, shared);
}

/** Columns of accumulators one pass of a chain sum keeps in v128 locals (8 vectors). */
const SUM_BLOCK_COLS = 32;

/** Whether `compileChainRows` takes inputs read as `kinds` with `periods` over rows of `cols`. */
export function canCompileRows(
  program: readonly ChainStep[],
  kinds: readonly number[],
  periods: readonly number[],
  cols: number,
): boolean {
  if (cols % 4 !== 0) return false;
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    if (kind === CHAIN_PERIODIC ? periods[k] !== cols : kind !== CHAIN_SAME && kind !== CHAIN_SCALAR)
      return false;
  }
  return canCompile(program, kinds, periods);
}

/**
 * A chain over rows of `cols` floats (a multiple of 4), whose inputs are of the rows' shape, one
 * element, or one row (periodic with period `cols`, a per-channel value of NHWC): `run(begin,
 * end, y, ptr0, period0, …)` over whole rows [begin, end) (as element indices). Every column's
 * offset is an immediate of the unrolled row, so no per-element index arithmetic (the periodic
 * offset's wrap) is left in the loop. Without `sum` it stores the program's value at y[i] as
 * `compileChain`'s code does; with `sum` it writes to y[j] the sum over the rows of the value in
 * column j, each column added row after row from 0 as the reduce kernel's column sums add (so
 * the same bits), walking the rows once per block of 32 columns whose accumulators stay in v128
 * locals. The caller checked `canCompileRows`.
 * @example
 * const bytes = compileChainRows(squares, [CHAIN_SAME, CHAIN_PERIODIC], false, 32, true);
 */
export function compileChainRows(
  program: readonly ChainStep[],
  kinds: readonly number[],
  shared: boolean,
  cols: number,
  sum: boolean,
): Uint8Array<ArrayBuffer> {
  const nIn = kinds.length;
  const params = 3 + 2 * nIn;
  const begin = 0;
  const end = 1;
  const y = 2;
  const ptr = (k: number) => 3 + 2 * k;
  // i32 locals: o (the row's byte offset), endb; v128 locals: the values, then the accumulators.
  const o = params;
  const endb = params + 1;
  const i32Locals = 2;
  const value = (v: number) => params + i32Locals + v;
  const values = nIn + program.length;
  const accumulator = (a: number) => value(values + a);
  const rowBytes = cols * 4;

  const e = new Emitter();
  const c = e.c;
  e.get(end);
  e.i32(2);
  c.push(OP.i32Shl);
  e.set(endb);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_SCALAR) e.splatLoad(ptr(k), value(k));
  });
  // A store walks all columns of a row at once; a sum, one block of columns per pass.
  const block = sum ? SUM_BLOCK_COLS : cols;
  for (let j0 = 0; j0 < cols; j0 += block) {
    const vectors = Math.min(block, cols - j0) / 4;
    for (let a = 0; sum && a < vectors; a++) {
      e.v128Const(0);
      e.set(accumulator(a));
    }
    e.get(begin);
    e.i32(2);
    c.push(OP.i32Shl);
    e.set(o);
    // block { if o >= endb break; loop { a row's columns of this block } }
    c.push(OP.block, 0x40);
    e.get(o);
    e.get(endb);
    c.push(OP.i32GeU, OP.brIf, 0);
    c.push(OP.loop, 0x40);
    for (let a = 0; a < vectors; a++) {
      const offset = (j0 + a * 4) * 4;
      kinds.forEach((kind, k) => {
        if (kind === CHAIN_SCALAR) return;
        e.get(ptr(k));
        if (kind === CHAIN_SAME) {
          e.get(o);
          c.push(OP.i32Add);
        }
        e.simd(SIMD.load);
        e.memarg(2, offset);
        e.set(value(k));
      });
      e.steps(program, nIn, value);
      if (sum) {
        e.get(accumulator(a));
        e.get(value(values - 1));
        e.simd(SIMD.f32x4Add);
        e.set(accumulator(a));
      } else {
        e.get(y);
        e.get(o);
        c.push(OP.i32Add);
        e.get(value(values - 1));
        e.simd(SIMD.store);
        e.memarg(2, offset);
      }
    }
    e.get(o);
    e.i32(rowBytes);
    c.push(OP.i32Add);
    e.tee(o);
    e.get(endb);
    c.push(OP.i32LtU, OP.brIf, 0);
    c.push(OP.end); // loop
    c.push(OP.end); // block
    for (let a = 0; sum && a < vectors; a++) {
      e.get(y);
      e.get(accumulator(a));
      e.simd(SIMD.store);
      e.memarg(2, (j0 + a * 4) * 4);
    }
  }
  return moduleOf(params, i32Locals, values + (sum ? SUM_BLOCK_COLS / 4 : 0), c, shared);
}

const BITS = new DataView(new ArrayBuffer(4));

/** The float32 bits of `v` as an int32 (what the compiled code and the interpreter embed). */
export function floatBits(v: number): number {
  BITS.setFloat32(0, v, true);
  return BITS.getInt32(0, true);
}

/**
 * A program as a cache key. Constants go in as the float32 bits the code embeds, so −0 and 0
 * (which JSON writes alike) get programs of their own: x + (−0) keeps x = −0, x + 0 does not.
 */
function programKey(program: readonly ChainStep[]): string {
  let key = '';
  for (const step of program) {
    if (step.op === 'const') key += `#${floatBits(step.value)};`;
    else if (step.op === 'select') key += `?${step.c},${step.x},${step.y};`;
    else key += 'y' in step ? `${step.op}(${step.x},${step.y});` : `${step.op}(${step.x});`;
  }
  return key;
}

/** The most programs (compiled or not) a backend remembers; later ones run in the interpreter. */
const MAX_COMPILED = 512;

/**
 * The compiled chains of one backend, by program and input layout: null where a program
 * cannot be compiled, or no more could be stored for the workers.
 * @example
 * const chains = new CompiledChains(ctx);
 * chains.get([{ op: 'relu', x: 0 }], [CHAIN_SAME], [1])?.fn(0, 1024, y, x, 1);
 */
export class CompiledChains {
  readonly #cache = new Map<string, CompiledCode | null>();
  #compiled = 0;

  constructor(readonly ctx: WasmContext) {}

  /** Programs compiled so far. */
  get count(): number {
    return this.#compiled;
  }

  /**
   * The compiled program; with `rows`, its form over rows of `rows.cols` floats (see
   * `compileChainRows`), summed over the rows when `rows.sum`.
   */
  get(
    program: readonly ChainStep[],
    kinds: readonly number[],
    periods: readonly number[],
    rows?: { readonly cols: number; readonly sum: boolean },
  ): CompiledCode | null {
    // The code depends on each input's kind (and whether a period is a multiple of 4), not on
    // the period itself, which it gets as an argument.
    // Periodic inputs of one period share an offset (the first such input's).
    const sharing = kinds.map((kind, k) =>
      kind === CHAIN_PERIODIC ? kinds.findIndex((q, j) => q === kind && periods[j] === periods[k]) : k,
    );
    const layout = kinds.map((kind, k) => `${kind}${periods[k]! % 4 === 0 ? '' : '!'}:${sharing[k]}`);
    const form = rows === undefined ? '' : `${rows.sum ? 'Σ' : 'R'}${rows.cols}:${periods.join(',')}|`;
    const key = `${form}${layout.join(',')}|${programKey(program)}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    // A full cache keeps what it has: later programs (distinct constants, say) run in the
    // interpreter without adding entries, so the cache cannot grow without bound.
    if (this.#cache.size >= MAX_COMPILED) return null;
    let code: CompiledCode | null = null;
    if (rows !== undefined) {
      if (canCompileRows(program, kinds, periods, rows.cols)) {
        const bytes = compileChainRows(program, kinds, this.#shared(), rows.cols, rows.sum);
        code = this.#instantiate(
          bytes,
          rows.sum ? 'a compiled elementwise chain sum' : 'a compiled elementwise chain',
        );
      }
    } else if (canCompile(program, kinds, periods)) {
      code = this.#instantiate(
        compileChain(program, kinds, this.#shared(), sharing),
        'a compiled elementwise chain',
      );
    }
    this.#cache.set(key, code);
    return code;
  }

  #shared(): boolean {
    return (
      typeof SharedArrayBuffer !== 'undefined' && this.ctx.heap.memory.buffer instanceof SharedArrayBuffer
    );
  }

  #instantiate(bytes: Uint8Array<ArrayBuffer>, what: string): CompiledCode | null {
    const memory = this.ctx.heap.memory;
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (err) {
      // An engine that refuses synchronous compilation here (old Chrome allowed 4 KB on a page's
      // thread) leaves the program to the interpreter; anything else is a bug of compileChain.
      if (err instanceof RangeError) return null;
      throw err;
    }
    const stored = this.ctx.pool ? this.ctx.pool.storeCode(bytes) : { id: 0, offset: 0, length: 0 };
    if (!stored) return null;
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const fn = instance.exports.run as (...args: number[]) => void;
    this.#compiled++;
    return { name: what, fn, stored };
  }
}

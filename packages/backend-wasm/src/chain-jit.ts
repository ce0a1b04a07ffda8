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
  i32Add: 0x6a,
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

const UNARY = new Set(['neg', 'abs', 'sqrt', 'rsqrt', 'relu']);

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
      ('y' in s ? BINARY[s.op] !== undefined || COMPARE[s.op] !== undefined : UNARY.has(s.op)),
  );
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

  const c: number[] = [];
  const get = (l: number) => c.push(OP.localGet, ...lebOf(l));
  const set = (l: number) => c.push(OP.localSet, ...lebOf(l));
  const i32 = (n: number) => {
    c.push(OP.i32Const);
    sleb(n, c);
  };
  const simd = (op: number) => {
    c.push(OP.simd);
    uleb(op, c);
  };
  const memarg = (align: number) => c.push(align, 0);
  const splatLoad = (addrLocal: number, into: number) => {
    get(addrLocal);
    c.push(OP.f32Load);
    memarg(2);
    simd(SIMD.f32x4Splat);
    set(into);
  };
  const v128Const = (f: number) => {
    simd(SIMD.const);
    const bytes = new Uint8Array(new Float32Array([f, f, f, f]).buffer);
    c.push(...bytes);
  };

  // Set-up: o = begin·4, endb = end·4; scalars splatted; periodic offsets and repeat runs placed.
  get(begin);
  i32(2);
  c.push(OP.i32Shl);
  set(o);
  get(end);
  i32(2);
  c.push(OP.i32Shl);
  set(endb);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_SCALAR) {
      splatLoad(ptr(k), value(k));
    } else if (kind === CHAIN_PERIODIC && sharing[k] === k) {
      // aux = (begin mod period)·4; period becomes bytes.
      get(begin);
      get(period(k));
      c.push(OP.i32RemU);
      i32(2);
      c.push(OP.i32Shl);
      set(aux(k));
      get(period(k));
      i32(2);
      c.push(OP.i32Shl);
      set(period(k));
    } else if (kind === CHAIN_REPEAT) {
      // aux = ptr + ⌊begin / period⌋·4, count = period − begin mod period.
      get(ptr(k));
      get(begin);
      get(period(k));
      c.push(OP.i32DivU);
      i32(2);
      c.push(OP.i32Shl);
      c.push(OP.i32Add);
      set(aux(k));
      get(period(k));
      get(begin);
      get(period(k));
      c.push(OP.i32RemU);
      c.push(0x6b); // i32.sub
      set(count(k));
      splatLoad(aux(k), value(k));
    }
  });
  // block { if o >= endb break; loop { … } }
  c.push(OP.block, 0x40);
  get(o);
  get(endb);
  c.push(OP.i32GeU, OP.brIf, 0);
  c.push(OP.loop, 0x40);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_SAME) {
      get(ptr(k));
      get(o);
      c.push(OP.i32Add);
      simd(SIMD.load);
      memarg(2);
      set(value(k));
    } else if (kind === CHAIN_PERIODIC) {
      get(ptr(k));
      get(aux(sharing[k]!));
      c.push(OP.i32Add);
      simd(SIMD.load);
      memarg(2);
      set(value(k));
    } else if (kind === CHAIN_REPEAT) {
      // A run used up: the next source element (read only when a vector needs it).
      get(count(k));
      c.push(0x45); // i32.eqz
      c.push(OP.if, 0x40);
      get(period(k));
      set(count(k));
      get(aux(k));
      i32(4);
      c.push(OP.i32Add);
      set(aux(k));
      splatLoad(aux(k), value(k));
      c.push(OP.end);
    }
  });
  program.forEach((step, s) => {
    const to = value(nIn + s);
    if (step.op === 'const') {
      v128Const(step.value);
    } else if (step.op === 'select') {
      get(value(step.x));
      get(value(step.y));
      get(value(step.c));
      v128Const(0);
      simd(SIMD.f32x4Ne);
      simd(SIMD.bitselect);
    } else if ('y' in step) {
      get(value(step.x));
      get(value(step.y));
      const arith = BINARY[step.op];
      if (arith !== undefined) simd(arith);
      else {
        simd(COMPARE[step.op]!);
        v128Const(1);
        simd(SIMD.and);
      }
    } else {
      switch (step.op) {
        case 'neg':
          get(value(step.x));
          simd(SIMD.f32x4Neg);
          break;
        case 'abs':
          get(value(step.x));
          simd(SIMD.f32x4Abs);
          break;
        case 'sqrt':
          get(value(step.x));
          simd(SIMD.f32x4Sqrt);
          break;
        case 'rsqrt':
          v128Const(1);
          get(value(step.x));
          simd(SIMD.f32x4Sqrt);
          simd(SIMD.f32x4Div);
          break;
        case 'relu':
          // max propagates NaN and orders −0 below +0, as the interpreter's relu.
          get(value(step.x));
          v128Const(0);
          simd(SIMD.f32x4Max);
          break;
        default:
          throw new Error(`compileChain: no SIMD form for ${step.op}`);
      }
    }
    set(to);
  });
  // y[o] = last value
  get(y);
  get(o);
  c.push(OP.i32Add);
  get(value(values - 1));
  simd(SIMD.store);
  memarg(2);
  // Advance: o += 16; periodic offsets wrap at their period; repeat runs count down by 4.
  get(o);
  i32(16);
  c.push(OP.i32Add);
  set(o);
  kinds.forEach((kind, k) => {
    if (kind === CHAIN_PERIODIC && sharing[k] === k) {
      // aux = aux + 16 == period ? 0 : aux + 16
      i32(0);
      get(aux(k));
      i32(16);
      c.push(OP.i32Add);
      c.push(OP.localTee, ...lebOf(aux(k)));
      get(aux(k));
      get(period(k));
      c.push(OP.i32Eq);
      // select(a, b, cond) = cond ? a : b
      c.push(OP.select);
      set(aux(k));
    } else if (kind === CHAIN_REPEAT) {
      get(count(k));
      i32(4);
      c.push(0x6b); // i32.sub
      set(count(k));
    }
  });
  get(o);
  get(endb);
  c.push(OP.i32LtU, OP.brIf, 0);
  c.push(OP.end); // loop
  c.push(OP.end); // block
  c.push(OP.end); // function

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
  uleb(values, body);
  body.push(V128);
  body.push(...c);
  const code: number[] = [1];
  uleb(body.length, code);
  code.push(...body);
  section(10, code, out);
  return new Uint8Array(out);
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

  get(
    program: readonly ChainStep[],
    kinds: readonly number[],
    periods: readonly number[],
  ): CompiledCode | null {
    // The code depends on each input's kind (and whether a period is a multiple of 4), not on
    // the period itself, which it gets as an argument.
    // Periodic inputs of one period share an offset (the first such input's).
    const sharing = kinds.map((kind, k) =>
      kind === CHAIN_PERIODIC ? kinds.findIndex((q, j) => q === kind && periods[j] === periods[k]) : k,
    );
    const layout = kinds.map((kind, k) => `${kind}${periods[k]! % 4 === 0 ? '' : '!'}:${sharing[k]}`);
    const key = `${layout.join(',')}|${programKey(program)}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    // A full cache keeps what it has: later programs (distinct constants, say) run in the
    // interpreter without adding entries, so the cache cannot grow without bound.
    if (this.#cache.size >= MAX_COMPILED) return null;
    const code = canCompile(program, kinds, periods) ? this.#compile(program, kinds, sharing) : null;
    this.#cache.set(key, code);
    return code;
  }

  #compile(
    program: readonly ChainStep[],
    kinds: readonly number[],
    sharing: readonly number[],
  ): CompiledCode | null {
    const memory = this.ctx.heap.memory;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = compileChain(program, kinds, shared, sharing);
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
    return { name: 'a compiled elementwise chain', fn, stored };
  }
}

function lebOf(n: number): number[] {
  const out: number[] = [];
  uleb(n, out);
  return out;
}

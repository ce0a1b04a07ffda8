// Loads the embedded kernels and compiles them (synchronously where the platform allows, as
// Node does; browsers refuse synchronous compiles of large modules on the main thread, so there
// it is asynchronous), then instantiates them over a memory we own. Each build (SIMD or relaxed
// SIMD, single-thread or threads) is a module of its own, loaded only when used: Node reads its
// .wasm file beside this module synchronously; elsewhere its base64 module is imported
// dynamically, so a bundler splits the four builds into chunks and a page fetches the one it runs.

import { BackendError } from '@nabla/core';
import { CHAIN_EXPORTS, type ChainExports } from './kernels/chain.js';
import { CONV_EXPORTS, type ConvExports } from './kernels/conv.js';
import { FUSED_EXPORTS, type FusedExports } from './kernels/fused.js';
import { IMAGE_EXPORTS, type ImageExports } from './kernels/image.js';
import { GEMM_EXPORTS, type GemmExports } from './kernels/matmul.js';
import { POOL_EXPORTS, type PoolExports } from './kernels/pool.js';

/** The elementwise, reduction and movement kernels (assembly/); pointers are heap byte offsets. */
export interface CoreExports {
  heapBase(): number;
  unaryF32(op: number, x: number, y: number, n: number): void;
  unaryI32(op: number, x: number, y: number, n: number): void;
  floatPredicate(kind: number, x: number, y: number, n: number): void;
  logicalNot(x: number, y: number, n: number): void;
  binaryF32(op: number, a: number, b: number, y: number, params: number): void;
  binaryI32(op: number, a: number, b: number, y: number, params: number): void;
  compareF32(op: number, a: number, b: number, y: number, params: number): void;
  compareI32(op: number, a: number, b: number, y: number, params: number): void;
  compareU8(op: number, a: number, b: number, y: number, params: number): void;
  where32(c: number, a: number, b: number, y: number, params: number): void;
  where8(c: number, a: number, b: number, y: number, params: number): void;
  cast(from: number, to: number, x: number, y: number, n: number): void;
  reduceF32(op: number, x: number, y: number, outer: number, n: number, inner: number): void;
  reduceI32(op: number, x: number, y: number, outer: number, n: number, inner: number): void;
  reduceU8(op: number, x: number, y: number, outer: number, n: number, inner: number): void;
  argExtremeF32(sign: number, x: number, y: number, outer: number, n: number, inner: number): void;
  argExtremeI32(sign: number, x: number, y: number, outer: number, n: number, inner: number): void;
  topkIndices(
    isInt: number,
    x: number,
    y: number,
    scratch: number,
    rows: number,
    n: number,
    k: number,
    sorted: number,
  ): void;
  cumulativeF32(
    isSum: number,
    exclusive: number,
    reverse: number,
    x: number,
    y: number,
    outer: number,
    n: number,
    inner: number,
  ): void;
  cumulativeI32(
    isSum: number,
    exclusive: number,
    reverse: number,
    x: number,
    y: number,
    outer: number,
    n: number,
    inner: number,
  ): void;
  copy32(src: number, dst: number, params: number): void;
  copy8(src: number, dst: number, params: number): void;
  fill32(dst: number, bits: number, n: number): void;
  fill8(dst: number, value: number, n: number): void;
  gather(
    shift: number,
    x: number,
    idx: number,
    y: number,
    outer: number,
    n: number,
    inner: number,
    nIdx: number,
  ): void;
  scatterAddF32(
    u: number,
    idx: number,
    y: number,
    outer: number,
    n: number,
    inner: number,
    nIdx: number,
  ): void;
  scatterAddI32(
    u: number,
    idx: number,
    y: number,
    outer: number,
    n: number,
    inner: number,
    nIdx: number,
  ): void;
  randomUniform(seed: number, y: number, start: number, n: number): void;
}

/** Every kernel the binary exports (assembly/index.ts). */
export type KernelExports = CoreExports &
  GemmExports &
  ConvExports &
  PoolExports &
  FusedExports &
  ChainExports &
  ImageExports;

/**
 * The parameter count of each export. Typed from the export's signature above, so a table entry
 * that disagrees with it fails to compile, and checked against the binary's own functions (a
 * WebAssembly function's `length`) when it is instantiated: the AssemblyScript and TypeScript
 * signatures cannot drift apart silently.
 */
export type Arities<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => unknown ? A['length'] : never;
};

/** Parameter counts of the core exports; a missing name fails to compile. */
const CORE_EXPORTS: Arities<CoreExports> = {
  heapBase: 0,
  unaryF32: 4,
  unaryI32: 4,
  floatPredicate: 4,
  logicalNot: 3,
  binaryF32: 5,
  binaryI32: 5,
  compareF32: 5,
  compareI32: 5,
  compareU8: 5,
  where32: 5,
  where8: 5,
  cast: 5,
  reduceF32: 6,
  reduceI32: 6,
  reduceU8: 6,
  argExtremeF32: 6,
  argExtremeI32: 6,
  topkIndices: 8,
  cumulativeF32: 8,
  cumulativeI32: 8,
  copy32: 3,
  copy8: 3,
  fill32: 3,
  fill8: 3,
  gather: 8,
  scatterAddF32: 7,
  scatterAddI32: 7,
  randomUniform: 4,
};

/** Every export of the binary with its parameter count, in a fixed order (worker threads index jobs by it). */
export const EXPORT_ARITIES: Arities<KernelExports> = {
  ...CORE_EXPORTS,
  ...GEMM_EXPORTS,
  ...CONV_EXPORTS,
  ...POOL_EXPORTS,
  ...FUSED_EXPORTS,
  ...CHAIN_EXPORTS,
  ...IMAGE_EXPORTS,
};

/** Checks that the instance exports every kernel with the expected parameter count, and types them. */
export function bindExports(raw: WebAssembly.Exports): KernelExports {
  const bound: Partial<Record<keyof KernelExports, unknown>> = {};
  for (const [name, arity] of Object.entries(EXPORT_ARITIES) as [keyof KernelExports, number][]) {
    const fn = raw[name];
    if (typeof fn !== 'function') throw new BackendError(`wasm: the binary does not export '${name}'`);
    if (fn.length !== arity) {
      throw new BackendError(
        `wasm: the binary's '${name}' takes ${fn.length} arguments, but the JS side calls it with ${arity} (rebuild the binary)`,
      );
    }
    bound[name] = fn;
  }
  return bound as KernelExports;
}

/** A compiled module with the memory it runs over. */
export interface WasmInstance {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Which build: `simd` for an unshared memory, `threads` for a shared one, and the same two with
 * relaxed SIMD (the GEMM's multiply-adds fused): `relaxed`, `relaxed-threads`.
 */
export type WasmBuild = 'simd' | 'threads' | 'relaxed' | 'relaxed-threads';

/**
 * Where each build comes from: its .wasm file (written beside the generated modules by
 * scripts/embed-wasm.mjs, read by Node) and its base64 module (imported where files cannot be
 * read). Literal `import()` calls, so bundlers see them and make one chunk per build.
 */
const SOURCES: Record<WasmBuild, { readonly file: string; readonly load: () => Promise<string> }> = {
  simd: {
    file: './generated/wasm-simd.wasm',
    load: async () => (await import('./generated/wasm-simd.js')).WASM_SIMD,
  },
  threads: {
    file: './generated/wasm-simd-threads.wasm',
    load: async () => (await import('./generated/wasm-simd-threads.js')).WASM_SIMD_THREADS,
  },
  relaxed: {
    file: './generated/wasm-simd-relaxed.wasm',
    load: async () => (await import('./generated/wasm-simd-relaxed.js')).WASM_SIMD_RELAXED,
  },
  'relaxed-threads': {
    file: './generated/wasm-simd-threads-relaxed.wasm',
    load: async () => (await import('./generated/wasm-simd-threads-relaxed.js')).WASM_SIMD_THREADS_RELAXED,
  },
};

/** Binaries loaded so far, and the modules compiled from them. */
const loaded: Partial<Record<WasmBuild, Uint8Array<ArrayBuffer>>> = {};
const compiled: Partial<Record<WasmBuild, WebAssembly.Module>> = {};

/**
 * The binary where it can be had synchronously: already loaded, or read from the package's
 * files in Node (undefined in browsers, or where the file is not beside this module, as in a
 * bundle made for Node).
 */
function binarySync(build: WasmBuild): Uint8Array<ArrayBuffer> | undefined {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (loaded[build] || !fs) return loaded[build];
  try {
    const file = fs.readFileSync(new URL(SOURCES[build].file, import.meta.url));
    loaded[build] = new Uint8Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength));
  } catch {
    return undefined;
  }
  return loaded[build];
}

/** The binary, from its file in Node or else from its base64 module. */
async function binaryAsync(build: WasmBuild): Promise<Uint8Array<ArrayBuffer>> {
  loaded[build] ??= binarySync(build) ?? decodeBase64(await SOURCES[build].load());
  return loaded[build];
}

/**
 * The compiled module, or undefined where it cannot be had synchronously: synchronous
 * compilation is refused (a browser's main thread) or the binary is not loaded yet (browsers
 * load it with `compileAsync`).
 */
export function compileSync(build: WasmBuild = 'simd'): WebAssembly.Module | undefined {
  const cached = compiled[build];
  if (cached) return cached;
  const bytes = binarySync(build);
  if (!bytes) return undefined;
  try {
    compiled[build] = new WebAssembly.Module(bytes);
  } catch (err) {
    // A RangeError is the browser's main-thread size limit; anything else is a real failure.
    if (!(err instanceof RangeError)) throw err;
  }
  return compiled[build];
}

/** The compiled module, asynchronously (loading its build first where needed). */
export async function compileAsync(build: WasmBuild = 'simd'): Promise<WebAssembly.Module> {
  const module = compiled[build] ?? (await WebAssembly.compile(await binaryAsync(build)));
  compiled[build] = module;
  return module;
}

/**
 * Instantiates the module over a new memory of `initialPages`, growable to `maximumPages`;
 * `shared` makes a shared memory (for the threads build).
 */
export function instantiate(
  module: WebAssembly.Module,
  initialPages: number,
  maximumPages: number,
  shared = false,
): WasmInstance {
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { exports: bindExports(instance.exports), memory };
}

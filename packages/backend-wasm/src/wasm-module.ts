// Loads the embedded kernels: decodes the base64 binary, compiles it (synchronously where the
// platform allows, as Node does; browsers refuse synchronous compiles of large modules on the
// main thread, so there it is asynchronous) and instantiates it over a memory we own. The
// threads build (the same kernels for a shared memory) is compiled only when threads are used.

import { BackendError } from '@nabla/core';
import { WASM_SIMD, WASM_SIMD_THREADS } from './generated/wasm-binary.js';
import { CONV_EXPORTS, type ConvExports } from './kernels/conv.js';
import { FUSED_EXPORTS, type FusedExports } from './kernels/fused.js';
import { GEMM_EXPORTS, type GemmExports } from './kernels/matmul.js';
import { POOL_EXPORTS, type PoolExports } from './kernels/pool.js';

/** The elementwise, reduction and movement kernels (assembly/); pointers are heap byte offsets. */
export interface CoreExports {
  heapBase(): number;
  unaryOpCount(): number;
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
export type KernelExports = CoreExports & GemmExports & ConvExports & PoolExports & FusedExports;

/** Names of the core exports; a `Record` so a name missing here fails to compile. */
const CORE_EXPORTS: Record<keyof CoreExports, true> = {
  heapBase: true,
  unaryOpCount: true,
  unaryF32: true,
  unaryI32: true,
  floatPredicate: true,
  logicalNot: true,
  binaryF32: true,
  binaryI32: true,
  compareF32: true,
  compareI32: true,
  compareU8: true,
  where32: true,
  where8: true,
  cast: true,
  reduceF32: true,
  reduceI32: true,
  reduceU8: true,
  argExtremeF32: true,
  argExtremeI32: true,
  cumulativeF32: true,
  cumulativeI32: true,
  copy32: true,
  copy8: true,
  fill32: true,
  fill8: true,
  gather: true,
  scatterAddF32: true,
  scatterAddI32: true,
  randomUniform: true,
};

/** Every export name of the binary, in a fixed order (worker threads index jobs by it). */
export const EXPORT_NAMES: Record<keyof KernelExports, true> = {
  ...CORE_EXPORTS,
  ...GEMM_EXPORTS,
  ...CONV_EXPORTS,
  ...POOL_EXPORTS,
  ...FUSED_EXPORTS,
};

/** Checks that the instance exports every kernel, and types them. */
function bindExports(raw: WebAssembly.Exports): KernelExports {
  const bound: Partial<Record<keyof KernelExports, unknown>> = {};
  for (const name of Object.keys(EXPORT_NAMES) as (keyof KernelExports)[]) {
    const fn = raw[name];
    if (typeof fn !== 'function') throw new BackendError(`wasm: the binary does not export '${name}'`);
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

/** Which build: `simd` for an unshared memory, `threads` for a shared one. */
export type WasmBuild = 'simd' | 'threads';

const BINARIES: Record<WasmBuild, string> = { simd: WASM_SIMD, threads: WASM_SIMD_THREADS };
const compiled: Partial<Record<WasmBuild, WebAssembly.Module>> = {};

/** The compiled module, or undefined where synchronous compilation is refused. */
export function compileSync(build: WasmBuild = 'simd'): WebAssembly.Module | undefined {
  const cached = compiled[build];
  if (cached) return cached;
  try {
    compiled[build] = new WebAssembly.Module(decodeBase64(BINARIES[build]));
  } catch (err) {
    // A RangeError is the browser's main-thread size limit; anything else is a real failure.
    if (!(err instanceof RangeError)) throw err;
  }
  return compiled[build];
}

/** The compiled module, asynchronously. */
export async function compileAsync(build: WasmBuild = 'simd'): Promise<WebAssembly.Module> {
  const module = compiled[build] ?? (await WebAssembly.compile(decodeBase64(BINARIES[build])));
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

// Which of the two kernel builds runs: the relaxed-SIMD one, whose GEMM multiplies and adds in
// one instruction (`f32x4.relaxed_madd`, FMA on x64 and Arm), or the plain SIMD one. The engine is
// asked by validating a tiny module that uses relaxed_madd; Node 20's V8 has relaxed SIMD behind
// a flag, which is turned on here (Node only) before asking again. Chrome 114+ and Node 22+
// have it on by default.

import { BackendError } from '@nabla/core';

/** Environment variable (Node) that picks the build when `relaxedSimd` is not given: 0 or 1. */
export const RELAXED_SIMD_ENV = 'NABLA_WASM_RELAXED_SIMD';

/** A function of type [] → [v128] whose body is `relaxed_madd(l0, l0, l0)` on a v128 local. */
// biome-ignore format: the module's sections, one a line
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // types: () -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  0x0a, 0x0f, 0x01, 0x0d, 0x01, 0x01, 0x7b, // code: one body, one v128 local
  0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02, 0x0b, // local.get ×3, f32x4.relaxed_madd, end
]);

/** Whether relaxed SIMD runs here, and how that was found (or why not). */
export interface SimdChoice {
  readonly relaxed: boolean;
  readonly reason: string;
}

let engineSupport: SimdChoice | undefined;

/** Asks the engine once, turning on Node 20's flag where validation fails without it. */
function probeEngine(): SimdChoice {
  if (typeof WebAssembly.validate !== 'function') {
    return { relaxed: false, reason: 'WebAssembly.validate is unavailable' };
  }
  if (WebAssembly.validate(PROBE)) return { relaxed: true, reason: 'relaxed SIMD is supported' };
  const v8 = globalThis.process?.getBuiltinModule?.('node:v8');
  if (v8) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // An engine that rejects the flag simply lacks the feature.
    }
    if (WebAssembly.validate(PROBE)) {
      return {
        relaxed: true,
        reason: 'relaxed SIMD is supported once --experimental-wasm-relaxed-simd is set (Node 20)',
      };
    }
  }
  return { relaxed: false, reason: 'this engine does not support relaxed SIMD' };
}

/** The build-choosing option as given (checked with the backend's options), else the environment variable's, validated. */
function requested(option: boolean | undefined): boolean | undefined {
  if (option !== undefined) return option;
  const env = globalThis.process?.env?.[RELAXED_SIMD_ENV];
  if (env === undefined || env === '') return undefined;
  if (env !== '0' && env !== '1') {
    throw new BackendError(`wasm: ${RELAXED_SIMD_ENV} must be 0 or 1, got '${env}'`);
  }
  return env === '1';
}

/**
 * Whether the backend runs the relaxed-SIMD build, and why: `option` (the backend's
 * `relaxedSimd`, else NABLA_WASM_RELAXED_SIMD in Node) false forces the plain SIMD build;
 * otherwise the relaxed one runs where the engine supports it.
 * @example
 * chooseSimd(undefined); // { relaxed: true, reason: 'relaxed SIMD is supported' } in Chrome
 */
export function chooseSimd(option: boolean | undefined): SimdChoice {
  const wanted = requested(option);
  if (wanted === false) {
    const from = option === undefined ? `${RELAXED_SIMD_ENV}=0` : 'relaxedSimd: false';
    return { relaxed: false, reason: `${from} was requested` };
  }
  engineSupport ??= probeEngine();
  return engineSupport;
}

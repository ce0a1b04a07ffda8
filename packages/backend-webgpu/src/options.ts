// The WebGPU backend's options and their run-time checks (core's checkBackendOptions applies
// them): an unknown key, or a value of the wrong kind or range, is an ArgumentError naming the
// function and the option, raised before any device is made.

import { type OptionCheck, optionChecks } from '@nabla/core/internal';

const isObject = (v: unknown) => typeof v === 'object' && v !== null;
const names: OptionCheck = (v) =>
  typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string'))
    ? null
    : 'a backend name or a non-empty array of them';

/** The checks of `createWebGpuBackend`'s options (`createNodeWebGpuBackend` adds `dawnFlags`). */
export const BACKEND_OPTIONS: Readonly<Record<string, OptionCheck>> = {
  gpu: (v) =>
    isObject(v) && typeof (v as GPU).requestAdapter === 'function' ? null : 'a GPU (navigator.gpu)',
  adapter: optionChecks.object,
  poolBytes: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'a non-negative integer'),
  // The uniform ring holds one 256-byte parameter slot per dispatch of a batch.
  flushEvery: optionChecks.integer(1, 256),
  readTimeoutMs: optionChecks.positive,
  fallback: names,
  fused: optionChecks.boolean,
  keepAlive: () => null,
};

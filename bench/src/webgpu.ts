// The webgpu pairing: Nabla's WebGPU backend against @tensorflow/tfjs-backend-webgpu, both on one
// Dawn instance in this process (the `webgpu` package). TF.js only looks for `navigator.gpu`
// and the GPUBufferUsage-style constants on globalThis, so Dawn's entry object and globals are
// put there before its backend is imported. Opt-in (`--webgpu`): Dawn is loaded only then, and
// a run without an adapter says why instead of measuring.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerBackend } from '@nabla/core';
import type { Pairing } from './pairings.js';

/** Nabla's WebGPU backend against TF.js's, on the same Dawn adapter. */
export const WEBGPU_PAIRING: Pairing = {
  backend: 'webgpu',
  peer: 'tfjs-webgpu',
  nablaBackend: 'bench-webgpu',
  peerBackend: 'webgpu',
};

/** What starting Dawn found: the adapter both sides run on, or why there is none. */
export type WebGpuStart =
  | {
      ok: true;
      /** The adapter as it names itself, e.g. `google swiftshader (SwiftShader Device (Subzero))`. */
      adapter: string;
      /** The `webgpu` package's and tfjs-backend-webgpu's versions, and Dawn's flags. */
      versions: string;
    }
  | { ok: false; reason: string };

/** Dawn's flags: `--dawn-flags`, else `NABLA_WEBGPU_FLAGS`, both comma separated; default none. */
export function dawnFlags(text: string | undefined = process.env.NABLA_WEBGPU_FLAGS): string[] {
  return (text ?? '')
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '');
}

/** `vendor architecture (description)`, whatever of it the adapter reports. */
function describeAdapter(info: GPUAdapterInfo): string {
  const name = [info.vendor, info.architecture, info.device].filter((part) => part).join(' ');
  const label = name || 'unnamed adapter';
  return info.description && info.description !== name ? `${label} (${info.description})` : label;
}

/** A dependency's version: the nearest package.json of that name above its entry point. */
function packageVersion(name: string): string {
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name));
    for (; dir !== dirname(dir); dir = dirname(dir)) {
      const path = join(dir, 'package.json');
      if (!existsSync(path)) continue;
      const pkg: { name?: string; version?: string } = JSON.parse(readFileSync(path, 'utf8'));
      if (pkg.name === name) return pkg.version ?? 'unknown';
    }
  } catch {
    // Not resolvable from here: say so below.
  }
  return 'unknown';
}

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD: a software adapter. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let started: Promise<WebGpuStart> | undefined;

async function start(flags: string[]): Promise<WebGpuStart> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    return { ok: false, reason: `the webgpu package (Dawn) did not load: ${String(error)}` };
  }
  const gpu = webgpu.create(flags);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    const hint = process.env.VK_ICD_FILENAMES
      ? `VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}`
      : `no GPU driver found; without a GPU, set VK_ICD_FILENAMES=${SWIFTSHADER_ICD} (SwiftShader, from Debian's chromium; libvulkan1 is the loader)`;
    return { ok: false, reason: `Dawn found no adapter (flags [${flags.join(', ')}]; ${hint})` };
  }
  Object.assign(globalThis, webgpu.globals);
  // Node 20 has no navigator; Node 21+ has one whose properties are getters.
  const navigator = Object.assign(Object.create(globalThis.navigator ?? null), { gpu });
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  // Registers TF.js's 'webgpu' backend only if navigator.gpu exists when it is first imported.
  await import('@tensorflow/tfjs-backend-webgpu');
  const { createWebGpuBackend } = await import('@nabla/backend-webgpu/node');
  // The same Dawn entry object as TF.js's navigator.gpu, kept alive by the backend.
  registerBackend(WEBGPU_PAIRING.nablaBackend, () => createWebGpuBackend({ gpu, keepAlive: gpu }));
  const dawn = `webgpu ${packageVersion('webgpu')}, flags [${flags.join(', ')}]`;
  const versions = `${dawn}; @tensorflow/tfjs-backend-webgpu ${packageVersion('@tensorflow/tfjs-backend-webgpu')}`;
  return { ok: true, adapter: describeAdapter(adapter.info), versions };
}

/**
 * Loads Dawn, shims `navigator.gpu` for TF.js and registers Nabla's side, once per process;
 * later calls return the first answer.
 * @example
 * const gpu = await startWebGpu(['backend=vulkan']);
 * if (!gpu.ok) console.error(`webgpu rows skipped: ${gpu.reason}`);
 */
export function startWebGpu(flags: string[] = dawnFlags()): Promise<WebGpuStart> {
  started ??= start(flags).catch((error: unknown) => ({ ok: false, reason: String(error) }) as const);
  return started;
}

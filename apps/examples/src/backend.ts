// Backend choice for the examples: `--backend NAME`, or by default the best backend whose
// package is loaded, from the preference list webgpu → wasm → cpu, with one line saying which
// runs and why the others don't. WebGPU (Dawn, through the `webgpu` package) is imported only
// when `--backend webgpu` names it, so no other run loads Dawn's native code.

import '@nabla/backend-cpu';
import '@nabla/backend-wasm';
import { BackendError, registerBackend, registeredBackends, setBackend, skippedBackends } from '@nabla/core';

/** The preference list every example uses when no backend is named. */
export const BACKEND_PREFERENCE = ['webgpu', 'wasm', 'cpu'] as const;

/**
 * Backends whose package is imported only when named. `auto` never imports them: in Node the
 * WebGPU adapter a machine without a GPU offers is a software one (SwiftShader, llvmpipe), far
 * slower than wasm, and `auto` must not pick it over wasm.
 */
const ON_DEMAND: Record<string, () => Promise<void>> = {
  webgpu: async () => {
    const { createNodeWebGpuBackend } = await import('@nabla/backend-webgpu/node');
    // A software adapter can take more than the default 60 s to answer one read of the CNN
    // (the work of a whole batch waits before it); wait up to 10 minutes before failing.
    registerBackend('webgpu', () => createNodeWebGpuBackend({ readTimeoutMs: 600_000 }), 3);
  },
};

/**
 * Where Debian's chromium package puts SwiftShader's Vulkan driver (ICD).
 * @example
 * process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD; // before --backend webgpu starts Dawn
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The backends `--backend` accepts: those whose packages the examples load, and webgpu.
 * @example
 * knownBackends(); // ['cpu', 'wasm', 'webgpu']
 */
export function knownBackends(): string[] {
  return [...new Set([...registeredBackends(), ...Object.keys(ON_DEMAND)])].sort();
}

/** The first line of an error's message (native libraries write several). */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/** Imports the package of an on-demand backend; a failure is one line saying what to install. */
async function loadOnDemand(name: string, load: () => Promise<void>): Promise<void> {
  try {
    await load();
  } catch (error) {
    throw new BackendError(
      `--backend ${name}: could not load Dawn through the \`webgpu\` package (${firstLine(error)}); reinstall it with \`npx -y pnpm@10.34.8 install\``,
    );
  }
}

/** Why webgpu did not start, and, when there is no adapter, how to give Node one without a GPU. */
function webGpuFailure(reason: string): BackendError {
  const hint = /no adapter/.test(reason)
    ? process.platform === 'linux'
      ? `; without a GPU, set VK_ICD_FILENAMES to a Vulkan driver, e.g. SwiftShader's from Debian's chromium package: VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`
      : '; this machine offers Dawn no GPU adapter'
    : '';
  return new BackendError(`--backend webgpu: ${reason.replace(/^webgpu: /, '')}${hint}`);
}

/**
 * Activates the named backend, or with 'auto' (the default) the best available one; resolves
 * to its name and the text to print (one line, then one more per backend skipped, with the
 * reason).
 * @example
 * const { name, line } = await useBackend('auto');
 * console.log(line); // 'backend: wasm\n  skipped webgpu: ...'
 */
export async function useBackend(choice = 'auto'): Promise<{ name: string; line: string }> {
  const load = Object.hasOwn(ON_DEMAND, choice) ? ON_DEMAND[choice] : undefined;
  if (load && !registeredBackends().includes(choice)) await loadOnDemand(choice, load);
  let name: string;
  try {
    name = await setBackend(choice === 'auto' ? BACKEND_PREFERENCE : choice);
  } catch (error) {
    if (choice !== 'webgpu') throw error;
    throw webGpuFailure(skippedBackends()[0]?.reason ?? firstLine(error));
  }
  const skipped = skippedBackends().map((s) => {
    const notLoaded = Object.hasOwn(ON_DEMAND, s.name) && !registeredBackends().includes(s.name);
    const reason = notLoaded
      ? `not tried by auto in Node (a software adapter is slower than wasm); ask for it with --backend ${s.name}`
      : s.reason;
    return `\n  skipped ${s.name}: ${reason}`;
  });
  const line = `backend: ${name}${skipped.join('')}`;
  return { name, line };
}

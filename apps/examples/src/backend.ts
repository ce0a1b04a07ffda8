// Backend choice for the examples: `--backend NAME`, or by default the best backend whose
// package is loaded, from the preference list webgpu → wasm → cpu, with one line saying which
// runs and why the others don't.

import '@nabla/backend-cpu';
import '@nabla/backend-wasm';
import { registeredBackends, setBackend, skippedBackends } from '@nabla/core';

/** The preference list every example uses when no backend is named. */
export const BACKEND_PREFERENCE = ['webgpu', 'wasm', 'cpu'] as const;

/**
 * The backends `--backend` accepts: those whose packages the examples load.
 * @example
 * knownBackends(); // ['cpu', 'cpu-async', 'wasm']
 */
export function knownBackends(): string[] {
  return registeredBackends().sort();
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
  const name = await setBackend(choice === 'auto' ? BACKEND_PREFERENCE : choice);
  const skipped = skippedBackends().map((s) => `\n  skipped ${s.name}: ${s.reason}`);
  const line = `backend: ${name}${skipped.join('')}`;
  return { name, line };
}

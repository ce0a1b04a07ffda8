// Backend choice for the examples: the best backend whose package is loaded, from the
// preference list webgpu → wasm → cpu, with one line saying which runs and why the others don't.

import '@nabla/backend-cpu';
import '@nabla/backend-wasm';
import { setBackend, skippedBackends } from '@nabla/core';

/** The preference list every example uses. */
export const BACKEND_PREFERENCE = ['webgpu', 'wasm', 'cpu'] as const;

/**
 * Activates the best available backend; resolves to its name and the text to print (one line,
 * then one more per backend skipped, with the reason).
 * @example
 * const { name, line } = await useBestBackend();
 * console.log(line); // 'backend: cpu\n  skipped webgpu: ...\n  skipped wasm: ...'
 */
export async function useBestBackend(): Promise<{ name: string; line: string }> {
  const name = await setBackend(BACKEND_PREFERENCE);
  const skipped = skippedBackends().map((s) => `\n  skipped ${s.name}: ${s.reason}`);
  const line = `backend: ${name}${skipped.join('')}`;
  return { name, line };
}

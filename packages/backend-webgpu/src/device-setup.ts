// Test setup: the software GPU CI has. Dawn's Vulkan backend over SwiftShader, whose ICD ships
// with Debian's chromium package (see docs/architecture.md); the loader reads VK_ICD_FILENAMES
// when Dawn starts, so this runs before the first `create()`. Without the ICD the tests fail
// and say what to install; they never skip silently.

import { existsSync } from 'node:fs';
import { registerBackend } from '@nabla/core';
import { createNodeWebGpuBackend } from './node.js';

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Registers 'webgpu' on Dawn + Vulkan SwiftShader (or on `NABLA_WEBGPU_FLAGS`, comma separated,
 * with the Vulkan ICD the environment names).
 * @example
 * registerSoftwareWebGpu();
 * await setBackend('webgpu');
 */
export function registerSoftwareWebGpu(): void {
  const flags = process.env.NABLA_WEBGPU_FLAGS?.split(',') ?? ['backend=vulkan'];
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  registerBackend(
    'webgpu',
    async () => {
      if (!process.env.VK_ICD_FILENAMES && flags.includes('backend=vulkan')) {
        throw new Error(
          `webgpu tests: no Vulkan driver: install Debian's chromium (for ${SWIFTSHADER_ICD}) and libvulkan1, or set VK_ICD_FILENAMES`,
        );
      }
      return createNodeWebGpuBackend({ dawnFlags: flags });
    },
    3,
  );
}

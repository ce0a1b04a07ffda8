// Test setup: the software GPUs CI has (see docs/architecture.md). Dawn's Vulkan backend over
// SwiftShader, whose ICD ships with Debian's chromium package (the loader reads
// VK_ICD_FILENAMES when Dawn starts, so it is set before the first `create()`), and Dawn's
// OpenGL ES backend over Mesa's llvmpipe, a `compatibility` adapter with EGL on no display, and
// Dawn's Vulkan backend over Mesa 25's lavapipe (scripts/install-lavapipe.sh), the one with
// `shader-f16`. The Vulkan loader reads VK_ICD_FILENAMES once, so each Vulkan driver needs its
// own test process (file). Without a driver the tests fail and say what to install; they never
// skip silently.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

/**
 * Registers `name` on Dawn's OpenGL ES backend over Mesa (llvmpipe): a `compatibility` adapter
 * (8 storage buffers per stage unless the adapter's limits are requested, which the backend
 * does). EGL_PLATFORM=surfaceless lets EGL start without a display.
 * @example
 * registerGlesWebGpu('webgpu-gles');
 * await setBackend('webgpu-gles');
 */
export function registerGlesWebGpu(name: string): void {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  registerBackend(name, async () => {
    try {
      return await createNodeWebGpuBackend({
        dawnFlags: ['backend=opengles'],
        adapter: { featureLevel: 'compatibility' },
      });
    } catch (error) {
      throw new Error(
        `webgpu tests: no OpenGL ES adapter: install Debian's libegl-mesa0, libgles2 and libgl1-mesa-dri (${String(error)})`,
      );
    }
  });
}

/** Where scripts/install-lavapipe.sh writes lavapipe's ICD (the repository's .cache folder). */
export const LAVAPIPE_ICD = fileURLToPath(new URL('../../../.cache/lavapipe/lvp_icd.json', import.meta.url));

/**
 * Registers `name` on Dawn + Vulkan over Mesa 25's lavapipe (the ICD in `NABLA_LAVAPIPE_ICD`, else
 * where scripts/install-lavapipe.sh puts it), a `core` adapter with `shader-f16`. It must be the
 * only Vulkan driver of its process: it sets VK_ICD_FILENAMES before Dawn starts.
 * @example
 * registerLavapipeWebGpu('webgpu-f16');
 * await setBackend('webgpu-f16');
 */
export function registerLavapipeWebGpu(name: string): void {
  const icd = process.env.NABLA_LAVAPIPE_ICD ?? LAVAPIPE_ICD;
  process.env.VK_ICD_FILENAMES = icd;
  registerBackend(name, async () => {
    if (!existsSync(icd)) {
      throw new Error(
        `webgpu tests: no lavapipe ICD at ${icd}: run scripts/install-lavapipe.sh (Mesa 25 from Debian's bookworm-backports, unpacked into .cache/lavapipe)`,
      );
    }
    const backend = await createNodeWebGpuBackend({ dawnFlags: ['backend=vulkan'] });
    if (!backend.supportsDType('float16')) {
      backend.dispose();
      throw new Error(
        `webgpu tests: the adapter from ${icd} (${backend.adapterInfo?.description ?? 'unknown'}) has no shader-f16: scripts/install-lavapipe.sh installs Mesa 25's lavapipe, which has it`,
      );
    }
    return backend;
  });
}

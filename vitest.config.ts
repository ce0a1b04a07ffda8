// One vitest run over every package. Workspace imports resolve to TypeScript sources so the
// tests exercise the code as written (the pack test separately exercises the built dist/).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@nabla\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@nabla\/core\/internal$/, replacement: src('./packages/core/src/internal.ts') },
      { find: /^@nabla\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@nabla\/backend-cpu$/, replacement: src('./packages/backend-cpu/src/index.ts') },
      { find: /^@nabla\/backend-wasm$/, replacement: src('./packages/backend-wasm/src/index.ts') },
      { find: /^@nabla\/backend-webgpu\/node$/, replacement: src('./packages/backend-webgpu/src/node.ts') },
      { find: /^@nabla\/backend-webgpu$/, replacement: src('./packages/backend-webgpu/src/index.ts') },
      { find: /^@nabla\/onnx$/, replacement: src('./packages/onnx/src/index.ts') },
      { find: /^@nabla\/onnx\/node$/, replacement: src('./packages/onnx/src/node.ts') },
      { find: /^@nabla\/nn\/node$/, replacement: src('./packages/nn/src/node.ts') },
      { find: /^@nabla\/nn$/, replacement: src('./packages/nn/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['./scripts/vitest-setup.ts'],
    // --expose-gc lets the engine tests check the FinalizationRegistry safety net.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});

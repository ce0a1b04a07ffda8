// Proves per-package installs work: packs @nabla/core and @nabla/backend-cpu from their built
// dist/ with `pnpm pack`, installs the tarballs with plain npm into a fresh folder outside the
// workspace, and runs a script there that multiplies two matrices and takes a gradient.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'nabla-pack-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

const SCRIPT = `
import { tensor, matmul, grad, sum, getBackend } from '@nabla/core';
import '@nabla/backend-cpu';
const a = tensor([[1, 2], [3, 4]]);
const b = tensor([[5, 6], [7, 8]]);
const c = matmul(a, b);
const g = grad((x) => sum(matmul(x, b)))(a);
console.log(JSON.stringify({ backend: getBackend(), c: await c.array(), g: await g.array() }));
`;

describe('pack and install', () => {
  it('installs the packed tarballs with npm and runs matmul and grad', () => {
    for (const pkg of ['core', 'backend-cpu']) {
      const dist = join(root, 'packages', pkg, 'dist', 'index.js');
      expect(existsSync(dist), `${dist} is missing: run pnpm build first`).toBe(true);
    }
    const pnpm = ['-y', 'pnpm@10.34.8'];
    for (const pkg of ['core', 'backend-cpu']) {
      execFileSync('npx', [...pnpm, 'pack', '--pack-destination', work], {
        cwd: join(root, 'packages', pkg),
        stdio: 'pipe',
      });
    }
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['nabla-backend-cpu-0.1.0.tgz', 'nabla-core-0.1.0.tgz']);
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'pack-check', private: true, type: 'module' }),
    );
    writeFileSync(join(app, 'main.js'), SCRIPT);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', ...tarballs.map((t) => join(work, t))], {
      cwd: app,
      stdio: 'pipe',
    });
    const out = execFileSync('node', ['main.js'], { cwd: app, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toEqual({
      backend: 'cpu',
      c: [
        [19, 22],
        [43, 50],
      ],
      // d/da sum(a·b) = 1·bᵀ: each row is the row sums of b.
      g: [
        [11, 15],
        [11, 15],
      ],
    });
  }, 180_000);
});

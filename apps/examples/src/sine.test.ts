// The sine regression fits to MSE < 0.01 and draws its plot.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSine } from './sine.js';

describe('sine', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('fits sin(x) on [-π, π] to MSE < 0.01 and writes an SVG with the curves', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'nabla-sine-'));
    dirs.push(outDir);
    const { mse, svgPath } = await runSine({ outDir });
    expect(mse).toBeLessThan(0.01);
    expect(svgPath).toBe(join(outDir, 'sine.svg'));
    const svg = await readFile(svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path d="M/g)?.length).toBe(2);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});

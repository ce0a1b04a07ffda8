// The import layering of ops/. The primitive families below write their VJP rules with one
// another's ops (binary's rules sum with reduce, reduce's broadcast with movement, ...), so
// they import each other; that is safe only because no module-level code calls an import.
// Every other op file sits above them and must not be imported back, so a cycle through a
// composite (creation, softmax, conv, ...) is a failure here rather than an undefined import
// at load time in some import order.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const OPS = dirname(fileURLToPath(import.meta.url));

/**
 * The families whose rules use one another: the only files of ops/ allowed in a cycle. chain
 * (elementwise chains) is among them: reduce's moments is a chain, and a chain's gradient sums
 * with reduce and steps with binary and unary.
 */
const PRIMITIVE_LAYER = new Set(['binary', 'chain', 'movement', 'reduce', 'unary', 'where']);

/** Runtime imports between ops/ files (type-only imports vanish when compiled). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(OPS)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(join(OPS, file), 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)(\s+type)?[^;]*?from '\.\/([\w-]+)\.js'/gms)) {
      const name = m[2];
      if (!m[1] && name !== undefined) deps.push(name);
    }
    graph.set(file.slice(0, -'.ts'.length), deps);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('ops/ import layering', () => {
  const graph = importGraph();

  it('reads the import graph', () => {
    expect(graph.get('binary')).toContain('reduce');
    expect(graph.size).toBeGreaterThan(10);
  });

  it('has cycles only inside the primitive layer', () => {
    const outside = cycles(graph).filter((c) => c.some((f) => !PRIMITIVE_LAYER.has(f)));
    expect(outside).toEqual([]);
  });

  it('keeps the primitive layer below every composite op file', () => {
    const below = new Set([...PRIMITIVE_LAYER, 'args', 'cast', 'convert', 'gather', 'slice']);
    const upward = [...PRIMITIVE_LAYER].flatMap((f) =>
      (graph.get(f) ?? []).filter((d) => !below.has(d)).map((d) => `${f} -> ${d}`),
    );
    expect(upward).toEqual([]);
  });
});

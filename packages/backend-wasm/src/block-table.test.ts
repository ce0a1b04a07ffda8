import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockTable } from './block-table.js';

describe('BlockTable', () => {
  it('answers like a Map over random sets, deletes and lookups (growth and wrapped probe runs included)', () => {
    const op = fc.tuple(
      fc.constantFrom('set', 'delete', 'get'),
      fc.integer({ min: 1, max: 300 }),
      fc.nat(1e6),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        // A small table, so probe runs wrap around its end and it grows several times.
        const table = new BlockTable(16);
        const map = new Map<number, number>();
        for (const [kind, slot, size] of ops) {
          const start = slot * 16;
          if (kind === 'set') {
            table.set(start, size);
            map.set(start, size);
          } else if (kind === 'delete') {
            expect(table.delete(start)).toBe(map.delete(start));
          } else {
            expect(table.get(start)).toBe(map.get(start));
          }
          expect(table.size).toBe(map.size);
        }
        for (let slot = 1; slot <= 300; slot++) expect(table.get(slot * 16)).toBe(map.get(slot * 16));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every block through heavy churn of one start region (a training step per round)', () => {
    const table = new BlockTable();
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 2000; i++) table.set((1 << 20) + 16 * i, 16 * (i % 7) + 16);
      expect(table.size).toBe(2000);
      for (let i = 0; i < 2000; i += 2) expect(table.delete((1 << 20) + 16 * i)).toBe(true);
      for (let i = 1; i < 2000; i += 2) expect(table.get((1 << 20) + 16 * i)).toBe(16 * (i % 7) + 16);
      for (let i = 1; i < 2000; i += 2) table.delete((1 << 20) + 16 * i);
      expect(table.size).toBe(0);
    }
  });

  it('finds nothing at starts that are not block starts, and refuses to store one', () => {
    const table = new BlockTable();
    table.set(4096, 64);
    for (const start of [0, 4095, 4100, -16, Number.NaN, 2 ** 40]) {
      expect(table.get(start)).toBeUndefined();
      expect(table.delete(start)).toBe(false);
    }
    expect(() => table.set(4100, 16)).toThrow(RangeError);
    expect(table.get(4096)).toBe(64);
    expect(table.size).toBe(1);
  });
});

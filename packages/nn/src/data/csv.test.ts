// CSV: numeric columns with and without a header, quoting, CRLF, delimiters, column
// selection, and errors naming the line and column of a bad cell.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../io/errors.js';
import { parseCsv } from './csv.js';
import { readCsv } from './read.js';

describe('parseCsv', () => {
  it('reads numeric columns under a header', () => {
    const table = parseCsv('x,y\n1,2\n-3.5,4e2\n\n');
    expect(table.names).toEqual(['x', 'y']);
    expect(table.rows).toBe(2);
    expect(Array.from(table.columns[0]!)).toEqual([1, -3.5]);
    expect(Array.from(table.columns[1]!)).toEqual([2, 400]);
  });

  it('handles no header, CRLF, a BOM, quotes, other delimiters and special values', () => {
    const table = parseCsv('\ufeff1;"2.5"\r\n NaN ;-inf\r\n', { header: false, delimiter: ';' });
    expect(table.names).toEqual(['0', '1']);
    expect(Array.from(table.columns[0]!)).toEqual([1, Number.NaN]);
    expect(Array.from(table.columns[1]!)).toEqual([2.5, Number.NEGATIVE_INFINITY]);
  });

  it('selects columns by name or index, skipping non-numeric ones', () => {
    const text = 'id,"name, full",score\n1,"Ada, L.",9.5\n2,"Bob ""B""",7\n';
    const table = parseCsv(text, { columns: ['score', 0] });
    expect(table.names).toEqual(['score', 'id']);
    expect(Array.from(table.columns[0]!)).toEqual([9.5, 7]);
    expect(Array.from(table.columns[1]!)).toEqual([1, 2]);
    expect(() => parseCsv(text, { columns: ['nope'] })).toThrow(/no column "nope"/);
  });

  it('names the line and column of a non-numeric cell', () => {
    const text = 'a,b\n1,2\n3,"multi\nline"\n5,abc\n';
    expect(() => parseCsv(text, { source: 'data.csv', columns: ['a'] })).not.toThrow();
    let caught: unknown;
    try {
      parseCsv('a,b\n1,2\n3,0x10\n', { source: 'data.csv' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).message).toBe(
      'data.csv: line 3, column 2 ("b"): expected a number, got "0x10"',
    );
    // Line numbers count the lines inside quoted fields.
    expect(() => parseCsv(text, { source: 'data.csv' })).toThrow(
      /line 3, column 2 \("b"\): expected a number, got "multi\\nline"/,
    );
  });

  it('rejects ragged rows and empty cells unless `missing` is given', () => {
    expect(() => parseCsv('a,b\n1\n', { source: 'r.csv' })).toThrow(
      /^r.csv: line 2: expected 2 cells, got 1/,
    );
    expect(() => parseCsv('a,b\n1,\n')).toThrow(/line 2, column 2 .* got ""/);
    expect(Array.from(parseCsv('a,b\n1,\n', { missing: -1 }).columns[1]!)).toEqual([-1]);
  });
});

describe('readCsv', () => {
  it('reads from a path or from text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-csv-'));
    try {
      const path = join(dir, 't.csv');
      await writeFile(path, 'a,b\n1,2\n3,x\n');
      await expect(readCsv(path)).rejects.toThrow(new RegExp(`^${path}: line 3, column 2`));
      const fromText = await readCsv('a\n7\n');
      expect(Array.from(fromText.columns[0]!)).toEqual([7]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

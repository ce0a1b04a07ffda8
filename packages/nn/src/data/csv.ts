// Numeric CSV parsing (RFC 4180 quoting, CRLF or LF, optional header, any one-character
// delimiter): returns the selected columns as Float64Arrays, and names the line and column
// of any cell that is not a number. Browser-safe; data/read.ts adds reading from a path.

import { ArgumentError } from '@nabla/core';
import { checkArgCount, describeValue } from '@nabla/core/internal';
import { checkBoolean, checkOptions, readOnce } from '../engine/options.js';
import { FormatError } from '../io/errors.js';

/** Options of {@link parseCsv} and `readCsv`. */
export interface CsvOptions {
  /** The first record holds column names (default true); without one, names are "0", "1", ... */
  header?: boolean;
  /** One-character field separator (default ','). */
  delimiter?: string;
  /** Columns to keep, by name or 0-based index (default all); others need not be numeric. */
  columns?: readonly (string | number)[];
  /** Value for empty cells; without it an empty cell is an error. */
  missing?: number;
  /** Name used in error messages (default `<text>`; readCsv passes the path). */
  source?: string;
}

/** A parsed CSV: column names and values, one Float64Array per kept column. */
export interface CsvTable {
  names: string[];
  columns: Float64Array[];
  rows: number;
}

interface Cell {
  text: string;
  quoted: boolean;
}

interface CsvRecord {
  line: number;
  cells: Cell[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/** Splits text into records of cells; `line` is the 1-based line a record starts on. */
function tokenize(text: string, delimiter: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: Cell[] = [];
  let text_ = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endCell = () => {
    cells.push({ text: text_, quoted });
    text_ = '';
    quoted = false;
  };
  const endRecord = () => {
    endCell();
    // A blank line is one unquoted empty cell: skip it.
    if (!(cells.length === 1 && !cells[0]!.quoted && cells[0]!.text.trim() === '')) {
      records.push({ line: recordLine, cells });
    }
    cells = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && text_.trim() === '' && !quoted) {
      quoted = true;
      text_ = '';
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new FormatError(source, `line ${start}: unterminated quoted field`);
        const q = text[i]!;
        if (q === '"' && text[i + 1] === '"') {
          text_ += '"';
          i += 2;
        } else if (q === '"') {
          i++;
          break;
        } else {
          if (q === '\n') line++;
          text_ += q;
          i++;
        }
      }
      continue;
    }
    if (c === delimiter) endCell();
    else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      recordLine = line;
    } else text_ += c;
    i++;
  }
  if (text_ !== '' || quoted || cells.length > 0) endRecord();
  return records;
}

function parseNumber(cell: Cell): number | undefined {
  const s = cell.text.trim();
  if (NUMBER.test(s)) return Number(s);
  return SPECIAL[s.toLowerCase()];
}

/**
 * Parses CSV text into numeric columns. Non-numeric cells in kept columns throw a
 * `FormatError` naming the line and column; ragged rows throw too.
 * @example
 * const { names, columns } = parseCsv('x,y\n1,2\n3,4\n');
 * names; // ['x', 'y'];  columns[1]; // Float64Array [2, 4]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  checkArgCount('parseCsv', arguments.length, 2, 'parseCsv(text, options?)');
  if (typeof text !== 'string')
    throw new ArgumentError(`parseCsv: expected CSV text, got ${describeValue(text)}`);
  options = readOnce(options);
  checkOptions('parseCsv', options, ['header', 'delimiter', 'columns', 'missing', 'source']);
  checkBoolean('parseCsv', 'header', options.header);
  const { header = true, delimiter = ',', source = '<text>' } = options;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new ArgumentError(
      `parseCsv: delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`,
    );
  }
  const records = tokenize(text, delimiter, source);
  const first = records[0];
  if (first === undefined) return { names: [], columns: [], rows: 0 };
  const width = first.cells.length;
  const allNames = header ? first.cells.map((c) => c.text.trim()) : first.cells.map((_, i) => String(i));
  const body = header ? records.slice(1) : records;
  const picked = (options.columns ?? allNames.map((_, i) => i)).map((key) => {
    const index = typeof key === 'number' ? key : allNames.indexOf(key);
    if (!Number.isInteger(index) || index < 0 || index >= width) {
      throw new ArgumentError(
        `parseCsv: ${source}: no column ${JSON.stringify(key)} (columns: ${allNames.map((n) => JSON.stringify(n)).join(', ')})`,
      );
    }
    return index;
  });
  const columns = picked.map(() => new Float64Array(body.length));
  body.forEach((record, row) => {
    if (record.cells.length !== width) {
      throw new FormatError(
        source,
        `line ${record.line}: expected ${width} cells, got ${record.cells.length}`,
      );
    }
    picked.forEach((index, k) => {
      const cell = record.cells[index]!;
      let value = parseNumber(cell);
      if (value === undefined && cell.text.trim() === '' && options.missing !== undefined)
        value = options.missing;
      if (value === undefined) {
        throw new FormatError(
          source,
          `line ${record.line}, column ${index + 1} (${JSON.stringify(allNames[index])}): expected a number, got ${JSON.stringify(cell.text)}`,
        );
      }
      columns[k]![row] = value;
    });
  });
  return { names: picked.map((i) => allNames[i]!), columns, rows: body.length };
}

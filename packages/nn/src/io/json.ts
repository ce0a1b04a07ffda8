// JSON parsing for files a user may not have written (model configs, safetensors headers):
// rejects prototype-polluting keys (`__proto__`, `constructor`, `prototype`) and duplicate
// keys, and reports errors with the source file, line and column.

import { FormatError } from './errors.js';

/** Keys that can reach an object's prototype chain when a parsed value is merged or assigned. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Options of {@link parseJsonSafe}. */
export interface ParseJsonOptions {
  /** `'error'` (default) throws on a forbidden key; `'strip'` drops the key and its value. */
  forbiddenKeys?: 'error' | 'strip';
  /** Throw when an object repeats a key (default true); JSON.parse would keep the last silently. */
  rejectDuplicateKeys?: boolean;
  /** Deepest nesting of arrays and objects accepted (default {@link MAX_JSON_DEPTH}). */
  maxDepth?: number;
}

/** Nesting deeper than this is refused: no model file needs it, and deep input overflows stacks. */
export const MAX_JSON_DEPTH = 256;

/**
 * `JSON.parse` that cannot pollute prototypes: `__proto__`, `constructor` and `prototype` keys
 * are rejected (or stripped), duplicate keys are rejected, and every error is a `FormatError`
 * naming `source` with a line and column.
 * @example
 * const config = parseJsonSafe(text, 'model/config.json');
 * parseJsonSafe('{"__proto__": {}}', 'x.json'); // throws FormatError: x.json: forbidden key ...
 */
export function parseJsonSafe(text: string, source = '<buffer>', options: ParseJsonOptions = {}): unknown {
  const { forbiddenKeys = 'error', rejectDuplicateKeys = true, maxDepth = MAX_JSON_DEPTH } = options;
  // Validate first, so every syntax error gets a position (V8's messages often lack one).
  new Scanner(text, source, forbiddenKeys === 'error', rejectDuplicateKeys, maxDepth).document();
  // JSON.parse defines "__proto__" as an own data property (it never sets a prototype); in
  // strip mode the reviver drops forbidden keys before anything else sees them.
  return forbiddenKeys === 'strip'
    ? JSON.parse(text, (key, v) => (FORBIDDEN_KEYS.has(key) ? undefined : v))
    : JSON.parse(text);
}

/**
 * `line L, column C` (both 1-based) of a character offset.
 * @example
 * lineColumn('ab\ncd', 4); // 'line 2, column 2'
 * lineColumn('{}', 0); // 'line 1, column 1'
 */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** A recursive-descent JSON validator (RFC 8259) that also checks object keys. */
class Scanner {
  #i = 0;
  readonly #text: string;
  readonly #source: string;
  readonly #forbid: boolean;
  readonly #unique: boolean;
  readonly #maxDepth: number;
  #depth = 0;

  constructor(text: string, source: string, forbid: boolean, unique: boolean, maxDepth: number) {
    this.#text = text;
    this.#source = source;
    this.#forbid = forbid;
    this.#unique = unique;
    this.#maxDepth = maxDepth;
  }

  #enter(): void {
    this.#depth++;
    if (this.#depth > this.#maxDepth) this.#fail(`nesting deeper than ${this.#maxDepth} levels`);
  }

  document(): void {
    this.#value();
    this.#space();
    if (this.#i < this.#text.length) this.#fail('unexpected text after the JSON value');
  }

  #fail(problem: string, at = this.#i): never {
    const found =
      at < this.#text.length ? ` (found ${JSON.stringify(this.#text[at])})` : ' (found end of input)';
    throw new FormatError(this.#source, `invalid JSON at ${lineColumn(this.#text, at)}: ${problem}${found}`);
  }

  #space(): void {
    const t = this.#text;
    while (
      this.#i < t.length &&
      (t[this.#i] === ' ' || t[this.#i] === '\n' || t[this.#i] === '\r' || t[this.#i] === '\t')
    ) {
      this.#i++;
    }
  }

  #value(): void {
    this.#space();
    const c = this.#text[this.#i];
    if (c === '{') this.#object();
    else if (c === '[') this.#array();
    else if (c === '"') this.#string();
    else if (c === 't') this.#word('true');
    else if (c === 'f') this.#word('false');
    else if (c === 'n') this.#word('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.#number();
    else this.#fail('expected a value');
  }

  #word(word: string): void {
    if (!this.#text.startsWith(word, this.#i)) this.#fail(`expected ${word}`);
    this.#i += word.length;
  }

  #number(): void {
    NUMBER.lastIndex = this.#i;
    if (!NUMBER.test(this.#text)) this.#fail('malformed number');
    this.#i = NUMBER.lastIndex;
  }

  #string(): string {
    const t = this.#text;
    const start = this.#i;
    this.#i++;
    for (;;) {
      if (this.#i >= t.length) this.#fail('unterminated string', start);
      const c = t[this.#i]!;
      if (c === '"') break;
      if (c === '\\') {
        const e = t[this.#i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.#i + 2, this.#i + 6))) this.#i += 6;
        else if (e !== undefined && ESCAPES.has(e)) this.#i += 2;
        else this.#fail('invalid escape in string');
      } else if (c.charCodeAt(0) < 0x20) {
        this.#fail('control character in string');
      } else this.#i++;
    }
    this.#i++;
    return JSON.parse(t.slice(start, this.#i)) as string;
  }

  #array(): void {
    this.#enter();
    this.#i++;
    this.#space();
    if (this.#text[this.#i] === ']') {
      this.#i++;
      this.#depth--;
      return;
    }
    for (;;) {
      this.#value();
      this.#space();
      const c = this.#text[this.#i];
      this.#i++;
      if (c === ']') {
        this.#depth--;
        return;
      }
      if (c !== ',') this.#fail("expected ',' or ']'", this.#i - 1);
    }
  }

  #object(): void {
    this.#enter();
    this.#i++;
    const seen = new Set<string>();
    this.#space();
    if (this.#text[this.#i] === '}') {
      this.#i++;
      this.#depth--;
      return;
    }
    for (;;) {
      this.#space();
      if (this.#text[this.#i] !== '"') this.#fail('expected a string key');
      const at = this.#i;
      const key = this.#string();
      if (this.#forbid && FORBIDDEN_KEYS.has(key)) {
        throw new FormatError(
          this.#source,
          `forbidden key "${key}" at ${lineColumn(this.#text, at)} (it could pollute object prototypes)`,
        );
      }
      if (this.#unique) {
        if (seen.has(key))
          throw new FormatError(this.#source, `duplicate key "${key}" at ${lineColumn(this.#text, at)}`);
        seen.add(key);
      }
      this.#space();
      if (this.#text[this.#i] !== ':') this.#fail("expected ':'");
      this.#i++;
      this.#value();
      this.#space();
      const c = this.#text[this.#i];
      this.#i++;
      if (c === '}') {
        this.#depth--;
        return;
      }
      if (c !== ',') this.#fail("expected ',' or '}'", this.#i - 1);
    }
  }
}

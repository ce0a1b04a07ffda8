// parseJsonSafe: ordinary JSON parses unchanged; prototype-polluting and duplicate keys are
// rejected (or stripped on request) without touching Object.prototype; errors give positions.

import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { lineColumn, parseJsonSafe } from './json.js';

describe('parseJsonSafe', () => {
  it('parses ordinary JSON', () => {
    expect(parseJsonSafe('{"a": [1, {"b": "c"}], "d": null}', 'x.json')).toEqual({
      a: [1, { b: 'c' }],
      d: null,
    });
    expect(parseJsonSafe('"\\"__proto__\\": 1"')).toBe('"__proto__": 1');
    expect(parseJsonSafe('["__proto__", "constructor"]')).toEqual(['__proto__', 'constructor']);
  });

  it('rejects __proto__ without polluting Object.prototype', () => {
    const text = '{"__proto__": {"polluted": 1}}';
    expect(() => parseJsonSafe(text, 'evil.json')).toThrow(FormatError);
    expect(() => parseJsonSafe(text, 'evil.json')).toThrow(
      /^evil.json: forbidden key "__proto__" at line 1, column 2/,
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects nested constructor and prototype keys with their position', () => {
    expect(() => parseJsonSafe('{"a": {\n  "constructor": {"prototype": {"x": 1}}}}', 'cfg.json')).toThrow(
      /cfg.json: forbidden key "constructor" at line 2, column 3/,
    );
    expect(() => parseJsonSafe('[{"prototype": 1}]', 'p.json')).toThrow(/forbidden key "prototype"/);
  });

  it('strips forbidden keys on request', () => {
    const value = parseJsonSafe('{"a": 1, "__proto__": {"polluted": 1}, "b": {"constructor": 2}}', 'x.json', {
      forbiddenKeys: 'strip',
    });
    expect(value).toEqual({ a: 1, b: {} });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('rejects duplicate keys unless allowed', () => {
    expect(() => parseJsonSafe('{"a": 1, "b": {"a": 2}, "a": 3}', 'dup.json')).toThrow(
      /dup.json: duplicate key "a" at line 1, column 25/,
    );
    expect(parseJsonSafe('{"a": 1, "a": 2}', 'dup.json', { rejectDuplicateKeys: false })).toEqual({ a: 2 });
    // The same key in sibling objects is fine.
    expect(parseJsonSafe('[{"a": 1}, {"a": 2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the source, line and column of a syntax error', () => {
    let caught: unknown;
    try {
      parseJsonSafe('{\n  "a": 1,\n  "b": }', 'config.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FormatError);
    expect((caught as FormatError).message).toMatch(/^config.json: invalid JSON at line 3, column 8/);
  });

  it('computes line and column from an offset', () => {
    expect(lineColumn('ab\ncd', 4)).toBe('line 2, column 2');
  });
  it('refuses nesting deeper than the limit with a FormatError, not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseJsonSafe(deep, 'deep.json')).toThrow(FormatError);
    expect(() => parseJsonSafe(deep, 'deep.json')).toThrow(
      /^deep.json: invalid JSON at line 1, column 257: nesting deeper than 256 levels/,
    );
    expect(parseJsonSafe('[[{"a":[1]}]]', 'ok.json', { maxDepth: 4 })).toEqual([[{ a: [1] }]]);
    expect(() => parseJsonSafe('[[{"a":[1]}]]', 'x.json', { maxDepth: 3 })).toThrow(/nesting deeper than 3/);
  });
});

// prefixError, which names the layer or model in errors raised inside it, keeps each error's
// class and fields: FormatError and IOError take (source, problem), not a message, so building a
// new instance from a message would garble them.

import { ShapeError } from '@nabla/core';
import { describe, expect, it } from 'vitest';
import { FormatError, IOError } from '../io/errors.js';
import { prefixError } from './layer.js';

describe('prefixError', () => {
  it('prefixes a FormatError keeping its class, source, message and cause', () => {
    const inner = new FormatError('model.onnx', "node 'n1': unknown operator Foo");
    const outer = prefixError(inner, 'onnx_1: apply') as FormatError;
    expect(outer).toBeInstanceOf(FormatError);
    expect(outer.name).toBe('FormatError');
    expect(outer.source).toBe('model.onnx');
    expect(outer.message).toBe("onnx_1: apply: model.onnx: node 'n1': unknown operator Foo");
    expect(outer.cause).toBe(inner);
    expect(outer.stack).toContain('onnx_1: apply: model.onnx');
  });

  it('prefixes an IOError keeping path and code, and a ShapeError as before', () => {
    const io = prefixError(new IOError('w.bin', 'could not read', { code: 'ENOENT' }), 'm') as IOError;
    expect([io instanceof IOError, io.path, io.code, io.message]).toEqual([
      true,
      'w.bin',
      'ENOENT',
      'm: w.bin: could not read',
    ]);
    const shape = prefixError(new ShapeError('bad'), 'dense_1') as ShapeError;
    expect([shape instanceof ShapeError, shape.message]).toEqual([true, 'dense_1: bad']);
  });

  it('leaves an error alone when it already names the prefix, and non-Nabla errors', () => {
    const named = new ShapeError('dense_1: bad');
    expect(prefixError(named, 'dense_1')).toBe(named);
    const plain = new TypeError('x');
    expect(prefixError(plain, 'dense_1')).toBe(plain);
  });
});

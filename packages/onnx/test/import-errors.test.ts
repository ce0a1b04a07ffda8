// ONNX import of malformed and unsupported files: each is a FormatError (or an ArgumentError
// for bad arguments) that names the file and the node or tensor, raised before any tensor is
// made. The bad bytes are the MLP fixture truncated or decoded, altered and re-encoded.

import '@nabla/backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, memory, setBackend, UnsupportedError } from '@nabla/core';
import { FormatError } from '@nabla/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../src/index.js';
import { decodeModelProto, encodeModelProto, type ModelProto, OnnxDataType } from '../src/proto.js';

const MLP = readFileSync(join(import.meta.dirname, 'fixtures', 'mlp.onnx'));

/** The MLP fixture after `change`. */
function altered(change: (m: ModelProto) => void): Uint8Array {
  const m = decodeModelProto(MLP);
  change(m);
  return encodeModelProto(m);
}

/** Expects a FormatError naming `mlp.onnx` and matching `pattern`, with no tensor made. */
async function expectFormatError(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  const before = memory().numTensors;
  const error = await importOnnx(bytes, { source: 'mlp.onnx' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FormatError);
  expect((error as FormatError).source).toBe('mlp.onnx');
  expect((error as Error).message).toMatch(/^mlp\.onnx: /);
  expect((error as Error).message).toMatch(pattern);
  expect(memory().numTensors).toBe(before);
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('importOnnx: malformed files', () => {
  it('a truncated file', async () => {
    await expectFormatError(MLP.subarray(0, MLP.length - 100), /truncated or corrupt protobuf/);
    await expectFormatError(new Uint8Array([0xff, 0xff, 0xff]), /truncated or corrupt protobuf/);
  });

  it('an unsupported or missing opset', async () => {
    const old = altered((m) => {
      m.opsetImport = [{ domain: '', version: 9 }];
    });
    await expectFormatError(old, /opset 9 is not supported/);
    const none = altered((m) => {
      m.opsetImport = [];
    });
    await expectFormatError(none, /no opset of the default ONNX domain/);
  });

  it('a dangling edge, naming the node and the input', async () => {
    const bytes = altered((m) => {
      m.graph!.node![1]!.input = ['/nowhere'];
    });
    await expectFormatError(bytes, /node '\/Relu' \(Relu\): input '\/nowhere' is not produced/);
  });

  it('a graph output that no node produces', async () => {
    const bytes = altered((m) => {
      m.graph!.output![0]!.name = 'missing';
    });
    await expectFormatError(bytes, /graph output 'missing' is not produced/);
  });

  it('an initializer that declares 2^40 elements', async () => {
    const bytes = altered((m) => {
      m.graph!.initializer![0]!.dims = [2 ** 20, 2 ** 20];
    });
    await expectFormatError(bytes, /tensor 'fc1\.weight' declares shape \[1048576,1048576\]/);
  });

  it('a dim beyond 2^53', async () => {
    const bytes = altered((m) => {
      m.graph!.initializer![0]!.dims = [{ low: 0, high: 0x7fffffff, toNumber: () => 2 ** 62 }];
    });
    await expectFormatError(bytes, /beyond 2\^53/);
  });

  it('raw_data whose length disagrees with the dims', async () => {
    const bytes = altered((m) => {
      m.graph!.initializer![0]!.dims = [16, 5];
    });
    await expectFormatError(
      bytes,
      /tensor 'fc1\.weight' declares shape \[16,5\] \(80 elements\) but holds 384 bytes/,
    );
  });

  it('typed data whose count disagrees with the dims', async () => {
    const bytes = altered((m) => {
      m.graph!.initializer![1] = {
        name: 'fc1.bias',
        dims: [16],
        dataType: OnnxDataType.FLOAT,
        floatData: [1, 2],
      };
    });
    await expectFormatError(
      bytes,
      /tensor 'fc1\.bias' declares shape \[16\] \(16 elements\) but holds 2 values/,
    );
  });

  it('data kept in an external file', async () => {
    const bytes = altered((m) => {
      m.graph!.initializer![1]!.dataLocation = 1;
    });
    await expectFormatError(bytes, /external file/);
  });

  it('a graph input that declares 2^40 elements per sample', async () => {
    const bytes = altered((m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim = [{ dimParam: 'batch' }, { dimValue: 2 ** 40 }];
    });
    await expectFormatError(bytes, /graph input 'input' declares shape \[\?,1099511627776\]/);
  });

  it('an output produced twice', async () => {
    const bytes = altered((m) => {
      m.graph!.node![3]!.output = ['/Relu_output_0'];
    });
    await expectFormatError(
      bytes,
      /node '\/Sigmoid' \(Sigmoid\): output '\/Relu_output_0' is produced twice/,
    );
  });

  it('a Constant node whose tensor disagrees with its dims', async () => {
    const bytes = altered((m) => {
      const value = { name: 'c', dims: [3], dataType: OnnxDataType.FLOAT, floatData: [1] };
      m.graph!.node!.unshift({
        opType: 'Constant',
        name: 'c',
        output: ['c'],
        attribute: [{ name: 'value', type: 4, t: value }],
      });
    });
    await expectFormatError(
      bytes,
      /^mlp\.onnx: node 'c' \(Constant\): tensor 'c' declares shape \[3\] \(3 elements\) but holds 1 values$/,
    );
  });

  it('every unknown operator in one error', async () => {
    const bytes = altered((m) => {
      m.graph!.node![1]!.opType = 'Frobnicate';
      m.graph!.node![3]!.opType = 'Frobnicate';
      m.graph!.node![2]!.opType = 'Zap';
      m.graph!.node![4]!.domain = 'com.example';
    });
    await expectFormatError(
      bytes,
      /unsupported ONNX operators: Frobnicate \(\/Relu, \/Sigmoid\); Zap \(\/fc2\/Gemm\); com\.example\.Gemm \(\/head\/Gemm\)/,
    );
  });
});

describe('importOnnx: supported operators with settings import does not implement', () => {
  it('is an UnsupportedError naming the file and the node, with nothing left allocated', async () => {
    const cnn = decodeModelProto(readFileSync(join(import.meta.dirname, 'fixtures', 'cnn.onnx')));
    const conv = cnn.graph!.node![0]!;
    conv.attribute = [
      ...(conv.attribute ?? []).filter((a) => a.name !== 'pads'),
      { name: 'auto_pad', type: 3, s: new TextEncoder().encode('SAME_LOWER') },
    ];
    const before = memory().numTensors;
    const error = await importOnnx(encodeModelProto(cnn), { source: 'cnn.onnx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toMatch(
      /^cnn\.onnx: .*node '\/conv1\/Conv' \(Conv\): auto_pad SAME_LOWER is not supported/,
    );
    expect(memory().numTensors).toBe(before);
  });
});

describe('importOnnx: constants too large to fold', () => {
  it('refuses a ConstantOfShape of 2^40 elements before allocating it', async () => {
    const bytes = altered((m) => {
      const shape = {
        name: 'big_shape',
        dims: [2],
        dataType: OnnxDataType.INT64,
        int64Data: [2 ** 20, 2 ** 20],
      };
      m.graph!.node!.unshift(
        {
          opType: 'Constant',
          name: 'big_shape',
          output: ['big_shape'],
          attribute: [{ name: 'value', type: 4, t: shape }],
        },
        { opType: 'ConstantOfShape', name: 'big', input: ['big_shape'], output: ['big'] },
      );
    });
    await expect(importOnnx(bytes, { source: 'mlp.onnx' })).rejects.toThrow(
      /^mlp\.onnx: node 'big' \(ConstantOfShape\): a constant or shape value of shape \[1048576,1048576\] is too large/,
    );
  });
});

describe('importOnnx: arguments', () => {
  it('checks the bytes and the options at run time', async () => {
    await expect(importOnnx('mlp.onnx' as unknown as Uint8Array)).rejects.toThrow(ArgumentError);
    await expect(importOnnx(MLP, { sorce: 'x' } as never)).rejects.toThrow(/unknown option 'sorce'/);
    await expect(importOnnx(MLP, { source: 3 } as never)).rejects.toThrow(/option 'source' to be a string/);
    await expect(importOnnx(MLP, null as never)).rejects.toThrow(ArgumentError);
    await expect((importOnnx as (...a: unknown[]) => unknown)(MLP, {}, 1)).rejects.toThrow(
      /at most 2 arguments/,
    );
  });

  it('names errors <buffer> without a source, and takes an ArrayBuffer', async () => {
    await expect(importOnnx(MLP.subarray(0, 50))).rejects.toThrow(/^<buffer>: /);
    const copy = new Uint8Array(MLP).buffer;
    const m = await importOnnx(copy, { name: 'mlp' });
    expect(m.name).toBe('mlp');
    m.dispose();
  });
});

// exportOnnx's refusals: every layer it cannot export listed in one UnsupportedError (class and
// name) before any weight is read, and its arguments and options checked at run time.

import { ArgumentError, memory, type Tensor, UnsupportedError } from '@nabla/core';
import { dense, input, Layer, layerNormalization, lstm, model, sequential } from '@nabla/nn';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../src/index.js';
import { useCpuBackend } from './export-helpers.js';

useCpuBackend();

class Doubler extends Layer {
  readonly className = 'Doubler';
  call(x: Tensor | Tensor[]): Tensor {
    return (x as Tensor).mul(2);
  }
}

describe('exportOnnx errors', () => {
  it('lists every layer it cannot export, by class and name, before reading weights', async () => {
    const x = input({ shape: [4, 3] });
    const a = new Doubler({ name: 'twice' }).apply(x);
    const b = lstm({ units: 2, activation: 'gelu', name: 'cell' }).apply(a);
    const c = layerNormalization({ axis: 1, name: 'norm' }).apply(x);
    const m = model({ inputs: x, outputs: [b, dense({ units: 2 }).apply(c)] });
    const before = memory().numTensors;
    const error = await exportOnnx(m).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    const message = (error as Error).message;
    expect(message).toMatch(/^exportOnnx: model '.+' has 3 layer\(s\) ONNX export does not cover: /);
    expect(message).toContain("Doubler 'twice' (no ONNX converter for this layer class)");
    expect(message).toContain("LSTM 'cell' (activation 'gelu' inside a recurrent cell has no ONNX form");
    expect(message).toContain("LayerNormalization 'norm' (axes [1] are not the trailing axes");
    expect(memory().numTensors).toBe(before);
    m.dispose();
  });

  it('checks its arguments and options', async () => {
    const m = sequential([dense({ units: 2, inputShape: [3] })]);
    const fails = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const unknownKey = await fails(exportOnnx(m, { opst: 17 } as never));
    expect(unknownKey).toBeInstanceOf(ArgumentError);
    expect((unknownKey as Error).message).toBe(
      "exportOnnx: unknown option 'opst'; did you mean 'opset'? (valid: opset, batchDimension, producerName, docString)",
    );
    await expect(exportOnnx(m, { opset: 13 })).rejects.toThrow(
      /expected opset to be one of 17, 18, 19, 20, 21, got 13/,
    );
    await expect(exportOnnx(m, { batchDimension: 0 })).rejects.toThrow(
      /expected batchDimension to be a name/,
    );
    await expect(exportOnnx(m, { batchDimension: 'a b' })).rejects.toThrow(/expected batchDimension/);
    await expect(exportOnnx(m, { producerName: 3 } as never)).rejects.toThrow(
      /expected producerName to be a string, got 3/,
    );
    await expect(exportOnnx(m, 'x' as never)).rejects.toThrow(/expected an options object/);
    await expect(exportOnnx({} as never)).rejects.toThrow(/expected an nn model/);
    await expect((exportOnnx as (...a: unknown[]) => unknown)(m, {}, 1)).rejects.toThrow(ArgumentError);
    await expect(exportOnnx(sequential([dense({ units: 2 })]))).rejects.toThrow(/is not built/);
    m.dispose();
    await expect(exportOnnx(m)).rejects.toThrow(/exportOnnx/);
  });
});

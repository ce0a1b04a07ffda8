// A tiny backend for core's own engine tests, written on core's backend contract alone, so core
// tests its engine without depending on a real backend package. Storage is a typed array;
// elementwise unary and binary kernels run in float64 JS (broadcasting with stride 0), and every
// other primitive is `unsupported`. Not a reference for values: the conformance suite is.

import type { DType, TypedArray } from '@nabla/core';
import {
  allocArray,
  type Backend,
  type BackendMemory,
  BINARY_PRIMS,
  type BinaryPrim,
  broadcastStrides,
  type DataHandle,
  type Kernel,
  type KernelTable,
  type OutInfo,
  stridesOf,
  type TensorInfo,
  UNARY_PRIMS,
  type UnaryPrim,
  type Unsupported,
  unsupported,
} from '@nabla/core/internal';

class TestData implements DataHandle {
  readonly bytes: number;
  freed = false;
  constructor(readonly values: TypedArray) {
    this.bytes = values.byteLength;
  }
}

function valuesOf(handle: DataHandle): TypedArray {
  if (!(handle instanceof TestData) || handle.freed) throw new Error('test backend: bad handle');
  return handle.values;
}

const UNARY: Partial<Record<UnaryPrim, (x: number) => number>> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
};

const BINARY: Partial<Record<BinaryPrim, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  minimum: Math.min,
};

/** Options for `new TestBackend(...)`. */
export interface TestBackendOptions {
  /** Leave out `readSync`, like an asynchronous (GPU) backend. */
  readonly asyncOnly?: boolean;
  /** The largest storage one tensor may have (default 2 GiB). */
  readonly maxBytes?: number;
}

/**
 * A minimal backend for engine tests: elementwise kernels only.
 * @example
 * registerBackend('test', () => new TestBackend());
 * await setBackend('test');
 */
export class TestBackend implements Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  readonly maxBytes: number;
  declare readSync?: (handle: DataHandle, dtype: DType, size: number) => TypedArray;
  #bytesInUse = 0;

  constructor(options: TestBackendOptions = {}) {
    this.name = options.asyncOnly ? 'test-async' : 'test';
    this.maxBytes = options.maxBytes ?? 2 ** 31 - 1;
    this.kernels = this.#table();
    if (!options.asyncOnly) this.readSync = (handle) => valuesOf(handle).slice();
  }

  #alloc(out: OutInfo): TestData {
    const data = new TestData(allocArray(out.dtype, out.size));
    this.#bytesInUse += data.bytes;
    return data;
  }

  #unary(f: ((x: number) => number) | undefined): Kernel<UnaryPrim> | Unsupported {
    if (!f) return unsupported('not in the test backend');
    return ([x], _params, out) => {
      const a = valuesOf(x!.handle);
      const data = this.#alloc(out);
      for (let i = 0; i < out.size; i++) data.values[i] = f(Number(a[i]));
      return data;
    };
  }

  #binary(f: ((a: number, b: number) => number) | undefined): Kernel<BinaryPrim> | Unsupported {
    if (!f) return unsupported('not in the test backend');
    return ([x, y], _params, out) => {
      const data = this.#alloc(out);
      const read = (info: TensorInfo) => {
        const values = valuesOf(info.handle);
        const strides = broadcastStrides(info.shape, out.shape);
        return (flat: number[]) => Number(values[flat.reduce((at, i, d) => at + i * strides[d]!, 0)]);
      };
      const [ra, rb] = [read(x!), read(y!)];
      const outStrides = stridesOf(out.shape);
      for (let i = 0; i < out.size; i++) {
        const index = outStrides.map((s, d) => Math.floor(i / s) % out.shape[d]!);
        data.values[i] = f(ra(index), rb(index));
      }
      return data;
    };
  }

  #table(): KernelTable {
    const unary = {} as Record<UnaryPrim, Kernel<UnaryPrim> | Unsupported>;
    for (const p of UNARY_PRIMS) unary[p] = this.#unary(UNARY[p]);
    const binary = {} as Record<BinaryPrim, Kernel<BinaryPrim> | Unsupported>;
    for (const p of BINARY_PRIMS) binary[p] = this.#binary(BINARY[p]);
    const cast: Kernel<'cast'> = ([x], _params, out) => {
      const a = valuesOf(x!.handle);
      const data = this.#alloc(out);
      // Typed-array stores truncate toward zero for int32; bool is `x != 0`.
      for (let i = 0; i < out.size; i++)
        data.values[i] = out.dtype === 'bool' ? Number(a[i] !== 0) : Number(a[i]);
      return data;
    };
    const no = unsupported('not in the test backend');
    return {
      ...unary,
      ...binary,
      cast,
      sum: no,
      prod: no,
      max: no,
      min: no,
      any: no,
      all: no,
      where: no,
      argMax: no,
      argMin: no,
      topkIndices: no,
      cumsum: no,
      cumprod: no,
      matmul: no,
      conv2d: no,
      conv2dBackpropInput: no,
      conv2dBackpropFilter: no,
      maxPool2d: no,
      maxPool2dBackward: no,
      avgPool2d: no,
      avgPool2dBackward: no,
      gather: no,
      scatterAdd: no,
      resize: no,
      resizeGrad: no,
      transpose: no,
      slice: no,
      sliceGrad: no,
      pad: no,
      concat: no,
      tile: no,
      reverse: no,
      broadcastTo: no,
      randomUniform: no,
    };
  }

  supportsDType(_dtype: DType): boolean {
    return true;
  }

  upload(values: TypedArray, _dtype: DType): DataHandle {
    const data = new TestData(values.slice());
    this.#bytesInUse += data.bytes;
    return data;
  }

  read(handle: DataHandle, _dtype: DType, _size: number): Promise<TypedArray> {
    return Promise.resolve().then(() => valuesOf(handle).slice());
  }

  free(handle: DataHandle): void {
    valuesOf(handle);
    if (handle instanceof TestData) {
      handle.freed = true;
      this.#bytesInUse -= handle.bytes;
    }
  }

  flush(): void {}

  sync(): Promise<void> {
    return Promise.resolve();
  }

  memory(): BackendMemory {
    return { bytesInUse: this.#bytesInUse, bytesReserved: this.#bytesInUse };
  }

  dispose(): void {
    this.#bytesInUse = 0;
  }
}

// Storage for the wasm backend: a tensor is a block of the wasm heap (`WasmData`), with the
// element size each dtype is stored with and the exact byte count of a result. The context that
// kernels close over is kernel-context.ts.

import { BackendError, type DType } from '@nabla/core';
import { type DataHandle, fmtShape, type OutInfo } from '@nabla/core/internal';

/**
 * A wasm tensor's storage: `bytes` bytes at heap address `ptr` (0 for empty tensors).
 * @example
 * const data = new WasmData(1024, 12);
 */
export class WasmData implements DataHandle {
  readonly ptr: number;
  readonly bytes: number;
  /** Set by `WasmBackend.free`; a freed handle must not be read or freed again. */
  freed = false;

  constructor(ptr: number, bytes: number) {
    this.ptr = ptr;
    this.bytes = bytes;
  }
}

/**
 * Narrows a handle to wasm storage, or throws a BackendError naming the op.
 * @example
 * const { ptr } = wasmData(handle, 'read');
 */
export function wasmData(handle: DataHandle, op: string): WasmData {
  if (!(handle instanceof WasmData)) {
    throw new BackendError(`${op}: expected storage of the wasm backend, got ${handle.constructor.name}`);
  }
  if (handle.freed) throw new BackendError(`${op}: the tensor's storage was already freed`);
  return handle;
}

/**
 * log2 of the element size the wasm backend stores `dtype` with (float64 is not supported).
 * @example
 * elementShift('bool'); // 0
 */
export function elementShift(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 2;
    case 'bool':
      return 0;
    case 'float64':
    case 'float16':
      throw new BackendError(`wasm: ${dtype} is not supported on the wasm backend`);
    default:
      return dtype satisfies never;
  }
}

/**
 * Bytes of `size` elements of `dtype`, in exact arithmetic (a 32-bit shift wraps past 2^31 and
 * once allocated a 128 KiB block for a 4 GiB result); throws past `maxBytes`.
 * @example
 * byteSize('mul', { shape: [2, 3], dtype: 'float32', size: 6 }, 2 ** 31); // 24
 */
export function byteSize(op: string, out: OutInfo, maxBytes: number): number {
  const bytes = out.size * 2 ** elementShift(out.dtype);
  if (!(Number.isSafeInteger(out.size) && out.size >= 0 && bytes <= maxBytes)) {
    throw new BackendError(
      `${op}: a result of shape ${fmtShape(out.shape)} (${out.dtype}) needs ${bytes} bytes, more than the ${maxBytes} bytes a wasm tensor may hold`,
    );
  }
  return bytes;
}

// Tensors to and from safetensors: maps Nabla dtypes to safetensors dtypes and back, reads
// tensors with `await t.data()` (so it works on every backend, WebGPU included) and widens
// dtypes Nabla has no storage for (F16/BF16 to float32, small integers to int32) on load.

import { type DType, DTypeError, type Tensor, tensor } from '@nabla/core';
import { halfBits, halfValue } from '@nabla/core/internal';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsDType,
  type SafetensorsEntry,
} from './safetensors.js';

/** The safetensors dtypes Nabla writes: one per Nabla dtype. */
export type NablaSafetensorsDType = 'F32' | 'F64' | 'F16' | 'I32' | 'BOOL';

/**
 * The safetensors dtype a Nabla dtype is stored as.
 * @example
 * toSafetensorsDType('float32'); // 'F32'
 * toSafetensorsDType('bool'); // 'BOOL'
 */
export function toSafetensorsDType(dtype: DType): NablaSafetensorsDType {
  switch (dtype) {
    case 'float32':
      return 'F32';
    case 'float64':
      return 'F64';
    case 'float16':
      return 'F16';
    case 'int32':
      return 'I32';
    case 'bool':
      return 'BOOL';
    default:
      return dtype satisfies never;
  }
}

/**
 * The Nabla dtype a safetensors dtype loads as: exact for F32/F64/I32/BOOL; F16 and BF16 widen
 * to float32; I8/U8/I16/U16 widen to int32; U32/I64/U64 load as int32 when every value fits.
 * @example
 * fromSafetensorsDType('F64'); // 'float64'
 * fromSafetensorsDType('BF16'); // 'float32'
 */
export function fromSafetensorsDType(dtype: SafetensorsDType): DType {
  switch (dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
      return 'float32';
    case 'F64':
      return 'float64';
    case 'BOOL':
      return 'bool';
    case 'I8':
    case 'U8':
    case 'I16':
    case 'U16':
    case 'I32':
    case 'U32':
    case 'I64':
    case 'U64':
      return 'int32';
    default:
      return dtype satisfies never;
  }
}

/**
 * Reads every tensor (asynchronously, on any backend) and encodes them as a safetensors file.
 * The tensors are not disposed.
 * @example
 * const bytes = await tensorsToSafetensors({ kernel: w, bias: b }, { format: 'nabla' });
 * await fs.writeFile('weights.safetensors', bytes);
 */
export async function tensorsToSafetensors(
  named: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const entries: Record<string, SafetensorsEntry> = Object.create(null);
  for (const [name, t] of Object.entries(named)) {
    const data = await t.data();
    const shape = [...t.shape];
    let entry: SafetensorsEntry;
    switch (t.dtype) {
      case 'float32':
        entry = { dtype: 'F32', shape, data: data instanceof Float32Array ? data : Float32Array.from(data) };
        break;
      case 'float64':
        entry = { dtype: 'F64', shape, data: data instanceof Float64Array ? data : Float64Array.from(data) };
        break;
      case 'float16':
        // The values are halves already (read back from float16 storage): their bits are exact.
        entry = { dtype: 'F16', shape, data: Uint16Array.from(data, (v) => halfBits(Number(v))) };
        break;
      case 'int32':
        entry = { dtype: 'I32', shape, data: data instanceof Int32Array ? data : Int32Array.from(data) };
        break;
      case 'bool':
        entry = { dtype: 'BOOL', shape, data: Uint8Array.from(data, (v) => (v ? 1 : 0)) };
        break;
      default:
        return t.dtype satisfies never;
    }
    Object.defineProperty(entries, name, { value: entry, enumerable: true });
  }
  return encodeSafetensors(entries, metadata);
}

/** What {@link safetensorsToTensors} returns; the caller owns (and disposes) the tensors. */
export interface LoadedTensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/**
 * Decodes a safetensors file into tensors on the active backend (see
 * {@link fromSafetensorsDType} for the dtypes each loads as). The caller disposes them.
 * @example
 * const { tensors } = safetensorsToTensors(await fs.readFile(path), path);
 * tensors.kernel.shape; // [784, 10]
 */
export function safetensorsToTensors(bytes: Uint8Array, source = '<buffer>'): LoadedTensors {
  const decoded = decodeSafetensors(bytes, source);
  const tensors: Record<string, Tensor> = Object.create(null);
  try {
    for (const [name, entry] of Object.entries(decoded.tensors)) {
      const t = tensor(widen(entry, name, source), entry.shape, fromSafetensorsDType(entry.dtype));
      Object.defineProperty(tensors, name, { value: t, enumerable: true });
    }
  } catch (error) {
    for (const t of Object.values(tensors)) t.dispose();
    throw error;
  }
  return { tensors, metadata: decoded.metadata };
}

/** The values of an entry in a typed array Nabla can store. */
function widen(
  entry: SafetensorsEntry,
  name: string,
  source: string,
): Float32Array | Float64Array | Int32Array | Uint8Array {
  switch (entry.dtype) {
    case 'F32':
    case 'F64':
    case 'I32':
    case 'BOOL':
      return entry.data;
    case 'F16':
      return Float32Array.from(entry.data, halfValue);
    case 'BF16': {
      // bfloat16 is the top half of a float32's bits.
      const bits = Uint32Array.from(entry.data, (h) => h << 16);
      return new Float32Array(bits.buffer);
    }
    case 'I8':
    case 'U8':
    case 'I16':
    case 'U16':
      return Int32Array.from(entry.data);
    case 'U32':
    case 'I64':
    case 'U64': {
      const out = new Int32Array(entry.data.length);
      for (let i = 0; i < out.length; i++) {
        const v = Number(entry.data[i]!);
        if (v < -2147483648 || v > 2147483647) {
          throw new DTypeError(
            `safetensorsToTensors: ${source}: tensor "${name}" (${entry.dtype}) holds ${String(entry.data[i])} at index ${i}, outside the int32 range`,
          );
        }
        out[i] = v;
      }
      return out;
    }
    default:
      return entry satisfies never;
  }
}

// The Tensor value and the Variable that can be reassigned. A tensor is an immutable view of
// refcounted backend storage: reshape shares it, everything else makes new storage. Op methods
// (`x.add(y)`, `x.sum()`) are attached in tensor-methods.ts so this file stays free of op imports.

import type { Backend, DataHandle } from './backend-interface.js';
import type { DType, TypedArray } from './dtype.js';
import { ENGINE } from './engine.js';
import { ArgumentError, BackendError, checkArgCount, describeValue } from './errors.js';
import { formatTensor } from './format.js';

/** A nested JS array of numbers (or booleans for bool tensors). */
export type NestedArray = number | boolean | NestedArray[];

/**
 * Shared, refcounted storage behind one or more tensors. On neither entry, but kept in the
 * emitted declarations, since the engine's and Tensor's constructor's name it.
 */
export class Storage {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly handle: DataHandle,
    readonly dtype: DType,
    readonly size: number,
  ) {}
}

/**
 * An n-dimensional array on a backend. Immutable; free it with `dispose()`, `tidy` or `using`.
 * @example
 * const t = tensor([[1, 2], [3, 4]]);
 * console.log(await t.array()); // [[1, 2], [3, 4]]
 */
export class Tensor {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  /** @internal */
  storage: Storage;
  /** @internal Number of gradient tapes that still need this tensor. */
  holds = 0;
  /** @internal dispose() was called while a tape still held the tensor. */
  disposeRequested = false;
  /** @internal Exempt from the enclosing tidy scope. */
  kept = false;
  /** @internal */
  disposedFlag = false;
  /** @internal The safety-net record, once registered (a Variable's storage changes on assign). */
  finalizerToken: { storage: Storage } | undefined = undefined;

  /** Not for user code: use `tensor()` and the other creation functions. */
  constructor(storage: Storage, shape: readonly number[], id: number) {
    this.storage = storage;
    // A frozen array (another tensor's shape, a shape core froze) cannot change: share it.
    this.shape = Array.isArray(shape) && Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.dtype = storage.dtype;
    this.size = storage.size;
    this.id = id;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether `dispose()` has freed this tensor. */
  get isDisposed(): boolean {
    return this.disposedFlag || this.disposeRequested;
  }

  /** Name of the backend the storage lives on. */
  get backend(): string {
    return this.storage.backend.name;
  }

  /** A copy of the values as a flat typed array. Works on every backend. */
  data(): Promise<TypedArray> {
    checkArgCount('data', arguments.length, 0, 't.data()');
    return ENGINE.read(this);
  }

  /** The values as nested JS arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    checkArgCount('array', arguments.length, 0, 't.array()');
    return toNested(await ENGINE.read(this, 'array'), this.shape, this.dtype);
  }

  /** Synchronous copy of the values; throws on backends that cannot read synchronously. */
  dataSync(): TypedArray {
    checkArgCount('dataSync', arguments.length, 0, 't.dataSync()');
    return ENGINE.readSync(this);
  }

  /** Synchronous `array()`; throws on backends that cannot read synchronously. */
  arraySync(): NestedArray {
    checkArgCount('arraySync', arguments.length, 0, 't.arraySync()');
    return toNested(ENGINE.readSync(this, 'arraySync'), this.shape, this.dtype);
  }

  /** NumPy-style text; on async-only backends use `await t.toStringAsync()`. */
  toString(): string {
    checkArgCount('toString', arguments.length, 0, 't.toString()');
    if (ENGINE.canReadSync(this)) return formatTensor(this.dataSync(), this.shape, this.dtype);
    return `tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, backend=${this.backend}; use await t.toStringAsync() to see values)`;
  }

  /** NumPy-style text, on every backend. */
  async toStringAsync(): Promise<string> {
    checkArgCount('toStringAsync', arguments.length, 0, 't.toStringAsync()');
    return formatTensor(await ENGINE.read(this, 'toStringAsync'), this.shape, this.dtype);
  }

  /** Prints the tensor with console.log. */
  async print(): Promise<void> {
    checkArgCount('print', arguments.length, 0, 't.print()');
    console.log(await this.toStringAsync());
  }

  /** Frees the tensor's storage (shared storage is freed when its last tensor goes). */
  dispose(): void {
    checkArgCount('dispose', arguments.length, 0, 't.dispose()');
    ENGINE.disposeTensor(this);
  }

  /** `using t = ...` disposes at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Throws a BackendError naming `op` if the tensor was disposed (layers check their inputs with it). */
  assertAlive(op: string): void {
    if (this.disposedFlag) {
      throw new BackendError(`${op}: tensor ${this.id} (shape [${this.shape.join(',')}]) was disposed`);
    }
  }
}

/**
 * A mutable tensor holding model state: never freed by `tidy`, updated with `assign`, and
 * watched by `variableGrads`.
 * @example
 * const w = variable(zeros([3]), { name: 'w' });
 * w.assign(ones([3]));
 */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  /** Not for user code: use `variable()`. */
  constructor(storage: Storage, shape: readonly number[], id: number, name: string, trainable: boolean) {
    super(storage, shape, id);
    this.name = name;
    this.trainable = trainable;
  }

  /** Replaces the value; the new value must have the same shape and dtype. */
  assign(value: Tensor): void {
    checkArgCount('assign', arguments.length, 1, 'v.assign(t)');
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(
        `assign: expected a tensor for variable '${this.name}', got ${describeValue(value)}`,
      );
    }
    ENGINE.assignVariable(this, value);
  }
}

function toNested(values: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const cast = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return cast(values[0] ?? 0);
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[dim] ?? 0;
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      if (dim === shape.length - 1) out.push(cast(values[offset + i] ?? 0));
      else out.push(build(dim + 1, offset + i * inner, inner));
    }
    return out;
  };
  let total = 1;
  for (const d of shape) total *= d;
  return build(0, 0, total);
}

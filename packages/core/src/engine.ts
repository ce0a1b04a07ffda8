// The engine: backend registry and selection, primitive dispatch, tensor bookkeeping (tidy
// scopes, refcounted storage, the FinalizationRegistry safety net, debug leak reports) and the
// hook through which gradient tapes record primitive applications.

import type { Backend, BackendFactory, BackendMemory, FusedKernel, TensorInfo } from './backend-interface.js';
import { allocArray, bytesPerElement, type DType, type TypedArray } from './dtype.js';
import {
  ArgumentError,
  BackendError,
  DTypeError,
  describeValue,
  fmtShape,
  ShapeError,
  UnsupportedError,
} from './errors.js';
import type { FusedParams, FusedPrim } from './fused-prims.js';
import type { OutInfo, Prim, PrimParams } from './prims.js';
import { sizeOf } from './shape.js';
import { Storage, Tensor, Variable } from './tensor.js';

/** A gradient tape as the engine sees it: told about each primitive application. */
export interface TapeHook {
  /** Records the application when one of `inputs` is watched by the tape. */
  maybeRecord(
    prim: Prim | FusedPrim | 'reshape',
    inputs: readonly Tensor[],
    params: unknown,
    output: Tensor,
  ): void;
}

/** The shape of every scalar the engine makes for a JS number (frozen, so tensors share it). */
const SCALAR_SHAPE: readonly number[] = Object.freeze([]);

/** Memory figures for `memory()`. */
export interface MemoryInfo {
  /** Live tensors (tensor objects not yet disposed or collected). */
  numTensors: number;
  /** Distinct live storage buffers (reshapes share one). */
  numDataBuffers: number;
  /** Bytes held by live storage, over all backends. */
  numBytes: number;
  /** Per-backend figures reported by the backends themselves. */
  backends: Record<string, BackendMemory>;
}

/** A live tensor in debug mode, with where it was made. */
export interface LiveTensorInfo {
  id: number;
  shape: number[];
  dtype: DType;
  backend: string;
  createdAt: string;
}

/** Why a backend in a preference list was not chosen. */
export interface SkippedBackend {
  name: string;
  reason: string;
}

interface Registration {
  factory: BackendFactory;
  priority: number;
}

/** What the FinalizationRegistry keeps of a tensor to free its storage after collection. */
export interface Held {
  id: number;
  storage: Storage;
  createdAt: string | undefined;
  shape: readonly number[];
}

/**
 * Runs a backend call that allocates, turning the host's out-of-memory `RangeError` into a
 * `BackendError` that names the op and the shape.
 */
function allocating<T>(backend: Backend, op: string, shape: readonly number[], dtype: DType, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RangeError) {
      throw new BackendError(
        `${op}: the ${backend.name} backend could not allocate a result of shape ${fmtShape(shape)} (${dtype}): ${err.message}`,
      );
    }
    throw err;
  }
}

class Engine {
  readonly #registry = new Map<string, Registration>();
  readonly #instances = new Map<string, Backend>();
  #current: Backend | null = null;
  #skipped: SkippedBackend[] = [];
  // Arrays, not sets: a tensor enters a scope once, when it is made (a Set's add costs more).
  readonly #scopes: Tensor[][] = [];
  /** Per open scope: the scalars its ops took from JS numbers, by dtype, then value (see `scopeScalar`). */
  readonly #scopeScalars: (Map<DType, Map<number | string, Tensor>> | undefined)[] = [];
  /** Scalars one scope shares at most: past that, each op makes and frees its own again. */
  static readonly SCOPE_SCALARS = 64;
  readonly tapes: TapeHook[] = [];
  #numTensors = 0;
  #numBuffers = 0;
  #numBytes = 0;
  #nextId = 1;
  #debug = false;
  readonly #live = new Map<number, LiveTensorInfo>();
  // Weak, so a variable dropped without dispose() can still be collected by the safety net.
  readonly #variables = new Map<string, WeakRef<Variable>>();
  #variableCounter = 0;
  #seedState = (Math.random() * 0x100000000) >>> 0;
  readonly #finalizer = new FinalizationRegistry<Held>((held) => this.#collected(held));
  /** Records of collected tensors not yet released, while `holdCollected` is on (test runs). */
  #heldBack: Held[] | undefined;

  // ---- backends ----

  register(name: string, factory: BackendFactory, priority: number): void {
    this.#registry.set(name, { factory, priority });
  }

  registered(): string[] {
    return [...this.#registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
  }

  async setBackend(names: string | readonly string[]): Promise<string> {
    const list = typeof names === 'string' ? [names] : names;
    if (!Array.isArray(list) || list.length === 0 || !list.every((n) => typeof n === 'string')) {
      throw new ArgumentError(
        `setBackend: expected a backend name or a non-empty list of names, got ${describeValue(names)}`,
      );
    }
    const skipped: SkippedBackend[] = [];
    for (const name of list) {
      try {
        const backend = await this.#instantiate(name);
        this.#current = backend;
        this.#skipped = skipped;
        return name;
      } catch (err) {
        skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    this.#skipped = skipped;
    const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    throw new BackendError(`setBackend: no backend could be initialised (${why})`);
  }

  skippedBackends(): SkippedBackend[] {
    return [...this.#skipped];
  }

  async #instantiate(name: string): Promise<Backend> {
    const existing = this.#instances.get(name);
    if (existing) return existing;
    const reg = this.#registry.get(name);
    if (!reg) {
      const known = this.registered();
      throw new BackendError(
        `backend '${name}' is not registered (registered: ${known.length ? known.join(', ') : 'none'}; import its package, e.g. '@nabla/backend-${name}')`,
      );
    }
    const backend = await reg.factory();
    this.#instances.set(name, backend);
    return backend;
  }

  /** The name the active backend was registered under (`'wasm-1'`, not its class's `'wasm'`). */
  get backendName(): string {
    const active = this.backend;
    for (const [name, instance] of this.#instances) if (instance === active) return name;
    return active.name;
  }

  /** The active backend, picking the highest-priority synchronous one on first use. */
  get backend(): Backend {
    if (this.#current) return this.#current;
    const skipped: SkippedBackend[] = [];
    for (const name of this.registered()) {
      const existing = this.#instances.get(name);
      if (existing) {
        this.#current = existing;
        return existing;
      }
      const reg = this.#registry.get(name);
      if (!reg) continue;
      try {
        const made = reg.factory();
        if (made instanceof Promise) {
          made.catch(() => undefined);
          skipped.push({ name, reason: 'initialises asynchronously: call await setBackend(...) first' });
          continue;
        }
        this.#instances.set(name, made);
        this.#current = made;
        this.#skipped = skipped;
        return made;
      } catch (err) {
        skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    throw new BackendError(
      `no backend is available: import '@nabla/backend-cpu' (or another backend) and call setBackend()${
        skipped.length ? ` (skipped ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''
      }`,
    );
  }

  removeBackend(name: string): void {
    const b = this.#instances.get(name);
    if (b === this.#current) this.#current = null;
    b?.dispose();
    this.#instances.delete(name);
    this.#registry.delete(name);
  }

  // ---- tensors ----

  /** Wraps new storage (refcount 1) in a tensor tracked by the current scope. */
  #wrap(storage: Storage, shape: readonly number[]): Tensor {
    this.#numBuffers++;
    this.#numBytes += storage.handle.bytes;
    return this.#track(new Tensor(storage, shape, this.#nextId++));
  }

  #track<T extends Tensor>(t: T): T {
    this.#numTensors++;
    if (this.#debug) {
      this.#live.set(t.id, {
        id: t.id,
        shape: [...t.shape],
        dtype: t.dtype,
        backend: t.backend,
        createdAt: stackHere(),
      });
    }
    const scope = this.#scopes[this.#scopes.length - 1];
    // Inside a tidy scope the scope frees the tensor; only tensors that escape every scope
    // need the (costly, ~1 µs) FinalizationRegistry safety net.
    if (scope && !(t instanceof Variable)) scope.push(t);
    else this.#register(t);
    return t;
  }

  #register(t: Tensor): void {
    const held: Held = {
      id: t.id,
      storage: t.storage,
      createdAt: this.#live.get(t.id)?.createdAt,
      shape: t.shape,
    };
    t.finalizerToken = held;
    this.#finalizer.register(t, held, t);
  }

  /** A tensor holding a copy of `values` on the active backend. */
  makeTensor(values: TypedArray, shape: readonly number[], dtype: DType, op = 'tensor'): Tensor {
    const backend = this.backend;
    this.#checkDType(backend, dtype, op);
    this.#checkSize(backend, op, shape, dtype);
    const handle = allocating(backend, op, shape, dtype, () => backend.upload(values, dtype));
    return this.#wrap(new Storage(backend, handle, dtype, values.length), shape);
  }

  /**
   * A new tensor sharing `t`'s storage with another shape. Recorded on tapes as a reshape
   * unless `record` is false (stopGradient).
   */
  share(t: Tensor, shape: readonly number[], record = true): Tensor {
    t.assertAlive('reshape');
    t.storage.refs++;
    const out = this.#track(new Tensor(t.storage, shape, this.#nextId++));
    if (record) for (const tape of this.tapes) tape.maybeRecord('reshape', [t], { shape }, out);
    return out;
  }

  /**
   * Checks a result's size before any memory is touched: a safe integer count whose bytes fit
   * the backend's `maxBytes`. Returns the element count. On the active backend, for ops
   * that fill host memory before uploading (creation ops, `tensor`).
   * @example
   * ENGINE.checkSize('zeros', [2 ** 26, 2 ** 26], 'float32'); // ShapeError
   */
  checkSize(op: string, shape: readonly number[], dtype: DType): number {
    return this.#checkSize(this.backend, op, shape, dtype);
  }

  #checkSize(backend: Backend, op: string, shape: readonly number[], dtype: DType): number {
    const size = sizeOf(shape);
    const bytes = size * bytesPerElement(dtype);
    if (!Number.isSafeInteger(size) || !(bytes <= backend.maxBytes)) {
      throw new ShapeError(
        `${op}: the result of shape ${fmtShape(shape)} (${dtype}) needs ${bytes} bytes, more than the ${backend.name} backend's limit of ${backend.maxBytes} bytes per tensor`,
      );
    }
    return size;
  }

  #checkDType(backend: Backend, dtype: DType, op: string): void {
    if (!backend.supportsDType(dtype)) {
      throw new DTypeError(`${op}: dtype ${dtype} is not supported on the ${backend.name} backend`);
    }
  }

  /** Runs a primitive on its inputs' backend and records it on the active tapes. */
  run<P extends Prim>(
    prim: P,
    inputs: readonly Tensor[],
    params: PrimParams[P],
    shape: readonly number[],
    dtype: DType,
  ): Tensor {
    const backend = this.#backendOf(prim, inputs);
    this.#checkDType(backend, dtype, prim);
    const size = this.#checkSize(backend, prim, shape, dtype);
    const out: OutInfo = { shape, dtype, size };
    let handle: TensorInfo['handle'];
    if (size === 0) {
      handle = backend.upload(allocArray(dtype, 0), dtype);
    } else {
      const kernel = backend.kernels[prim];
      if ('unsupported' in kernel) {
        throw new UnsupportedError(
          `${prim}: not supported on the ${backend.name} backend (${kernel.unsupported})`,
        );
      }
      const infos: TensorInfo[] = [];
      for (const t of inputs)
        infos.push({ handle: t.storage.handle, shape: t.shape, dtype: t.dtype, size: t.size });
      handle = allocating(backend, prim, shape, dtype, () => kernel(infos, params, out));
    }
    const result = this.#wrap(new Storage(backend, handle, dtype, size), shape);
    for (const tape of this.tapes) tape.maybeRecord(prim, inputs, params, result);
    return result;
  }

  /** The fused kernel for `prim` on the backend `inputs` live on, if that backend has one. */
  fusedKernel<F extends FusedPrim>(prim: F, inputs: readonly Tensor[]): FusedKernel<F> | undefined {
    const fused = this.#backendOf(prim, inputs).fused;
    // The table is typed per fused primitive; indexing by a generic key loses the pairing.
    return fused?.[prim] as FusedKernel<F> | undefined;
  }

  /**
   * Runs a fused kernel (from `fusedKernel`) producing one tensor per entry of `outs`, and
   * records it on the active tapes when it has a single output (optimizer updates, with
   * several, run `untaped`).
   */
  runFused<F extends FusedPrim>(
    prim: F,
    kernel: FusedKernel<F>,
    inputs: readonly Tensor[],
    params: FusedParams[F],
    outs: readonly { readonly shape: readonly number[]; readonly dtype: DType }[],
  ): Tensor[] {
    const backend = this.#backendOf(prim, inputs);
    const outInfos: OutInfo[] = outs.map(({ shape, dtype }) => {
      this.#checkDType(backend, dtype, prim);
      return { shape, dtype, size: this.#checkSize(backend, prim, shape, dtype) };
    });
    const infos: TensorInfo[] = inputs.map((t) => ({
      handle: t.storage.handle,
      shape: t.shape,
      dtype: t.dtype,
      size: t.size,
    }));
    const first = outInfos[0] ?? { shape: [], dtype: 'float32' as const };
    const handles = allocating(backend, prim, first.shape, first.dtype, () =>
      kernel(infos, params, outInfos),
    );
    const results = handles.map((handle, i) => {
      const { shape, dtype, size } = outInfos[i]!;
      return this.#wrap(new Storage(backend, handle, dtype, size), shape);
    });
    if (results.length === 1) {
      for (const tape of this.tapes) tape.maybeRecord(prim, inputs, params, results[0]!);
    }
    return results;
  }

  /** Runs `fn` with no tape recording (optimizer updates, which are never differentiated). */
  untaped<T>(fn: () => T): T {
    const tapes = this.tapes.splice(0);
    try {
      return fn();
    } finally {
      this.tapes.push(...tapes);
    }
  }

  #backendOf(prim: string, inputs: readonly Tensor[]): Backend {
    const first = inputs[0];
    if (!first) return this.backend;
    for (const t of inputs) {
      t.assertAlive(prim);
      if (t.storage.backend !== first.storage.backend) {
        throw new BackendError(
          `${prim}: inputs live on different backends (${first.backend} and ${t.backend}); move one with await t.toBackend(name)`,
        );
      }
    }
    return first.storage.backend;
  }

  async read(t: Tensor, op = 'data'): Promise<TypedArray> {
    t.assertAlive(op);
    const { backend, handle, dtype, size } = t.storage;
    if (size === 0) return allocArray(dtype, 0);
    return backend.read(handle, dtype, size);
  }

  canReadSync(t: Tensor): boolean {
    return !t.disposedFlag && typeof t.storage.backend.readSync === 'function';
  }

  readSync(t: Tensor, op = 'dataSync'): TypedArray {
    t.assertAlive(op);
    const { backend, handle, dtype, size } = t.storage;
    if (!backend.readSync) {
      throw new UnsupportedError(
        `${op}: the ${backend.name} backend cannot read synchronously; use await t.data() or await t.array()`,
      );
    }
    if (size === 0) return allocArray(dtype, 0);
    return backend.readSync(handle, dtype, size);
  }

  /** Copies a tensor to another (registered) backend. */
  async moveTo(t: Tensor, name: string): Promise<Tensor> {
    t.assertAlive('toBackend');
    if (typeof name !== 'string') {
      throw new ArgumentError(`toBackend: expected a backend name, got ${describeValue(name)}`);
    }
    let target: Backend;
    try {
      target = await this.#instantiate(name);
    } catch (err) {
      if (err instanceof BackendError) throw new BackendError(`toBackend: ${err.message}`);
      throw err;
    }
    this.#checkDType(target, t.dtype, 'toBackend');
    this.#checkSize(target, 'toBackend', t.shape, t.dtype);
    const values = await this.read(t, 'toBackend');
    const handle = allocating(target, 'toBackend', t.shape, t.dtype, () => target.upload(values, t.dtype));
    return this.#wrap(new Storage(target, handle, t.dtype, t.size), t.shape);
  }

  // ---- disposal ----

  disposeTensor(t: Tensor): void {
    if (t.disposedFlag) return;
    if (t.holds > 0) {
      t.disposeRequested = true;
      return;
    }
    t.disposedFlag = true;
    // Only tensors that escaped every scope were registered with the safety net.
    if (t.finalizerToken !== undefined) this.#finalizer.unregister(t);
    this.#numTensors--;
    if (this.#live.size !== 0) this.#live.delete(t.id);
    if (t instanceof Variable) this.#variables.delete(t.name);
    this.#release(t.storage);
  }

  #release(storage: Storage): void {
    storage.refs--;
    if (storage.refs === 0) {
      this.#numBuffers--;
      this.#numBytes -= storage.handle.bytes;
      storage.backend.free(storage.handle);
    }
  }

  /** A tape let go of `t`; finish a dispose that was deferred while the tape needed it. */
  unhold(t: Tensor): void {
    t.holds--;
    if (t.holds === 0 && t.disposeRequested) {
      t.disposeRequested = false;
      this.disposeTensor(t);
    }
  }

  #collected(held: Held): void {
    if (this.#heldBack) {
      this.#heldBack.push(held);
      return;
    }
    this.#numTensors--;
    this.#live.delete(held.id);
    if (held.createdAt !== undefined) {
      console.warn(
        `nabla: tensor ${held.id} of shape ${fmtShape(held.shape)} was garbage-collected without dispose(); made at\n${held.createdAt}`,
      );
    }
    this.#release(held.storage);
  }

  // ---- scopes ----

  startScope(): void {
    this.#scopes.push([]);
    this.#scopeScalars.push(undefined);
  }

  /**
   * A scalar of `value` (as `dtype`, on the active backend) for an op argument given as a JS
   * number, shared by the ops of the innermost open scope: made on first use, tracked by the
   * scope and freed with it, so `x.add(1)` in a loop uploads the 1 once. The caller must not
   * dispose it. Undefined outside every scope, where the caller makes and frees its own, and
   * once the scope holds SCOPE_SCALARS of them (a loop over many constants that disposes as it
   * goes keeps its memory flat).
   */
  scopeScalar(value: number, dtype: DType): Tensor | undefined {
    const depth = this.#scopes.length;
    if (depth === 0) return undefined;
    let byDType = this.#scopeScalars[depth - 1];
    if (!byDType) {
      byDType = new Map();
      this.#scopeScalars[depth - 1] = byDType;
    }
    let byValue = byDType.get(dtype);
    if (!byValue) {
      byValue = new Map();
      byDType.set(dtype, byValue);
    }
    // A Map keys −0 as 0: −0 gets a key of its own (x · −0 and x + −0 differ from x · 0, x + 0).
    const key = Object.is(value, -0) ? '-0' : value;
    const hit = byValue.get(key);
    // A user can reach one (cast(1) returns its input) and dispose it; then a new one is made.
    if (hit && !hit.disposedFlag && !hit.disposeRequested && hit.storage.backend === this.backend) return hit;
    let count = 0;
    for (const m of byDType.values()) count += m.size;
    if (count >= Engine.SCOPE_SCALARS) return undefined;
    const values = allocArray(dtype, 1);
    values[0] = dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
    const t = this.makeTensor(values, SCALAR_SHAPE, dtype);
    byValue.set(key, t);
    return t;
  }

  /** Closes the innermost scope, disposing what it made except `result`'s tensors and kept ones. */
  endScope(result: unknown): void {
    const scope = this.#scopes.pop();
    if (!scope) throw new BackendError('endScope: no scope is open');
    this.#scopeScalars.pop();
    if (scope.length === 0) return;
    // A single tensor (the usual result) is compared directly; anything else is searched once.
    let keep: Set<Tensor> | undefined;
    if (!(result instanceof Tensor)) {
      keep = new Set<Tensor>();
      collectTensors(result, keep);
    }
    const parent = this.#scopes[this.#scopes.length - 1];
    for (const t of scope) {
      if (t.disposedFlag) continue;
      const returned = keep ? keep.has(t) : t === result;
      if (returned && !t.kept && parent) parent.push(t);
      else if (returned || t.kept) this.#register(t);
      else this.disposeTensor(t);
    }
  }

  keep<T extends Tensor>(t: T): T {
    t.kept = true;
    return t;
  }

  // ---- variables ----

  makeVariable(initial: Tensor, name: string | undefined, trainable: boolean): Variable {
    initial.assertAlive('variable');
    const varName = name ?? `variable_${++this.#variableCounter}`;
    if (this.#variables.get(varName)?.deref()) {
      throw new BackendError(
        `variable: a variable named '${varName}' already exists; dispose it or pick another name`,
      );
    }
    initial.storage.refs++;
    const v = this.#track(new Variable(initial.storage, initial.shape, this.#nextId++, varName, trainable));
    this.#variables.set(varName, new WeakRef(v));
    return v;
  }

  assignVariable(v: Variable, value: Tensor): void {
    v.assertAlive('assign');
    value.assertAlive('assign');
    const sameShape = value.shape.length === v.shape.length && value.shape.every((d, i) => d === v.shape[i]);
    if (value.dtype !== v.dtype || !sameShape) {
      const ErrorType = sameShape ? DTypeError : ShapeError;
      throw new ErrorType(
        `assign: variable '${v.name}' has shape ${fmtShape(v.shape)} and dtype ${v.dtype}, got shape ${fmtShape(value.shape)} and dtype ${value.dtype}`,
      );
    }
    if (value.storage === v.storage) return;
    if (value.storage.backend !== v.storage.backend) {
      throw new BackendError(
        `assign: variable '${v.name}' lives on ${v.backend}, the value on ${value.backend}`,
      );
    }
    value.storage.refs++;
    const old = v.storage;
    v.storage = value.storage;
    if (v.finalizerToken) v.finalizerToken.storage = value.storage;
    this.#release(old);
  }

  variables(): Variable[] {
    const live: Variable[] = [];
    for (const [name, ref] of this.#variables) {
      const v = ref.deref();
      if (v) live.push(v);
      else this.#variables.delete(name);
    }
    return live;
  }

  // ---- random seeds ----

  setSeed(seed: number): void {
    this.#seedState = seed >>> 0;
  }

  /** The next seed of the engine's sequence (for random ops called without a seed). */
  nextSeed(): number {
    this.#seedState = (Math.imul(this.#seedState, 1664525) + 1013904223) >>> 0;
    return this.#seedState;
  }

  // ---- memory ----

  memory(): MemoryInfo {
    const backends: Record<string, BackendMemory> = {};
    for (const [name, b] of this.#instances) backends[name] = b.memory();
    return {
      numTensors: this.#numTensors,
      numDataBuffers: this.#numBuffers,
      numBytes: this.#numBytes,
      backends,
    };
  }

  /**
   * While on, tensors the garbage collector finds stay counted and keep their storage; turning
   * it off releases them all. Tests that count tensors hold them, so another test's dropped
   * tensors cannot change a count whenever V8 happens to collect them.
   */
  holdCollected(on: boolean): void {
    if (on) {
      this.#heldBack ??= [];
      return;
    }
    const held = this.#heldBack ?? [];
    this.#heldBack = undefined;
    for (const h of held) this.#collected(h);
  }

  setDebug(on: boolean): void {
    this.#debug = on;
    if (!on) this.#live.clear();
  }

  get debug(): boolean {
    return this.#debug;
  }

  liveTensors(): LiveTensorInfo[] {
    return [...this.#live.values()];
  }
}

function stackHere(): string {
  const stack = new Error().stack ?? '';
  return stack
    .split('\n')
    .slice(1)
    .filter((line) => !/[/\\]core[/\\](src|dist)[/\\]/.test(line))
    .join('\n');
}

/** Walks arrays, plain objects, Maps and Sets collecting tensors. */
export function collectTensors(value: unknown, into: Set<Tensor>, depth = 0): void {
  if (depth > 16 || value === null || typeof value !== 'object') return;
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, depth + 1);
  } else if (value instanceof Set) {
    for (const v of value) collectTensors(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

/** The process-wide engine. */
export const ENGINE = new Engine();

/** Bytes one element of `dtype` occupies (re-exported for backends' handle sizes). */
export { bytesPerElement };

// The worker pool of the wasm backend: N−1 workers (worker_threads in Node, Web Workers in
// browsers) instantiate the threads build over the backend's one shared WebAssembly.Memory.
// Dispatch is synchronous, since kernels must return their output: the main thread writes each
// worker's part of a job into a shared control block, wakes the workers (Atomics.notify), runs
// part 0 itself, takes over the parts of workers that have not woken up yet, then spins on the
// pending count for up to `spinMs` and sleeps until it reaches 0 (Atomics.wait; a browser's main
// thread may not block, so there it spins on Atomics.load). Workers spin as long for their next
// part before they sleep, and on while the main thread keeps running kernels (`beat`;
// worker-source.ts has the figures). Only the main thread allocates:
// workers get heap offsets, and a memory.grow happens only between jobs.
// Every wait is bounded: the main thread sleeps in slices and fails the job with a BackendError
// when a worker has died (it marks its slot, or Node reports its exit) or is still busy
// `timeoutMs` after the main thread's own share was done. The pool then stops every worker,
// holds the heap's frees until they have stopped (a stalled worker may still write), and
// reports itself unusable, so the backend goes on with one thread. Platform probing and worker
// creation are platform.ts, work splitting work-split.ts, the GEMM's packing blocks gemm-scratch.ts.

import { BackendError } from '@nabla/core';
import { GemmScratch } from './gemm-scratch.js';
import type { WasmHeap } from './heap.js';
import { spawner, type WorkerHandle } from './platform.js';
import type { KernelExports } from './wasm-module.js';
import { CLAIM, CONTROL, DEAD, EXIT, FAULT, MAX_ARGS, SLOT, SLOT_INTS } from './worker-source.js';

/** Room for the module bytes of compiled functions (a chain's module is a few hundred bytes). */
const CODE_BYTES = 256 * 1024;

/** How long the main thread sleeps between checks on its workers while it waits for a job. */
const WAIT_SLICE_MS = 20;
/** A worker may take this many times as long as the main thread's own share before it counts as stalled. */
const SLOW_FACTOR = 10;

/**
 * A fault a test can inject (see `ThreadPool.injectFault`): the worker traps, exits or spins on
 * its next part, or is killed from outside at once ('kill').
 */
export type WorkerFault = Exclude<keyof typeof FAULT, 'none'> | 'kill';

/**
 * How a chunked job is cut: `count` chunks, chunk c being a part's arguments plus c times its
 * deltas, with argument `clampIndex` at most `clampTo` plus c times `clampStep` (default 0). Every
 * thread claims chunks from one shared counter until none are left. A row range [m0, m1) clamps
 * m1 at the rows; a column count n clamps at N − c·per (`clampTo` N, `clampStep` −per).
 */
export interface Chunks {
  readonly count: number;
  readonly clampIndex: number;
  readonly clampTo: number;
  readonly clampStep?: number;
}

/** One thread's share of a job: the export's arguments, run `count` times, adding `deltas` each time. */
export interface JobPart<K extends keyof KernelExports> {
  readonly args: Parameters<KernelExports[K]>;
  /** Repetitions (default 1). */
  readonly count?: number;
  /** Added to the arguments after each repetition (default all 0), e.g. batch strides. */
  readonly deltas?: readonly number[];
}

/** A function compiled at run time, for `ThreadPool.runCompiled`. */
export interface CompiledCode {
  /** What it is, for error messages. */
  readonly name: string;
  /** This thread's instance of it. */
  readonly fn: (...args: number[]) => unknown;
  /** Where `storeCode` put its module's bytes. */
  readonly stored: StoredCode;
}

/** A module's bytes in the pool's code buffer; workers compile each id once and keep it. */
export interface StoredCode {
  readonly id: number;
  readonly offset: number;
  readonly length: number;
}

/** Options of a pool. */
export interface ThreadPoolOptions {
  /** The threads build, compiled once; workers instantiate it. */
  readonly module: WebAssembly.Module;
  /** The shared memory. */
  readonly memory: WebAssembly.Memory;
  /** The main thread's instance of the threads build. */
  readonly exports: KernelExports;
  /** Every export name, in the order jobs index them. */
  readonly names: readonly (keyof KernelExports)[];
  readonly heap: WasmHeap;
  /** Threads in all, the main thread included (so threads − 1 workers). */
  readonly threads: number;
  /** Multiply-adds below which a kernel stays on one thread. */
  readonly minWork: number;
  /**
   * How long a worker may still be busy after the main thread finished its own share of a job
   * (at least 10 times as long as that share took) before the job fails and the pool stops.
   */
  readonly timeoutMs: number;
  /**
   * How long a worker spins for its next part before it sleeps, and the main thread for its
   * workers before it sleeps on them (0: sleep at once).
   */
  readonly spinMs: number;
}

type ExportFn = (...args: number[]) => unknown;

/** A part of any job: `JobPart` without its export's argument types. */
export interface AnyPart {
  readonly args: readonly number[];
  readonly count?: number;
  readonly deltas?: readonly number[];
}

/**
 * A pool of worker threads running jobs synchronously over one shared memory.
 * @example
 * const pool = new ThreadPool({ module, memory, exports, names, heap, threads: 2, minWork: 2 ** 20 });
 * pool.run('fill32', [{ args: [p, 0, 1024] }, { args: [p + 4096, 0, 1024] }]);
 */
export class ThreadPool {
  /** Threads in all, the main thread included. */
  readonly size: number;
  /** Multiply-adds below which a kernel stays on one thread. */
  readonly minWork: number;
  /** The GEMM's per-thread packing blocks, freed with the pool's other blocks when it stops. */
  readonly gemmScratch: GemmScratch;
  readonly #heap: WasmHeap;
  readonly #ctl: Int32Array<SharedArrayBuffer>;
  /** Module bytes of compiled functions, appended by `storeCode` (workers compile from here). */
  readonly #code = new Uint8Array(new SharedArrayBuffer(CODE_BYTES));
  #codeTop = 0;
  #codeIds = 0;
  readonly #workers: WorkerHandle[] = [];
  readonly #fns: ExportFn[] = [];
  readonly #ids = new Map<string, number>();
  /** Whether this thread may block in Atomics.wait (not a browser's main thread). */
  readonly #canWait: boolean;
  readonly #timeoutMs: number;
  readonly #spinMs: number;
  #seq = 0;
  #jobs = 0;
  #beats = 0;
  #disposed = false;
  #failure: string | undefined;

  constructor(options: ThreadPoolOptions) {
    this.size = options.threads;
    this.minWork = options.minWork;
    this.#timeoutMs = options.timeoutMs;
    this.#spinMs = options.spinMs;
    this.gemmScratch = new GemmScratch(options.heap, options.exports);
    this.#heap = options.heap;
    const names = options.names;
    names.forEach((name, i) => {
      const fn: ExportFn = options.exports[name];
      this.#fns.push(fn);
      this.#ids.set(name, i);
    });
    const workerCount = options.threads - 1;
    this.#ctl = new Int32Array(new SharedArrayBuffer((CONTROL.slots + workerCount * SLOT_INTS) * 4));
    this.#canWait = probeWait(this.#ctl);
    this.#ctl[CONTROL.spinUs] = Math.round(options.spinMs * 1000);
    const spawn = spawner();
    try {
      for (let slot = 0; slot < workerCount; slot++) {
        const init = {
          module: options.module,
          memory: options.memory,
          control: this.#ctl.buffer,
          code: this.#code.buffer,
          slot,
          names,
        };
        this.#workers.push(spawn(init, () => this.#markDead(slot)));
      }
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /**
   * Marks that the main thread runs a kernel (split or not): a worker that is spinning keeps
   * spinning while these come (worker-source.ts). A plain store, on a cache line of its own.
   */
  beat(): void {
    this.#ctl[CONTROL.beat] = ++this.#beats;
  }

  /** Jobs run so far (kernels that were split over threads). */
  get jobs(): number {
    return this.#jobs;
  }

  /** Workers that have instantiated the module and wait for jobs. */
  get readyWorkers(): number {
    let ready = 0;
    for (let w = 0; w < this.#workers.length; w++) ready += Atomics.load(this.#ctl, slotBase(w) + SLOT.ready);
    return ready;
  }

  /** Blocks (up to `timeoutMs`) until every worker is ready; Node only, where the main thread may block. */
  waitReadySync(timeoutMs: number): boolean {
    if (!this.#canWait) return this.readyWorkers === this.#workers.length;
    const deadline = Date.now() + timeoutMs;
    for (let w = 0; w < this.#workers.length; w++) {
      const at = slotBase(w) + SLOT.ready;
      while (Atomics.load(this.#ctl, at) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        Atomics.wait(this.#ctl, at, 0, left);
      }
    }
    return true;
  }

  /** Resolves once every worker is ready, or after `timeoutMs` (browsers start workers only while the page's thread is free). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.readyWorkers < this.#workers.length) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return true;
  }

  /** Whether jobs may run here: neither disposed nor stopped by a worker fault. */
  get usable(): boolean {
    return !this.#disposed && this.#failure === undefined;
  }

  /** Why a worker fault stopped the pool, if one did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /**
   * Test-only: worker `worker` (0-based) traps, exits or spins instead of running its next part,
   * which the main thread then leaves to it rather than taking it over; or is terminated now.
   */
  injectFault(fault: WorkerFault, worker = 0): void {
    if (!(worker >= 0 && worker < this.#workers.length)) {
      throw new BackendError(`injectFault: no worker ${worker} in a pool of ${this.#workers.length}`);
    }
    if (fault === 'kill') {
      this.#workers[worker]!.terminate();
      return;
    }
    Atomics.store(this.#ctl, slotBase(worker) + SLOT.fault, FAULT[fault]);
  }

  /**
   * Runs export `name` with one part per thread: part 0 on this thread, part t on worker t−1
   * (on this thread too while that worker is still starting, or once it has died). Returns when
   * every part is done; throws a BackendError (which the kernel's guard prefixes with its op)
   * when a part failed, or a worker died or stalled during the job (the pool is then stopped:
   * see `usable`).
   */
  run<K extends keyof KernelExports>(
    name: K,
    parts: readonly (JobPart<K> | undefined)[],
    chunks?: Chunks,
  ): void {
    const id = this.#ids.get(name)!;
    this.#run(name, id, this.#fns[id]!, parts, chunks, undefined);
  }

  /**
   * Runs a chunked job in which every thread runs the same `part` (its chunks differ only by
   * `chunks`): `run` with that part on each thread.
   */
  runShared<K extends keyof KernelExports>(name: K, part: JobPart<K>, chunks: Chunks): void {
    this.run(
      name,
      Array.from({ length: this.size }, () => part),
      chunks,
    );
  }

  /**
   * Runs a function compiled at run time (`code.fn` here; workers compile `code`'s bytes, which
   * must stay in the heap, once per `code.id`) with one part per thread, as `run` does.
   */
  runCompiled(code: CompiledCode, parts: readonly AnyPart[], chunks?: Chunks): void {
    this.#run(code.name, -1 - code.stored.id, code.fn, parts, chunks, code.stored);
  }

  /**
   * Copies a module's bytes where the workers can compile them from; undefined once the code
   * buffer is full (the caller then runs that work another way).
   */
  storeCode(bytes: Uint8Array): StoredCode | undefined {
    if (this.#codeTop + bytes.length > this.#code.length) return undefined;
    const stored = { id: this.#codeIds++, offset: this.#codeTop, length: bytes.length };
    this.#code.set(bytes, this.#codeTop);
    this.#codeTop += bytes.length;
    return stored;
  }

  #run(
    name: string,
    id: number,
    fn: ExportFn,
    parts: readonly (AnyPart | undefined)[],
    chunks: Chunks | undefined,
    code: StoredCode | undefined,
  ): void {
    if (this.#disposed) throw new BackendError(`the wasm backend was disposed (in ${name})`);
    if (parts.length > this.size)
      throw new BackendError(`${name} has ${parts.length} parts for ${this.size} threads`);
    this.#jobs++;
    const ctl = this.#ctl;
    const local: AnyPart[] = [];
    const woken: number[] = [];
    const stolen: AnyPart[] = [];
    if (parts[0]) local.push(parts[0]);
    for (let p = 1; p < parts.length; p++) {
      const part = parts[p];
      if (!part) continue;
      const base = slotBase(p - 1);
      const live =
        Atomics.load(ctl, base + SLOT.ready) === 1 && Atomics.load(ctl, base + SLOT.state) !== DEAD;
      if (!live || this.#failure !== undefined) {
        local.push(part);
        continue;
      }
      ctl[base + SLOT.fn] = id;
      ctl[base + SLOT.count] = chunks ? chunks.count : (part.count ?? 1);
      ctl[base + SLOT.chunked] = chunks ? 1 : 0;
      ctl[base + SLOT.clampIndex] = chunks?.clampIndex ?? 0;
      ctl[base + SLOT.clampTo] = chunks?.clampTo ?? 0;
      ctl[base + SLOT.clampStep] = chunks?.clampStep ?? 0;
      ctl[base + SLOT.codePtr] = code ? code.offset : 0;
      ctl[base + SLOT.codeLen] = code ? code.length : 0;
      for (let i = 0; i < MAX_ARGS; i++) {
        ctl[base + SLOT.args + i] = part.args[i] ?? 0;
        ctl[base + SLOT.deltas + i] = part.deltas?.[i] ?? 0;
      }
      woken.push(base);
      stolen.push(part);
    }
    // A flag left by a job whose own part also threw must not fail this one.
    Atomics.store(ctl, CONTROL.error, 0);
    // The count must be in place before any worker can finish and decrement it.
    Atomics.store(ctl, CONTROL.pending, woken.length);
    Atomics.store(ctl, CONTROL.next, 0);
    const runOne = (part: AnyPart): void => (chunks ? runChunks(fn, part, chunks, ctl) : runPart(fn, part));
    this.#seq = (this.#seq % 0x3fffffff) + 1;
    for (const base of woken) {
      Atomics.store(ctl, base + SLOT.claim, CLAIM.waiting);
      Atomics.store(ctl, base + SLOT.seq, this.#seq);
      Atomics.notify(ctl, base + SLOT.seq, 1);
    }
    // Parts whose worker has not woken up yet are ours (unless a test armed a fault there); a
    // worker that never wakes (killed in between) then costs time, not a failed job.
    const takeOver = (): void => {
      for (let i = 0; i < woken.length; i++) {
        const base = woken[i]!;
        if (Atomics.load(ctl, base + SLOT.fault) !== FAULT.none) continue;
        if (Atomics.compareExchange(ctl, base + SLOT.claim, CLAIM.waiting, CLAIM.stolen) !== CLAIM.waiting)
          continue;
        try {
          runOne(stolen[i]!);
        } finally {
          Atomics.sub(ctl, CONTROL.pending, 1);
        }
      }
    };
    const started = performance.now();
    try {
      for (const part of local) runOne(part);
      takeOver();
    } finally {
      this.#waitDone(name, woken, performance.now() - started, takeOver);
    }
    if (Atomics.exchange(ctl, CONTROL.error, 0) !== 0) {
      throw new BackendError(`a wasm worker thread failed in ${name} (its error is on the console)`);
    }
  }

  /** Stops every worker (they exit at once; `exited` resolves when they have). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopWorkers();
  }

  #stopWorkers(): void {
    for (let w = 0; w < this.#workers.length; w++) {
      const at = slotBase(w) + SLOT.seq;
      Atomics.store(this.#ctl, at, EXIT);
      Atomics.notify(this.#ctl, at);
      this.#workers[w]!.terminate();
    }
  }

  /** Resolves once every worker has stopped (after `dispose`). */
  get exited(): Promise<void> {
    return Promise.all(this.#workers.map((w) => w.exited)).then(() => undefined);
  }

  /**
   * Sleeps until every woken part is done, in slices, checking on the workers in between and
   * taking over parts no worker has claimed yet. A worker that died holding a part, or one still
   * busy past the timeout, fails the pool and the job.
   */
  #waitDone(name: string, woken: readonly number[], ownMs: number, takeOver: () => void): void {
    const ctl = this.#ctl;
    const limit = Math.max(this.#timeoutMs, SLOW_FACTOR * ownMs);
    const deadline = performance.now() + limit;
    // Its workers started on their parts about when this thread started on its own, so they
    // are about done: spinning a little saves the wake-up of a thread put to sleep.
    spinWhilePending(ctl, this.#spinMs);
    for (;;) {
      if (Atomics.load(ctl, CONTROL.pending) === 0) return;
      takeOver();
      const pending = Atomics.load(ctl, CONTROL.pending);
      if (pending === 0) return;
      for (const base of woken) {
        const died = Atomics.load(ctl, base + SLOT.state) === DEAD;
        if (died && Atomics.load(ctl, base + SLOT.claim) === CLAIM.running) {
          this.#fail(`wasm worker thread ${workerOf(base) + 1} stopped during ${name}`);
        }
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        const claim = (base: number): number => Atomics.load(ctl, base + SLOT.claim);
        const stalled = woken.filter(
          (base) => claim(base) === CLAIM.running || claim(base) === CLAIM.waiting,
        );
        const which = stalled.map((base) => workerOf(base) + 1).join(', ');
        this.#fail(
          `wasm worker thread ${which || '?'} did not finish its part of ${name} within ${Math.round(limit)} ms (workerTimeoutMs)`,
        );
      }
      // Past the spin, sleep; a browser's page thread may only spin.
      if (this.#canWait) Atomics.wait(ctl, CONTROL.pending, pending, Math.min(WAIT_SLICE_MS, left));
    }
  }

  /** A worker stopped on its own (Node's 'exit' event): jobs from now on run without the pool. */
  #markDead(slot: number): void {
    const base = slotBase(slot);
    Atomics.store(this.#ctl, base + SLOT.state, DEAD);
    Atomics.notify(this.#ctl, CONTROL.pending);
    if (!this.#disposed && this.#failure === undefined) {
      this.#stop(`wasm worker thread ${slot + 1} stopped between jobs; running on one thread`);
    }
  }

  /** Stops the pool after a fault during a job and throws the job's BackendError. */
  #fail(what: string): never {
    this.#stop(`${what}; running on one thread`);
    throw new BackendError(`${what}; the wasm backend goes on with one thread`);
  }

  /**
   * Terminates every worker and frees the pool's blocks once they have stopped: until then the
   * heap keeps every freed block occupied, since a stalled worker may still be writing.
   */
  #stop(reason: string): void {
    this.#failure = reason;
    this.#stopWorkers();
    this.#heap.holdFrees(this.exited);
    this.gemmScratch.release();
  }
}

/** Spins until the job's pending count is 0 or `ms` have passed. */
function spinWhilePending(ctl: Int32Array<SharedArrayBuffer>, ms: number): void {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctl, CONTROL.pending) === 0) return;
    if (performance.now() >= until) return;
  }
}

function slotBase(worker: number): number {
  return CONTROL.slots + worker * SLOT_INTS;
}

function workerOf(base: number): number {
  return (base - CONTROL.slots) / SLOT_INTS;
}

function runPart(fn: ExportFn, part: AnyPart): void {
  const args: number[] = [...part.args];
  const count = part.count ?? 1;
  for (let r = 0; r < count; r++) {
    fn(...args);
    if (part.deltas) for (let j = 0; j < part.deltas.length; j++) args[j]! += part.deltas[j];
  }
}

/** Claims and runs chunks of a chunked job until none are left (the workers' loop, on this thread). */
function runChunks(fn: ExportFn, part: AnyPart, chunks: Chunks, ctl: Int32Array<SharedArrayBuffer>): void {
  const args: number[] = [...part.args];
  for (;;) {
    const c = Atomics.add(ctl, CONTROL.next, 1);
    if (c >= chunks.count) return;
    for (let j = 0; j < part.args.length; j++) args[j] = part.args[j]! + c * (part.deltas?.[j] ?? 0);
    const clamp = chunks.clampTo + c * (chunks.clampStep ?? 0);
    if (args[chunks.clampIndex]! > clamp) args[chunks.clampIndex] = clamp;
    fn(...args);
  }
}

/** Whether Atomics.wait is allowed on this thread (browsers forbid it on the page's thread). */
function probeWait(ctl: Int32Array<SharedArrayBuffer>): boolean {
  try {
    // The value differs, so this returns 'not-equal' at once where waiting is allowed.
    Atomics.wait(ctl, CONTROL.error, 1, 0);
    return true;
  } catch {
    return false;
  }
}

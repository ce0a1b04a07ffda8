// The source of a wasm worker thread, as a string: workers are spawned from it (Node:
// `new Worker(source, { eval: true })`; browsers: a Blob URL), so the published package needs no
// worker file and no path configuration. A worker instantiates the threads build over the shared
// memory, then loops: sleep on its slot's sequence word, claim the part written there (unless the
// main thread took it), run it, count down.
// Workers never spin: on a busy machine a spinning thread spends its fair share of the CPU and
// then waits longer to be scheduled; a futex wake-up costs about 5–15 µs (measured: 14 µs per
// two-thread job without spinning, 35–90 µs with 2,000–20,000 loads of spinning, under load).

/** Int32 indices of the control block shared by the main thread and the workers. */
export const CONTROL = {
  /** Worker parts of the current job not finished yet; the main thread sleeps on it. */
  pending: 0,
  /** Set to 1 by a worker whose job threw (a wasm trap). */
  error: 1,
  /** Where the slots start; slot w (worker w) is SLOT_INTS int32s. */
  slots: 4,
} as const;

/** Int32s per worker slot: sequence, ready, claim, function, count, 16 args, 16 per-repeat deltas. */
export const SLOT_INTS = 48;
/**
 * Offsets inside a slot. `claim` is 0 while the slot's part waits; the worker, or the main
 * thread once done with its own part, takes it by a compare-exchange to 1, so a worker the OS
 * has not scheduled yet never holds the job up.
 */
export const SLOT = { seq: 0, ready: 1, claim: 2, fn: 3, count: 4, args: 8, deltas: 24 } as const;
/** Arguments a job may pass (the widest export, sgemm, takes 14). */
export const MAX_ARGS = 16;
/** The sequence value that tells a worker to exit. */
export const EXIT = -1;

/** What the main thread hands a worker: a Node workerData or a browser's first message. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  /** The worker's slot index. */
  readonly slot: number;
  /** Export names; a job's function is an index into this list. */
  readonly names: readonly string[];
}

// Plain JavaScript (ES2020), self-contained: it is evaluated as a script in the worker.
const BODY = `
function start(init) {
  var exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
  var fns = init.names.map(function (name) { return exports[name]; });
  var ctl = new Int32Array(init.control);
  var base = ${CONTROL.slots} + init.slot * ${SLOT_INTS};
  var args = new Array(${MAX_ARGS}).fill(0);
  var seen = 0;
  Atomics.store(ctl, base + ${SLOT.ready}, 1);
  Atomics.notify(ctl, base + ${SLOT.ready});
  for (;;) {
    var seq = Atomics.load(ctl, base);
    while (seq === seen) {
      Atomics.wait(ctl, base, seen);
      seq = Atomics.load(ctl, base);
    }
    if (seq === ${EXIT}) return;
    seen = seq;
    if (Atomics.compareExchange(ctl, base + ${SLOT.claim}, 0, 1) !== 0) continue;
    try {
      var fn = fns[ctl[base + ${SLOT.fn}]];
      var count = ctl[base + ${SLOT.count}];
      for (var i = 0; i < ${MAX_ARGS}; i++) args[i] = ctl[base + ${SLOT.args} + i];
      for (var r = 0; r < count; r++) {
        fn.apply(null, args);
        for (var j = 0; j < ${MAX_ARGS}; j++) args[j] += ctl[base + ${SLOT.deltas} + j];
      }
    } catch (err) {
      Atomics.store(ctl, ${CONTROL.error}, 1);
      console.error('nabla wasm worker:', err);
    }
    if (Atomics.sub(ctl, ${CONTROL.pending}, 1) === 1) Atomics.notify(ctl, ${CONTROL.pending});
  }
}
`;

/**
 * The worker script for Node's worker_threads (`init` from workerData). A dynamic import, since
 * the script is evaluated as CommonJS or, under `--input-type=module`, as a module.
 */
export const NODE_WORKER_SOURCE = `${BODY}
import('node:worker_threads').then(function (threads) {
  start(threads.workerData);
});
`;

/** The worker script for a browser's Web Worker (`init` is the first message). */
export const BROWSER_WORKER_SOURCE = `${BODY}
self.onmessage = function (event) {
  self.onmessage = null;
  start(event.data);
};
`;

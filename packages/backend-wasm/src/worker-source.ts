// The source of a wasm worker thread, as a string: workers are spawned from it (Node:
// `new Worker(source, { eval: true })`; browsers: a Blob URL), so the published package needs no
// worker file and no path configuration. A worker instantiates the threads build over the shared
// memory, then loops: sleep on its slot's sequence word, claim the part written there (unless the
// main thread took it), run it, mark it done, count down. A worker that stops for any reason but
// the pool's own exit (an uncaught error, `process.exit` in Node) marks its slot dead and wakes
// the main thread, which then fails the job at once instead of waiting for its timeout.
// A worker that finished its part spins on its sequence word for `workerSpinMs` (the control
// block's spinUs) before it sleeps: a training step runs its split kernels a few hundred µs
// apart, and on the 2-core VM this was measured on a sleeping thread took 40–50 µs to wake (the
// main thread, woken by its worker's count-down, 150–180 µs). With the spin, a 128×784·784×256
// product on two threads went from 0.89 to 0.68 ms (1.15 ms on one; medians of 15 rounds, one
// process). The spin goes on while the main thread keeps running kernels (it bumps a beat
// word at each one), up to 8 spins in all, since between two split kernels of a step it may
// run many small ones: in the MLP's two-thread step, the 128×128·(256×128)ᵀ product that
// follows the loss and the output layer's gradients (about 0.6 ms of small kernels) took
// 197–204 µs after its worker had slept and 108 µs with the spin kept up. Past the spin, with
// no kernel run meanwhile, it sleeps, so an idle backend costs no CPU.

/** Int32 indices of the control block shared by the main thread and the workers. */
export const CONTROL = {
  /** Worker parts of the current job not finished yet; the main thread sleeps on it. */
  pending: 0,
  /** Set to 1 by a worker whose job threw (a wasm trap). */
  error: 1,
  /** The next chunk of a chunked job: each thread claims chunks by incrementing it. */
  next: 2,
  /** Microseconds a worker spins for its next part before it sleeps (`workerSpinMs`). */
  spinUs: 3,
  /**
   * Bumped by the main thread at every kernel it runs, split or not (`ThreadPool.beat`): a
   * spinning worker that sees it change when its spin ends spins on. Alone on its cache line, so
   * the main thread's stores do not disturb the words the worker spins on.
   */
  beat: 16,
  /** Where the slots start (a cache line past `beat`); slot w (worker w) is SLOT_INTS int32s. */
  slots: 32,
} as const;

/**
 * Int32s per worker slot: sequence, ready, claim, function, count, state, fault, 16 args, 16
 * per-repeat deltas.
 */
export const SLOT_INTS = 48;
/**
 * Offsets inside a slot. `claim` is WAITING while the slot's part waits; the worker takes it by a
 * compare-exchange to RUNNING and sets DONE when finished, or the main thread, once done with
 * its own part, takes it (STOLEN), so a worker the OS has not scheduled yet never holds the job
 * up. `state` becomes DEAD when the worker has stopped; `fault` is a test-only FAULT code the
 * worker acts on instead of its next part.
 */
export const SLOT = {
  seq: 0,
  ready: 1,
  claim: 2,
  fn: 3,
  count: 4,
  state: 5,
  fault: 6,
  /** 1 for a chunked job: `count` chunks shared by every thread (see `ThreadPool.run`). */
  chunked: 7,
  args: 8,
  deltas: 24,
  /**
   * A chunked job's clamp: argument `clampIndex` of chunk c is at most `clampTo` + c·`clampStep`
   * (the last chunk's end; a column count's remaining columns).
   */
  clampIndex: 40,
  clampTo: 41,
  /** A compiled function's job (a negative `fn`): where its module's bytes are in the code buffer. */
  codePtr: 42,
  codeLen: 43,
  clampStep: 44,
} as const;
/** Values of a slot's `claim`. */
export const CLAIM = { waiting: 0, running: 1, stolen: 2, done: 3 } as const;
/** The `state` of a worker that has stopped. */
export const DEAD = 1;
/** Faults a test can inject into a worker's next part: a trap in the kernel, an exit, a spin. */
export const FAULT = { none: 0, trap: 1, exit: 2, spin: 3 } as const;
/**
 * How many `workerSpinMs` a worker spins at most after a part while the main thread keeps
 * running kernels (4 ms at the default 0.5: a training step's small kernels between two split
 * ones take about 0.6 ms on the MLP).
 */
const BEAT_SPINS = 8;
/** How long an injected spin lasts at most, should nothing terminate the worker. */
const SPIN_LIMIT_MS = 60_000;
/** Arguments a job may pass (the widest export, sgemm, takes 14). */
export const MAX_ARGS = 16;
/** The sequence value that tells a worker to exit. */
export const EXIT = -1;

/** What the main thread hands a worker: a Node workerData or a browser's first message. */
export interface WorkerInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  /** Module bytes of functions compiled at run time (`ThreadPool.storeCode`). */
  readonly code: SharedArrayBuffer;
  /** The worker's slot index. */
  readonly slot: number;
  /** Export names; a job's function is an index into this list. */
  readonly names: readonly string[];
}

// Plain JavaScript (ES2020), self-contained: it is evaluated as a script in the worker.
// `platform.onExit(fn)` runs fn if the thread is stopped from inside (Node's process 'exit');
// `platform.quit()` stops the thread (the injected exit fault).
const BODY = `
function start(init, platform) {
  var exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports;
  var fns = init.names.map(function (name) { return exports[name]; });
  var ctl = new Int32Array(init.control);
  var base = ${CONTROL.slots} + init.slot * ${SLOT_INTS};
  var args = new Array(${MAX_ARGS}).fill(0);
  // Functions compiled at run time (elementwise chains), by their negative job id.
  var compiled = new Map();
  function compiledFn(id) {
    var fn = compiled.get(id);
    if (fn === undefined) {
      var at = ctl[base + ${SLOT.codePtr}];
      var bytes = new Uint8Array(init.code, at, ctl[base + ${SLOT.codeLen}]).slice();
      fn = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: init.memory } }).exports.run;
      compiled.set(id, fn);
    }
    return fn;
  }
  var seen = 0;
  var clean = false;
  function dead() {
    if (clean) return;
    Atomics.store(ctl, base + ${SLOT.state}, ${DEAD});
    Atomics.notify(ctl, ${CONTROL.pending});
  }
  platform.onExit(dead);
  Atomics.store(ctl, base + ${SLOT.ready}, 1);
  Atomics.notify(ctl, base + ${SLOT.ready});
  try {
    for (;;) {
      var seq = Atomics.load(ctl, base);
      if (seq === seen) {
        var spinUs = ctl[${CONTROL.spinUs}];
        var spinStart = performance.now();
        var spinUntil = spinStart + spinUs / 1000;
        // Beats extend the spin up to BEAT_SPINS spins in all, so a long run of small kernels
        // with no split one (an inference loop of tiny ops) does not hold a core for nothing.
        var spinLimit = spinStart + (${BEAT_SPINS} * spinUs) / 1000;
        var beat = ctl[${CONTROL.beat}];
        spin: for (;;) {
          for (var s = 0; s < 64; s++) if (Atomics.load(ctl, base) !== seen) break spin;
          var now = performance.now();
          if (now >= spinUntil) {
            // The main thread ran kernels during the spin: more split ones are likely to come.
            var latest = Atomics.load(ctl, ${CONTROL.beat});
            if (latest === beat || now >= spinLimit) break;
            beat = latest;
            spinUntil = now + spinUs / 1000;
          }
        }
        seq = Atomics.load(ctl, base);
      }
      while (seq === seen) {
        Atomics.wait(ctl, base, seen);
        seq = Atomics.load(ctl, base);
      }
      if (seq === ${EXIT}) {
        clean = true;
        return;
      }
      seen = seq;
      if (Atomics.compareExchange(ctl, base + ${SLOT.claim}, ${CLAIM.waiting}, ${CLAIM.running}) !== ${CLAIM.waiting}) continue;
      var fault = Atomics.exchange(ctl, base + ${SLOT.fault}, ${FAULT.none});
      if (fault === ${FAULT.exit}) {
        platform.quit();
        return;
      }
      if (fault === ${FAULT.spin}) {
        var until = Date.now() + ${SPIN_LIMIT_MS};
        while (Atomics.load(ctl, base) !== ${EXIT} && Date.now() < until) {}
        return;
      }
      try {
        if (fault === ${FAULT.trap}) throw new WebAssembly.RuntimeError('injected fault');
        var id = ctl[base + ${SLOT.fn}];
        var fn = id >= 0 ? fns[id] : compiledFn(id);
        var count = ctl[base + ${SLOT.count}];
        for (var i = 0; i < ${MAX_ARGS}; i++) args[i] = ctl[base + ${SLOT.args} + i];
        if (ctl[base + ${SLOT.chunked}] === 1) {
          // Chunk c is the arguments plus c times the deltas, clamped; chunks go to whichever
          // thread asks first, so a thread the OS runs late leaves its share to the others.
          var first = args.slice();
          var ci = ctl[base + ${SLOT.clampIndex}];
          var cv = ctl[base + ${SLOT.clampTo}];
          var cs = ctl[base + ${SLOT.clampStep}];
          for (;;) {
            var c = Atomics.add(ctl, ${CONTROL.next}, 1);
            if (c >= count) break;
            for (var k = 0; k < ${MAX_ARGS}; k++) args[k] = first[k] + c * ctl[base + ${SLOT.deltas} + k];
            if (args[ci] > cv + c * cs) args[ci] = cv + c * cs;
            fn.apply(null, args);
          }
        } else {
          for (var r = 0; r < count; r++) {
            fn.apply(null, args);
            for (var j = 0; j < ${MAX_ARGS}; j++) args[j] += ctl[base + ${SLOT.deltas} + j];
          }
        }
      } catch (err) {
        Atomics.store(ctl, ${CONTROL.error}, 1);
        if (fault !== ${FAULT.trap}) console.error('nabla wasm worker:', err);
      }
      Atomics.store(ctl, base + ${SLOT.claim}, ${CLAIM.done});
      if (Atomics.sub(ctl, ${CONTROL.pending}, 1) === 1) Atomics.notify(ctl, ${CONTROL.pending});
    }
  } finally {
    dead();
  }
}
`;

/**
 * The worker script for Node's worker_threads (`init` from workerData). A dynamic import, since
 * the script is evaluated as CommonJS or, under `--input-type=module`, as a module.
 */
export const NODE_WORKER_SOURCE = `${BODY}
import('node:worker_threads').then(function (threads) {
  start(threads.workerData, {
    onExit: function (fn) { process.on('exit', fn); },
    quit: function () { process.exit(1); },
  });
});
`;

/** The worker script for a browser's Web Worker (`init` is the first message). */
export const BROWSER_WORKER_SOURCE = `${BODY}
self.onmessage = function (event) {
  self.onmessage = null;
  start(event.data, {
    onExit: function () {},
    quit: function () { self.close(); },
  });
};
`;

// The measured 128-bit SIMD peaks of one thread: twelve independent chains of
// `f32x4.relaxed_madd` (FMA), or of `f32x4.mul` then `f32x4.add` (what a SIMD build without
// relaxed SIMD, tfjs-wasm's included, runs), in a small WebAssembly module written out here byte
// by byte, timed over a few rounds and the best kept. The % SIMD peak column of the rows that ran
// Nabla's relaxed build is taken against the FMA peak, that of the plain SIMD build against the
// mul + add one, since /proc/cpuinfo's clock is the nominal one and a boosting core runs faster
// (rows above 100% against the nominal peak). The two peaks side by side say how much FMA can
// gain on this machine at all: on Zen 4 and 5, whose adds run on pipes of their own, far less
// than the 2× of a core that issues both on its FMA pipes.

/** Why the peak could not be measured, or what it came to. */
export type PeakResult =
  | { readonly ok: true; readonly gflops: number; readonly samples: readonly number[] }
  | { readonly ok: false; readonly reason: string };

/** Independent accumulators: FMA latency (4 cycles) × 2 pipes with room to spare, 14 registers. */
const CHAINS = 12;
/** float32 FLOP of one step of a chain: 4 lanes × (multiply + add). */
const FLOP_PER_STEP = 8;

/** What a chain's step is: one fused `f32x4.relaxed_madd`, or `f32x4.mul` then `f32x4.add`. */
export type PeakKind = 'fma' | 'mul-add';

/** Unsigned LEB128, as the binary format writes sizes and counts. */
function leb(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest ? low | 0x80 : low);
  } while (rest);
  return bytes;
}

/** A section: its id, its size, its bytes. */
function section(id: number, bytes: number[]): number[] {
  return [id, ...leb(bytes.length), ...bytes];
}

/**
 * The module: `peak(n: i32, a: f32, b: f32) -> f32` runs n rounds of acc[k] = acc[k]·x + y over
 * twelve v128 accumulators (x, y the splats of a and b), fused or not by `kind`, and returns
 * lane 0 of their sum, so nothing can be left out; n must be at least 1 (the body runs before the
 * test). Locals: 0 n, 1 a, 2 b, 3..14 the accumulators, 15 x, 16 y.
 */
function peakModule(kind: PeakKind): Uint8Array<ArrayBuffer> {
  const X = 3 + CHAINS;
  const Y = X + 1;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const body: number[] = [0x01, CHAINS + 2, 0x7b]; // one run of 14 v128 locals
  body.push(...get(1), 0xfd, 0x13, ...set(X)); // x = f32x4.splat(a)
  body.push(...get(2), 0xfd, 0x13, ...set(Y)); // y = f32x4.splat(b)
  for (let k = 0; k < CHAINS; k++) body.push(...get(Y), ...set(3 + k));
  body.push(0x02, 0x40, 0x03, 0x40); // block, loop
  for (let k = 0; k < CHAINS; k++) {
    if (kind === 'fma') body.push(...get(3 + k), ...get(X), ...get(Y), 0xfd, 0x85, 0x02, ...set(3 + k));
    // f32x4.mul, then f32x4.add
    else body.push(...get(3 + k), ...get(X), 0xfd, 0xe6, 0x01, ...get(Y), 0xfd, 0xe4, 0x01, ...set(3 + k));
  }
  body.push(...get(0), 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00); // n -= 1; br_if loop while n != 0
  body.push(0x0b, 0x0b); // end loop, end block
  body.push(...get(3));
  for (let k = 1; k < CHAINS; k++) body.push(...get(3 + k), 0xfd, 0xe4, 0x01); // f32x4.add
  body.push(0xfd, 0x1f, 0x00, 0x0b); // f32x4.extract_lane 0, end
  const name = [...'peak'].map((c) => c.charCodeAt(0));
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7d, 0x7d, 0x01, 0x7d]), // (i32, f32, f32) -> f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, name.length, ...name, 0x00, 0x00]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
  ]);
}

/** Timed rounds of a peak (the best is kept). */
export const FMA_PEAK_ROUNDS = 7;

/** How the peaks are measured, in the report's words. */
export const FMA_PEAK_METHOD = `${CHAINS} independent f32x4.relaxed_madd chains, the best of ${FMA_PEAK_ROUNDS} calls`;
export const MUL_ADD_PEAK_METHOD = `${CHAINS} independent chains of f32x4.mul then f32x4.add, the best of ${FMA_PEAK_ROUNDS} calls`;

const measured = new Map<PeakKind, PeakResult>();

/**
 * One thread's 128-bit FMA peak in GFLOP/s, the best of FMA_PEAK_ROUNDS timed calls of about 20 ms
 * after a warm-up that lets the engine's optimizing tier take over; measured once per process,
 * and a failure is kept too. Not measured where the engine has no relaxed SIMD (Node 20 turns it
 * on with a flag, which Nabla's wasm backend sets when it picks its relaxed build, before the
 * bench asks for the peak).
 * @example
 * const peak = fmaPeak(); // { ok: true, gflops: 42.3, samples: [...] }
 */
export function fmaPeak(): PeakResult {
  return simdPeakOf('fma');
}

/**
 * One thread's 128-bit peak with separate multiplies and adds (no FMA), measured as `fmaPeak`
 * is: the ceiling of Nabla's plain SIMD build and of tfjs-wasm.
 * @example
 * const peak = mulAddPeak(); // { ok: true, gflops: 44.7, samples: [...] }
 */
export function mulAddPeak(): PeakResult {
  return simdPeakOf('mul-add');
}

function simdPeakOf(kind: PeakKind): PeakResult {
  const known = measured.get(kind);
  if (known) return known;
  const result = measure(kind);
  measured.set(kind, result);
  return result;
}

function measure(kind: PeakKind): PeakResult {
  const bytes = peakModule(kind);
  if (!WebAssembly.validate(bytes)) {
    return {
      ok: false,
      reason:
        kind === 'fma'
          ? 'this engine does not validate relaxed SIMD (f32x4.relaxed_madd)'
          : 'this engine does not validate 128-bit SIMD',
    };
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const peak = instance.exports.peak as (n: number, a: number, b: number) => number;
  // Calls, not one long one: the engine swaps in optimized code between calls, not within one.
  for (let i = 0; i < 50; i++) peak(1000, 0.5, 1);
  const timed = (n: number): { ms: number; result: number } => {
    const start = performance.now();
    const result = peak(n, 0.5, 1);
    return { ms: performance.now() - start, result };
  };
  // Double n until a call takes 5 ms, then scale it to about 20 ms a call.
  let n = 1000;
  for (let ms = timed(n).ms; ms < 5; ms = timed(n).ms) n *= 2;
  n = Math.max(1, Math.round((n * 20) / timed(n).ms)); // the loop runs at least once
  const samples: number[] = [];
  for (let round = 0; round < FMA_PEAK_ROUNDS; round++) {
    const { ms, result } = timed(n);
    // Each chain converges to b / (1 − a) = 2, so the sum of lane 0 is 24.
    if (Math.abs(result - 2 * CHAINS) > 1e-3) {
      return { ok: false, reason: `the peak loop computed ${result}, not ${2 * CHAINS}` };
    }
    samples.push((n * CHAINS * FLOP_PER_STEP) / (ms / 1e3) / 1e9);
  }
  return { ok: true, gflops: Math.max(...samples), samples };
}

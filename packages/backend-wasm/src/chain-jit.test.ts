// Compiled elementwise chains (chain-jit.ts) against a float32 reference written here: random
// programs of every compilable step over inputs of every layout the kernel reads (the output's
// shape, trailing axes, leading axes, one element), with NaN, ±0, infinities and subnormals among
// the values, on one thread and split over two. The bits must match the reference exactly (any
// NaN for NaN): the compiled loop and the interpreter, which takes the tail, round each step as
// the ordinary op does. The column sums of chains (`elementwiseSum`) must give the bits of the
// chain, then the sum kernel.

import { CHAIN_BINARY, type ChainStep, type Kernel } from '@nabla/core/internal';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_PERIODIC, CHAIN_REPEAT, CHAIN_SAME, CHAIN_SCALAR } from './abi.js';
import { canCompile, canCompileRows, compileChain, compileChainRows } from './chain-jit.js';
import { WasmBackend } from './wasm-backend.js';

const f32 = Math.fround;

/** The interpreter's float32 semantics of one step over values `v`. */
function stepRef(step: ChainStep, v: readonly number[]): number {
  if (step.op === 'const') return f32(step.value);
  if (step.op === 'select') return v[step.c] !== 0 ? v[step.x]! : v[step.y]!;
  const a = v[step.x]!;
  if ('y' in step) {
    const b = v[step.y]!;
    switch (step.op) {
      case 'add':
        return f32(a + b);
      case 'sub':
        return f32(a - b);
      case 'mul':
        return f32(a * b);
      case 'div':
        return f32(a / b);
      case 'maximum':
        // NaN propagates; −0 orders below +0.
        if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
        if (a === b) return Object.is(a, -0) ? b : a;
        return a > b ? a : b;
      case 'minimum':
        if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
        if (a === b) return Object.is(a, -0) ? a : b;
        return a < b ? a : b;
      case 'greater':
        return a > b ? 1 : 0;
      case 'greaterEqual':
        return a >= b ? 1 : 0;
      case 'less':
        return a < b ? 1 : 0;
      case 'lessEqual':
        return a <= b ? 1 : 0;
      case 'equal':
        return a === b ? 1 : 0;
      default:
        throw new Error(`no reference for ${JSON.stringify(step)}`);
    }
  }
  switch (step.op) {
    case 'neg':
      return -a;
    case 'abs':
      return Math.abs(a);
    case 'sqrt':
      return f32(Math.sqrt(a));
    case 'rsqrt':
      return f32(1 / f32(Math.sqrt(a)));
    case 'relu':
      return a > 0 || Number.isNaN(a) ? a : 0;
    default:
      throw new Error(`no reference for ${step.op}`);
  }
}

const UNARY = ['neg', 'abs', 'sqrt', 'rsqrt', 'relu'] as const;
/** Every binary step compiles (arithmetic and comparisons). */
const BINARY = CHAIN_BINARY;

type Layout = 'same' | 'trailing' | 'leading' | 'one';

/** A program of `steps` steps over `inputs` values, built from fast-check's choices. */
function programArb(inputs: number): fc.Arbitrary<ChainStep[]> {
  return fc
    .array(fc.tuple(fc.nat(3), fc.nat(10), fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.float()), {
      minLength: 1,
      maxLength: 8,
    })
    .map((raw) =>
      raw.map(([kind, op, x, y, c, value], s): ChainStep => {
        const n = inputs + s;
        if (kind === 0) return { op: 'const', value };
        if (kind === 1) return { op: UNARY[op % UNARY.length]!, x: x % n };
        if (kind === 2) return { op: BINARY[op % BINARY.length]!, x: x % n, y: y % n };
        return { op: 'select', c: c % n, x: x % n, y: y % n };
      }),
    );
}

/** Float32 values with the edge cases often. */
const valueArb = fc.oneof(
  fc.float(),
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e-45,
    -3.4e38,
    1,
    -1,
  ),
);

/** A case: a [rows, cols] output, inputs of the given layouts, their values and a program. */
const caseArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 40 }),
    // Multiples of 4 and not: a period that is not compiles nothing (the interpreter runs it).
    cols: fc.integer({ min: 1, max: 36 }),
    layouts: fc.array(fc.constantFrom<Layout>('same', 'trailing', 'leading', 'one'), {
      minLength: 1,
      maxLength: 6,
    }),
    seed: fc.array(valueArb, { minLength: 64, maxLength: 64 }),
  })
  .chain((c) => programArb(c.layouts.length).map((program) => ({ ...c, program })));

interface CaseInput {
  readonly layout?: Layout;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The inputs of a case and the reference value of every output element. */
function reference(
  rows: number,
  cols: number,
  layouts: readonly Layout[],
  seed: readonly number[],
  program: readonly ChainStep[],
): { inputs: CaseInput[]; want: Float32Array } {
  const inputs = layouts.map((layout, k) => {
    const s =
      layout === 'same'
        ? [rows, cols]
        : layout === 'trailing'
          ? [cols]
          : layout === 'leading'
            ? [rows, 1]
            : [];
    const n = s.reduce((a, d) => a * d, 1);
    const values = Float32Array.from({ length: n }, (_, i) => seed[(i * 7 + k * 13) % seed.length]!);
    return { layout, shape: s, values };
  });
  const want = new Float32Array(rows * cols);
  for (let e = 0; e < rows * cols; e++) {
    const [r, col] = [Math.floor(e / cols), e % cols];
    const at = { same: e, trailing: col, leading: r, one: 0 };
    const v: number[] = inputs.map(({ layout, values }) => values[at[layout]]!);
    for (const step of program) v.push(stepRef(step, v));
    want[e] = v[v.length - 1]!;
  }
  return { inputs, want };
}

/** Runs a chain kernel of `backend` over `inputs`, returning its output of `shape`. */
function run(
  backend: WasmBackend,
  kernel: 'elementwise' | 'elementwiseSum',
  inputs: readonly CaseInput[],
  program: readonly ChainStep[],
  shape: readonly number[],
): Float32Array {
  const infos = inputs.map(({ shape: s, values }) => ({
    handle: backend.upload(values, 'float32'),
    shape: s,
    dtype: 'float32' as const,
    size: values.length,
  }));
  const size = shape.reduce((a, d) => a * d, 1);
  try {
    const [out] = backend.fused[kernel]!(infos, { program }, [{ shape, dtype: 'float32', size }]);
    const got = backend.readSync(out!, 'float32', size) as Float32Array;
    backend.free(out!);
    return got;
  } finally {
    for (const info of infos) backend.free(info.handle);
  }
}

/** The composite of `elementwiseSum` on `backend`: the chain's value, then the sum kernel over the rows. */
function chainThenSum(
  backend: WasmBackend,
  inputs: readonly CaseInput[],
  program: readonly ChainStep[],
  rows: number,
  cols: number,
): Float32Array {
  const value = run(backend, 'elementwise', inputs, program, [rows, cols]);
  const handle = backend.upload(value, 'float32');
  const out = (backend.kernels.sum as Kernel<'sum'>)(
    [{ handle, shape: [rows, cols], dtype: 'float32', size: rows * cols }],
    { axes: [0] },
    { shape: [1, cols], dtype: 'float32', size: cols },
  );
  const sums = backend.readSync(out, 'float32', cols) as Float32Array;
  backend.free(out);
  backend.free(handle);
  return sums;
}

describe('compiled elementwise chains', () => {
  const backends: WasmBackend[] = [];

  beforeAll(async () => {
    backends.push(await WasmBackend.create({ threads: 1 }));
    // Splits every chain of a few hundred elements over the two threads.
    backends.push(await WasmBackend.create({ threads: 2, minParallelWork: 256 }));
  });

  afterAll(() => {
    for (const b of backends) b.dispose();
  });

  it('gives the bits of the float32 reference for random programs and input layouts', () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, layouts, seed, program }) => {
        const shape = [rows, cols];
        const size = rows * cols;
        const { inputs, want } = reference(rows, cols, layouts, seed, program);
        for (const backend of backends) {
          const got = run(backend, 'elementwise', inputs, program, shape);
          for (let e = 0; e < size; e++) {
            const [g, w] = [got[e]!, want[e]!];
            if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) {
              throw new Error(
                `element ${e} of [${shape}] on ${backend.threadInfo().threads} thread(s): got ${g}, want ${w}; program ${JSON.stringify(program)}, layouts ${layouts}`,
              );
            }
          }
        }
      }),
      { numRuns: 300 },
    );
    // The programs above were compiled (all but those over a period that is not a multiple of 4).
    for (const backend of backends) expect(backend.threadInfo().compiledChains).toBeGreaterThan(20);
  });

  it('sums chains over rows with the bits of the chain, then sum, for random programs and layouts', () => {
    fc.assert(
      fc.property(caseArb, ({ rows, cols, layouts, seed, program }) => {
        // The inputs must span [rows, cols]: the kernel sums over their broadcast shape.
        fc.pre(layouts.includes('same') || (layouts.includes('trailing') && layouts.includes('leading')));
        const { inputs } = reference(rows, cols, layouts, seed, program);
        for (const backend of backends) {
          const sums = chainThenSum(backend, inputs, program, rows, cols);
          const got = run(backend, 'elementwiseSum', inputs, program, [1, cols]);
          for (let j = 0; j < cols; j++) {
            const [g, w] = [got[j]!, sums[j]!];
            if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) {
              throw new Error(
                `column ${j} of [${rows}, ${cols}] on ${backend.threadInfo().threads} thread(s): got ${g}, want ${w} (chain, then sum); program ${JSON.stringify(program)}, layouts ${layouts}`,
              );
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sums a chain in row chunks (a reduction of 2^18 elements) with the bits of the chain, then sum', async () => {
    // 2,048 rows of 128: the reduce kernel cuts it in 8 row chunks, which the threads claim.
    const [rows, cols] = [2048, 128];
    const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 100);
    const m = Float32Array.from({ length: cols }, (_, j) => Math.cos(j) * 50);
    const program: ChainStep[] = [
      { op: 'sub', x: 0, y: 1 },
      { op: 'mul', x: 2, y: 2 },
    ];
    const inputs = [
      { shape: [rows, cols], values: x },
      { shape: [cols], values: m },
    ];
    for (const backend of backends) {
      const want = chainThenSum(backend, inputs, program, rows, cols);
      const got = run(backend, 'elementwiseSum', inputs, program, [1, cols]);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('compiles at most 512 programs per backend; later ones still run, in the interpreter', async () => {
    const backend = await WasmBackend.create({ threads: 1 });
    try {
      const x = Float32Array.from({ length: 8 }, (_, i) => i - 3);
      const info = { handle: backend.upload(x, 'float32'), shape: [8], dtype: 'float32' as const, size: 8 };
      for (let k = 0; k < 600; k++) {
        // x + k: a program of its own for every constant.
        const program: ChainStep[] = [
          { op: 'const', value: k },
          { op: 'add', x: 0, y: 1 },
        ];
        const [out] = backend.fused!.elementwise!([info], { program }, [
          { shape: [8], dtype: 'float32', size: 8 },
        ]);
        expect(Array.from(backend.readSync(out!, 'float32', 8))).toEqual(Array.from(x, (v) => v + k));
        backend.free(out!);
      }
      expect(backend.threadInfo().compiledChains).toBe(512);
      backend.free(info.handle);
    } finally {
      backend.dispose();
    }
  });

  it('keeps programs that differ only in a −0 constant apart (x + 0 and x + −0 at x = −0)', async () => {
    const backend = await WasmBackend.create({ threads: 1 });
    try {
      const x = new Float32Array([-0, -0, 1, -2, -0, 3, -0, 0]);
      const info = { handle: backend.upload(x, 'float32'), shape: [8], dtype: 'float32' as const, size: 8 };
      const run = (value: number) => {
        const program: ChainStep[] = [
          { op: 'const', value },
          { op: 'add', x: 0, y: 1 },
        ];
        const [out] = backend.fused!.elementwise!([info], { program }, [
          { shape: [8], dtype: 'float32', size: 8 },
        ]);
        const got = Array.from(backend.readSync(out!, 'float32', 8));
        backend.free(out!);
        return got;
      };
      // Either order: the second program must not reuse the first's code.
      for (const value of [0, -0, 0]) {
        const got = run(value);
        expect(got.map((v, i) => Object.is(v, x[i]! + value))).toEqual(new Array(8).fill(true));
      }
      expect(backend.threadInfo().compiledChains).toBe(2);
      backend.free(info.handle);
    } finally {
      backend.dispose();
    }
  });

  it('compiles valid modules for every step and layout, over shared and unshared memories', () => {
    const steps: ChainStep[] = [
      { op: 'const', value: 2.5 },
      ...UNARY.map((op, i): ChainStep => ({ op, x: i % 4 })),
      ...BINARY.map((op, i): ChainStep => ({ op, x: i % 4, y: (i + 1) % 4 })),
      { op: 'select', c: 4, x: 0, y: 1 },
    ];
    const kinds = [CHAIN_SAME, CHAIN_SCALAR, CHAIN_PERIODIC, CHAIN_REPEAT];
    expect(canCompile(steps, kinds, [1, 1, 8, 4])).toBe(true);
    for (const shared of [false, true]) {
      expect(WebAssembly.validate(compileChain(steps, kinds, shared))).toBe(true);
      expect(
        WebAssembly.validate(compileChain(steps, [...kinds, CHAIN_PERIODIC], shared, [0, 1, 2, 3, 2])),
      ).toBe(true);
    }
    // The row form: per-channel (periodic over a row), whole-shape and one-element inputs.
    const rowKinds = [CHAIN_SAME, CHAIN_SCALAR, CHAIN_PERIODIC, CHAIN_PERIODIC];
    expect(canCompileRows(steps, rowKinds, [1, 1, 40, 40], 40)).toBe(true);
    expect(canCompileRows(steps, rowKinds, [1, 1, 40, 80], 40)).toBe(false);
    expect(canCompileRows(steps, [CHAIN_SAME, CHAIN_REPEAT], [1, 40], 40)).toBe(false);
    expect(canCompileRows(steps, rowKinds, [1, 1, 6, 6], 6)).toBe(false);
    for (const shared of [false, true]) {
      for (const sum of [false, true]) {
        expect(WebAssembly.validate(compileChainRows(steps, rowKinds, shared, 40, sum))).toBe(true);
      }
    }
    // Steps without an exact SIMD form, and periods of no whole vector, stay in the interpreter.
    expect(canCompile([{ op: 'exp', x: 0 }], [CHAIN_SAME], [1])).toBe(false);
    expect(canCompile([{ op: 'relu', x: 0 }], [CHAIN_PERIODIC], [6])).toBe(false);
    expect(canCompile([{ op: 'relu', x: 0 }], [CHAIN_REPEAT], [3])).toBe(false);
  });
});

// Property tests of the argument layer (args.ts, convert.ts): random rectangular nested arrays
// convert exactly, random ragged or over-deep ones are a ShapeError, and random garbage in any
// argument of any public op gives a result or a NablaError naming the op, never a raw
// TypeError/RangeError, and leaves the live tensor and byte counts unchanged.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispose,
  memory,
  NablaError,
  ones,
  ShapeError,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '../index.js';
import { opSignatures } from '../testing/index.js';

beforeAll(async () => {
  // Core does not depend on a backend; the specifier is a variable so tsc does not resolve it
  // (vitest's alias does, to the same core sources).
  const cpu = '@nabla/backend-cpu';
  await import(cpu);
  await setBackend('cpu');
});

type Nested = number | Nested[];

/** A rectangular nested array of `shape` filled from `values` in row-major order. */
function build(shape: readonly number[], values: readonly number[], offset = { i: 0 }): Nested {
  if (shape.length === 0) return values[offset.i++ % values.length] ?? 0;
  return Array.from({ length: shape[0]! }, () => build(shape.slice(1), values, offset));
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 });

describe('nested arrays', () => {
  it('a rectangular nested array converts to its shape and values', async () => {
    await fc.assert(
      fc.asyncProperty(
        shapeArb,
        fc.array(fc.integer({ min: -9, max: 9 }), { minLength: 1 }),
        async (shape, vals) => {
          using t = tensor(build(shape, vals) as never);
          expect(t.shape).toEqual(shape);
          const size = shape.reduce((a, b) => a * b, 1);
          const expected = Array.from({ length: size }, (_, i) => vals[i % vals.length]!);
          expect(Array.from(await t.data())).toEqual(expected);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('changing the length of any one inner array makes it a ShapeError', () => {
    const ragged = shapeArb
      .filter((s) => s.length >= 2)
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          depth: fc.integer({ min: 1, max: shape.length - 1 }),
          pick: fc.nat(),
          grow: fc.boolean(),
        }),
      );
    fc.assert(
      fc.property(ragged, ({ shape, depth, pick, grow }) => {
        // Only an array with a sibling at its depth can be made ragged.
        fc.pre(shape.slice(0, depth).reduce((n, d) => n * d, 1) >= 2);
        const value = build(shape, [1]) as Nested[];
        // Walk down to one array at `depth` and change its length.
        let node: Nested[] = value;
        let p = pick;
        for (let d = 0; d < depth; d++) {
          node = node[p % node.length] as Nested[];
          p = Math.floor(p / 3);
        }
        if (grow) node.push(node[0]!);
        else node.pop();
        const before = memory().numTensors;
        expect(() => tensor(value as never)).toThrow(ShapeError);
        expect(memory().numTensors).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('wrapping any one element in an extra array makes it a ShapeError (tensor([1, [2]]))', () => {
    const wrapped = shapeArb.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        depth: fc.integer({ min: 0, max: shape.length - 1 }),
        pick: fc.nat(),
      }),
    );
    fc.assert(
      fc.property(wrapped, ({ shape, depth, pick }) => {
        // A lone element wrapped is still rectangular; with a sibling at its depth it is not.
        fc.pre(shape.slice(0, depth + 1).reduce((n, d) => n * d, 1) >= 2);
        const value = build(shape, [1]) as Nested[];
        let node: Nested[] = value;
        let p = pick;
        for (let d = 0; d < depth; d++) {
          node = node[p % node.length] as Nested[];
          p = Math.floor(p / 3);
        }
        const k = p % node.length;
        node[k] = [node[k]!];
        const before = memory().numTensors;
        expect(() => tensor(value as never)).toThrow(ShapeError);
        expect(memory().numTensors).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('nesting past 32 levels is a ShapeError at any depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 5000 }), (depth) => {
        let v: unknown = 0;
        for (let i = 0; i < depth; i++) v = [v];
        expect(() => tensor(v as never)).toThrow(ShapeError);
      }),
      { numRuns: 30 },
    );
  });
});

/** Garbage plus values each spec kind would accept, so calls get past the first check too. */
const argArb = fc.oneof(
  fc.anything(),
  fc.constantFrom(0, 1, -1, 2, 0.5, Number.NaN, Infinity, true, 'float32', 'int32', 'float8', 'same', null),
  fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 4 }),
  fc.record({ axis: fc.integer({ min: -3, max: 3 }), keepDims: fc.boolean() }, { requiredKeys: [] }),
  fc.constant('x'),
);

/** String() that never throws (null-prototype objects have no toString). */
function show(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

describe('garbage arguments to every public op', () => {
  let x: Tensor;
  beforeAll(() => {
    x = ones([2, 3]);
  });
  afterAll(() => x.dispose());
  const names = [...opSignatures().keys()].sort();

  it('each call returns or throws a NablaError naming the op, leaving memory unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.array(argArb, { maxLength: 5 }),
        async (name, rawArgs) => {
          const { fn } = opSignatures().get(name)!;
          // 'x' stands for a live tensor: most ops want one first.
          const args = rawArgs.map((a) => (a === 'x' ? x : a));
          const before = memory();
          try {
            let pending: unknown;
            const out = tidy(() => {
              const result = (fn as (...a: unknown[]) => unknown)(...args);
              // An async op (toPixels) resolves to plain data: awaited outside the scope.
              if (!(result instanceof Promise)) return result;
              pending = result;
              return undefined;
            });
            dispose(out);
            await pending;
          } catch (e) {
            expect(e, `${name}(${args.map(show).join(', ')}) threw ${show(e)}`).toBeInstanceOf(NablaError);
            expect((e as Error).message.startsWith(`${name}: `), (e as Error).message).toBe(true);
          }
          const after = memory();
          expect(after.numTensors, name).toBe(before.numTensors);
          expect(after.numBytes, name).toBe(before.numBytes);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

// Slicing: NumPy-style `slice(x, ':, 1:-1, ::2')` (string or per-axis array spec), tfjs-style
// `sliceRange(x, begin, size)`, and the VJP rules of the `slice`/`sliceGrad` primitive pair.
// Every spec resolves to one strided read (begin and stride per axis) plus a free reshape that
// drops integer-indexed axes. This file imports no other op file, so movement.ts can build on it.

import { ENGINE } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import type { SliceParams } from '../prims.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { RuleTable } from '../vjp-rule.js';
import { defineOp, opt, render, req, S } from './args.js';
import { type TensorLike, withArgs } from './convert.js';

/** A Python-style range on one axis; omitted (or null) fields take NumPy's defaults. */
export interface SliceRange {
  start?: number | null;
  stop?: number | null;
  /** Nonzero; negative walks backwards (default 1). */
  step?: number | null;
}

/**
 * One axis of an array spec: an index (drops the axis; negative counts from the end), `null`
 * (the whole axis), a range, or `'...'` (as many whole axes as needed).
 */
export type SliceEntry = number | null | '...' | SliceRange;

/** A NumPy-style string such as `'0, ..., ::-1'`, or one entry per axis. */
export type SliceSpec = string | readonly SliceEntry[];

const INTEGER = /^[+-]?\d+$/;

const INT_OR_NULL = S.oneOf(S.integer, S.null);
const SLICE_SPEC = S.oneOf(
  S.string,
  S.list(
    S.oneOf(
      S.integer,
      S.null,
      S.enum('...'),
      S.object({ start: INT_OR_NULL, stop: INT_OR_NULL, step: INT_OR_NULL }),
    ),
  ),
);
const INTS = S.oneOf(S.integer, S.list(S.integer));

function describe(spec: SliceSpec): string {
  return typeof spec === 'string' ? `'${spec}'` : JSON.stringify(spec);
}

/** Parses `'1:-1, ..., 0'` into entries; each comma-separated part is an index, '...' or a:b:c. */
function parseSpec(spec: string): SliceEntry[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((raw) => {
    const part = raw.trim();
    const fail = () =>
      new ArgumentError(
        `slice: cannot parse '${spec}': expected each entry to be an index, '...' or start:stop:step, got '${part}'`,
      );
    if (part === '...') return '...';
    if (INTEGER.test(part)) return Number(part);
    const fields = part.split(':').map((f) => f.trim());
    if (fields.length < 2 || fields.length > 3) throw fail();
    const [start, stop, step] = fields.map((f) => {
      if (f === '') return null;
      if (!INTEGER.test(f)) throw fail();
      return Number(f);
    });
    return { start, stop, step };
  });
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** A read along one axis: first index, stride, count, and whether the axis is dropped. */
interface AxisRead {
  begin: number;
  stride: number;
  size: number;
  drop: boolean;
}

/**
 * NumPy's slice normalisation (PySlice_AdjustIndices): negative bounds count from the end, then
 * clamp to [0, n] for positive steps or [-1, n-1] for negative ones; the count is
 * ceil((stop - start) / step) when positive.
 */
function rangeRead(spec: SliceSpec, axis: number, n: number, range: SliceRange): AxisRead {
  const { start = null, stop = null, step = null } = range;
  for (const [name, v] of [
    ['start', start],
    ['stop', stop],
    ['step', step],
  ] as const) {
    if (v !== null && v !== undefined && !isInt(v)) {
      throw new ArgumentError(
        `slice: expected ${name} on axis ${axis} to be an integer, got ${v} in ${describe(spec)}`,
      );
    }
  }
  const s = step ?? 1;
  if (s === 0)
    throw new ArgumentError(
      `slice: expected a nonzero step, got step 0 on axis ${axis} in ${describe(spec)}`,
    );
  const adjust = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  let begin: number;
  let size: number;
  if (s > 0) {
    begin = start === null ? 0 : adjust(start, 0, n);
    const end = stop === null ? n : adjust(stop, 0, n);
    size = end > begin ? Math.ceil((end - begin) / s) : 0;
  } else {
    begin = start === null ? n - 1 : adjust(start, -1, n - 1);
    const end = stop === null ? -1 : adjust(stop, -1, n - 1);
    size = begin > end ? Math.ceil((begin - end) / -s) : 0;
  }
  return { begin: size === 0 ? 0 : begin, stride: s, size, drop: false };
}

/** Resolves a spec against a shape: one read per axis, '...' and missing trailing axes whole. */
function resolve(spec: SliceSpec, entries: readonly SliceEntry[], shape: readonly number[]): AxisRead[] {
  const ellipses = entries.filter((e) => e === '...').length;
  if (ellipses > 1)
    throw new ArgumentError(`slice: expected at most one '...', got ${ellipses} in ${describe(spec)}`);
  const indexed = entries.length - ellipses;
  if (indexed > shape.length) {
    throw new ShapeError(
      `slice: spec ${describe(spec)} indexes ${indexed} axes, got x.shape=${fmtShape(shape)} of rank ${shape.length}`,
    );
  }
  const at = entries.indexOf('...');
  const fill: SliceEntry[] = new Array<SliceEntry>(shape.length - indexed).fill(null);
  const full = at < 0 ? [...entries, ...fill] : [...entries.slice(0, at), ...fill, ...entries.slice(at + 1)];
  return full.map((entry, axis) => {
    const n = shape[axis]!;
    if (entry === null || entry === '...') return { begin: 0, stride: 1, size: n, drop: false };
    if (typeof entry === 'number') {
      if (!isInt(entry))
        throw new ArgumentError(
          `slice: expected an integer index on axis ${axis}, got ${entry} in ${describe(spec)}`,
        );
      if (entry < -n || entry >= n) {
        throw new ArgumentError(
          `slice: index ${entry} is out of range for axis ${axis} of size ${n}, got x.shape=${fmtShape(shape)}`,
        );
      }
      return { begin: entry < 0 ? entry + n : entry, stride: 1, size: 1, drop: true };
    }
    if (typeof entry !== 'object') {
      throw new ArgumentError(
        `slice: expected an index, null, '...' or {start, stop, step} on axis ${axis}, got ${String(entry)}`,
      );
    }
    return rangeRead(spec, axis, n, entry);
  });
}

/**
 * The `slice` primitive, or a shared view when the read is the whole tensor (internal: the
 * caller has checked that every read index is in range).
 * @example
 * runSlice(x, [0, 3], [1, -1], [2, 4]); // x of shape [2,4] with its columns reversed
 */
export function runSlice(
  x: Tensor,
  begin: readonly number[],
  strides: readonly number[],
  shape: readonly number[],
): Tensor {
  const whole = shapesEqual(shape, x.shape) && begin.every((b) => b === 0) && strides.every((s) => s === 1);
  if (whole) return ENGINE.share(x, x.shape);
  return ENGINE.run('slice', [x], { begin, strides }, shape, x.dtype);
}

/**
 * `size` entries of `x` along `axis` from `start`, other axes whole (internal: no checks).
 * @example
 * sliceAxis(x, 1, 2, 3); // x[:, 2:5]
 */
export function sliceAxis(x: Tensor, axis: number, start: number, size: number): Tensor {
  const begin = x.shape.map((_, d) => (d === axis ? start : 0));
  const shape = x.shape.map((n, d) => (d === axis ? size : n));
  return runSlice(x, begin, new Array<number>(x.rank).fill(1), shape);
}

/**
 * NumPy basic indexing. `spec` is a string like `':, 1:-1, ::2'`, `'0, ..., ::-1'` or `'-1'`, or
 * an array with one entry per axis (`number` index, `null` whole axis, `{ start, stop, step }`,
 * `'...'`). An index drops its axis; missing trailing axes are whole; negative indices and
 * bounds count from the end; steps may be negative; out-of-range bounds clamp as in NumPy.
 * @example
 * slice(x, ':, ::-1');                       // every row, columns reversed
 * slice(x, [0, { start: 1, stop: -1 }]);     // same as slice(x, '0, 1:-1')
 */
export const slice = defineOp(
  'slice',
  [req('x', S.tensor), req('spec', SLICE_SPEC)],
  (x: TensorLike, spec: SliceSpec): Tensor =>
    withArgs('slice', ['x'], [x], ([t]) => {
      const input = t;
      let entries: readonly SliceEntry[];
      if (typeof spec === 'string') entries = parseSpec(spec);
      else if (Array.isArray(spec)) entries = spec;
      else throw new ArgumentError(`slice: expected spec to be a string or an array, got ${typeof spec}`);
      const reads = resolve(spec, entries, input.shape);
      const read = runSlice(
        input,
        reads.map((r) => r.begin),
        reads.map((r) => r.stride),
        reads.map((r) => r.size),
      );
      if (!reads.some((r) => r.drop)) return read;
      const dropped = ENGINE.share(
        read,
        reads.filter((r) => !r.drop).map((r) => r.size),
      );
      read.dispose();
      return dropped;
    }),
  // tf.slice(x, begin, size) is sliceRange here; slice takes one NumPy-style spec.
  (args) =>
    args.length === 3
      ? `for tf.slice(x, begin, size) write sliceRange(x, ${render(args[1])}, ${render(args[2])})`
      : undefined,
);

/**
 * `tf.slice`: the block starting at `begin` of extent `size` (-1 or omitted: to the end).
 * Shorter `begin`/`size` lists (or plain numbers) cover the leading axes.
 * @example
 * sliceRange(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, -1]); // [[2, 3], [5, 6]]
 */
export const sliceRange = defineOp(
  'sliceRange',
  [req('x', S.tensor), req('begin', INTS), opt('size', INTS)],
  (x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor =>
    withArgs('sliceRange', ['x'], [x], ([t]) => {
      const input = t;
      const rank = input.rank;
      const b = typeof begin === 'number' ? [begin] : [...begin];
      const s = size === undefined ? [] : typeof size === 'number' ? [size] : [...size];
      if (b.length > rank || s.length > rank) {
        throw new ShapeError(
          `sliceRange: expected begin and size to have at most ${rank} entries, got begin=${fmtShape(b)} and size=${fmtShape(s)} for x.shape=${fmtShape(input.shape)}`,
        );
      }
      const starts = input.shape.map((_, d) => b[d] ?? 0);
      const sizes = input.shape.map((n, d) => {
        const start = starts[d]!;
        const want = s[d] ?? -1;
        if (!isInt(start) || start < 0 || !isInt(want) || want < -1) {
          throw new ArgumentError(
            `sliceRange: expected begin >= 0 and size >= -1 (integers), got begin=${fmtShape(b)} and size=${fmtShape(s)}`,
          );
        }
        const extent = want === -1 ? n - start : want;
        if (start > n || start + extent > n) {
          throw new ShapeError(
            `sliceRange: expected begin[${d}] + size[${d}] <= ${n}, got begin=${fmtShape(b)} and size=${fmtShape(s)} for x.shape=${fmtShape(input.shape)}`,
          );
        }
        return extent;
      });
      return runSlice(input, starts, new Array<number>(rank).fill(1), sizes);
    }),
);

/** VJP rules of the slice pair: each is the other's adjoint. */
export const SLICE_RULES: RuleTable<'slice' | 'sliceGrad'> = {
  // d slice(x) = sliceGrad(dy): dy written back where slice read, zeros elsewhere
  slice: ({ inputs: [x], params, dy }) => [sliceGrad(dy, params, x!.shape)],
  // d sliceGrad(g) = slice(dy): the adjoint of the adjoint reads the same positions
  sliceGrad: ({ inputs: [g], params, dy }) => [ENGINE.run('slice', [dy], params, g!.shape, dy.dtype)],
};

function sliceGrad(dy: Tensor, params: SliceParams, shape: readonly number[]): Tensor {
  return ENGINE.run('sliceGrad', [dy], params, shape, dy.dtype);
}

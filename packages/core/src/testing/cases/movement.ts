// Conformance cases: movement (reshape, transpose, expandDims/squeeze/flatten, broadcastTo,
// slice/sliceRange, concat/stack/unstack/split, tile, pad, reverse, gather). Each op has
// forward values with edge cases (empty, scalar, int32/bool, negative indices and steps), its
// error messages, and a finite-difference gradient check; sliceGrad and scatterAdd, which only
// appear inside gradients, are checked through gradients of gradients.

import { grad } from '../../autodiff.js';
import { ArgumentError, DTypeError, ShapeError } from '../../errors.js';
import { mul } from '../../ops/binary.js';
import { cast } from '../../ops/cast.js';
import { zeros } from '../../ops/creation.js';
import { gather } from '../../ops/gather.js';
import {
  broadcastTo,
  concat,
  expandDims,
  flatten,
  pad,
  reshape,
  reverse,
  split,
  squeeze,
  stack,
  tile,
  transpose,
  unstack,
} from '../../ops/movement.js';
import { sum } from '../../ops/reduce.js';
import { type SliceSpec, slice, sliceRange } from '../../ops/slice.js';
import type { NestedArray, Tensor } from '../../tensor.js';
import type { CaseTools, ConformanceCase } from '../harness.js';

/** 0, 1, ... n-1 as a float32 tensor of `shape`. */
function iota(t: CaseTools, shape: readonly number[], dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return t.input(
    Array.from({ length: n }, (_, i) => i),
    shape,
    dtype,
  );
}

/** The 3×4 matrix [[0..3], [4..7], [8..11]]. */
const m34 = (t: CaseTools) => iota(t, [3, 4]);

/** [[start, start+1, ...], ...]: `rows` rows of `cols` consecutive numbers. */
function counting(rows: number, cols: number, start = 0): number[][] {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => start + r * cols + c));
}

/** Checks every part against the expected list, disposing all of them. */
async function expectParts(
  t: CaseTools,
  parts: Tensor[],
  expected: NestedArray[],
  shapes?: number[][],
): Promise<void> {
  if (parts.length !== expected.length) {
    for (const p of parts) p.dispose();
    throw new Error(`expected ${expected.length} parts, got ${parts.length}`);
  }
  for (let i = 0; i < parts.length; i++) {
    await t.expectValues(parts[i]!, expected[i]!, shapes ? { shape: shapes[i]! } : {});
  }
}

export const MOVEMENT_CASES: ConformanceCase[] = [
  // ---- reshape and friends ----
  {
    name: 'movement: reshape',
    run: async (t) => {
      const x = iota(t, [2, 3]);
      await t.expectValues(reshape(x, [3, -1]), [
        [0, 1],
        [2, 3],
        [4, 5],
      ]);
      await t.expectValues(reshape(x, [6]), [0, 1, 2, 3, 4, 5]);
      await t.expectValues(reshape(t.input([7]), []), 7, { shape: [] });
      await t.expectValues(reshape(t.input([], [0, 3]), [3, 0]), [], { shape: [3, 0] });
      t.expectError(() => reshape(x, [4, -1]), ShapeError, /reshape: cannot reshape x.shape=\[2,3\]/);
      t.expectError(
        () => reshape(x, [-1, -1]),
        ShapeError,
        /reshape: expected shape to be an array of non-negative integers with at most one -1, got \[-1,-1\]/,
      );
    },
  },
  {
    name: 'movement: expandDims, squeeze and flatten',
    run: async (t) => {
      const v = t.input([1, 2]);
      await t.expectValues(expandDims(v), [[1, 2]]);
      await t.expectValues(expandDims(v, -1), [[1], [2]]);
      await t.expectValues(expandDims(t.input(5), 0), [5]);
      t.expectError(
        () => expandDims(v, 3),
        ArgumentError,
        /expandDims: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 3/,
      );
      const z = t.input([1, 2, 3], [1, 3, 1]);
      await t.expectValues(squeeze(z), [1, 2, 3]);
      await t.expectValues(squeeze(z, 0), [[1], [2], [3]]);
      await t.expectValues(squeeze(z, [-1, 0]), [1, 2, 3]);
      await t.expectValues(squeeze(t.input([4], [1, 1])), 4, { shape: [] });
      t.expectError(
        () => squeeze(z, 1),
        ShapeError,
        /squeeze: expected axis 1 to have size 1, got x.shape=\[1,3,1\]/,
      );
      const c = iota(t, [2, 3, 4]);
      await t.expectValues(
        flatten(c),
        Array.from({ length: 24 }, (_, i) => i),
      );
      await t.expectValues(flatten(c, { startDim: 1 }), counting(2, 12));
      await t.expectValues(flatten(c, { endDim: 1 }), counting(6, 4));
      await t.expectValues(flatten(t.input(3)), [3]);
      t.expectError(
        () => flatten(c, { startDim: 2, endDim: 0 }),
        ArgumentError,
        /flatten: expected startDim <= endDim/,
      );
    },
  },
  {
    name: 'movement: expandDims, squeeze and flatten gradients',
    run: async (t) => {
      await t.checkGrad((x) => flatten(squeeze(expandDims(x, 1), 1), { startDim: 1 }), [t.rand([2, 3, 2])]);
    },
  },

  // ---- transpose ----
  {
    name: 'movement: transpose',
    run: async (t) => {
      await t.expectValues(
        transpose(
          t.input([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
        [
          [1, 4],
          [2, 5],
          [3, 6],
        ],
      );
      const x = iota(t, [2, 2, 2]);
      await t.expectValues(transpose(x, [1, 0, 2]), [
        [
          [0, 1],
          [4, 5],
        ],
        [
          [2, 3],
          [6, 7],
        ],
      ]);
      await t.expectValues(transpose(x, [2, 0, 1]), [
        [
          [0, 2],
          [4, 6],
        ],
        [
          [1, 3],
          [5, 7],
        ],
      ]);
      await t.expectValues(transpose(iota(t, [2, 1, 3])), [[[0, 3]], [[1, 4]], [[2, 5]]]);
      await t.expectValues(transpose(x, [-3, -1, -2]), [
        [
          [0, 2],
          [1, 3],
        ],
        [
          [4, 6],
          [5, 7],
        ],
      ]);
      await t.expectValues(transpose(t.input(3)), 3, { shape: [] });
      await t.expectValues(transpose(t.input([], [0, 3])), [], { shape: [3, 0] });
      await t.expectValues(
        transpose(iota(t, [2, 3], 'int32')),
        [
          [0, 3],
          [1, 4],
          [2, 5],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(transpose(t.input([[true, false]])), [[true], [false]], { dtype: 'bool' });
    },
  },
  {
    name: 'movement: transpose errors',
    run: async (t) => {
      const x = t.rand([2, 3, 4]);
      t.expectError(
        () => transpose(x, [0, 0, 1]),
        ArgumentError,
        /transpose: expected perm to be a permutation .* x.shape=\[2,3,4\], got perm=\[0,0,1\]/,
      );
      t.expectError(() => transpose(x, [1, 0]), ArgumentError, /got perm=\[1,0\]/);
      t.expectError(() => transpose(x, [0, 1, 3]), ArgumentError, /transpose: expected perm/);
    },
  },
  {
    name: 'movement: transpose gradient',
    run: async (t) => {
      await t.checkGrad((x) => transpose(x, [2, 0, 1]), [t.rand([2, 3, 4])]);
      await t.checkGrad((x) => transpose(x), [t.rand([3, 2])]);
    },
  },

  // ---- broadcastTo ----
  {
    name: 'movement: broadcastTo',
    run: async (t) => {
      await t.expectValues(broadcastTo(t.input([1, 2]), [3, 2]), [
        [1, 2],
        [1, 2],
        [1, 2],
      ]);
      await t.expectValues(broadcastTo(t.input([[1], [2]]), [2, 3]), [
        [1, 1, 1],
        [2, 2, 2],
      ]);
      await t.expectValues(broadcastTo(t.input(7, [], 'int32'), [2]), [7, 7], { dtype: 'int32' });
      await t.expectValues(broadcastTo(t.input([true]), [2, 0]), [], { shape: [2, 0], dtype: 'bool' });
      t.expectError(
        () => broadcastTo([1, 2, 3], [2, 2]),
        ShapeError,
        /broadcastTo: cannot broadcast x.shape=\[3\] to \[2,2\]/,
      );
    },
  },
  {
    name: 'movement: broadcastTo gradient',
    run: async (t) => {
      await t.checkGrad((x) => broadcastTo(x, [2, 3, 4]), [t.rand([3, 1])]);
    },
  },

  // ---- slice ----
  {
    name: 'movement: slice strings',
    run: async (t) => {
      const x = m34(t);
      await t.expectValues(slice(x, ':, 1:-1'), [
        [1, 2],
        [5, 6],
        [9, 10],
      ]);
      await t.expectValues(slice(x, '::2'), [
        [0, 1, 2, 3],
        [8, 9, 10, 11],
      ]);
      await t.expectValues(slice(x, '-1'), [8, 9, 10, 11]);
      await t.expectValues(slice(x, '..., ::-1'), [
        [3, 2, 1, 0],
        [7, 6, 5, 4],
        [11, 10, 9, 8],
      ]);
      await t.expectValues(slice(x, '1, ::-2'), [7, 5]);
      await t.expectValues(slice(x, '::-1, 0'), [8, 4, 0]);
      await t.expectValues(slice(x, ' 1 , 2 '), 6, { shape: [] });
      await t.expectValues(slice(x, '...'), counting(3, 4));
      await t.expectValues(slice(x, ''), counting(3, 4));
      const c = iota(t, [2, 2, 3]);
      await t.expectValues(slice(c, '0, ..., ::-1'), [
        [2, 1, 0],
        [5, 4, 3],
      ]);
      await t.expectValues(slice(c, '..., 1'), [
        [1, 4],
        [7, 10],
      ]);
      await t.expectValues(slice(c, '1, ...'), [
        [6, 7, 8],
        [9, 10, 11],
      ]);
    },
  },
  {
    name: 'movement: slice bounds clamp like NumPy',
    run: async (t) => {
      const x = m34(t);
      await t.expectValues(slice(x, '1:100, -100:2'), [
        [4, 5],
        [8, 9],
      ]);
      await t.expectValues(slice(x, '2:1'), [], { shape: [0, 4] });
      await t.expectValues(slice(x, '5:'), [], { shape: [0, 4] });
      await t.expectValues(slice(x, ':, -10:10:-1'), [], { shape: [3, 0] });
      const v = iota(t, [5]);
      await t.expectValues(slice(v, '3:0:-1'), [3, 2, 1]);
      await t.expectValues(slice(v, '-1:-4:-1'), [4, 3, 2]);
      await t.expectValues(slice(v, '::-3'), [4, 1]);
      await t.expectValues(slice(v, '100::-2'), [4, 2, 0]);
      await t.expectValues(slice(v, ':-100:-1'), [4, 3, 2, 1, 0]);
      await t.expectValues(slice(v, '-100::-1'), [], { shape: [0] });
      await t.expectValues(slice(v, '1:4:10'), [1]);
      await t.expectValues(slice(t.input([], [0]), '::-1'), [], { shape: [0] });
      await t.expectValues(slice(t.input(5), ''), 5, { shape: [] });
      await t.expectValues(slice(t.input(5), '...'), 5, { shape: [] });
    },
  },
  {
    name: 'movement: slice arrays match strings',
    run: async (t) => {
      const x = iota(t, [3, 4, 2]);
      const pairs: [string, SliceSpec][] = [
        [':, 1:-1', [null, { start: 1, stop: -1 }]],
        ['-1', [-1]],
        ['..., ::-1', ['...', { step: -1 }]],
        ['0, ..., 1', [0, '...', 1]],
        ['::2, 3, :', [{ step: 2 }, 3, null]],
        ['1:, -3::-2', [{ start: 1 }, { start: -3, step: -2 }]],
      ];
      for (const [text, entries] of pairs) {
        const a = t.own(slice(x, text));
        const b = slice(x, entries);
        await t.expectValues(b, await a.array(), { shape: a.shape });
      }
    },
  },
  {
    name: 'movement: slice int32 and bool',
    run: async (t) => {
      await t.expectValues(
        slice(iota(t, [2, 3], 'int32'), ':, ::-1'),
        [
          [2, 1, 0],
          [5, 4, 3],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(slice(t.input([true, false, true, false]), '1::2'), [false, false], {
        dtype: 'bool',
      });
    },
  },
  {
    name: 'movement: slice errors',
    run: async (t) => {
      const x = m34(t);
      t.expectError(() => slice(x, '1:2:3:4'), ArgumentError, /^slice: cannot parse '1:2:3:4'/);
      t.expectError(() => slice(x, 'a:b'), ArgumentError, /slice: cannot parse 'a:b'.*got 'a:b'/);
      t.expectError(() => slice(x, '1.5'), ArgumentError, /slice: cannot parse/);
      t.expectError(
        () => slice(x, '::0'),
        ArgumentError,
        /slice: expected a nonzero step, got step 0 on axis 0/,
      );
      t.expectError(() => slice(x, [null, { step: 0 }]), ArgumentError, /step 0 on axis 1/);
      t.expectError(
        () => slice(x, '3'),
        ArgumentError,
        /slice: index 3 is out of range for axis 0 of size 3, got x.shape=\[3,4\]/,
      );
      t.expectError(() => slice(x, ':, -5'), ArgumentError, /index -5 is out of range for axis 1/);
      t.expectError(
        () => slice(x, ':, :, :'),
        ShapeError,
        /slice: spec ':, :, :' indexes 3 axes, got x.shape=\[3,4\] of rank 2/,
      );
      t.expectError(() => slice(x, '..., ...'), ArgumentError, /at most one '...'/);
      t.expectError(
        () => slice(x, [0.5]),
        ArgumentError,
        /slice: expected spec\[0\] to be an integer, null, '...' or an object with keys start, stop, step, got number 0.5 in spec=\[0.5\]/,
      );
    },
  },
  {
    name: 'movement: slice gradient',
    run: async (t) => {
      await t.checkGrad((x) => slice(x, ':, 1:-1, ::2'), [t.rand([2, 3, 4])]);
      await t.checkGrad((x) => slice(x, '::-2, 1'), [t.rand([5, 3])]);
      await t.checkGrad((x) => slice(x, '-1'), [t.rand([3, 2])]);
    },
  },
  {
    name: 'movement: sliceGrad gradient (slice twice differentiated)',
    run: async (t) => {
      // grad(u ↦ Σ slice(u)·v) = sliceGrad(v), so differentiating it in v exercises sliceGrad's rule.
      // The result does not depend on u, so zeros made inside f (on whichever backend runs f) do.
      const f = (v: Tensor) => grad((w) => sum(mul(slice(w, '::-2, 1:'), v)))(zeros([4, 3], v.dtype));
      await t.checkGrad(f, [t.rand([2, 2])]);
    },
  },
  {
    name: 'movement: sliceRange',
    run: async (t) => {
      const x = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await t.expectValues(sliceRange(x, [0, 1], [2, -1]), [
        [2, 3],
        [5, 6],
      ]);
      await t.expectValues(sliceRange(x, 1), [[4, 5, 6]]);
      await t.expectValues(sliceRange(x, [1, 1], [1, 1]), [[5]]);
      await t.expectValues(sliceRange(x, [0, 3]), [], { shape: [2, 0] });
      await t.expectValues(sliceRange(x, [0, 0], [0, 2]), [], { shape: [0, 2] });
      t.expectError(
        () => sliceRange(x, [0, 2], [1, 2]),
        ShapeError,
        'sliceRange: expected begin[1] + size[1] <= 3, got begin=[0,2] and size=[1,2] for x.shape=[2,3]',
      );
      t.expectError(() => sliceRange(x, [-1]), ArgumentError, /sliceRange: expected begin >= 0/);
      t.expectError(() => sliceRange(x, [0, 0, 0]), ShapeError, /at most 2 entries/);
    },
  },
  {
    name: 'movement: sliceRange gradient',
    run: async (t) => {
      await t.checkGrad((x) => sliceRange(x, [1, 0, 1], [1, -1, 2]), [t.rand([2, 3, 4])]);
    },
  },

  // ---- concat, stack, unstack, split ----
  {
    name: 'movement: concat',
    run: async (t) => {
      const a = t.input([
        [1, 2],
        [3, 4],
      ]);
      const b = t.input([[5, 6]]);
      await t.expectValues(concat([a, b]), [
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      await t.expectValues(concat([a, t.input([[7], [8]])], -1), [
        [1, 2, 7],
        [3, 4, 8],
      ]);
      await t.expectValues(concat([t.input([1, 2]), t.input([], [0]), t.input([3])]), [1, 2, 3]);
      await t.expectValues(concat([t.input([], [0, 2]), t.input([], [0, 2])]), [], { shape: [0, 2] });
      await t.expectValues(concat([a]), [
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(concat([t.input([1, 2], undefined, 'int32'), t.input([0.5])]), [1, 2, 0.5], {
        dtype: 'float32',
      });
      await t.expectValues(concat([t.input([true]), t.input([false, true])]), [true, false, true], {
        dtype: 'bool',
      });
      await t.expectValues(concat([iota(t, [2, 2, 2], 'int32'), iota(t, [2, 1, 2], 'int32')], 1), [
        [
          [0, 1],
          [2, 3],
          [0, 1],
        ],
        [
          [4, 5],
          [6, 7],
          [2, 3],
        ],
      ]);
    },
  },
  {
    name: 'movement: concat errors',
    run: async (t) => {
      const [a, b, c, d] = [t.rand([2, 3, 4]), t.rand([3, 5, 4]), t.rand([2, 3]), t.rand([3])];
      t.expectError(
        () => concat([a, b], 1),
        ShapeError,
        'concat: expected all inputs to have shape [2,*,4] except on axis 1, got xs[1].shape=[3,5,4]',
      );
      t.expectError(() => concat([c, d]), ShapeError, /got xs\[1\].shape=\[3\]/);
      t.expectError(
        () => concat([]),
        ArgumentError,
        /concat: expected xs to be a non-empty array of tensors, got \[\]/,
      );
      t.expectError(() => concat([1, 2]), ShapeError, /concat: expected inputs of rank >= 1/);
      t.expectError(
        () => concat([d], 1),
        ArgumentError,
        /concat: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 1/,
      );
    },
  },
  {
    name: 'movement: concat gradient',
    run: async (t) => {
      await t.checkGrad(
        (a, b, c) => concat([a, b, c], 1),
        [t.rand([2, 1, 3]), t.rand([2, 2, 3], { seed: 5 }), t.rand([2, 3, 3], { seed: 6 })],
      );
    },
  },
  {
    name: 'movement: stack',
    run: async (t) => {
      const a = t.input([1, 2]);
      const b = t.input([3, 4]);
      await t.expectValues(stack([a, b]), [
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(stack([a, b], 1), [
        [1, 3],
        [2, 4],
      ]);
      await t.expectValues(stack([a, b], -1), [
        [1, 3],
        [2, 4],
      ]);
      await t.expectValues(stack([t.input(1), t.input(2), t.input(3)]), [1, 2, 3]);
      await t.expectValues(stack([t.input([true]), t.input([false])]), [[true], [false]], { dtype: 'bool' });
      await t.expectValues(stack([t.input([], [0]), t.input([], [0])], 1), [], { shape: [0, 2] });
      t.expectError(
        () => stack([a, [1, 2, 3]]),
        ShapeError,
        'stack: expected all inputs to have shape [2], got xs[1].shape=[3]',
      );
      t.expectError(
        () => stack([a, b], 2),
        ArgumentError,
        /stack: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 2/,
      );
      t.expectError(
        () => stack([]),
        ArgumentError,
        /stack: expected xs to be a non-empty array of tensors, got \[\]/,
      );
    },
  },
  {
    name: 'movement: stack gradient',
    run: async (t) => {
      await t.checkGrad((a, b) => stack([a, b], 1), [t.rand([2, 3]), t.rand([2, 3], { seed: 9 })]);
    },
  },
  {
    name: 'movement: unstack',
    run: async (t) => {
      const x = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await expectParts(t, unstack(x), [
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await expectParts(t, unstack(x, 1), [
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      const scalars = unstack(t.input([7, 8], undefined, 'int32'));
      await t.expectValues(scalars[0]!, 7, { shape: [], dtype: 'int32' });
      await t.expectValues(scalars[1]!, 8, { shape: [], dtype: 'int32' });
      const none = unstack(t.input([], [0, 2]));
      if (none.length !== 0)
        throw new Error(`unstack of an empty axis: expected no parts, got ${none.length}`);
      t.expectError(() => unstack(1), ShapeError, 'unstack: expected x to have rank >= 1, got x.shape=[]');
      t.expectError(
        () => unstack(x, 2),
        ArgumentError,
        /unstack: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 2/,
      );
    },
  },
  {
    name: 'movement: unstack gradient',
    run: async (t) => {
      await t.checkGrad(
        (x) => {
          const [a, , c] = unstack(x, 1);
          return stack([c!, mul(a!, 2)]);
        },
        [t.rand([2, 3, 2])],
      );
    },
  },
  {
    name: 'movement: split',
    run: async (t) => {
      const x = iota(t, [2, 4]);
      await expectParts(t, split(x, 2, 1), [
        [
          [0, 1],
          [4, 5],
        ],
        [
          [2, 3],
          [6, 7],
        ],
      ]);
      await expectParts(
        t,
        split(x, [1, -1, 0], 1),
        [
          [[0], [4]],
          [
            [1, 2, 3],
            [5, 6, 7],
          ],
          [],
        ],
        [
          [2, 1],
          [2, 3],
          [2, 0],
        ],
      );
      await expectParts(t, split(x, [1, 1]), [[[0, 1, 2, 3]], [[4, 5, 6, 7]]]);
      await expectParts(t, split(x, 1), [
        [
          [0, 1, 2, 3],
          [4, 5, 6, 7],
        ],
      ]);
      t.expectError(
        () => split(x, 3, 1),
        ShapeError,
        'split: expected x.shape[1]=4 to be divisible by 3, got x.shape=[2,4]',
      );
      t.expectError(
        () => split(x, [1, 2], 1),
        ShapeError,
        /split: expected sizes .* summing to x.shape\[1\]=4, got sizes=\[1,2\]/,
      );
      t.expectError(() => split(x, [-1, -1], 1), ShapeError, /got sizes=\[-1,-1\]/);
      t.expectError(() => split(x, [5, -1], 1), ShapeError, /got sizes=\[5,-1\]/);
    },
  },
  {
    name: 'movement: split gradient',
    run: async (t) => {
      await t.checkGrad(
        (x) => {
          const [a, b] = split(x, [2, -1], -1);
          return concat([b!, mul(a!, 3)], -1);
        },
        [t.rand([2, 5])],
      );
    },
  },

  // ---- tile, pad, reverse ----
  {
    name: 'movement: tile',
    run: async (t) => {
      await t.expectValues(tile(t.input([1, 2]), [3]), [1, 2, 1, 2, 1, 2]);
      const m = t.input([
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(tile(m, [2, 1]), [
        [1, 2],
        [3, 4],
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(tile(m, [1, 2]), [
        [1, 2, 1, 2],
        [3, 4, 3, 4],
      ]);
      await t.expectValues(
        tile(t.input([1, 2], undefined, 'int32'), [2, 2]),
        [
          [1, 2, 1, 2],
          [1, 2, 1, 2],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(tile(m, [2]), [
        [1, 2, 1, 2],
        [3, 4, 3, 4],
      ]);
      await t.expectValues(tile(t.input([true, false]), [2]), [true, false, true, false], { dtype: 'bool' });
      await t.expectValues(tile(m, [0, 2]), [], { shape: [0, 4] });
      await t.expectValues(tile(t.input(5), [3]), [5, 5, 5]);
      t.expectError(
        () => tile(m, [-1, 2]),
        ArgumentError,
        'tile: expected reps[0] to be an integer >= 0, got number -1 in reps=[-1,2]',
      );
    },
  },
  {
    name: 'movement: tile gradient',
    run: async (t) => {
      await t.checkGrad((x) => tile(x, [2, 1, 3]), [t.rand([2, 3])]);
      await t.checkGrad((x) => tile(x, [3, 2]), [t.rand([2, 2])]);
    },
  },
  {
    name: 'movement: pad',
    run: async (t) => {
      const m = t.input([
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(
        pad(m, [
          [1, 0],
          [0, 2],
        ]),
        [
          [0, 0, 0, 0],
          [1, 2, 0, 0],
          [3, 4, 0, 0],
        ],
      );
      await t.expectValues(pad(t.input([1, 2], undefined, 'int32'), [[2, 1]], 9), [9, 9, 1, 2, 9], {
        dtype: 'int32',
      });
      await t.expectValues(pad(t.input([false]), [[1, 1]], true), [true, false, true], { dtype: 'bool' });
      await t.expectValues(pad(t.input([], [0]), [[1, 2]], -1), [-1, -1, -1]);
      await t.expectValues(pad(t.input(3), []), 3, { shape: [] });
      await t.expectValues(
        pad(m, [
          [0, 0],
          [0, 0],
        ]),
        [
          [1, 2],
          [3, 4],
        ],
      );
      t.expectError(
        () => pad(m, [[1, 1]]),
        ShapeError,
        'pad: expected 2 [before, after] pairs for x.shape=[2,2], got 1',
      );
      t.expectError(
        () =>
          pad(m, [
            [1, 1],
            [-1, 0],
          ]),
        ArgumentError,
        /pad: expected paddings\[1\] to be an array of 2 entries, each an integer >= 0, got \[-1,0\] in paddings=\[\[1,1\],\[-1,0\]\]/,
      );
    },
  },
  {
    name: 'movement: pad gradient',
    run: async (t) => {
      await t.checkGrad(
        (x) =>
          pad(
            x,
            [
              [1, 2],
              [0, 0],
              [3, 1],
            ],
            0.5,
          ),
        [t.rand([2, 3, 2])],
      );
    },
  },
  {
    name: 'movement: reverse',
    run: async (t) => {
      const m = t.input([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      await t.expectValues(reverse(m), [
        [6, 5, 4],
        [3, 2, 1],
      ]);
      await t.expectValues(reverse(m, 1), [
        [3, 2, 1],
        [6, 5, 4],
      ]);
      await t.expectValues(reverse(m, [-2]), [
        [4, 5, 6],
        [1, 2, 3],
      ]);
      await t.expectValues(reverse(m, [-1, 0]), [
        [6, 5, 4],
        [3, 2, 1],
      ]);
      await t.expectValues(
        reverse(iota(t, [2, 2, 2], 'int32'), 1),
        [
          [
            [2, 3],
            [0, 1],
          ],
          [
            [6, 7],
            [4, 5],
          ],
        ],
        { dtype: 'int32' },
      );
      await t.expectValues(reverse(t.input([true, false, false])), [false, false, true], { dtype: 'bool' });
      await t.expectValues(reverse(t.input(2)), 2, { shape: [] });
      await t.expectValues(reverse(t.input([], [2, 0])), [], { shape: [2, 0] });
      t.expectError(
        () => reverse(m, 2),
        ArgumentError,
        /reverse: expected axis in \[-2, 2\) for a tensor of rank 2, got 2/,
      );
      t.expectError(
        () => reverse(m, [0, 0]),
        ArgumentError,
        /reverse: expected distinct axes for a tensor of rank 2, got repeated axis in \[0,0\]/,
      );
    },
  },
  {
    name: 'movement: reverse gradient',
    run: async (t) => {
      await t.checkGrad((x) => reverse(x, [0, 2]), [t.rand([2, 3, 4])]);
    },
  },

  // ---- gather ----
  {
    name: 'movement: gather',
    run: async (t) => {
      const x = t.input([
        [1, 2],
        [3, 4],
        [5, 6],
      ]);
      await t.expectValues(gather(x, [2, 0, 2]), [
        [5, 6],
        [1, 2],
        [5, 6],
      ]);
      await t.expectValues(gather(x, t.input([1, 1, 0], undefined, 'int32'), 1), [
        [2, 2, 1],
        [4, 4, 3],
        [6, 6, 5],
      ]);
      await t.expectValues(gather(x, t.input([[0], [2]], undefined, 'int32'), -2), [[[1, 2]], [[5, 6]]]);
      await t.expectValues(gather(x, t.input(1, [], 'int32')), [3, 4]);
      await t.expectValues(gather(x, 1, 1), [2, 4, 6]);
      await t.expectValues(gather(x, []), [], { shape: [0, 2] });
      await t.expectValues(gather(iota(t, [4], 'int32'), [3, 0]), [3, 0], { dtype: 'int32' });
      await t.expectValues(gather(t.input([true, false]), [1, 1, 0]), [false, false, true], {
        dtype: 'bool',
      });
    },
  },
  {
    name: 'movement: gather with out-of-range tensor indices gives zeros',
    run: async (t) => {
      const x = t.input([
        [1, 2],
        [3, 4],
      ]);
      await t.expectValues(gather(x, t.input([1, 5, -1], undefined, 'int32')), [
        [3, 4],
        [0, 0],
        [0, 0],
      ]);
      await t.expectValues(gather(x, t.input([2, 0], undefined, 'int32'), 1), [
        [0, 1],
        [0, 3],
      ]);
    },
  },
  {
    name: 'movement: gather errors',
    run: async (t) => {
      const x = t.rand([3, 2]);
      const floats = t.input([0, 1]);
      t.expectError(
        () => gather(x, [0, 3]),
        ArgumentError,
        'gather: expected indices in [0, 3) for axis 0 of x.shape=[3,2], got index 3',
      );
      t.expectError(() => gather(x, [[-1]], 1), ArgumentError, /got index -1/);
      t.expectError(
        () => gather(x, [0.5]),
        DTypeError,
        /gather: expected indices to be integers, got number 0.5/,
      );
      t.expectError(
        () => gather(x, floats),
        DTypeError,
        /gather: expected indices to have dtype int32, got float32/,
      );
      t.expectError(
        () => gather(x, [0], 2),
        ArgumentError,
        /gather: expected axis in \[-?[0-9]+, [0-9]+\) for a tensor of rank [0-9]+, got 2/,
      );
      t.expectError(() => gather(1, [0]), ShapeError, /gather: expected x to have rank >= 1/);
    },
  },
  {
    name: 'movement: gather gradient',
    run: async (t) => {
      // JS indices, not a tensor: f may run on a reference backend, where a tensor made here is foreign.
      await t.checkGrad(
        (x) =>
          gather(
            x,
            [
              [2, 0],
              [2, 2],
            ],
            1,
          ),
        [t.rand([2, 3, 2])],
      );
      await t.checkGrad((x) => gather(x, [1, 1, 0]), [t.rand([3, 2])]);
    },
  },
  {
    name: 'movement: scatterAdd gradient (gather twice differentiated)',
    run: async (t) => {
      // grad(u ↦ Σ gather(u, i)·v) = scatterAdd(v, i), so differentiating it in v checks its rule.
      const f = (v: Tensor) => grad((w) => sum(mul(gather(w, [0, 2, 0, 1]), v)))(zeros([3, 2], v.dtype));
      await t.checkGrad(f, [t.rand([4, 2])]);
    },
  },
  {
    name: 'movement: dtypes pass through (int32 and bool round trips)',
    run: async (t) => {
      const b = t.input([
        [true, false, true],
        [false, false, true],
      ]);
      const back = t.own(transpose(t.own(reverse(t.own(transpose(b)), 0))));
      const asInt = t.own(cast(back, 'int32'));
      await t.expectValues(reshape(asInt, [6]), [1, 0, 1, 1, 0, 0], { dtype: 'int32' });
    },
  },
];

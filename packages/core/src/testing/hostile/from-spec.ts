// Generators from core's own op signature table (`opSignatures()`): for each declared
// parameter spec, values that fit it (to reach the kernels) and values that break it in the
// way a careless caller would (an integer given as 1.5, a bound crossed, an unknown option
// key, an enum name from Object.prototype, a list one entry short).

import fc from 'fast-check';
import type { Spec } from '../../ops/args.js';
import { derived, hostileArg, smallShape, tensorSpec, VALID_DTYPES, value } from './arbitraries.js';
import type { ArgSpec, Derived, SpecShape } from './specs.js';

type NumberSpec = Extract<Spec, { kind: 'number' }>;

/** Numbers inside a number spec's bounds (small ones, so sizes stay small). */
function numberIn(spec: NumberSpec): fc.Arbitrary<number> {
  let lo = spec.min ?? -3;
  let hi = spec.max ?? 5;
  if (spec.min !== undefined && spec.minExclusive) lo = spec.integer ? spec.min + 1 : spec.min + 1e-3;
  if (spec.max !== undefined && spec.maxExclusive) hi = spec.integer ? spec.max - 1 : spec.max - 1e-3;
  // Keep generated sizes and counts small even where the spec allows huge values.
  hi = Math.min(hi, Math.max(lo, 0) + 8);
  lo = Math.max(lo, Math.min(hi, 0) - 8);
  if (spec.integer) return fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) });
  const picks = [lo, hi, (lo + hi) / 2, 0, 1, 0.5, -1, 2].filter((v) => v >= lo && v <= hi);
  return fc.constantFrom(...picks);
}

/** Values that fit `spec`. */
export function fitting(spec: Spec): fc.Arbitrary<ArgSpec> {
  switch (spec.kind) {
    case 'tensor':
      return fc.oneof(
        { arbitrary: tensorSpec(fc.oneof(smallShape, fc.constant<SpecShape>('like'))), weight: 8 },
        { arbitrary: fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }).map(value), weight: 1 },
        { arbitrary: fc.integer({ min: -3, max: 3 }).map(value), weight: 1 },
      );
    case 'tensorInstance':
      return tensorSpec(fc.oneof(smallShape, fc.constant<SpecShape>('like')));
    case 'tensorList':
      return fc
        .array(tensorSpec(fc.constantFrom<SpecShape>('like', 'like', [2], [1, 2])), {
          minLength: 1,
          maxLength: 3,
        })
        .map((items) => ({ kind: 'list' as const, items }));
    case 'shape':
      return fc.oneof(
        { arbitrary: smallShape.map(value), weight: 4 },
        { arbitrary: fc.constantFrom<Derived>('shape', 'flat', 'halfShape').map(derived), weight: 2 },
        ...(spec.unknownDim
          ? [
              {
                arbitrary: fc.array(fc.constantFrom(1, 2, -1), { minLength: 1, maxLength: 3 }).map(value),
                weight: 1,
              },
            ]
          : []),
      );
    case 'axis':
      return fc.oneof(fc.integer({ min: -4, max: 4 }).map(value), fc.constant(derived('lastAxis')));
    case 'axes':
      return fc.oneof(
        fc.integer({ min: -4, max: 4 }).map(value),
        fc.uniqueArray(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }).map(value),
        fc.constant(derived('perm')),
      );
    case 'dtype':
      return fc.constantFrom(...VALID_DTYPES).map(value);
    case 'boolean':
      return fc.boolean().map(value);
    case 'string':
      return fc.constantFrom('w', 'relu', 'valid', 'layer/kernel').map(value);
    case 'null':
      return fc.constant(value(null));
    case 'number':
      return numberIn(spec).map(value);
    case 'enum':
      return fc.constantFrom(...spec.values).map(value);
    case 'list': {
      const n = spec.length;
      const arb = fc.array(
        fitting(spec.of),
        n === undefined ? { maxLength: 3 } : { minLength: n, maxLength: n },
      );
      return fc.oneof(
        arb.map((items) => ({ kind: 'list' as const, items })),
        // Per-axis lists (paddings) fit best when they follow the first tensor's rank.
        ...(n === undefined && spec.of.kind === 'list' ? [fc.constant(derived('pairs'))] : []),
      );
    }
    case 'object': {
      const keys = Object.keys(spec.keys);
      const fields: Record<string, fc.Arbitrary<ArgSpec>> = {};
      for (const k of keys) fields[k] = fitting(spec.keys[k]!);
      return fc.record(fields, { requiredKeys: [...(spec.required ?? [])] }).map((r) => ({
        kind: 'object' as const,
        entries: Object.entries(r).filter((e): e is [string, ArgSpec] => e[1] !== undefined),
      }));
    }
    case 'oneOf':
      return fc.oneof(...spec.options.map(fitting));
    case 'pixels':
      // RGBA bytes of a 1 × 2 and a 0 × 3 image; DOM sources exist only in browsers.
      return fc
        .constantFrom(
          { data: new Uint8ClampedArray([0, 64, 128, 255, 255, 128, 64, 0]), width: 2, height: 1 },
          { data: new Uint8ClampedArray(0), width: 3, height: 0 },
        )
        .map(value);
    case 'canvas':
      return fc.constant(value(undefined));
    default:
      spec satisfies never;
      return fc.constant(value(undefined));
  }
}

/** Values that break `spec` the way a careless caller would. */
export function breaking(spec: Spec): fc.Arbitrary<ArgSpec> {
  switch (spec.kind) {
    case 'number': {
      const bad: unknown[] = ['1', null, [1], Number.NaN];
      if (spec.integer) bad.push(1.5, -0.5, 2 ** 53 + 2);
      if (spec.finite || spec.integer) bad.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
      if (spec.min !== undefined) bad.push(spec.minExclusive ? spec.min : spec.min - 1, -1e308);
      if (spec.max !== undefined) bad.push(spec.maxExclusive ? spec.max : spec.max + 1, 1e308);
      return fc.constantFrom(...bad).map(value);
    }
    case 'enum': {
      const first = String(spec.values[0]);
      const bad: unknown[] = [
        'toString',
        '__proto__',
        'constructor',
        '',
        first.toUpperCase(),
        `${first} `,
        1,
        2,
      ];
      // A numeric enum (fromPixels' numChannels) may hold 1.
      return fc.constantFrom(...bad.filter((v) => !spec.values.includes(v as string | number))).map(value);
    }
    case 'dtype':
      return fc.constantFrom('float8', 'uint8', 'Float32', 'toString', '', 'int64').map(value);
    case 'axis':
    case 'axes':
      return fc
        .constantFrom<unknown>(1.5, '1', Number.NaN, Number.POSITIVE_INFINITY, [0.5], ['0'], {})
        .map(value);
    case 'boolean':
      return fc.constantFrom<unknown>(0, 1, 'true', 'false', null, []).map(value);
    case 'list': {
      const n = spec.length;
      const list = (a: fc.Arbitrary<ArgSpec[]>) => a.map((items): ArgSpec => ({ kind: 'list', items }));
      const wrongLength =
        n === undefined
          ? []
          : [
              list(fc.array(fitting(spec.of), { minLength: n + 1, maxLength: n + 1 })),
              list(fc.array(fitting(spec.of), { maxLength: Math.max(0, n - 1) })),
            ];
      return fc.oneof(
        ...wrongLength,
        // One bad entry among good ones.
        list(fc.tuple(fitting(spec.of), breaking(spec.of)).map(([a, b]) => [a, b])),
        // A bare entry where the list was expected.
        fitting(spec.of),
      );
    }
    case 'object': {
      const keys = Object.keys(spec.keys);
      const good = fitting(spec);
      return fc.oneof(
        // An unknown key, or a known key's near-miss spelling.
        fc
          .tuple(
            good,
            fc.constantFrom('toString', 'keepdims', 'Axis', 'extra', `${keys[0] ?? 'x'}s`),
            fc.integer({ min: 0, max: 2 }),
          )
          .map(([o, k, v]) =>
            o.kind === 'object' ? { ...o, entries: [...o.entries, [k, value(v)] as const] } : o,
          ),
        // A known key with a value that breaks its spec.
        ...(keys.length
          ? [
              fc
                .tuple(fc.constantFrom(...keys), good)
                .chain(([k, o]) =>
                  breaking(spec.keys[k]!).map((bad) =>
                    o.kind === 'object'
                      ? { ...o, entries: [...o.entries.filter((e) => e[0] !== k), [k, bad] as const] }
                      : o,
                  ),
                ),
            ]
          : []),
        // The options inherited, not own (a class instance or Object.create(options)).
        good.map((o) => (o.kind === 'object' ? { ...o, proto: 'inherit' as const } : o)),
        // Missing required keys.
        ...(spec.required?.length ? [fc.constant<ArgSpec>({ kind: 'object', entries: [] })] : []),
        fc.constantFrom<unknown>(1, true, 'axis', [], [1]).map(value),
      );
    }
    case 'oneOf':
      return hostileArg;
    case 'shape':
      return fc
        .constantFrom<unknown>(
          [2, -1, -1],
          [1.5],
          ['2'],
          [Number.NaN],
          [2 ** 53],
          [2 ** 31, 2 ** 31],
          3,
          '3',
          [null],
        )
        .map(value);
    default:
      return hostileArg;
  }
}

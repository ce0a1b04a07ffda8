// Run-time argument validation shared by every public op. JS callers have no compiler, so each
// op declares its parameters once as plain data (`Spec`) and goes through `defineOp`, which
// checks the argument count, each argument and every option before the op does any work. The
// same table (`opSignatures()`) lets the hostile-input suite enumerate every op and its specs.

import { DTYPES, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, describeValue, fmtShape, NablaError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import { isCanvasLike, pixelSourceKind } from './pixel-source.js';

/**
 * What one parameter accepts, as plain data so a test can generate values from it:
 * - `tensor`: a Tensor, a number, a boolean, nested arrays of them, or a typed array
 * - `tensorInstance`: a Tensor only
 * - `tensorList`: a non-empty array of `tensor` values
 * - `shape`: an array of non-negative safe integers with a safe element count (`unknownDim`: one -1 allowed)
 * - `axis`: an integer (checked against the rank by the op); `axes`: an integer or an array of them
 * - `dtype`: one of `DTYPES`; `boolean`; `string`; `null`
 * - `number`: a number, optionally an integer, finite, and within `[min, max]` (`minExclusive`)
 * - `enum`: one of `values`
 * - `list`: an array of `of` (with an exact `length` when given)
 * - `object`: a plain object with only `keys`, each checked; `required` keys must be present;
 *   `positional` names the TensorFlow.js positional arguments this object replaces (for hints)
 * - `oneOf`: any of `options`
 * - `pixels`: an ImageData-like `{ data, width, height }` or a DOM image source (pixel-source.ts)
 * - `canvas`: an HTMLCanvasElement or OffscreenCanvas (an object with `getContext`)
 */
export type Spec =
  | { readonly kind: 'tensor' }
  | { readonly kind: 'tensorInstance' }
  | { readonly kind: 'tensorList' }
  | { readonly kind: 'shape'; readonly unknownDim?: boolean }
  | { readonly kind: 'axis' }
  | { readonly kind: 'axes' }
  | { readonly kind: 'dtype'; readonly allowed?: readonly DType[] }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'null' }
  | {
      readonly kind: 'number';
      readonly integer?: boolean;
      readonly finite?: boolean;
      readonly min?: number;
      readonly minExclusive?: boolean;
      readonly max?: number;
      readonly maxExclusive?: boolean;
    }
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'list'; readonly of: Spec; readonly length?: number }
  | {
      readonly kind: 'object';
      readonly keys: Readonly<Record<string, Spec>>;
      readonly required?: readonly string[];
      readonly positional?: readonly string[];
    }
  | { readonly kind: 'oneOf'; readonly options: readonly Spec[] }
  | { readonly kind: 'pixels' }
  | { readonly kind: 'canvas' };

/** One declared parameter of an op. `optional`: `undefined` is accepted (a default applies). */
export interface Param {
  readonly name: string;
  readonly spec: Spec;
  readonly optional: boolean;
}

/** A public op as registered by `defineOp`: its name, parameters and the validated function. */
export interface OpSignature {
  readonly name: string;
  readonly params: readonly Param[];
  readonly fn: (...args: never[]) => unknown;
}

/**
 * Spec constructors, so op files read as declarations.
 * @example
 * S.object({ axis: S.axes, keepDims: S.boolean }, { positional: ['axis', 'keepDims'] });
 */
export const S = {
  tensor: { kind: 'tensor' },
  tensorInstance: { kind: 'tensorInstance' },
  tensorList: { kind: 'tensorList' },
  shape: { kind: 'shape' },
  shapeWithUnknown: { kind: 'shape', unknownDim: true },
  axis: { kind: 'axis' },
  axes: { kind: 'axes' },
  dtype: { kind: 'dtype' },
  /** A dtype from a subset (DTypeError for the others, before any work). */
  dtypeOf: (...allowed: DType[]): Spec => ({ kind: 'dtype', allowed }),
  boolean: { kind: 'boolean' },
  string: { kind: 'string' },
  null: { kind: 'null' },
  /** Any number, NaN and infinities included. */
  anyNumber: { kind: 'number' },
  finite: { kind: 'number', finite: true },
  integer: { kind: 'number', integer: true },
  number: (o: Omit<Extract<Spec, { kind: 'number' }>, 'kind'>): Spec => ({ kind: 'number', ...o }),
  enum: (...values: (string | number)[]): Spec => ({ kind: 'enum', values }),
  list: (of: Spec, length?: number): Spec =>
    length === undefined ? { kind: 'list', of } : { kind: 'list', of, length },
  object: (
    keys: Record<string, Spec>,
    extra: { required?: readonly string[]; positional?: readonly string[] } = {},
  ): Spec => ({ kind: 'object', keys, ...extra }),
  oneOf: (...options: Spec[]): Spec => ({ kind: 'oneOf', options }),
  pixels: { kind: 'pixels' },
  canvas: { kind: 'canvas' },
} as const satisfies Record<string, Spec | ((...a: never[]) => Spec)>;

/** A required parameter. @example req('x', S.tensor); */
export const req = (name: string, spec: Spec): Param => ({ name, spec, optional: false });
/** A parameter that may be omitted or `undefined`. @example opt('dtype', S.dtype); */
export const opt = (name: string, spec: Spec): Param => ({ name, spec, optional: true });

const SIGNATURES = new Map<string, OpSignature>();

/** How many public ops are running (ops call ops); only the outermost renames inner errors. */
let depth = 0;

/**
 * Every public op of `@nabla/core` with its declared parameters, by op name.
 * @example
 * for (const [name, { params, fn }] of opSignatures()) console.log(name, params.length);
 */
export function opSignatures(): ReadonlyMap<string, OpSignature> {
  return SIGNATURES;
}

/** A hint for a call with too many arguments (e.g. tf.slice's begin/size), or undefined. */
export type ExtraArgsHint = (args: readonly unknown[]) => string | undefined;

/**
 * Wraps an op so every call is validated against `params` before `impl` runs: no more
 * arguments than declared, each argument and option checked, the error naming the op. The
 * TypeScript type of `impl` is kept; `params` must list exactly its parameters.
 * @example
 * export const neg = defineOp('neg', [req('x', S.tensor)], (x: TensorLike) => unary('neg', x));
 */
export function defineOp<A extends readonly unknown[], R>(
  name: string,
  params: NoInfer<{ readonly [K in keyof A]-?: Param }>,
  impl: (...args: A) => R,
  extraArgsHint?: ExtraArgsHint,
): (...args: A) => R {
  const list = params as readonly Param[];
  const fn = (...given: A): R => {
    // Options objects are read once, into a snapshot that is both checked and used: a getter
    // cannot answer the check with one value and the op with another.
    const args = snapshotOptions(list, given) as A;
    validateArgs(name, list, args, extraArgsHint);
    if (depth > 0) return impl(...args);
    depth++;
    try {
      return impl(...args);
    } catch (e) {
      // A composite's inner op failed: the message leads with the op the user called.
      if (e instanceof NablaError && !e.message.startsWith(`${name}: `)) e.message = `${name}: ${e.message}`;
      throw e;
    } finally {
      depth--;
    }
  };
  Object.defineProperty(fn, 'name', { value: name });
  if (SIGNATURES.has(name)) throw new Error(`defineOp: op '${name}' is defined twice`);
  SIGNATURES.set(name, { name, params: list, fn: fn as (...args: never[]) => unknown });
  return fn;
}

/** `args` with each plain options object (where an object is declared) copied once. */
function snapshotOptions(params: readonly Param[], args: readonly unknown[]): readonly unknown[] {
  let copy: unknown[] | undefined;
  for (let i = 0; i < params.length && i < args.length; i++) {
    const v = args[i];
    if (params[i]!.spec.kind === 'object' && isPlainObject(v)) {
      copy ??= [...args];
      copy[i] = { ...v };
    }
  }
  return copy ?? args;
}

/**
 * Checks a call's arguments against the declared parameters; throws a NablaError naming the op.
 * @example
 * validateArgs('sum', [req('x', S.tensor)], [x, 1]); // ArgumentError: at most 1 argument
 */
export function validateArgs(
  op: string,
  params: readonly Param[],
  args: readonly unknown[],
  extraArgsHint?: ExtraArgsHint,
): void {
  // Trailing undefineds carry nothing, so they cannot be a dropped argument.
  let count = args.length;
  while (count > params.length && args[count - 1] === undefined) count--;
  if (count > params.length) {
    const names = params.map((p) => p.name).join(', ');
    const hint = extraArgsHint?.(args) ?? positionalHint(op, params, args) ?? spreadHint(op, params, args);
    throw new ArgumentError(
      `${op}: expected at most ${params.length} argument${params.length === 1 ? '' : 's'} (${names}), got ${count}${hint ? `; ${hint}` : ''}`,
    );
  }
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const v = args[i];
    if (v === undefined) {
      if (!p.optional)
        throw new ArgumentError(`${op}: expected argument ${i + 1} (${p.name}), got undefined`);
      continue;
    }
    if (p.spec.kind === 'object' && !isPlainObject(v)) {
      const hint = positionalHint(op, params, args);
      if (hint) {
        throw new ArgumentError(
          `${op}: expected an options object as argument ${i + 1}, got ${describeArg(v)}; ${hint}`,
        );
      }
    }
    checkValue(op, p.name, p.spec, v);
  }
}

/**
 * For a TensorFlow.js positional call such as `sum(x, 1, true)`: the same call with an options
 * object, when the values fit the options they stand for.
 */
function positionalHint(op: string, params: readonly Param[], args: readonly unknown[]): string | undefined {
  const at = params.findIndex((p) => p.spec.kind === 'object' && p.spec.positional);
  if (at < 0) return undefined;
  const spec = params[at]!.spec as Extract<Spec, { kind: 'object' }>;
  const positional = spec.positional!;
  const rest = args.slice(at);
  if (rest.length === 0 || rest.length > positional.length || isPlainObject(rest[0])) return undefined;
  const entries: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const key = positional[i]!;
    const v = rest[i];
    if (v === undefined) continue;
    if (!matches(spec.keys[key]!, v)) return undefined;
    entries.push(`${key}: ${render(v)}`);
  }
  const lead = params.slice(0, at).map((p) => p.name);
  return `write ${op}(${[...lead, `{ ${entries.join(', ')} }`].join(', ')})`;
}

/**
 * For a PyTorch-style spread call such as `reshape(x, 2, 3)` or `transpose(x, 1, 0)`: the same
 * call with the trailing numbers gathered into the array the last parameter takes.
 */
function spreadHint(op: string, params: readonly Param[], args: readonly unknown[]): string | undefined {
  const last = params.length - 1;
  const rest = args.slice(last);
  if (last < 0 || !rest.every((v) => typeof v === 'number') || !matches(params[last]!.spec, rest))
    return undefined;
  const lead = params.slice(0, last).map((p) => p.name);
  return `write ${op}(${[...lead, render(rest)].join(', ')})`;
}

/** A short literal for a hint: numbers, booleans, strings and small arrays of them. @example render([0, 1]); // '[0, 1]' */
export function render(v: unknown, depth = 4): string {
  if (typeof v === 'string') return `'${v}'`;
  // Bounded depth: the value may be a hostile, arbitrarily deep array.
  if (Array.isArray(v) && v.length <= 8 && depth > 0)
    return `[${v.map((e) => render(e, depth - 1)).join(', ')}]`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return '…';
}

/**
 * `describeValue`, with tensors shown by shape and dtype and small arrays written out.
 * @example
 * describeArg([1, -2]); // '[1,-2]'
 */
export function describeArg(v: unknown): string {
  if (v instanceof Tensor) return `a tensor of shape ${fmtShape(v.shape)} (${v.dtype})`;
  // describeValue would print a function's whole source.
  if (typeof v === 'function') return 'a function';
  return literal(v, 2) ?? describeValue(v);
}

/** `[1,-2]`, `[[0,1],[2,3]]`: arrays of at most 8 primitives, `depth` levels deep; else undefined. */
function literal(v: unknown, depth: number): string | undefined {
  if (!Array.isArray(v) || v.length > 8 || depth === 0) return undefined;
  const parts: string[] = [];
  for (const e of v) {
    if (typeof e === 'number' || typeof e === 'boolean' || e === null) parts.push(String(e));
    else if (typeof e === 'string' && e.length <= 20) parts.push(JSON.stringify(e));
    else {
      const inner = literal(e, depth - 1);
      if (inner === undefined) return undefined;
      parts.push(inner);
    }
  }
  return `[${parts.join(',')}]`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `v` fits `spec` (no error; used for oneOf, lists and hints). */
function matches(spec: Spec, v: unknown): boolean {
  // Leaf kinds answer directly: oneOf and lists call this on every call of some ops.
  switch (spec.kind) {
    case 'tensor':
      return isTensorLike(v);
    case 'tensorInstance':
      return v instanceof Tensor;
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'axis':
      return Number.isInteger(v);
    case 'dtype':
      return ((spec.allowed ?? DTYPES) as readonly unknown[]).includes(v);
    case 'enum':
      return spec.values.includes(v as string | number);
    case 'number':
      return numberFits(spec, v);
    case 'oneOf':
      return spec.options.some((o) => matches(o, v));
    default:
      break;
  }
  try {
    checkValue('', '', spec, v);
    return true;
  } catch {
    return false;
  }
}

/**
 * A phrase for error messages.
 * @example
 * describeSpec(S.oneOf(S.enum('valid', 'same'), S.integer)); // "'valid', 'same' or an integer"
 */
export function describeSpec(spec: Spec): string {
  switch (spec.kind) {
    case 'tensor':
      return 'a tensor, a number, a boolean, nested arrays of numbers or booleans, or a typed array';
    case 'tensorInstance':
      return 'a tensor';
    case 'tensorList':
      return 'a non-empty array of tensors';
    case 'shape':
      return spec.unknownDim
        ? 'an array of non-negative integers with at most one -1'
        : 'an array of non-negative integers';
    case 'axis':
      return 'an integer axis';
    case 'axes':
      return 'an integer axis or an array of integer axes';
    case 'dtype':
      return `one of ${(spec.allowed ?? DTYPES).map((d) => `'${d}'`).join(', ')}`;
    case 'boolean':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'null':
      return 'null';
    case 'number': {
      const bounds: string[] = [];
      if (spec.min !== undefined) bounds.push(`${spec.minExclusive ? '>' : '>='} ${spec.min}`);
      if (spec.max !== undefined) bounds.push(`${spec.maxExclusive ? '<' : '<='} ${spec.max}`);
      const noun = spec.integer ? 'an integer' : spec.finite ? 'a finite number' : 'a number';
      return bounds.length ? `${noun} ${bounds.join(' and ')}` : noun;
    }
    case 'enum':
      return `one of ${spec.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}`;
    case 'list':
      return `an array of ${spec.length === undefined ? '' : `${spec.length} `}entries, each ${describeSpec(spec.of)}`;
    case 'object':
      return `an object with keys ${Object.keys(spec.keys).join(', ')}`;
    case 'oneOf': {
      const parts = spec.options.flatMap((o) =>
        o.kind === 'enum'
          ? o.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)))
          : [describeSpec(o)],
      );
      return parts.length > 1
        ? `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`
        : (parts[0] ?? 'nothing');
    }
    case 'pixels':
      return 'an ImageData-like { data, width, height }, a canvas, an image, a video or an ImageBitmap';
    case 'canvas':
      return 'a canvas (HTMLCanvasElement or OffscreenCanvas)';
    default:
      return spec satisfies never;
  }
}

/** Throws the error for `label` not fitting `spec`; `cls` picks the typed error. */
function fail(
  op: string,
  label: string,
  spec: Spec,
  v: unknown,
  cls: typeof ArgumentError | typeof ShapeError | typeof DTypeError = ArgumentError,
): never {
  throw new cls(`${op}: expected ${label} to be ${describeSpec(spec)}, got ${describeArg(v)}`);
}

/**
 * Checks one value against its spec; `label` names it in the message (`options.axis`).
 * @example
 * checkValue('sum', 'options.axis', S.axes, '1'); // ArgumentError
 */
export function checkValue(op: string, label: string, spec: Spec, v: unknown): void {
  switch (spec.kind) {
    case 'tensor':
      if (!isTensorLike(v)) fail(op, label, spec, v);
      return;
    case 'tensorInstance':
      if (!(v instanceof Tensor)) fail(op, label, spec, v);
      return;
    case 'tensorList':
      if (!Array.isArray(v) || v.length === 0) fail(op, label, spec, v);
      for (let i = 0; i < v.length; i++) checkValue(op, `${label}[${i}]`, S.tensor, v[i]);
      return;
    case 'shape':
      checkShapeValue(op, label, spec, v);
      return;
    case 'axis':
      if (!Number.isInteger(v)) fail(op, label, spec, v);
      return;
    case 'axes':
      if (Number.isInteger(v)) return;
      if (!Array.isArray(v) || !v.every((a) => Number.isInteger(a))) fail(op, label, spec, v);
      return;
    case 'dtype':
      if (!((spec.allowed ?? DTYPES) as readonly unknown[]).includes(v)) fail(op, label, spec, v, DTypeError);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') fail(op, label, spec, v);
      return;
    case 'string':
      if (typeof v !== 'string') fail(op, label, spec, v);
      return;
    case 'null':
      if (v !== null) fail(op, label, spec, v);
      return;
    case 'number':
      if (!numberFits(spec, v)) fail(op, label, spec, v);
      return;
    case 'enum':
      if (!spec.values.includes(v as string | number)) fail(op, label, spec, v);
      return;
    case 'list':
      if (!Array.isArray(v) || (spec.length !== undefined && v.length !== spec.length))
        fail(op, label, spec, v);
      for (let i = 0; i < v.length; i++) {
        if (!matches(spec.of, v[i])) {
          const whole = literal(v, 2);
          throw new ArgumentError(
            `${op}: expected ${label}[${i}] to be ${describeSpec(spec.of)}, got ${describeArg(v[i])}${whole ? ` in ${label}=${whole}` : ''}`,
          );
        }
      }
      return;
    case 'object':
      checkObject(op, label, spec, v);
      return;
    case 'oneOf':
      if (!spec.options.some((o) => matches(o, v))) {
        // When only one option is the same kind of container as v (an array, an object), its
        // own check gives the precise message: which entry or key is wrong.
        const same = spec.options.filter((o) =>
          Array.isArray(v) ? CONTAINERS.has(o.kind) : isPlainObject(v) && o.kind === 'object',
        );
        if (same.length === 1) checkValue(op, label, same[0]!, v);
        // In a shape-or-dtype slot, a string was meant as a dtype and anything else as a shape.
        const shapeOrDType = spec.options.every((o) => o.kind === 'shape' || o.kind === 'dtype');
        const cls = !shapeOrDType ? ArgumentError : typeof v === 'string' ? DTypeError : ShapeError;
        fail(op, label, spec, v, cls);
      }
      return;
    case 'pixels':
      if (pixelSourceKind(v) === undefined) fail(op, label, spec, v);
      return;
    case 'canvas':
      if (!isCanvasLike(v)) fail(op, label, spec, v);
      return;
    default:
      spec satisfies never;
  }
}

function numberFits(spec: Extract<Spec, { kind: 'number' }>, v: unknown): boolean {
  return (
    typeof v === 'number' &&
    !(spec.integer && !Number.isSafeInteger(v)) &&
    !(spec.finite && !Number.isFinite(v)) &&
    !(spec.min !== undefined && !(spec.minExclusive ? v > spec.min : v >= spec.min)) &&
    !(spec.max !== undefined && !(spec.maxExclusive ? v < spec.max : v <= spec.max))
  );
}

const CONTAINERS: ReadonlySet<Spec['kind']> = new Set(['list', 'shape', 'tensorList']);

/** Kinds that `matches` answers without a throwing check: an options key of one passes quietly. */
const QUICK_KINDS: ReadonlySet<Spec['kind']> = new Set([
  'tensor',
  'tensorInstance',
  'null',
  'boolean',
  'string',
  'axis',
  'dtype',
  'enum',
  'number',
  'oneOf',
]);

function checkObject(op: string, label: string, spec: Extract<Spec, { kind: 'object' }>, v: unknown): void {
  const valid = Object.keys(spec.keys);
  if (!isPlainObject(v)) {
    throw new ArgumentError(
      `${op}: expected ${label} to be an object with keys ${valid.join(', ')}, got ${describeArg(v)}`,
    );
  }
  for (const key of Object.keys(v)) {
    if (!Object.hasOwn(spec.keys, key)) {
      throw new ArgumentError(
        `${op}: expected ${label} to have only the keys ${valid.join(', ')}, got unknown key '${key}'`,
      );
    }
  }
  for (const key of spec.required ?? []) {
    if (v[key] === undefined) {
      throw new ArgumentError(`${op}: expected ${label}.${key} to be given, got undefined`);
    }
  }
  for (const key of valid) {
    const value = v[key];
    if (value === undefined) continue;
    const keySpec = spec.keys[key]!;
    // The label is only built for a value that fails (or a container that checks its entries).
    if (QUICK_KINDS.has(keySpec.kind) && matches(keySpec, value)) continue;
    checkValue(op, `${label}.${key}`, keySpec, value);
  }
}

function checkShapeValue(
  op: string,
  label: string,
  spec: Extract<Spec, { kind: 'shape' }>,
  v: unknown,
): void {
  if (!Array.isArray(v)) {
    const hint = Number.isInteger(v) ? ` (write [${v}] for a 1-D shape)` : '';
    throw new ShapeError(
      `${op}: expected ${label} to be ${describeSpec(spec)}, got ${describeArg(v)}${hint}`,
    );
  }
  let unknown = 0;
  for (let i = 0; i < v.length; i++) {
    const d = v[i];
    if (d === -1 && spec.unknownDim && unknown === 0) {
      unknown++;
      continue;
    }
    if (Number.isSafeInteger(d) && d >= 0) continue;
    // Long shapes are not written out, so name the entry.
    const entry = literal(v, 1) === undefined ? ` (${label}[${i}] is ${describeArg(d)})` : '';
    throw new ShapeError(
      `${op}: expected ${label} to be ${describeSpec(spec)}, got ${describeArg(v)}${entry}`,
    );
  }
  const size = v.reduce((n: number, d: number) => (d === -1 ? n : n * d), 1);
  if (!Number.isSafeInteger(size)) {
    throw new ShapeError(
      `${op}: expected ${label} to have a safe-integer number of elements, got ${describeArg(v)} with ${size} elements`,
    );
  }
}

/** The shallow check of a tensor-like argument; nested arrays are checked when converted. */
function isTensorLike(v: unknown): boolean {
  if (v instanceof Tensor) return true;
  if (typeof v === 'number' || typeof v === 'boolean' || Array.isArray(v)) return true;
  return isNumericTypedArray(v);
}

/** Typed arrays with number elements (not BigInt arrays, not DataView). @example isNumericTypedArray(new Int8Array(2)); */
export function isNumericTypedArray(v: unknown): v is ArrayLike<number> {
  return (
    ArrayBuffer.isView(v) &&
    !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) &&
    !(v instanceof BigUint64Array)
  );
}

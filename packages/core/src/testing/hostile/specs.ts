// Argument specs: what a hostile call passes, as plain data. Properties generate specs (so
// fast-check can shrink and print them) and turn them into real values only inside the call,
// on the backend under test and again on the reference backend, where tensors must be made
// anew. `render` prints a spec as the JavaScript a user would have written.

/** How the values of a generated tensor are filled. */
export type Fill = 'small' | 'float' | 'special';

/** The shape of a generated tensor: explicit, or taken from the first tensor of the call. */
export type SpecShape = readonly number[] | 'like';

/** Values derived from the first tensor of the call, so well-typed arguments fit it. */
export type Derived = 'shape' | 'size' | 'flat' | 'rank' | 'perm' | 'lastAxis' | 'pairs' | 'halfShape';

/** One argument (or part of one) of a hostile call. */
export type ArgSpec =
  | { readonly kind: 'tensor'; readonly shape: SpecShape; readonly dtype: string; readonly fill: Fill }
  | { readonly kind: 'variable'; readonly shape: SpecShape; readonly dtype: string }
  | { readonly kind: 'disposed'; readonly shape: SpecShape; readonly dtype: string }
  | { readonly kind: 'foreign'; readonly shape: SpecShape; readonly dtype: string }
  | { readonly kind: 'list'; readonly items: readonly ArgSpec[] }
  | {
      readonly kind: 'object';
      readonly entries: readonly (readonly [string, ArgSpec])[];
      /** 'inherit': the entries sit on the prototype, not on the object itself. */
      readonly proto?: 'null' | 'inherit';
    }
  | { readonly kind: 'derived'; readonly of: Derived }
  /** Options whose `key` getter answers `good` on the first read and `bad` after. */
  | { readonly kind: 'flipFlop'; readonly key: string; readonly good: unknown; readonly bad: unknown }
  | { readonly kind: 'value'; readonly value: unknown };

/** A whole call: the op (or `Tensor#method`) and its arguments, receiver first for methods. */
export interface CallSpec {
  readonly op: string;
  readonly args: readonly ArgSpec[];
}

function renderValue(value: unknown, depth = 0): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return value.name ? `function ${value.name}` : '() => …';
  if (typeof value === 'boolean') return String(value);
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return `new ${name}([${Array.from(value as unknown as ArrayLike<number>).join(', ')}])`;
  }
  if (Array.isArray(value)) {
    // Very deep nesting prints as its depth, not as thousands of brackets.
    let d = 0;
    let cur: unknown = value;
    while (Array.isArray(cur) && cur.length === 1 && d < 100_000) {
      cur = cur[0];
      d++;
    }
    if (d > 8) return `<${d} nested [ ]> around ${renderValue(cur, depth + 1)}`;
    if (depth > 6) return '[…]';
    const items: string[] = [];
    for (let i = 0; i < value.length; i++)
      items.push(i in value ? renderValue(value[i], depth + 1) : '<hole>');
    return `[${items.join(', ')}]`;
  }
  if (value instanceof Date) return 'new Date()';
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    const own = Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${depth > 6 ? '…' : renderValue(v, depth + 1)}`)
      .join(', ');
    if (proto === null) return `Object.assign(Object.create(null), {${own}})`;
    if (proto !== Object.prototype) return `<${proto?.constructor?.name ?? 'object'} {${own}}>`;
    return `{${own}}`;
  }
  return String(value);
}

function renderShape(shape: SpecShape): string {
  return shape === 'like' ? 'shapeOfFirst' : `[${shape.join(', ')}]`;
}

/** Prints a spec as the call a user would have written. */
export function render(spec: ArgSpec): string {
  switch (spec.kind) {
    case 'tensor':
      return `tensor(${spec.fill} values, ${renderShape(spec.shape)}, '${spec.dtype}')`;
    case 'variable':
      return `variable(tensor(small values, ${renderShape(spec.shape)}, '${spec.dtype}'))`;
    case 'disposed':
      return `<disposed tensor ${renderShape(spec.shape)} ${spec.dtype}>`;
    case 'foreign':
      return `<tensor ${renderShape(spec.shape)} ${spec.dtype} on the foreign backend>`;
    case 'list':
      return `[${spec.items.map(render).join(', ')}]`;
    case 'object': {
      const body = `{${spec.entries.map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`).join(', ')}}`;
      if (spec.proto === 'null') return `Object.assign(Object.create(null), ${body})`;
      if (spec.proto === 'inherit') return `Object.create(${body})`;
      return body;
    }
    case 'derived':
      return `<${spec.of} of the first tensor>`;
    case 'flipFlop':
      return `{ get ${spec.key}() { first ${renderValue(spec.good)}, then ${renderValue(spec.bad)} } }`;
    case 'value':
      return renderValue(spec.value);
    default:
      spec satisfies never;
      return '?';
  }
}

/** Prints a call: `sum(tensor(...), {"axis": "1"})` or `tensor(...).sum(1)`. */
export function renderCall(call: CallSpec): string {
  if (call.op.startsWith('Tensor#')) {
    const [self, ...rest] = call.args;
    return `${self ? render(self) : '<no receiver>'}.${call.op.slice(7)}(${rest.map(render).join(', ')})`;
  }
  return `${call.op}(${call.args.map(render).join(', ')})`;
}

/** The values a generated tensor holds, deterministic in the index. */
export function fillValues(fill: Fill, size: number): number[] {
  const out = new Array<number>(size);
  for (let i = 0; i < size; i++) {
    const small = ((i * 3 + 1) % 7) - 3;
    if (fill === 'small') out[i] = small;
    else if (fill === 'float') out[i] = small * 0.375 + 0.125;
    else out[i] = SPECIAL_VALUES[i % SPECIAL_VALUES.length]!;
  }
  return out;
}

const SPECIAL_VALUES = [
  0,
  Number.NaN,
  -0,
  Number.POSITIVE_INFINITY,
  1,
  Number.NEGATIVE_INFINITY,
  -1,
  0.5,
  1e30,
  -1e-30,
];

// Weight regularizers (l1, l2, l1l2), addressable by name; their penalty is added to the loss.

import { type Tensor, tidy } from '@nabla/core';
import { NameTable, readNamedSpec } from '../engine/names.js';
import { checkOptionsObject, K, type OptionKind } from '../engine/option-kinds.js';

/** A penalty on a weight, added to the training loss. */
export interface Regularizer {
  readonly name: string;
  penalty(w: Tensor): Tensor;
  getConfig(): Record<string, unknown>;
}

/**
 * l1·Σ|w| + l2·Σw².
 * @example
 * l1l2({ l1: 0.01, l2: 0.01 });
 */
export function l1l2(o: { l1?: number; l2?: number } = {}): Regularizer {
  // Checked here too: a JS caller's { l1: '0.1' } would otherwise be a NaN penalty at fit time.
  const { l1: a = 0, l2: b = 0 } = checkOptionsObject(o, KEYS, { where: 'l1l2' }) as typeof o;
  return {
    name: 'l1l2',
    penalty: (w) =>
      tidy(() => {
        let p = w.mul(0).sum();
        if (a) p = p.add(w.abs().sum().mul(a));
        if (b) p = p.add(w.square().sum().mul(b));
        return p;
      }),
    getConfig: () => ({ l1: a, l2: b }),
  };
}

const L = K.number({ min: 0 });
const KEYS = { l1: L, l2: L };

/** l1·Σ|w| (Keras default 0.01). @example l1({ l1: 0.001 }); */
export const l1 = (o: { l1?: number } = {}): Regularizer => {
  const { l1: a = 0.01 } = checkOptionsObject(o, { l1: L }, { where: 'l1' }) as typeof o;
  return { ...l1l2({ l1: a }), name: 'l1' };
};
/** l2·Σw² (Keras default 0.01). @example l2({ l2: 0.001 }); */
export const l2 = (o: { l2?: number } = {}): Regularizer => {
  const { l2: b = 0.01 } = checkOptionsObject(o, { l2: L }, { where: 'l2' }) as typeof o;
  return { ...l1l2({ l2: b }), name: 'l2' };
};

const REGULARIZER_SPEC = 'a regularizer name, { name, config } or a regularizer object';

// l1 and l2 record both factors in their config (they are l1l2 underneath), so both keys are read.
const BY_NAME = new NameTable<(config: { l1?: number; l2?: number }) => Regularizer>([
  ['l1', (c) => ({ ...l1l2({ l1: c.l1 ?? 0.01, l2: c.l2 ?? 0 }), name: 'l1' })],
  ['l2', (c) => ({ ...l1l2({ l1: c.l1 ?? 0, l2: c.l2 ?? 0.01 }), name: 'l2' })],
  ['l1l2', (c) => l1l2(c)],
]);

/**
 * A regularizer from a name ('l1', 'l2', 'l1l2', 'l1_l2'), `{ name, config }`, or itself; the
 * config may hold only `l1` and `l2`, each a finite number >= 0. `where` names the caller in errors.
 * @example
 * getRegularizer('l2');
 * getRegularizer({ name: 'l1l2', config: { l1: 0.01 } });
 */
export function getRegularizer(
  spec: Regularizer | string | { name: string; config?: Record<string, unknown> },
  where = 'getRegularizer',
): Regularizer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Regularizer).penalty === 'function')
    return spec as Regularizer;
  const { entry: make, name, config } = readNamedSpec(BY_NAME, spec, where, 'regularizer', REGULARIZER_SPEC);
  return make(checkOptionsObject(config ?? undefined, KEYS, { where: `${where} (${String(name)})` }));
}

/** A regularizer by name, `{ name, config }`, or object (what layer options accept). */
export type RegularizerSpec = Parameters<typeof getRegularizer>[0];

/**
 * The regularizer of a layer option, or null when the option is absent or null.
 * @example
 * regularizerOrNull('l2')?.name; // 'l2'
 */
export function regularizerOrNull(spec: RegularizerSpec | null | undefined): Regularizer | null {
  return spec ? getRegularizer(spec) : null;
}

/**
 * The saved form of a regularizer option: `{ name, config }`, or null for none.
 * @example
 * regularizerConfig({ name: 'l2', config: { l2: 0.1 } }); // { name: 'l2', config: { l2: 0.1 } }
 */
export function regularizerConfig(
  spec: RegularizerSpec | null | undefined,
): { name: string; config: Record<string, unknown> } | null {
  const r = regularizerOrNull(spec);
  return r ? { name: r.name, config: r.getConfig() } : null;
}

/** The option kind of a layer's regularizer options (null for none): resolved when the layer is made. */
export const REGULARIZER: OptionKind = K.nullable({
  kind: 'resolve',
  description: REGULARIZER_SPEC,
  resolve: (value, where) => getRegularizer(value as Regularizer, where),
});

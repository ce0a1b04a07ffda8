// Weight regularizers (l1, l2, l1l2), addressable by name; their penalty is added to the loss.

import { ArgumentError, type Tensor, tidy } from '@nabla/core';
import { NameTable } from '../engine/names.js';

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
  const { l1: a = 0, l2: b = 0 } = o;
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

/** l1·Σ|w| (Keras default 0.01). @example l1({ l1: 0.001 }); */
export const l1 = (o: { l1?: number } = {}): Regularizer => ({ ...l1l2({ l1: o.l1 ?? 0.01 }), name: 'l1' });
/** l2·Σw² (Keras default 0.01). @example l2({ l2: 0.001 }); */
export const l2 = (o: { l2?: number } = {}): Regularizer => ({ ...l1l2({ l2: o.l2 ?? 0.01 }), name: 'l2' });

const BY_NAME = new NameTable<(config: Record<string, unknown>) => Regularizer>([
  ['l1', (c) => l1(c)],
  ['l2', (c) => l2(c)],
  ['l1l2', (c) => l1l2(c)],
]);

/**
 * A regularizer from a name ('l1', 'l2', 'l1l2', 'l1_l2'), `{ name, config }`, or itself.
 * @example
 * getRegularizer('l2');
 */
export function getRegularizer(
  spec: Regularizer | string | { name: string; config?: Record<string, unknown> },
): Regularizer {
  if (typeof spec === 'object' && spec !== null && typeof (spec as Regularizer).penalty === 'function')
    return spec as Regularizer;
  const named = typeof spec === 'object' && spec !== null;
  const make = BY_NAME.lookup(named ? spec.name : spec, 'getRegularizer', 'regularizer');
  const config = named && 'config' in spec ? spec.config : undefined;
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
    throw new ArgumentError(`getRegularizer: expected config to be an object, got ${JSON.stringify(config)}`);
  }
  return make(config ?? {});
}

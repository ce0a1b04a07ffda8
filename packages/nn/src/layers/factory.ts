// What every layer factory shares: a check that it got at most its one options argument (JS
// callers have no compiler, and a dropped argument would be silently ignored), and the type of
// options once the Layer constructor has resolved their initializer and regularizer names.

import { checkArgCount } from '@nabla/core/internal';
import type { Initializer } from '../initializers/initializers.js';
import type { Regularizer } from '../regularizers/regularizers.js';

/**
 * Throws an ArgumentError when a layer factory is called with more than one argument.
 * @example
 * function dense(options: DenseOptions): Dense { checkFactoryArgs('dense', arguments.length); ... }
 * dense({ units: 3 }, 4); // throws: dense: expected at most 1 argument(s), as in dense({ ... }), got 2
 */
export function checkFactoryArgs(factory: string, count: number): void {
  checkArgCount(factory, count, 1, `${factory}({ ... })`);
}

/**
 * Layer options as `checkedOptions` returns them: `*Initializer` and `*Regularizer` keys hold the
 * resolved objects (never names or `{ name, config }`), and null reads as absent.
 * @example
 * const o = this.checkedOptions<Resolved<DenseOptions>>();
 * o.kernelInitializer?.init([2, 3], 'float32');
 */
export type Resolved<T> = {
  [P in keyof T]: P extends `${string}Initializer`
    ? Initializer | undefined
    : P extends `${string}Regularizer`
      ? Regularizer | undefined
      : Exclude<T[P], null>;
};

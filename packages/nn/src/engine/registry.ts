// The layer class registry behind `getConfig`/`fromConfig`: each layer file registers its
// classes by name, so a saved model.json can be turned back into layers.

import { ArgumentError } from '@nabla/core';
import { closestName, describeValue } from '@nabla/core/internal';
import type { Layer } from './layer.js';

type LayerFactory = (config: Record<string, unknown>) => Layer;

const REGISTRY = new Map<string, LayerFactory>();

/** The class `layerFromConfig` is rebuilding now (innermost), so option errors say `Dense config`. */
let reviving: string | null = null;

/**
 * The class name being rebuilt from a config right now, or null outside `layerFromConfig`.
 * @example
 * const where = revivingClass() ? `${revivingClass()} config` : 'dense';
 */
export function revivingClass(): string | null {
  return reviving;
}

/**
 * Registers a layer class under its `className` (e.g. 'Dense').
 * @example
 * registerLayer('Dense', (config) => new Dense(config));
 */
export function registerLayer(className: string, factory: LayerFactory): void {
  REGISTRY.set(className, factory);
}

/**
 * Registers a layer class whose constructor takes its options object: a saved config is passed
 * as is, so it goes through the same checks as options in code (unknown keys included).
 * @example
 * registerLayerClass('Dense', Dense);
 */
export function registerLayerClass<A>(className: string, make: new (options: A) => Layer): void {
  registerLayer(className, (config) => new make(config as A));
}

/**
 * Rebuilds a layer from `{ className, config }`.
 * @example
 * const copy = layerFromConfig({ className: layer.className, config: layer.getConfig() });
 */
export function layerFromConfig(spec: { className: string; config: Record<string, unknown> }): Layer {
  // Own keys only (a Map): 'constructor' or 'toString' in a model.json is an unknown class.
  const make = typeof spec.className === 'string' ? REGISTRY.get(spec.className) : undefined;
  if (!make) {
    const known = [...REGISTRY.keys()];
    const guess = typeof spec.className === 'string' ? closestName(spec.className, known) : undefined;
    const got = typeof spec.className === 'string' ? `'${spec.className}'` : describeValue(spec.className);
    throw new ArgumentError(
      `layerFromConfig: unknown layer class ${got}${guess ? `; did you mean '${guess}'?` : ''} (valid: ${known.join(', ')})`,
    );
  }
  const previous = reviving;
  reviving = spec.className;
  try {
    return make(spec.config);
  } finally {
    reviving = previous;
  }
}

/** Registered layer class names. */
export function registeredLayers(): string[] {
  return [...REGISTRY.keys()];
}

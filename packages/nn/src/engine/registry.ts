// The layer class registry behind `getConfig`/`fromConfig`: each layer file registers its
// classes by name, so a saved model.json can be turned back into layers.

import { ArgumentError, closestName, describeValue } from '@nabla/core';
import type { Layer } from './layer.js';

type LayerFactory = (config: Record<string, unknown>) => Layer;

const REGISTRY = new Map<string, LayerFactory>();

/**
 * Registers a layer class under its `className` (e.g. 'Dense').
 * @example
 * registerLayer('Dense', (config) => new Dense(config));
 */
export function registerLayer(className: string, factory: LayerFactory): void {
  REGISTRY.set(className, factory);
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
  return make(spec.config);
}

/** Registered layer class names. */
export function registeredLayers(): string[] {
  return [...REGISTRY.keys()];
}

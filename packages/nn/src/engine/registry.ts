// The layer class registry behind `getConfig`/`fromConfig`: each layer file registers its
// classes by name, so a saved model.json can be turned back into layers.

import { ArgumentError } from '@nabla/core';
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
  const make = REGISTRY.get(spec.className);
  if (!make) {
    throw new ArgumentError(
      `layerFromConfig: unknown layer class '${spec.className}' (known: ${[...REGISTRY.keys()].join(', ')})`,
    );
  }
  return make(spec.config);
}

/** Registered layer class names. */
export function registeredLayers(): string[] {
  return [...REGISTRY.keys()];
}

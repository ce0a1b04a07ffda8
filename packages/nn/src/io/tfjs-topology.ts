// TensorFlow.js Layers import, the architecture: a tfjs (Keras) `modelTopology`, Sequential or
// functional (tfjs's `Model`, Keras's `Functional`, bare or in the converter's `model_config`),
// becomes the config of an nn Sequential or Functional model, layer by layer through
// tfjs-layers.ts, with the weights each nn layer needs. Problems are collected, not thrown.

import { isRecord } from '../engine/config.js';
import {
  batchShape,
  checkBatchShape,
  type Json,
  type TfjsLayerWeights,
  translateInput,
  translateLayer,
} from './tfjs-layers.js';

export type { TfjsLayerWeights } from './tfjs-layers.js';

/** An nn model config translated from a tfjs topology, and the weights its layers need. */
export interface TfjsTranslation {
  spec: { className: 'Sequential' | 'Functional'; config: Json };
  layers: TfjsLayerWeights[];
}

/** `{ class_name, config }` of a topology, whether tfjs's or the converter's `model_config`. */
function modelSpec(topology: unknown): { className: string; config: unknown } | undefined {
  if (!isRecord(topology)) return undefined;
  const spec = isRecord(topology.model_config) ? topology.model_config : topology;
  return typeof spec.class_name === 'string'
    ? { className: spec.class_name, config: spec.config }
    : undefined;
}

/**
 * Translates a tfjs `modelTopology` into an nn model config; `problems` receives every class
 * and option nn cannot express (the caller raises them together).
 * @example
 * const problems: string[] = [];
 * const t = translateTfjsTopology(doc.modelTopology, problems); // t.spec.className: 'Sequential'
 */
export function translateTfjsTopology(topology: unknown, problems: string[]): TfjsTranslation | undefined {
  const spec = modelSpec(topology);
  if (spec === undefined) {
    problems.push('modelTopology: expected { class_name, config } (or { model_config })');
    return undefined;
  }
  if (spec.className === 'Sequential') return translateSequential(spec.config, problems);
  if (spec.className === 'Model' || spec.className === 'Functional')
    return translateFunctional(spec.config, problems);
  problems.push(
    `modelTopology: model class ${JSON.stringify(spec.className)} is not supported (Sequential, Model, Functional)`,
  );
  return undefined;
}

function translateSequential(config: unknown, problems: string[]): TfjsTranslation | undefined {
  // Keras 2.0 wrote a sequential config as the bare list of layers.
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list)) {
    problems.push('modelTopology: expected the Sequential config to hold a list of layers');
    return undefined;
  }
  const name = isRecord(config) && typeof config.name === 'string' ? config.name : undefined;
  let inputShape: (number | null)[] | undefined;
  const layers: Json[] = [];
  const weights: TfjsLayerWeights[] = [];
  list.forEach((spec, i) => {
    const declared = isRecord(spec) && isRecord(spec.config) ? batchShape(spec.config) : undefined;
    if (inputShape === undefined && declared !== undefined) {
      inputShape = checkBatchShape(declared, `layers[${i}]`, problems);
    }
    if (isRecord(spec) && spec.class_name === 'InputLayer') {
      if (i !== 0) problems.push(`layers[${i}]: an InputLayer is only allowed first in a Sequential model`);
      return;
    }
    for (const layer of translateLayer(spec, i, problems)) {
      layers.push({ className: layer.className, config: layer.config });
      weights.push(layer.weights);
    }
  });
  if (inputShape === undefined) {
    problems.push(
      'modelTopology: the Sequential model declares no input shape (batch_input_shape of its first layer)',
    );
  }
  return {
    spec: {
      className: 'Sequential',
      config: { ...(name === undefined ? {} : { name }), layers, buildInputShape: inputShape ?? null },
    },
    layers: weights,
  };
}

/** A node reference `[layer, node, tensor]` (tfjs adds a kwargs object, which must be empty). */
function readRef(value: unknown, where: string, problems: string[]): [string, number, number] | undefined {
  if (
    Array.isArray(value) &&
    typeof value[0] === 'string' &&
    Number.isSafeInteger(value[1]) &&
    (value[2] === undefined || Number.isSafeInteger(value[2]))
  ) {
    if (isRecord(value[3]) && Object.keys(value[3]).length > 0) {
      problems.push(`${where}: call arguments ${JSON.stringify(value[3])} are not supported`);
    }
    return [value[0], value[1] as number, (value[2] as number | undefined) ?? 0];
  }
  problems.push(`${where}: expected a node reference [layer, node, tensor], got ${JSON.stringify(value)}`);
  return undefined;
}

const refsOf = (refs: ([string, number, number] | undefined)[]) =>
  refs.filter((r): r is [string, number, number] => r !== undefined);

function readRefList(value: unknown, where: string, problems: string[]): [string, number, number][] {
  if (!Array.isArray(value)) {
    problems.push(`${where}: expected a list of node references`);
    return [];
  }
  // One reference may be written bare instead of in a list.
  const list = typeof value[0] === 'string' ? [value] : value;
  return refsOf(list.map((ref, i) => readRef(ref, `${where}[${i}]`, problems)));
}

function translateFunctional(config: unknown, problems: string[]): TfjsTranslation | undefined {
  if (!isRecord(config) || !Array.isArray(config.layers)) {
    problems.push('modelTopology: expected the Model config to hold a list of layers');
    return undefined;
  }
  const layers: Json[] = [];
  const weights: TfjsLayerWeights[] = [];
  config.layers.forEach((spec, i) => {
    if (isRecord(spec) && spec.class_name === 'InputLayer') {
      const input = translateInput(spec, problems);
      if (input !== undefined) layers.push({ ...input, inboundNodes: [] });
      return;
    }
    const made = translateLayer(spec, i, problems);
    const layer = made.at(-1);
    if (layer === undefined || !isRecord(spec)) return;
    const nodes = spec.inbound_nodes;
    if (!Array.isArray(nodes) || !nodes.every(Array.isArray)) {
      problems.push(
        `layer '${layer.name}': inbound_nodes ${JSON.stringify(nodes)} is not in the Keras 2 / tfjs form`,
      );
      return;
    }
    // The first nn layer takes the tfjs layer's inputs; each later one, its predecessor's output
    // of the same call.
    made.forEach((m, k) => {
      const inboundNodes = nodes.map((node, n) =>
        k === 0
          ? refsOf(
              (node as unknown[]).map((ref, j) =>
                readRef(ref, `${m.name} inbound_nodes[${n}][${j}]`, problems),
              ),
            )
          : [[made[k - 1]!.name, n, 0]],
      );
      layers.push({ className: m.className, name: m.name, config: m.config, inboundNodes });
      weights.push(m.weights);
    });
  });
  const name = typeof config.name === 'string' ? config.name : undefined;
  return {
    spec: {
      className: 'Functional',
      config: {
        ...(name === undefined ? {} : { name }),
        layers,
        inputLayers: readRefList(config.input_layers, 'input_layers', problems),
        outputLayers: readRefList(config.output_layers, 'output_layers', problems),
      },
    },
    layers: weights,
  };
}

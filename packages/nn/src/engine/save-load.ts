// Saving and loading models as a folder: model.json (format, architecture, training config and
// a manifest of the weights) and model.safetensors (the weights, keyed `layer/weight`), written
// atomically. Loading rebuilds the layers from the registry, sets the weights bit for bit, and
// compiles again when a training config was saved. Bad files raise FormatError naming the file.

import type { Tensor } from '@nabla/core';
import { FormatError } from '../io/errors.js';
import { parseJsonSafe } from '../io/json.js';
import { safetensorsToTensors, tensorsToSafetensors } from '../io/safetensors-tensors.js';
import * as losses from '../losses/index.js';
import * as optimizers from '../optimizers/index.js';
import type { Loss, Optimizer } from '../types.js';
import { isRecord } from './config.js';
import type { Layer } from './layer.js';
import type { Model } from './model.js';
import { layerFromConfig } from './registry.js';

/**
 * The `format` field of model.json.
 * @example
 * const doc = modelToJson(model);
 * doc.format === MODEL_FORMAT; // true
 */
export const MODEL_FORMAT = 'nabla-model';
/**
 * The format version this code writes and reads.
 * @example
 * const doc = modelToJson(model);
 * doc.formatVersion === MODEL_FORMAT_VERSION; // true
 */
export const MODEL_FORMAT_VERSION = 1;

const JSON_FILE = 'model.json';
const WEIGHTS_FILE = 'model.safetensors';

/** One entry of model.json's weightsManifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

/** The model.json document. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  modelConfig: { className: string; config: Record<string, unknown> };
  trainingConfig: Record<string, unknown> | null;
  weightsManifest: WeightSpec[];
}

function namedWeightMap(model: Model): Record<string, Tensor> {
  const out: Record<string, Tensor> = Object.create(null);
  for (const w of model.namedWeights) {
    if (w.name in out)
      throw new FormatError(JSON_FILE, `two weights are named '${w.name}'; give the layers distinct names`);
    out[w.name] = w.variable;
  }
  return out;
}

/**
 * The model.json document of a model.
 * @example
 * const doc = modelToJson(model); doc.weightsManifest[0].name; // 'dense_1/kernel'
 */
export function modelToJson(model: Model): ModelJson {
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    modelConfig: { className: model.className, config: model.getConfig() },
    trainingConfig: model.trainingConfig(),
    weightsManifest: model.namedWeights.map((w) => ({
      name: w.name,
      shape: [...w.variable.shape],
      dtype: w.variable.dtype,
    })),
  };
}

/**
 * Writes `model` to the folder `path` (Node only): model.json and model.safetensors.
 * @example
 * await saveModel(model, './out/mnist');
 */
export async function saveModel(model: Model, path: string): Promise<void> {
  const named = namedWeightMap(model);
  const json = `${JSON.stringify(modelToJson(model), null, 2)}\n`;
  const bytes = await tensorsToSafetensors(named, { format: MODEL_FORMAT });
  const { writeFolderAtomic } = await import('../io/node.js');
  await writeFolderAtomic(path, { [JSON_FILE]: json, [WEIGHTS_FILE]: bytes });
}

/**
 * Loads a model saved by `model.save(path)` (Node only): architecture, weights and, when one
 * was saved, the training config (the model comes back compiled, with a fresh optimizer).
 * @example
 * const m = await loadModel('./out/mnist');
 * m.predict(x);
 */
export async function loadModel(path: string): Promise<Model> {
  const { readFolder } = await import('../io/node.js');
  const files = await readFolder(path, [JSON_FILE, WEIGHTS_FILE]);
  return modelFromFiles(files[JSON_FILE]!, files[WEIGHTS_FILE]!, path);
}

function fail(file: string, problem: string): never {
  throw new FormatError(file, problem);
}

/**
 * A model from the bytes of model.json and model.safetensors (`where` names them in errors).
 * @example
 * const m = modelFromFiles(jsonBytes, weightBytes, 'upload');
 */
export function modelFromFiles(jsonBytes: Uint8Array, weightBytes: Uint8Array, where = '<buffer>'): Model {
  const jsonName = `${where}/${JSON_FILE}`;
  const weightsName = `${where}/${WEIGHTS_FILE}`;
  const doc = parseJsonSafe(new TextDecoder().decode(jsonBytes), jsonName);
  if (!isRecord(doc)) fail(jsonName, 'expected a JSON object');
  if (doc.format !== MODEL_FORMAT)
    fail(jsonName, `expected format '${MODEL_FORMAT}', got ${JSON.stringify(doc.format)}`);
  if (doc.formatVersion !== MODEL_FORMAT_VERSION) {
    fail(
      jsonName,
      `unsupported formatVersion ${JSON.stringify(doc.formatVersion)} (this version reads ${MODEL_FORMAT_VERSION})`,
    );
  }
  const spec = doc.modelConfig;
  if (!isRecord(spec) || typeof spec.className !== 'string' || !isRecord(spec.config)) {
    fail(jsonName, 'expected modelConfig to be { className, config }');
  }
  const manifest = readManifest(jsonName, doc.weightsManifest);
  let layer: Layer;
  try {
    layer = layerFromConfig({ className: spec.className, config: spec.config });
  } catch (error) {
    fail(jsonName, `invalid modelConfig: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!('compile' in layer) || !('fit' in layer))
    fail(jsonName, `modelConfig.className '${spec.className}' is not a model`);
  const model = layer as Model;
  try {
    setWeightsByName(model, manifest, weightBytes, weightsName);
    if (isRecord(doc.trainingConfig)) compileFrom(model, doc.trainingConfig, jsonName);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function readManifest(file: string, value: unknown): WeightSpec[] {
  if (!Array.isArray(value)) fail(file, 'expected weightsManifest to be an array');
  return value.map((w, i) => {
    if (
      !isRecord(w) ||
      typeof w.name !== 'string' ||
      !Array.isArray(w.shape) ||
      typeof w.dtype !== 'string'
    ) {
      fail(file, `weightsManifest[${i}] must be { name, shape, dtype }`);
    }
    return { name: w.name, shape: w.shape.map(Number), dtype: w.dtype };
  });
}

function setWeightsByName(
  model: Model,
  manifest: readonly WeightSpec[],
  bytes: Uint8Array,
  file: string,
): void {
  const { tensors } = safetensorsToTensors(bytes, file);
  try {
    const named = model.namedWeights;
    const listed = new Set(manifest.map((w) => w.name));
    for (const w of named) {
      if (!listed.has(w.name))
        fail(file.replace(WEIGHTS_FILE, JSON_FILE), `weightsManifest lacks weight '${w.name}' of the model`);
      const t = tensors[w.name];
      if (!t) fail(file, `missing tensor '${w.name}'`);
      const expected = w.variable.shape;
      if (t.shape.length !== expected.length || t.shape.some((d, k) => d !== expected[k])) {
        fail(
          file,
          `tensor '${w.name}' has shape [${t.shape.join(',')}], the model expects [${expected.join(',')}]`,
        );
      }
      if (t.dtype !== w.variable.dtype)
        fail(file, `tensor '${w.name}' has dtype ${t.dtype}, the model expects ${w.variable.dtype}`);
    }
    for (const w of named) w.variable.assign(tensors[w.name]!);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

const key = (name: string) => name.replace(/[_\-\s]/g, '').toLowerCase();

/** A function-valued export of a module namespace by normalised name. */
function factoryIn(
  namespace: object,
  name: string,
): ((config: Record<string, unknown>) => unknown) | undefined {
  for (const [exported, value] of Object.entries(namespace)) {
    if (typeof value === 'function' && key(exported) === key(name))
      return value as (config: Record<string, unknown>) => unknown;
  }
  return undefined;
}

function lossFrom(file: string, spec: unknown): Loss | string {
  if (typeof spec === 'string') return spec;
  if (!isRecord(spec) || typeof spec.name !== 'string')
    return fail(file, 'trainingConfig.loss must be a name or { name, config }');
  const config = isRecord(spec.config) ? spec.config : {};
  const make = factoryIn(losses, spec.name);
  if (make && Object.keys(config).length > 0) return make(config) as Loss;
  return spec.name;
}

function optimizerFrom(file: string, spec: unknown): Optimizer | string {
  if (typeof spec === 'string') return spec;
  if (!isRecord(spec) || typeof spec.name !== 'string')
    return fail(file, 'trainingConfig.optimizer must be { name, config }');
  const { name: _name, ...config } = isRecord(spec.config) ? spec.config : {};
  const make = factoryIn(optimizers, spec.name);
  const lr = config.learningRate;
  if (make && (lr === undefined || typeof lr === 'number')) return make(config) as Optimizer;
  return spec.name;
}

function compileFrom(model: Model, training: Record<string, unknown>, file: string): void {
  const loss = Array.isArray(training.loss)
    ? training.loss.map((l) => lossFrom(file, l))
    : lossFrom(file, training.loss);
  const metrics = Array.isArray(training.metrics)
    ? training.metrics.filter((m): m is string => typeof m === 'string')
    : [];
  try {
    model.compile({ optimizer: optimizerFrom(file, training.optimizer), loss, metrics });
  } catch (error) {
    fail(file, `invalid trainingConfig: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// Saving and loading models as a folder: model.json (format, architecture, training config, a
// manifest of the weights and the sha256 of the weights file) and model.safetensors (the
// weights, keyed `layer/weight`). A save snapshots every weight in one synchronous block, so a
// save during `fit` holds one step's weights. A load checks the whole model.json against the
// safetensors header before it builds (allocates) anything, then sets the weights bit for bit
// and compiles again when a training config was saved. Bad files raise FormatError naming them.

import { ArgumentError, closestName, isDType, lookupName, type Tensor } from '@nabla/core';
import { FormatError } from '../io/errors.js';
import { parseJsonSafe } from '../io/json.js';
import { readSafetensorsHeader, type SafetensorsHeaderEntry } from '../io/safetensors.js';
import {
  fromSafetensorsDType,
  safetensorsToTensors,
  tensorsToSafetensors,
} from '../io/safetensors-tensors.js';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  hinge,
  huber,
  kld,
  meanAbsoluteError,
  meanSquaredError,
  sparseCategoricalCrossentropy,
} from '../losses/index.js';
import { adagrad, adam, adamw, rmsprop, sgd } from '../optimizers/index.js';
import type { Loss, Optimizer } from '../types.js';
import { isRecord } from './config.js';
import { type Layer, type WeightGuard, withWeightGuard } from './layer.js';
import type { Model } from './model.js';
import { layerFromConfig, registeredLayers } from './registry.js';

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

/** Declared dimensions and per-tensor element counts above this are refused (2^31 - 1). */
export const MAX_DECLARED_ELEMENTS = 2 ** 31 - 1;
/** Shapes of higher rank are refused; no layer uses more than a handful of axes. */
const MAX_RANK = 32;
/** Keys of layer configs that hold shapes (checked before anything is built). */
const SHAPE_KEYS = new Set(['inputShape', 'batchInputShape', 'buildInputShape', 'shape', 'batchShape']);

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
  /** Size and sha256 of model.safetensors (absent in files of older versions). */
  weights?: { bytes: number; sha256: string };
}

/** Options of {@link saveModel} (tests swap the file system to simulate crashes). */
export interface SaveModelOptions {
  fs?: import('../io/atomic.js').SaveFs;
  /** Give up waiting for another save of the same folder after this long (default 120 s). */
  lockTimeoutMs?: number;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  fs?: import('../io/atomic.js').SaveFs;
}

/** Clones (sharing storage) of every weight by name: tensors are immutable, so they stay put. */
function snapshotWeights(model: Model): Record<string, Tensor> {
  const out: Record<string, Tensor> = Object.create(null);
  try {
    for (const w of model.namedWeights) {
      if (Object.hasOwn(out, w.name)) {
        throw new ArgumentError(`save: two weights are named '${w.name}'; give the layers distinct names`);
      }
      Object.defineProperty(out, w.name, { value: w.variable.clone(), enumerable: true });
    }
  } catch (error) {
    for (const t of Object.values(out)) t.dispose();
    throw error;
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
 * Writes `model` to the folder `path` (Node only): model.json and model.safetensors, each
 * replaced atomically; other files in the folder are left alone. The weights are the ones the
 * model holds when `saveModel` is called (during `fit`: one step's), even if training goes on.
 * @example
 * await saveModel(model, './out/mnist');
 */
export async function saveModel(model: Model, path: string, options: SaveModelOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new ArgumentError(`save: expected a folder path, got ${JSON.stringify(path)}`);
  }
  // One synchronous block: architecture, manifest and weights are taken together, before the
  // first await lets a train step run.
  const doc = modelToJson(model);
  const snapshot = snapshotWeights(model);
  let bytes: Uint8Array;
  try {
    bytes = await tensorsToSafetensors(snapshot, { format: MODEL_FORMAT });
  } finally {
    for (const t of Object.values(snapshot)) t.dispose();
  }
  const { sha256Hex, writeModelFolder } = await import('../io/node.js');
  doc.weights = { bytes: bytes.length, sha256: sha256Hex(bytes) };
  const json = new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
  await writeModelFolder(path, { json, weights: bytes }, readModelJsonRecord, {
    fs: options.fs,
    timeoutMs: options.lockTimeoutMs,
  });
}

/**
 * What the folder code needs from a model.json: whether Nabla wrote it and the recorded sha256
 * of its weights. Never throws: a file that does not parse is not Nabla's.
 * @example
 * readModelJsonRecord(bytes); // { ours: true, weightsSha256: '9f86d0…' }
 */
export function readModelJsonRecord(bytes: Uint8Array): { ours: boolean; weightsSha256?: string } {
  let doc: unknown;
  try {
    doc = parseJsonSafe(new TextDecoder().decode(bytes));
  } catch {
    return { ours: false };
  }
  if (!isRecord(doc) || doc.format !== MODEL_FORMAT) return { ours: false };
  const weights = doc.weights;
  const sha = isRecord(weights) ? weights.sha256 : undefined;
  return typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha)
    ? { ours: true, weightsSha256: sha }
    : { ours: true };
}

/**
 * Loads a model saved by `model.save(path)` (Node only): architecture, weights and, when one
 * was saved, the training config (the model comes back compiled, with a fresh optimizer).
 * The weights are the ones model.json was saved with (checked by sha256), even while another
 * process saves to the same folder. Missing files are `IOError`s, bad ones `FormatError`s.
 * @example
 * const m = await loadModel('./out/mnist');
 * m.predict(x);
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  const { readModelFolder } = await import('../io/node.js');
  const { dir, json, weights } = await readModelFolder(path, readModelJsonRecord, { fs: options.fs });
  return modelFromFiles(json, weights, dir);
}

function fail(file: string, problem: string): never {
  throw new FormatError(file, problem);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A model from the bytes of model.json and model.safetensors (`where` names them in errors).
 * Everything is checked before any weight is allocated: the document's schema, unique layer
 * and weight names, declared shapes against limits, and the manifest against the safetensors
 * header (the same tensors, no more, no fewer, with the same shapes and dtypes).
 * @example
 * const m = modelFromFiles(jsonBytes, weightBytes, 'upload');
 */
export function modelFromFiles(jsonBytes: Uint8Array, weightBytes: Uint8Array, where = '<buffer>'): Model {
  const jsonName = `${where}/${JSON_FILE}`;
  const weightsName = `${where}/${WEIGHTS_FILE}`;
  const doc = readModelJson(jsonBytes, jsonName);
  if (doc.weights !== undefined && doc.weights.bytes !== weightBytes.length) {
    fail(weightsName, `has ${weightBytes.length} bytes, model.json records ${doc.weights.bytes}`);
  }
  checkArchitecture(doc.modelConfig, doc.weightsManifest, jsonName);
  const header = readSafetensorsHeader(weightBytes, weightsName);
  checkManifestAgainstHeader(doc.weightsManifest, header.entries, weightsName);
  let layer: Layer;
  try {
    layer = buildChecked(doc.weightsManifest, jsonName, () =>
      layerFromConfig({ className: doc.modelConfig.className, config: doc.modelConfig.config }),
    );
  } catch (error) {
    if (error instanceof FormatError) throw error;
    fail(jsonName, `invalid modelConfig: ${message(error)}`);
  }
  if (!('compile' in layer) || !('fit' in layer)) {
    layer.dispose();
    fail(jsonName, `modelConfig.className '${doc.modelConfig.className}' is not a model`);
  }
  const model = layer as Model;
  try {
    checkBuiltWeights(model, doc.weightsManifest, jsonName);
    setWeights(model, weightBytes, weightsName);
    if (doc.trainingConfig !== null) compileFrom(model, doc.trainingConfig, jsonName);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

const TOP_KEYS = new Set([
  'format',
  'formatVersion',
  'modelConfig',
  'trainingConfig',
  'weightsManifest',
  'weights',
]);

/** Parses and checks model.json's schema; every problem is a FormatError naming the file. */
function readModelJson(bytes: Uint8Array, file: string): ModelJson {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(file, 'is not valid UTF-8');
  }
  const doc = parseJsonSafe(text, file);
  if (!isRecord(doc)) fail(file, 'expected a JSON object');
  if (doc.format !== MODEL_FORMAT)
    fail(file, `expected format '${MODEL_FORMAT}', got ${JSON.stringify(doc.format)}`);
  if (doc.formatVersion !== MODEL_FORMAT_VERSION) {
    fail(
      file,
      `unsupported formatVersion ${JSON.stringify(doc.formatVersion)} (this version reads ${MODEL_FORMAT_VERSION})`,
    );
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key)) fail(file, `unexpected key '${key}' (expected ${[...TOP_KEYS].join(', ')})`);
  }
  const spec = doc.modelConfig;
  if (!isRecord(spec) || typeof spec.className !== 'string' || !isRecord(spec.config)) {
    fail(file, 'expected modelConfig to be { className, config }');
  }
  if (doc.trainingConfig !== null && !isRecord(doc.trainingConfig)) {
    fail(file, `expected trainingConfig to be an object or null, got ${JSON.stringify(doc.trainingConfig)}`);
  }
  let weights: ModelJson['weights'];
  if (doc.weights !== undefined) {
    const w = doc.weights;
    if (
      !isRecord(w) ||
      !Number.isSafeInteger(w.bytes) ||
      typeof w.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(w.sha256)
    ) {
      fail(file, 'expected weights to be { bytes: an integer, sha256: 64 hex digits }');
    }
    weights = { bytes: w.bytes as number, sha256: w.sha256 };
  }
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    modelConfig: { className: spec.className, config: spec.config },
    trainingConfig: doc.trainingConfig as Record<string, unknown> | null,
    weightsManifest: readManifest(file, doc.weightsManifest),
    ...(weights === undefined ? {} : { weights }),
  };
}

/** A declared shape: at most MAX_RANK safe non-negative integers with a bounded product. */
function checkShape(file: string, where: string, shape: unknown, allowNull: boolean): number[] {
  if (!Array.isArray(shape) || shape.length > MAX_RANK) {
    fail(file, `${where} must be an array of at most ${MAX_RANK} dimensions, got ${JSON.stringify(shape)}`);
  }
  let elements = 1;
  for (const d of shape) {
    if (d === null && allowNull) continue;
    if (!Number.isSafeInteger(d) || d < 0 || d > MAX_DECLARED_ELEMENTS) {
      fail(
        file,
        `${where} must hold integers in [0, ${MAX_DECLARED_ELEMENTS}]${allowNull ? ' or null' : ''}, got ${JSON.stringify(shape)}`,
      );
    }
    elements *= d as number;
  }
  if (elements > MAX_DECLARED_ELEMENTS) {
    fail(
      file,
      `${where} ${JSON.stringify(shape)} has ${elements} elements, more than the limit of ${MAX_DECLARED_ELEMENTS}`,
    );
  }
  return shape as number[];
}

function readManifest(file: string, value: unknown): WeightSpec[] {
  if (!Array.isArray(value)) fail(file, 'expected weightsManifest to be an array');
  const seen = new Set<string>();
  return value.map((w, i) => {
    if (!isRecord(w) || typeof w.name !== 'string' || w.name.length === 0 || typeof w.dtype !== 'string') {
      fail(file, `weightsManifest[${i}] must be { name, shape, dtype }`);
    }
    if (seen.has(w.name)) fail(file, `weightsManifest lists weight '${w.name}' twice`);
    seen.add(w.name);
    if (!isDType(w.dtype)) {
      fail(file, `weightsManifest[${i}] ('${w.name}') has unknown dtype ${JSON.stringify(w.dtype)}`);
    }
    const shape = checkShape(file, `weightsManifest[${i}].shape ('${w.name}')`, w.shape, false);
    return { name: w.name, shape: [...shape], dtype: w.dtype };
  });
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, k) => d === b[k]);

/** The weights file holds exactly the manifest's tensors, with its shapes and dtypes. */
function checkManifestAgainstHeader(
  manifest: readonly WeightSpec[],
  entries: readonly SafetensorsHeaderEntry[],
  file: string,
): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const spec of manifest) {
    const entry = byName.get(spec.name);
    if (entry === undefined)
      fail(file, `lacks tensor '${spec.name}' that model.json's weightsManifest lists`);
    if (!sameShape(entry.shape, spec.shape)) {
      fail(
        file,
        `tensor '${spec.name}' has shape [${entry.shape.join(',')}], model.json declares [${spec.shape.join(',')}]`,
      );
    }
    if (fromSafetensorsDType(entry.dtype) !== spec.dtype) {
      fail(file, `tensor '${spec.name}' has dtype ${entry.dtype}, model.json declares ${spec.dtype}`);
    }
  }
  const listed = new Set(manifest.map((w) => w.name));
  for (const entry of entries) {
    if (!listed.has(entry.name)) {
      fail(file, `holds tensor '${entry.name}' that model.json's weightsManifest does not list`);
    }
  }
}

/**
 * The architecture before it is built: numbers finite, shapes within limits, layer names
 * unique (weights are keyed by them, so two layers of one name would share weights), and every
 * manifest weight belonging to a declared layer.
 */
function checkArchitecture(
  spec: ModelJson['modelConfig'],
  manifest: readonly WeightSpec[],
  file: string,
): void {
  const names = new Map<string, string>();
  const classes = new Set(registeredLayers());
  const checkClass = (className: unknown, where: string) => {
    if (typeof className !== 'string' || classes.has(className)) return;
    const guess = closestName(className, classes);
    fail(
      file,
      `${where}: unknown layer class '${className}'${guess ? `; did you mean '${guess}'?` : ''} (known: ${[...classes].join(', ')})`,
    );
  };
  checkClass(spec.className, 'modelConfig.className');
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'number' && !Number.isFinite(value)) fail(file, `${where} must be a finite number`);
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) visit(v, `${where}[${i}]`);
      return;
    }
    if (!isRecord(value)) return;
    for (const [key, v] of Object.entries(value)) {
      const at = `${where}.${key}`;
      if (SHAPE_KEYS.has(key) && v !== null) {
        const nested = Array.isArray(v) && v.length > 0 && v.every(Array.isArray);
        if (nested) {
          for (const [i, s] of (v as unknown[]).entries()) checkShape(file, `${at}[${i}]`, s, true);
        } else {
          checkShape(file, at, v, true);
        }
      }
      if (key === 'layers' && Array.isArray(v)) {
        v.forEach((layer, i) => {
          if (isRecord(layer)) checkClass(layer.className, `${at}[${i}].className`);
          const config = isRecord(layer) && isRecord(layer.config) ? layer.config : undefined;
          const name = config?.name ?? (isRecord(layer) ? layer.name : undefined);
          if (typeof name !== 'string') return;
          const other = names.get(name);
          if (other !== undefined) {
            fail(
              file,
              `two layers are named '${name}' (${other} and ${at}[${i}]); their weights would be the same, give them distinct names`,
            );
          }
          names.set(name, `${at}[${i}]`);
        });
      }
      visit(v, at);
    }
  };
  visit(spec.config, 'modelConfig.config');
  for (const w of manifest) {
    const slash = w.name.lastIndexOf('/');
    const owner = slash > 0 ? w.name.slice(0, slash) : '';
    const known = [...names.keys()].some((n) => w.name.startsWith(`${n}/`));
    if (!known) {
      fail(
        file,
        `weightsManifest lists '${w.name}', but modelConfig declares no layer '${owner}' (layers: ${[...names.keys()].join(', ')})`,
      );
    }
  }
}

/**
 * Runs `build` with every weight checked against the manifest before it is allocated, so an
 * architecture that disagrees with its manifest (a 2 KB model.json declaring `inputShape: [1e7]`
 * in front of a dense layer) fails before its 1e7-row kernel exists. Every layer makes its
 * weights through `Layer.addWeight`, which shows each to the guard (`withWeightGuard`) before
 * allocating it. Weights made before a failure are freed.
 */
function buildChecked<T>(manifest: readonly WeightSpec[], file: string, build: () => T): T {
  const specs = new Map(manifest.map((w) => [w.name, w]));
  const made = new Set<string>();
  const allocated: Tensor[] = [];
  const guard: WeightGuard = {
    before({ name, shape, dtype }) {
      const spec = specs.get(name);
      if (spec === undefined) {
        fail(
          file,
          `the architecture makes weight '${name}' of shape [${shape.join(',')}], which weightsManifest does not list`,
        );
      }
      if (made.has(name))
        fail(file, `the architecture makes weight '${name}' twice; layer names must be unique`);
      if (!sameShape(shape, spec.shape)) {
        fail(
          file,
          `the architecture makes weight '${name}' of shape [${shape.join(',')}], weightsManifest declares [${spec.shape.join(',')}]`,
        );
      }
      if (dtype !== spec.dtype) {
        fail(
          file,
          `the architecture makes weight '${name}' of dtype ${dtype}, weightsManifest declares ${spec.dtype}`,
        );
      }
      made.add(name);
    },
    after(weight) {
      allocated.push(weight);
    },
  };
  try {
    return withWeightGuard(guard, build);
  } catch (error) {
    // The half-built layers are unreachable once build throws: free what they allocated.
    for (const t of allocated) t.dispose();
    throw error;
  }
}

/** The built model's weights are exactly the manifest's, with its shapes and dtypes. */
function checkBuiltWeights(model: Model, manifest: readonly WeightSpec[], file: string): void {
  const bySpec = new Map(manifest.map((w) => [w.name, w]));
  const seen = new Set<string>();
  for (const w of model.namedWeights) {
    if (seen.has(w.name))
      fail(file, `the model has two weights named '${w.name}'; layer names must be unique`);
    seen.add(w.name);
    const spec = bySpec.get(w.name);
    if (spec === undefined) fail(file, `weightsManifest lacks weight '${w.name}' of the model`);
    if (!sameShape(w.variable.shape, spec.shape)) {
      fail(
        file,
        `weight '${w.name}' of the architecture has shape [${w.variable.shape.join(',')}], weightsManifest declares [${spec.shape.join(',')}]`,
      );
    }
    if (w.variable.dtype !== spec.dtype) {
      fail(
        file,
        `weight '${w.name}' of the architecture has dtype ${w.variable.dtype}, weightsManifest declares ${spec.dtype}`,
      );
    }
  }
  for (const spec of manifest) {
    if (!seen.has(spec.name))
      fail(file, `weightsManifest lists '${spec.name}', which the model does not have`);
  }
}

function setWeights(model: Model, bytes: Uint8Array, file: string): void {
  const { tensors } = safetensorsToTensors(bytes, file);
  try {
    for (const w of model.namedWeights) w.variable.assign(tensors[w.name]!);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** Normalised names: 'sparse_categorical_crossentropy' and 'sparseCategoricalCrossentropy' meet. */
const key = (name: string) => name.replace(/[_\-\s]/g, '').toLowerCase();

type Factory<T> = (config: Record<string, unknown>) => T;

const LOSSES = new Map<string, Factory<Loss>>([
  ['binarycrossentropy', binaryCrossentropy],
  ['categoricalcrossentropy', categoricalCrossentropy],
  ['sparsecategoricalcrossentropy', sparseCategoricalCrossentropy],
  ['meansquarederror', () => meanSquaredError()],
  ['mse', () => meanSquaredError()],
  ['meanabsoluteerror', () => meanAbsoluteError()],
  ['mae', () => meanAbsoluteError()],
  ['huber', huber],
  ['huberloss', huber],
  ['hinge', () => hinge()],
  ['kld', () => kld()],
  ['kldivergence', () => kld()],
  ['kullbackleiblerdivergence', () => kld()],
]);

const OPTIMIZERS = new Map<string, Factory<Optimizer>>([
  ['sgd', sgd],
  ['adam', adam],
  ['adamw', adamw],
  ['rmsprop', rmsprop],
  ['adagrad', adagrad],
]);

function lossFrom(file: string, spec: unknown): Loss | string {
  if (typeof spec === 'string') return spec;
  if (!isRecord(spec) || typeof spec.name !== 'string')
    return fail(file, 'trainingConfig.loss must be a name or { name, config }');
  const config = isRecord(spec.config) ? spec.config : {};
  if (Object.keys(config).length === 0) return spec.name;
  try {
    return lookupName(LOSSES, key(spec.name), 'trainingConfig', 'loss')(config);
  } catch (error) {
    return fail(file, `invalid trainingConfig.loss '${spec.name}': ${message(error)}`);
  }
}

function optimizerFrom(file: string, spec: unknown): Optimizer | string {
  if (typeof spec === 'string') return spec;
  if (!isRecord(spec) || typeof spec.name !== 'string')
    return fail(file, 'trainingConfig.optimizer must be { name, config }');
  const { name: _name, ...config } = isRecord(spec.config) ? spec.config : {};
  const lr = config.learningRate;
  if (lr !== undefined && typeof lr !== 'number') return spec.name;
  try {
    return lookupName(OPTIMIZERS, key(spec.name), 'trainingConfig', 'optimizer')(config);
  } catch (error) {
    return fail(file, `invalid trainingConfig.optimizer '${spec.name}': ${message(error)}`);
  }
}

function compileFrom(model: Model, training: Record<string, unknown>, file: string): void {
  try {
    const loss = Array.isArray(training.loss)
      ? training.loss.map((l) => lossFrom(file, l))
      : lossFrom(file, training.loss);
    const metrics = Array.isArray(training.metrics)
      ? training.metrics.filter((m): m is string => typeof m === 'string')
      : [];
    model.compile({ optimizer: optimizerFrom(file, training.optimizer), loss, metrics });
  } catch (error) {
    if (error instanceof FormatError) throw error;
    fail(file, `invalid trainingConfig: ${message(error)}`);
  }
}

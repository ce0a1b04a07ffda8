// Saving and loading models: model.json (format, architecture, training config, a manifest of
// the weights, the optimizer's state and the sha256 of the weights) and model.safetensors (the
// weights keyed `layer/weight`, and the optimizer's slots keyed `optimizer/layer/weight/slot`),
// handed to an IOHandler chosen by the target's scheme (io/router.ts): a folder in Node,
// IndexedDB, a download, File/Blob objects, http(s). A save snapshots every weight and slot in
// one synchronous block, so a save during `fit` holds one step's state. A load checks the whole
// model.json against the safetensors header before it builds (allocates) anything, then sets
// the weights bit for bit, compiles again when a training config was saved and restores the
// optimizer's step count and slots, so training resumes. Bad files raise FormatError naming them.
// A TensorFlow.js Layers model.json (and its shards) loads through the same calls (io/tfjs.ts).

import { ArgumentError, isDType, type Tensor } from '@nabla/core';
import { checkArgCount, closestName, describeValue, lookupName } from '@nabla/core/internal';
import '../io/browser.js';
import { FormatError } from '../io/errors.js';
import '../io/http.js';
import '../io/indexeddb.js';
import { parseJsonSafe } from '../io/json.js';
import {
  getLoadHandler,
  getSaveHandler,
  IO_OPTION_KEYS,
  type IOHandler,
  type IOOptions,
  type ModelArtifacts,
  type SaveResult,
} from '../io/router.js';
import { readSafetensorsHeader, type SafetensorsHeaderEntry } from '../io/safetensors.js';
import {
  fromSafetensorsDType,
  safetensorsToTensors,
  tensorsToSafetensors,
} from '../io/safetensors-tensors.js';
import { sha256HexAsync } from '../io/sha256.js';
import { modelFromTfjsJson, tfjsModelJson } from '../io/tfjs.js';
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
import { adagrad, adam, adamw, BaseOptimizer, rmsprop, sgd } from '../optimizers/index.js';
import type { Loss, Optimizer } from '../types.js';
import { isRecord } from './config.js';
import { type Layer, type WeightGuard, withWeightGuard } from './layer.js';
import type { Model } from './model.js';
import { checkOptions } from './options.js';
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

/** The optimizer's state in model.json; its slots are in the weights file. */
export interface OptimizerStateJson {
  /** Steps taken (Adam's bias correction and learning-rate schedules read it). */
  iterations: number;
  /** Per model weight that has slots: their names; tensor `optimizer/<weight>/<slot>` holds each. */
  slots: { weight: string; names: string[] }[];
}

/** The model.json document. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  modelConfig: { className: string; config: Record<string, unknown> };
  trainingConfig: Record<string, unknown> | null;
  weightsManifest: WeightSpec[];
  /** The optimizer's step count and slots (absent when not compiled with a built-in optimizer). */
  optimizerState?: OptimizerStateJson;
  /** Size and sha256 of model.safetensors (absent in files of older versions). */
  weights?: { bytes: number; sha256: string };
}

/** Options of {@link saveModel}: those of the handlers (a folder's `fs` and `lockTimeoutMs`, ...). */
export type SaveModelOptions = IOOptions;

/** Options of {@link loadModel}: those of the handlers (http's `weightUrl`, `fetch`, ...). */
export type LoadModelOptions = IOOptions;

/** Where a model's optimizer slot is kept in the weights file. */
const slotKey = (weight: string, slot: string) => `optimizer/${weight}/${slot}`;

/**
 * model.json's document with clones (sharing storage) of every weight and optimizer slot by
 * name, all taken in one synchronous block: tensors are immutable, so they stay put.
 */
function snapshotModel(model: Model): { doc: ModelJson; tensors: Record<string, Tensor> } {
  const doc = modelToJson(model);
  const out: Record<string, Tensor> = Object.create(null);
  const put = (name: string, t: Tensor) => {
    if (Object.hasOwn(out, name)) {
      throw new ArgumentError(`save: two weights are named '${name}'; give the layers distinct names`);
    }
    Object.defineProperty(out, name, { value: t.clone(), enumerable: true });
  };
  try {
    for (const w of model.namedWeights) put(w.name, w.variable);
    const optimizer = model.isCompiled ? model.optimizer : undefined;
    if (optimizer instanceof BaseOptimizer) {
      const state = optimizer.getState();
      const byVariable = new Map(state.slots.map((s) => [s.variable, s.values]));
      const slots: OptimizerStateJson['slots'] = [];
      for (const w of model.namedWeights) {
        const values = byVariable.get(w.variable);
        if (values === undefined) continue;
        const names = Object.keys(values);
        for (const n of names) put(slotKey(w.name, n), values[n]!);
        slots.push({ weight: w.name, names });
      }
      doc.optimizerState = { iterations: state.iterations, slots };
    }
  } catch (error) {
    for (const t of Object.values(out)) t.dispose();
    throw error;
  }
  return { doc, tensors: out };
}

/**
 * The model.json document of a model (without the optimizer's state and the weights' hash,
 * which a save adds).
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
 * The artifacts of a save (model.json's document and the safetensors bytes), taken from the
 * model in one synchronous block when this is called.
 * @example
 * const { modelJson, weights } = await modelToArtifacts(model);
 */
export async function modelToArtifacts(model: Model): Promise<ModelArtifacts & { modelJson: ModelJson }> {
  const { doc, tensors } = snapshotModel(model);
  let bytes: Uint8Array;
  try {
    bytes = await tensorsToSafetensors(tensors, { format: MODEL_FORMAT });
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  doc.weights = { bytes: bytes.length, sha256: await sha256HexAsync(bytes) };
  return { modelJson: doc, weights: bytes };
}

function checkHandler(op: string, handler: unknown, method: 'save' | 'load'): IOHandler {
  if (
    typeof handler !== 'object' ||
    handler === null ||
    typeof (handler as IOHandler)[method] !== 'function'
  ) {
    throw new ArgumentError(
      `${op}: expected a path, a URL such as 'indexeddb://name' or an IOHandler with ${method}(), got ${describeValue(handler)}`,
    );
  }
  return handler as IOHandler;
}

/**
 * Saves `model` to `target`: a folder path (Node), `file://`, `indexeddb://name`,
 * `downloads://name`, an `http(s)://` URL (POST) or an IOHandler. Architecture, training
 * config, weights and optimizer state are the ones the model holds when `saveModel` is called
 * (during `fit`: one step's), even if training goes on.
 * @example
 * await saveModel(model, './out/mnist');
 * await saveModel(model, 'indexeddb://mnist');
 */
export async function saveModel(
  model: Model,
  target: string | IOHandler,
  options: SaveModelOptions = {},
): Promise<SaveResult> {
  const o = checkOptions('save', options, IO_OPTION_KEYS) as IOOptions;
  const handler =
    typeof target === 'string' ? getSaveHandler(target, o) : checkHandler('save', target, 'save');
  const artifacts = await modelToArtifacts(model);
  return handler.save!(artifacts);
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
 * Loads a model saved by `model.save(target)` from a folder path (Node), `file://`,
 * `indexeddb://name`, an `http(s)://` URL of model.json (weights beside it, or at
 * `options.weightUrl` / under `options.weightPathPrefix`) or an IOHandler such as
 * `browserFiles([jsonFile, weightsFile])`: architecture, weights and, when they were saved, the
 * training config and the optimizer's state (the model comes back compiled, ready to resume).
 * Missing files are `IOError`s, bad ones `FormatError`s naming the file.
 * @example
 * const m = await loadModel('./out/mnist');
 * const n = await loadModel('https://example.com/mnist/model.json', { requestInit: { credentials: 'include' } });
 */
export async function loadModel(source: string | IOHandler, options: LoadModelOptions = {}): Promise<Model> {
  checkArgCount('loadModel', arguments.length, 2, "loadModel('./my-model', options)");
  const o = checkOptions('loadModel', options, IO_OPTION_KEYS) as IOOptions;
  const handler =
    typeof source === 'string' ? getLoadHandler(source, o) : checkHandler('loadModel', source, 'load');
  const artifacts = await handler.load!();
  return modelFromArtifacts(artifacts);
}

function fail(file: string, problem: string): never {
  throw new FormatError(file, problem);
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A model from loaded artifacts: model.json's document (or bytes) and the safetensors bytes,
 * checked against the sha256 model.json records, then as {@link modelFromFiles} does.
 * @example
 * const m = await modelFromArtifacts({ modelJson: doc, weights: bytes });
 */
export async function modelFromArtifacts(artifacts: ModelArtifacts): Promise<Model> {
  if (typeof artifacts !== 'object' || artifacts === null || !(artifacts.weights instanceof Uint8Array)) {
    throw new ArgumentError(
      `loadModel: expected the handler to give { modelJson, weights: Uint8Array }, got ${describeValue(artifacts)}`,
    );
  }
  const jsonName = artifacts.jsonName ?? `<source>/${JSON_FILE}`;
  const weightsName = artifacts.weightsName ?? `<source>/${WEIGHTS_FILE}`;
  // A TensorFlow.js model.json: its handler gave the joined weight shards as `weights`.
  const tfjs = tfjsModelJson(artifacts.modelJson);
  if (tfjs !== undefined) return modelFromTfjsJson(tfjs, artifacts.weights, { jsonName, weightsName });
  const doc =
    artifacts.modelJson instanceof Uint8Array
      ? readModelJson(artifacts.modelJson, jsonName)
      : checkModelJson(artifacts.modelJson, jsonName);
  const weights = artifacts.weights;
  if (doc.weights !== undefined && doc.weights.bytes === weights.length) {
    const sha = await sha256HexAsync(weights);
    if (sha !== doc.weights.sha256) {
      fail(
        weightsName,
        `its sha256 ${sha} does not match the ${doc.weights.sha256} that model.json records (the files are not one save)`,
      );
    }
  }
  return buildModel(doc, weights, jsonName, weightsName);
}

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
  return buildModel(readModelJson(jsonBytes, jsonName), weightBytes, jsonName, weightsName);
}

function buildModel(doc: ModelJson, weightBytes: Uint8Array, jsonName: string, weightsName: string): Model {
  if (doc.weights !== undefined && doc.weights.bytes !== weightBytes.length) {
    fail(weightsName, `has ${weightBytes.length} bytes, model.json records ${doc.weights.bytes}`);
  }
  checkArchitecture(doc.modelConfig, doc.weightsManifest, jsonName);
  const slotSpecs = optimizerSpecs(doc, jsonName);
  const header = readSafetensorsHeader(weightBytes, weightsName);
  checkManifestAgainstHeader([...doc.weightsManifest, ...slotSpecs], header.entries, weightsName);
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
    const { tensors } = safetensorsToTensors(weightBytes, weightsName);
    try {
      for (const w of model.namedWeights) w.variable.assign(tensors[w.name]!);
      if (doc.trainingConfig !== null) compileFrom(model, doc.trainingConfig, jsonName);
      if (doc.optimizerState !== undefined) restoreOptimizer(model, doc.optimizerState, tensors, jsonName);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** The slot tensors model.json's optimizerState declares, each of its weight's shape and dtype. */
function optimizerSpecs(doc: ModelJson, file: string): WeightSpec[] {
  const state = doc.optimizerState;
  if (state === undefined) return [];
  if (doc.trainingConfig === null) fail(file, 'has an optimizerState but no trainingConfig');
  const byName = new Map(doc.weightsManifest.map((w) => [w.name, w]));
  const out: WeightSpec[] = [];
  for (const { weight, names } of state.slots) {
    const spec = byName.get(weight);
    if (spec === undefined)
      fail(file, `optimizerState lists slots of '${weight}', which weightsManifest does not list`);
    for (const n of names) out.push({ name: slotKey(weight, n), shape: spec.shape, dtype: spec.dtype });
  }
  return out;
}

/** Gives the compiled optimizer its saved step count and slots (all or nothing). */
function restoreOptimizer(
  model: Model,
  state: OptimizerStateJson,
  tensors: Record<string, Tensor>,
  file: string,
): void {
  const optimizer = model.optimizer;
  if (!(optimizer instanceof BaseOptimizer)) return;
  const variables = new Map(model.namedWeights.map((w) => [w.name, w.variable]));
  try {
    optimizer.setState({
      iterations: state.iterations,
      slots: state.slots.map(({ weight, names }) => {
        const values: Record<string, Tensor> = Object.create(null);
        for (const n of names) values[n] = tensors[slotKey(weight, n)]!;
        return { variable: variables.get(weight)!, values };
      }),
    });
  } catch (error) {
    fail(file, `optimizerState does not fit the optimizer '${optimizer.name}': ${message(error)}`);
  }
}

const TOP_KEYS = new Set([
  'format',
  'formatVersion',
  'modelConfig',
  'trainingConfig',
  'weightsManifest',
  'optimizerState',
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
  return checkModelJson(parseJsonSafe(text, file), file);
}

/** Checks a parsed model.json (or a document a handler kept, as IndexedDB does). */
function checkModelJson(doc: unknown, file: string): ModelJson {
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
  const optimizerState =
    doc.optimizerState === undefined ? undefined : readOptimizerState(file, doc.optimizerState);
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    modelConfig: { className: spec.className, config: spec.config },
    trainingConfig: doc.trainingConfig as Record<string, unknown> | null,
    weightsManifest: readManifest(file, doc.weightsManifest),
    ...(optimizerState === undefined ? {} : { optimizerState }),
    ...(weights === undefined ? {} : { weights }),
  };
}

const SLOT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function readOptimizerState(file: string, value: unknown): OptimizerStateJson {
  const shape = 'expected optimizerState to be { iterations: an integer >= 0, slots: [{ weight, names }] }';
  if (!isRecord(value) || !Number.isSafeInteger(value.iterations) || (value.iterations as number) < 0)
    fail(file, shape);
  if (!Array.isArray(value.slots)) fail(file, shape);
  const seen = new Set<string>();
  const slots = value.slots.map((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.weight !== 'string' || !Array.isArray(entry.names)) {
      fail(file, `optimizerState.slots[${i}] must be { weight, names }`);
    }
    if (seen.has(entry.weight)) fail(file, `optimizerState lists the slots of '${entry.weight}' twice`);
    seen.add(entry.weight);
    const names = entry.names.map((n: unknown) => {
      if (typeof n !== 'string' || !SLOT_NAME.test(n)) {
        fail(file, `optimizerState.slots[${i}] ('${entry.weight}') has a bad slot name ${JSON.stringify(n)}`);
      }
      return n;
    });
    if (new Set(names).size !== names.length) fail(file, `optimizerState.slots[${i}] lists a slot twice`);
    return { weight: entry.weight, names };
  });
  return { iterations: value.iterations as number, slots };
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
    model.ownCompiledOptimizer();
  } catch (error) {
    if (error instanceof FormatError) throw error;
    fail(file, `invalid trainingConfig: ${message(error)}`);
  }
}

// TensorFlow.js Layers import, the files: a tfjs `model.json` (format 'layers-model': the Keras
// topology and a weights manifest of groups of shard files) and its shards become an nn model.
// Everything is checked before any tensor exists: the topology (every unsupported layer and
// option in one FormatError), the manifest against the shard bytes, and each weight's shape
// against the layer that needs it. Weights are decoded from float32, int32 or the converter's
// uint8/uint16/float16 quantization (value = q·scale + min) into float32.

import { ArgumentError, type Tensor, tensor } from '@nabla/core';
import { checkArgCount, describeValue, halfValue } from '@nabla/core/internal';
import { isRecord } from '../engine/config.js';
import { withWeightGuard } from '../engine/layer.js';
import type { Model } from '../engine/model.js';
import { checkOptions } from '../engine/options.js';
import { layerFromConfig } from '../engine/registry.js';
import { FormatError } from './errors.js';
import { parseJsonSafe } from './json.js';
import { translateTfjsTopology } from './tfjs-topology.js';

export { tfjsLayerClasses } from './tfjs-layers.js';

/** One weight of a tfjs weights manifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** Converter quantization: stored as `dtype` (uint8, uint16, float16); value = q·scale + min. */
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
  /** 'optimizer' for optimizer state tfjs saved with the model (skipped). */
  group?: string;
}

/** A group of a tfjs weights manifest: shard files (relative to model.json) and their weights. */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

/**
 * A tfjs model in memory, as tfjs's own IO handlers give it (`tf.io.browserFiles(...).load()`,
 * a `withSaveHandler` save): the topology, the weight specs and the weights' bytes.
 */
export interface TfjsArtifacts {
  modelTopology: unknown;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer | ArrayBuffer[] | Uint8Array;
  format?: string;
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/** A tfjs weight located in the joined weight bytes. */
interface Located {
  spec: TfjsWeightSpec;
  offset: number;
  bytes: number;
}

/**
 * Whether a parsed model.json is TensorFlow.js's (a Layers model, or a graph model, which the
 * import then refuses by name) rather than Nabla's.
 * @example
 * isTfjsModelJson({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }); // true
 */
export function isTfjsModelJson(doc: unknown): doc is Record<string, unknown> {
  if (!isRecord(doc)) return false;
  if (doc.format === 'layers-model' || doc.format === 'graph-model') return true;
  return doc.format === undefined && 'modelTopology' in doc && 'weightsManifest' in doc;
}

/**
 * The parsed document when model.json's bytes (or a kept document) are TensorFlow.js's, else
 * undefined; bytes that are not JSON are left to the caller's own checks.
 * @example
 * const doc = tfjsModelJson(bytes); if (doc) weights = await readTfjsShards(doc, 'm/model.json', read);
 */
export function tfjsModelJson(modelJson: unknown): Record<string, unknown> | undefined {
  let doc = modelJson;
  if (modelJson instanceof Uint8Array) {
    try {
      doc = parseJsonSafe(new TextDecoder().decode(modelJson));
    } catch {
      return undefined;
    }
  }
  return isTfjsModelJson(doc) ? doc : undefined;
}

function fail(file: string, problem: string): never {
  throw new FormatError(file, problem);
}

/** The groups of a tfjs weightsManifest, their form checked. */
function readGroups(doc: Record<string, unknown>, file: string): TfjsWeightGroup[] {
  if (doc.format === 'graph-model') fail(file, GRAPH_MODEL);
  const groups = doc.weightsManifest;
  if (!Array.isArray(groups)) fail(file, 'expected weightsManifest to be a list of { paths, weights }');
  return groups.map((g, i) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) {
      fail(file, `weightsManifest[${i}] must be { paths, weights }`);
    }
    for (const p of g.paths) {
      // Shards sit beside model.json (or below it): no absolute paths, schemes or '..'.
      if (
        typeof p !== 'string' ||
        p === '' ||
        /^[/\\]|^[A-Za-z][A-Za-z0-9+.-]*:|(^|[/\\])\.\.([/\\]|$)/.test(p)
      ) {
        fail(
          file,
          `weightsManifest[${i}].paths holds ${JSON.stringify(p)}, not a file name beside model.json`,
        );
      }
    }
    return { paths: g.paths as string[], weights: g.weights as TfjsWeightSpec[] };
  });
}

/** The bytes one weight takes in the shards. */
function weightBytes(spec: TfjsWeightSpec): number {
  const stored = spec.quantization?.dtype ?? spec.dtype;
  return spec.shape.reduce((a, b) => a * b, 1) * (BYTES[stored] ?? 0);
}

/** Checks one manifest entry's form, dtype and quantization; returns it typed. */
function checkSpec(value: unknown, where: string, file: string): TfjsWeightSpec {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.dtype !== 'string') {
    fail(file, `${where} must be { name, shape, dtype }`);
  }
  const name = value.name;
  const shape = value.shape;
  if (!Array.isArray(shape) || shape.length > 32 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(file, `weight '${name}': shape ${JSON.stringify(shape)} is not a shape`);
  }
  if (shape.reduce((a: number, b: number) => a * b, 1) > 2 ** 31 - 1) {
    fail(file, `weight '${name}': shape ${JSON.stringify(shape)} has more than 2^31 - 1 elements`);
  }
  if (value.dtype !== 'float32' && value.dtype !== 'int32') {
    fail(file, `weight '${name}': dtype ${JSON.stringify(value.dtype)} is not supported (float32, int32)`);
  }
  const q = value.quantization;
  if (q !== undefined && q !== null) {
    const affine = isRecord(q) && (q.dtype === 'uint8' || q.dtype === 'uint16');
    const ok =
      isRecord(q) &&
      (q.dtype === 'float16' || (affine && Number.isFinite(q.min) && Number.isFinite(q.scale)));
    if (!ok) {
      fail(
        file,
        `weight '${name}': quantization ${JSON.stringify(q)} is not supported (uint8 or uint16 with min and scale, float16)`,
      );
    }
  }
  return {
    name,
    shape: [...(shape as number[])],
    dtype: value.dtype,
    ...(isRecord(q) ? { quantization: q as TfjsWeightSpec['quantization'] } : {}),
    ...(typeof value.group === 'string' ? { group: value.group } : {}),
  };
}

/**
 * Reads the shards a tfjs model.json lists, through `read(path)` (path relative to model.json),
 * and joins them in manifest order, as tfjs does. A shard that cannot be read, or a group whose
 * shards do not hold its weights' bytes, is a FormatError naming the shard and its weights.
 * @example
 * const bytes = await readTfjsShards(doc, 'model/model.json', (p) => readFile(join('model', p)));
 */
export async function readTfjsShards(
  doc: Record<string, unknown>,
  jsonName: string,
  read: (path: string) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const groups = readGroups(doc, jsonName);
  const parts: Uint8Array[] = [];
  for (const [i, group] of groups.entries()) {
    const specs = group.weights.map((w, k) => checkSpec(w, `weightsManifest[${i}].weights[${k}]`, jsonName));
    const names = specs.map((s) => `'${s.name}'`).join(', ');
    let total = 0;
    for (const path of group.paths) {
      let bytes: Uint8Array;
      try {
        bytes = await read(path);
      } catch (error) {
        fail(
          jsonName,
          `weight shard '${path}' (of weights ${names}) could not be read: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      parts.push(bytes);
      total += bytes.length;
    }
    const need = specs.reduce((n, s) => n + weightBytes(s), 0);
    if (total !== need) {
      fail(
        jsonName,
        `weight shards ${group.paths.map((p) => `'${p}'`).join(', ')} hold ${total} bytes, but their weights ${names} take ${need}`,
      );
    }
  }
  return joinBytes(parts);
}

/** Every manifest weight, checked, with its place in the joined bytes (which must fit exactly). */
function locate(
  specs: readonly unknown[],
  data: Uint8Array,
  jsonName: string,
  weightsName: string,
): Located[] {
  const out: Located[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const [i, value] of specs.entries()) {
    const spec = checkSpec(value, `weights[${i}]`, jsonName);
    if (seen.has(spec.name)) fail(jsonName, `the weights manifest lists weight '${spec.name}' twice`);
    seen.add(spec.name);
    const bytes = weightBytes(spec);
    if (offset + bytes > data.length) {
      fail(
        weightsName,
        `weight '${spec.name}' needs bytes ${offset}..${offset + bytes}, but the weight data has only ${data.length} bytes`,
      );
    }
    out.push({ spec, offset, bytes });
    offset += bytes;
  }
  if (offset !== data.length) {
    fail(weightsName, `holds ${data.length} bytes, but the manifest's weights take ${offset}`);
  }
  return out;
}

/** A weight's values as float32, dequantized. */
function decode(data: Uint8Array, w: Located): Float32Array {
  const view = new DataView(data.buffer, data.byteOffset + w.offset, w.bytes);
  const q = w.spec.quantization;
  const stored = q?.dtype ?? w.spec.dtype;
  const size = w.bytes / BYTES[stored]!;
  const out = new Float32Array(size);
  const scale = q?.scale ?? 1;
  const min = q?.min ?? 0;
  for (let i = 0; i < size; i++) {
    switch (stored) {
      case 'float32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'int32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'uint8':
        out[i] = view.getUint8(i) * scale + min;
        break;
      case 'uint16':
        out[i] = view.getUint16(i * 2, true) * scale + min;
        break;
      default:
        out[i] = halfValue(view.getUint16(i * 2, true));
    }
  }
  // An int32 weight dequantized from integers keeps integer values, as tfjs rounds them.
  if (q !== undefined && w.spec.dtype === 'int32')
    for (let i = 0; i < size; i++) out[i] = Math.round(out[i]!);
  return out;
}

/**
 * The manifest entry of a layer's Keras weight: `layer/weight` as tfjs-layers names it, or
 * one under the layer's scope ending in `/weight` as Keras's converter names it
 * (`lstm/lstm_cell/kernel`).
 */
function findWeight(byName: Map<string, Located>, layer: string, weight: string): Located[] {
  const exact = byName.get(`${layer}/${weight}`);
  if (exact !== undefined) return [exact];
  return [...byName.values()].filter(
    (w) => w.spec.name.startsWith(`${layer}/`) && w.spec.name.endsWith(`/${weight}`),
  );
}

const GRAPH_MODEL =
  "is a TensorFlow.js graph model (format 'graph-model'); only Layers models ('layers-model') import";

function checkNames(op: string, names: unknown): TfjsSourceNames {
  const o = checkOptions(op, names, ['jsonName', 'weightsName']) as TfjsSourceNames;
  for (const key of ['jsonName', 'weightsName'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      throw new ArgumentError(`${op}: expected ${key} to be a string, got ${describeValue(o[key])}`);
    }
  }
  return o;
}

/** Names for error messages. */
export interface TfjsSourceNames {
  /** How errors name model.json (default `<buffer>/model.json`). */
  jsonName?: string;
  /** How errors name the weight data (default `<buffer>/weights`). */
  weightsName?: string;
}

/**
 * An nn model from a tfjs model.json document and the joined bytes of its shards.
 * @example
 * const doc = JSON.parse(text); const m = modelFromTfjsJson(doc, await readTfjsShards(doc, 'model.json', read));
 */
export function modelFromTfjsJson(
  doc: Record<string, unknown>,
  weightData: Uint8Array,
  names: TfjsSourceNames = {},
): Model {
  checkArgCount('modelFromTfjsJson', arguments.length, 3, 'modelFromTfjsJson(doc, weightData, names)');
  const jsonName = checkNames('modelFromTfjsJson', names).jsonName ?? '<buffer>/model.json';
  if (!isRecord(doc))
    throw new ArgumentError(`modelFromTfjsJson: expected a parsed model.json, got ${describeValue(doc)}`);
  if (!(weightData instanceof Uint8Array)) {
    throw new ArgumentError(
      `modelFromTfjsJson: expected weightData to be a Uint8Array, got ${describeValue(weightData)}`,
    );
  }
  const groups = readGroups(doc, jsonName);
  const specs = groups.flatMap((g) => g.weights as unknown[]);
  return build(doc.modelTopology, specs, weightData, jsonName, names.weightsName ?? `<buffer>/weights`);
}

/**
 * An nn model from a tfjs model held in memory, as tfjs's IO handlers give it (for instance
 * `await tf.io.browserFiles([json, ...shards]).load()`).
 * @example
 * let saved; await tfModel.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: {} }; }));
 * const m = fromTfjsArtifacts(saved);
 */
export function fromTfjsArtifacts(artifacts: TfjsArtifacts, names: TfjsSourceNames = {}): Model {
  checkArgCount(
    'fromTfjsArtifacts',
    arguments.length,
    2,
    'fromTfjsArtifacts({ modelTopology, weightSpecs, weightData })',
  );
  if (!isRecord(artifacts) || !Array.isArray(artifacts.weightSpecs)) {
    throw new ArgumentError(
      `fromTfjsArtifacts: expected { modelTopology, weightSpecs, weightData } as tfjs's IO handlers give, got ${describeValue(artifacts)}`,
    );
  }
  const jsonName = checkNames('fromTfjsArtifacts', names).jsonName ?? '<buffer>/model.json';
  if (artifacts.format === 'graph-model') fail(jsonName, GRAPH_MODEL);
  const given = artifacts.weightData;
  const parts = Array.isArray(given) ? given : [given];
  if (!parts.every((p) => p instanceof ArrayBuffer || p instanceof Uint8Array)) {
    throw new ArgumentError(
      `fromTfjsArtifacts: expected weightData to be an ArrayBuffer, a list of them or a Uint8Array, got ${describeValue(given)}`,
    );
  }
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(p)));
  const data = arrays.length === 1 ? arrays[0]! : joinBytes(arrays);
  return build(
    artifacts.modelTopology,
    artifacts.weightSpecs,
    data,
    jsonName,
    names.weightsName ?? '<buffer>/weights',
  );
}

function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, k) => d === b[k]);

function build(
  topology: unknown,
  specs: readonly unknown[],
  data: Uint8Array,
  jsonName: string,
  weightsName: string,
): Model {
  const problems: string[] = [];
  const translation = translateTfjsTopology(topology, problems);
  if (translation === undefined || problems.length > 0) {
    fail(jsonName, `cannot import this TensorFlow.js model into nn: ${problems.join('; ')}`);
  }
  const located = locate(specs, data, jsonName, weightsName);
  const byName = new Map(located.filter((w) => w.spec.group !== 'optimizer').map((w) => [w.spec.name, w]));
  // nn weight name (`layer/weight`) → the manifest entry that fills it.
  const sources = new Map<string, Located>();
  const missing: string[] = [];
  for (const { layer, className, source, weights } of translation.layers) {
    for (const { name, from } of weights) {
      const found = findWeight(byName, source, from);
      if (found.length === 1) sources.set(`${layer}/${name}`, found[0]!);
      else if (found.length === 0) missing.push(`'${source}/${from}' (of layer '${source}', ${className})`);
      else
        missing.push(`'${source}/${from}' is ambiguous (${found.map((w) => `'${w.spec.name}'`).join(', ')})`);
    }
  }
  if (missing.length > 0) fail(jsonName, `the weights manifest lacks weights ${missing.join(', ')}`);
  const used = new Set([...sources.values()].map((w) => w.spec.name));
  const unused = [...byName.keys()].filter((n) => !used.has(n));
  if (unused.length > 0) {
    fail(
      jsonName,
      `the weights manifest lists weights no layer has: ${unused.map((n) => `'${n}'`).join(', ')}`,
    );
  }
  const allocated: Tensor[] = [];
  // A layer called in a graph prefixes errors with its name; the guard's own error is rethrown.
  let refused: FormatError | undefined;
  const refuse = (problem: string): never => {
    refused = new FormatError(jsonName, problem);
    throw refused;
  };
  let model: Model;
  try {
    model = withWeightGuard(
      {
        before({ name, shape }) {
          const source = sources.get(name);
          if (source === undefined) refuse(`nn's layer makes weight '${name}', which the manifest lacks`);
          else if (!sameShape(shape, source.spec.shape)) {
            refuse(
              `weight '${source.spec.name}' has shape [${source.spec.shape.join(',')}], but its layer needs [${shape.join(',')}]`,
            );
          }
        },
        after(weight) {
          allocated.push(weight);
        },
      },
      () => layerFromConfig(translation.spec) as Model,
    );
  } catch (error) {
    for (const t of allocated) t.dispose();
    if (refused !== undefined) throw refused;
    if (error instanceof FormatError) throw error;
    fail(jsonName, `cannot build the model: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    for (const w of model.namedWeights) {
      const source = sources.get(w.name);
      if (source === undefined) fail(jsonName, `nn's model has weight '${w.name}', which the manifest lacks`);
      const value = tensor(decode(data, source), source.spec.shape, 'float32');
      try {
        w.variable.assign(value);
      } finally {
        value.dispose();
      }
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

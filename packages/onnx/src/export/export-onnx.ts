// exportOnnx: an nn model (sequential or functional, nested models included) as ONNX bytes.
// It walks the layer calls in order, converts each with its class's converter (layers.ts,
// sequence.ts), collects every layer it cannot export and reports them all before any weight is
// read, then reads the weights (awaited, so any backend works) and encodes the ModelProto.

import { ArgumentError, UnsupportedError } from '@nabla/core';
import { checkArgCount, closestName, describeValue } from '@nabla/core/internal';
import {
  Functional,
  InputLayer,
  type Layer,
  Model,
  Sequential,
  type SymbolicShape,
  type SymbolicTensor,
} from '@nabla/nn';
import {
  encodeModelProto,
  type ModelProto,
  OnnxDataType,
  type TensorShapeDimension,
  type ValueInfoProto,
} from '../proto.js';
import { type Converter, NotExportable, type Produced } from './convert.js';
import { GraphBuilder, type Value, type ValueType } from './graph.js';
import { FEED_FORWARD } from './layers.js';
import { SEQUENCE } from './sequence.js';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** The ONNX opset of the default domain, 17 (the default) to 21. */
  opset?: number;
  /**
   * The batch axis of inputs and outputs: a name for a dynamic size (default 'batch'), or a
   * fixed size.
   */
  batchDimension?: string | number;
  /** ModelProto.producer_name (default 'nabla'). */
  producerName?: string;
  /** ModelProto.doc_string. */
  docString?: string;
}

/**
 * The opsets exportOnnx writes; the exported models are checked in ONNX Runtime at each.
 * @example
 * ONNX_EXPORT_OPSETS.includes(17); // true
 */
export const ONNX_EXPORT_OPSETS: readonly number[] = [17, 18, 19, 20, 21];

/** The IR version that goes with each opset (ONNX's versioning table). */
const IR_VERSION: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

const CONVERTERS: Readonly<Record<string, Converter>> = { ...FEED_FORWARD, ...SEQUENCE };

/**
 * The nn layer class names exportOnnx converts.
 * @example
 * ONNX_EXPORTABLE_LAYERS.includes('LSTM'); // true
 */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = [
  ...Object.keys(CONVERTERS),
  'Sequential',
  'Functional',
];

interface Checked {
  opset: number;
  batch: string | number;
  producerName: string;
  docString?: string;
}

/** A value as errors show it: numbers and strings as written, anything else described. */
function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return describeValue(value);
}

function checkExportOptions(options: unknown): Checked {
  const where = 'exportOnnx';
  if (options === undefined) return { opset: 17, batch: 'batch', producerName: 'nabla' };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${where}: expected an options object, got ${show(options)}`);
  }
  const o = { ...(options as Record<string, unknown>) };
  const valid = ['opset', 'batchDimension', 'producerName', 'docString'];
  for (const key of Object.keys(o)) {
    if (!valid.includes(key)) {
      const guess = closestName(key, valid);
      throw new ArgumentError(
        `${where}: unknown option '${key}'${guess ? `; did you mean '${guess}'?` : ''} (valid: ${valid.join(', ')})`,
      );
    }
  }
  const opset = o.opset ?? 17;
  if (typeof opset !== 'number' || !ONNX_EXPORT_OPSETS.includes(opset)) {
    throw new ArgumentError(
      `${where}: expected opset to be one of ${ONNX_EXPORT_OPSETS.join(', ')}, got ${show(opset)}`,
    );
  }
  const batch = o.batchDimension ?? 'batch';
  const okBatch =
    (typeof batch === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(batch)) ||
    (typeof batch === 'number' && Number.isSafeInteger(batch) && batch >= 1);
  if (!okBatch) {
    throw new ArgumentError(
      `${where}: expected batchDimension to be a name (letters, digits, _) or a positive integer, got ${show(batch)}`,
    );
  }
  for (const key of ['producerName', 'docString'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      throw new ArgumentError(`${where}: expected ${key} to be a string, got ${show(o[key])}`);
    }
  }
  return {
    opset,
    batch: batch as string | number,
    producerName: (o.producerName as string | undefined) ?? 'nabla',
    docString: o.docString as string | undefined,
  };
}

/** Walks the model's layer calls, converting each; not-exportable layers are collected. */
class Walker {
  readonly g = new GraphBuilder();
  readonly failures: string[] = [];

  model(model: Model, inputs: readonly Value[]): Value[] {
    if (model instanceof Sequential) {
      let x = inputs[0]!;
      for (const layer of model.layers) x = this.layer(layer, [x]);
      return [x];
    }
    if (model instanceof Functional) {
      const values = new Map<number, Value>();
      for (const [i, t] of model.inputs.entries()) values.set(t.id, inputs[i]!);
      for (const node of callOrder(model)) {
        const args = node.inputs.map((t) => values.get(t.id)!);
        values.set(node.id, this.layer(node.layer!, args));
      }
      return model.outputs.map((t) => values.get(t.id)!);
    }
    this.#fail(model, 'only sequential and functional models are exported');
    return [placeholder(inputs[0]!.shape)];
  }

  layer(layer: Layer, inputs: readonly Value[]): Value {
    if (layer instanceof Model) {
      const outs = this.model(layer, inputs);
      if (outs.length === 1) return outs[0]!;
      this.#fail(layer, 'a nested model with several outputs is not exported');
      return placeholder([]);
    }
    const shapes = inputs.map((v) => v.shape);
    const outShape = layer.computeOutputShape(shapes.length === 1 ? shapes[0]! : shapes) as SymbolicShape;
    const convert = Object.hasOwn(CONVERTERS, layer.className) ? CONVERTERS[layer.className] : undefined;
    if (!convert) {
      this.#fail(layer, 'no ONNX converter for this layer class');
      return placeholder(outShape);
    }
    // After a layer that failed, the graph is only converted to find further failures.
    const afterFailure = inputs.some((v) => v.natural === PLACEHOLDER);
    this.g.scope = layer.name;
    try {
      const p: Produced = convert({ g: this.g, layer, inputs });
      if (afterFailure) return placeholder(outShape);
      return { shape: outShape, dtype: p.dtype ?? 'float32', natural: p.natural, nchw: p.nchw };
    } catch (error) {
      if (error instanceof NotExportable) this.#fail(layer, error.message);
      else if (!afterFailure) throw error;
      return placeholder(outShape);
    } finally {
      this.g.scope = '';
    }
  }

  #fail(layer: Layer, reason: string): void {
    this.failures.push(`${layer.className} '${layer.name}' (${reason})`);
  }
}

const PLACEHOLDER = '<not exported>';

function placeholder(shape: SymbolicShape): Value {
  return { shape, dtype: 'float32', natural: PLACEHOLDER };
}

/** A functional model's layer calls in an order where each comes after its inputs. */
function callOrder(model: Functional): SymbolicTensor[] {
  const order: SymbolicTensor[] = [];
  const seen = new Set<number>();
  const visit = (t: SymbolicTensor): void => {
    if (seen.has(t.id)) return;
    seen.add(t.id);
    if (t.layer === null || t.layer instanceof InputLayer) return;
    for (const parent of t.inputs) visit(parent);
    order.push(t);
  };
  for (const out of model.outputs) visit(out);
  return order;
}

/** The model's inputs: ONNX names, nn shapes and element types. */
function modelInputs(model: Model): { name: string; shape: SymbolicShape; dtype: ValueType }[] {
  const elementType = (dtype: string, name: string): ValueType => {
    if (dtype === 'float32' || dtype === 'int32') return dtype;
    throw new UnsupportedError(
      `exportOnnx: input '${name}' has dtype ${dtype}; float32 and int32 inputs are exported`,
    );
  };
  if (model instanceof Functional) {
    return model.inputs.map((t) => ({
      name: t.layer!.name,
      shape: t.shape,
      dtype: elementType(t.dtype, t.layer!.name),
    }));
  }
  if (model instanceof Sequential) {
    const shape = (model.getConfig().buildInputShape ?? null) as SymbolicShape | null;
    if (!shape) {
      throw new ArgumentError(
        `exportOnnx: model '${model.name}' is not built; give its first layer an inputShape or call build/predict first`,
      );
    }
    return [{ name: 'input', shape, dtype: elementType(model.layers[0]?.dtype ?? 'float32', 'input') }];
  }
  throw new UnsupportedError(
    `exportOnnx: only sequential and functional models are exported, got ${model.className} '${model.name}'`,
  );
}

function valueInfo(
  name: string,
  shape: SymbolicShape,
  dtype: ValueType,
  batch: string | number,
): ValueInfoProto {
  const dim = shape.map((d, i): TensorShapeDimension => {
    if (i === 0) return typeof batch === 'number' ? { dimValue: batch } : { dimParam: batch };
    return d === null ? {} : { dimValue: d };
  });
  const elemType = dtype === 'int32' ? OnnxDataType.INT32 : OnnxDataType.FLOAT;
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/**
 * Exports an nn model to ONNX: resolves the bytes of a `.onnx` file that ONNX Runtime (or any
 * ONNX backend) runs with the model's inference predictions (dropout off, batch norm on its
 * moving statistics). Inputs are named after the model's input layers (`input` for a sequential
 * model), outputs after its output layers, with a dynamic batch axis. Layers it cannot express
 * are all listed in one UnsupportedError before any weight is read.
 * @example
 * const bytes = await exportOnnx(model); // Uint8Array
 * await writeFile('model.onnx', bytes);
 */
export async function exportOnnx(model: Model, options?: ExportOnnxOptions): Promise<Uint8Array> {
  checkArgCount('exportOnnx', arguments.length, 2, 'exportOnnx(model, { opset })');
  if (!(model instanceof Model)) {
    throw new ArgumentError(
      `exportOnnx: expected an nn model (sequential or functional), got ${describeValue(model)}`,
    );
  }
  model.assertUsable('exportOnnx');
  const o = checkExportOptions(options);
  const inputs = modelInputs(model);
  const walker = new Walker();
  for (const i of inputs) walker.g.reserve(i.name);
  const outputs = walker.model(
    model,
    inputs.map((i) => ({ shape: i.shape, dtype: i.dtype, natural: i.name })),
  );
  if (walker.failures.length > 0) {
    throw new UnsupportedError(
      `exportOnnx: model '${model.name}' has ${walker.failures.length} layer(s) ONNX export does not cover: ${walker.failures.join('; ')}`,
    );
  }
  const g = walker.g;
  const taken = new Set(inputs.map((i) => i.name));
  const outputInfo = outputs.map((v, k) => {
    let name = model.outputNames[k] ?? `output_${k}`;
    for (let n = 1; taken.has(name); n++) name = `${model.outputNames[k] ?? 'output'}_${n}`;
    taken.add(name);
    g.rename(g.natural(v), name);
    return valueInfo(name, v.shape, v.dtype, o.batch);
  });
  const proto: ModelProto = {
    irVersion: IR_VERSION[o.opset]!,
    opsetImport: [{ domain: '', version: o.opset }],
    producerName: o.producerName,
    docString: o.docString,
    graph: {
      name: model.name,
      node: g.nodes,
      initializer: await g.initializers(),
      input: inputs.map((i) => valueInfo(i.name, i.shape, i.dtype, o.batch)),
      output: outputInfo,
    },
  };
  const bytes = encodeModelProto(proto);
  // protobufjs gives a Node Buffer in Node; callers get a plain Uint8Array everywhere.
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes);
}

// Reading an ONNX file for import: decode the protobuf, check the opset, the graph's edges and
// every tensor's declared size against the bytes that back it, and list unknown operators all at
// once. Everything here runs before any tensor is made, so a malformed or hostile file fails
// with a FormatError naming the file and the node or tensor, never with a huge allocation.

import { FormatError } from '@nabla/nn';
import {
  type AttributeProto,
  decodeModelProto,
  type GraphProto,
  type Int64,
  int64,
  type ModelProto,
  type NodeProto,
  OnnxDataType,
  type TensorProto,
} from '../proto.js';
import { type HostArray, type HostKind, sizeOf } from './host.js';

/** The opsets of the default domain that import reads. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 18;
/** Most elements one initializer or constant may declare. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** A node with its attributes by name and a name for errors. */
export interface NodeInfo {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, AttributeProto>;
  /** `node 'name' (OpType)`, for messages. */
  readonly label: string;
  /** The file, for messages. */
  readonly source: string;
  /** The model's default-domain opset (Softmax's meaning changed at 13). */
  readonly opset: number;
}

/** A checked model: its graph, nodes, initializers by name and the default-domain opset. */
export interface CheckedModel {
  readonly graph: GraphProto;
  readonly nodes: readonly NodeInfo[];
  readonly initializers: ReadonlyMap<string, TensorProto>;
  readonly opset: number;
}

/** Parses the bytes; a truncated or corrupt protobuf is a FormatError naming `source`. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  try {
    return decodeModelProto(bytes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new FormatError(source, `not a readable ONNX model (truncated or corrupt protobuf: ${why})`);
  }
}

function long(source: string, where: string, value: Int64 | undefined | null): number {
  try {
    return int64(value);
  } catch {
    throw new FormatError(source, `${where}: an int64 value is beyond 2^53`);
  }
}

/**
 * Checks the model's structure: a graph, an opset of the default domain in
 * [MIN_OPSET, MAX_OPSET], nodes whose inputs all come from a graph input, an initializer or an
 * earlier node, outputs produced once, graph outputs produced, and only operators in `known`.
 */
export function checkModel(model: ModelProto, source: string, known: ReadonlySet<string>): CheckedModel {
  const graph = model.graph;
  if (!graph) throw new FormatError(source, 'the model has no graph');
  const imports = model.opsetImport ?? [];
  const main = imports.find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  if (!main) throw new FormatError(source, 'the model imports no opset of the default ONNX domain');
  const opset = long(source, 'opset_import', main.version);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new FormatError(
      source,
      `opset ${opset} is not supported (import reads opsets ${MIN_OPSET} to ${MAX_OPSET}; re-export with opset_version=17)`,
    );
  }
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) {
    if (!t.name) throw new FormatError(source, 'an initializer has no name');
    if (initializers.has(t.name)) throw new FormatError(source, `initializer '${t.name}' is declared twice`);
    initializers.set(t.name, t);
  }
  const defined = new Set<string>([...initializers.keys(), ...(graph.input ?? []).map((v) => v.name ?? '')]);
  const nodes: NodeInfo[] = [];
  const unknown = new Map<string, string[]>();
  (graph.node ?? []).forEach((node, index) => {
    const info = nodeInfo(node, index, source, opset);
    const domain = node.domain ?? '';
    const type = domain === '' || domain === 'ai.onnx' ? info.opType : `${domain}.${info.opType}`;
    if (!known.has(type)) unknown.set(type, [...(unknown.get(type) ?? []), info.name]);
    for (const input of info.inputs) {
      if (input !== '' && !defined.has(input)) {
        throw new FormatError(
          source,
          `${info.label}: input '${input}' is not produced by a graph input, an initializer or an earlier node`,
        );
      }
    }
    for (const output of info.outputs) {
      if (output === '') continue;
      if (defined.has(output))
        throw new FormatError(source, `${info.label}: output '${output}' is produced twice`);
      defined.add(output);
    }
    nodes.push(info);
  });
  if (unknown.size > 0) {
    const list = [...unknown].map(
      ([type, names]) => `${type} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
    );
    throw new FormatError(source, `unsupported ONNX operators: ${list.join('; ')}`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length === 0) throw new FormatError(source, 'the graph has no outputs');
  for (const o of outputs) {
    if (!o.name || !defined.has(o.name)) {
      throw new FormatError(source, `graph output '${o.name ?? ''}' is not produced by any node`);
    }
  }
  return { graph, nodes, initializers, opset };
}

function nodeInfo(node: NodeProto, index: number, source: string, opset: number): NodeInfo {
  const opType = node.opType ?? '';
  const name = node.name || `${opType}_${index}`;
  const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  return {
    name,
    opType,
    inputs: node.input ?? [],
    outputs: node.output ?? [],
    attrs,
    label: `node '${name}' (${opType})`,
    source,
    opset,
  };
}

/** Bytes per element of raw_data, and the kind a data type becomes on the host. */
const DTYPES: Readonly<Record<number, { bytes: number; kind: HostKind }>> = {
  [OnnxDataType.FLOAT]: { bytes: 4, kind: 'float' },
  [OnnxDataType.DOUBLE]: { bytes: 8, kind: 'float' },
  [OnnxDataType.INT64]: { bytes: 8, kind: 'int' },
  [OnnxDataType.INT32]: { bytes: 4, kind: 'int' },
  [OnnxDataType.INT8]: { bytes: 1, kind: 'int' },
  [OnnxDataType.UINT8]: { bytes: 1, kind: 'int' },
  [OnnxDataType.INT16]: { bytes: 2, kind: 'int' },
  [OnnxDataType.UINT16]: { bytes: 2, kind: 'int' },
  [OnnxDataType.BOOL]: { bytes: 1, kind: 'bool' },
};

/** The kind an ONNX data type code reads as on the host, or null when import cannot hold it. */
export function kindOf(dataType: number): HostKind | null {
  return DTYPES[dataType]?.kind ?? null;
}

/** An int64 as a number, with values past ±2^53 (INT64_MAX as "to the end" in Slice) clamped. */
function clampLong(value: Int64): number {
  const n = typeof value === 'number' ? value : value.toNumber();
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
}

/**
 * A TensorProto's values on the host, after checking its dims, data type and that the data it
 * carries (raw_data bytes or a typed field) has exactly the declared number of elements.
 */
export function readTensor(t: TensorProto, source: string, where: string): HostArray {
  const what = `${where}: tensor '${t.name ?? ''}'`;
  const shape = (t.dims ?? []).map((d) => long(source, what, d));
  let n = 1;
  for (const d of shape) {
    if (d < 0) throw new FormatError(source, `${what} has a negative dim in [${shape.join(',')}]`);
    n *= d;
    if (n > MAX_ELEMENTS) {
      throw new FormatError(
        source,
        `${what} declares shape [${shape.join(',')}], more than ${MAX_ELEMENTS} elements`,
      );
    }
  }
  if (t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0) {
    throw new FormatError(source, `${what} keeps its data in an external file, which import does not read`);
  }
  const type = DTYPES[t.dataType ?? 0];
  if (!type)
    throw new FormatError(source, `${what} has data type ${t.dataType ?? 0}, which import does not read`);
  const raw = t.rawData;
  const typed = typedField(t);
  const count = raw && raw.length > 0 ? raw.length / type.bytes : typed.length;
  if (count !== n) {
    const got = raw && raw.length > 0 ? `${raw.length} bytes of raw_data` : `${typed.length} values`;
    throw new FormatError(
      source,
      `${what} declares shape [${shape.join(',')}] (${n} elements) but holds ${got}`,
    );
  }
  const data =
    type.kind === 'float'
      ? new Float32Array(n)
      : type.kind === 'int'
        ? new Float64Array(n)
        : new Uint8Array(n);
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) data[i] = rawValue(view, t.dataType ?? 0, i);
  } else {
    for (let i = 0; i < n; i++) {
      const v = typed[i]!;
      data[i] = typeof v === 'number' ? v : clampLong(v);
    }
  }
  return { kind: type.kind, shape, data };
}

function typedField(t: TensorProto): readonly Int64[] {
  switch (t.dataType) {
    case OnnxDataType.FLOAT:
      return t.floatData ?? [];
    case OnnxDataType.DOUBLE:
      return t.doubleData ?? [];
    case OnnxDataType.INT64:
      return t.int64Data ?? [];
    default:
      return t.int32Data ?? [];
  }
}

function rawValue(view: DataView, dataType: number, i: number): number {
  switch (dataType) {
    case OnnxDataType.FLOAT:
      return view.getFloat32(i * 4, true);
    case OnnxDataType.DOUBLE:
      return view.getFloat64(i * 8, true);
    case OnnxDataType.INT64:
      return clampLong(Number(view.getBigInt64(i * 8, true)));
    case OnnxDataType.INT32:
      return view.getInt32(i * 4, true);
    case OnnxDataType.INT16:
      return view.getInt16(i * 2, true);
    case OnnxDataType.UINT16:
      return view.getUint16(i * 2, true);
    case OnnxDataType.INT8:
      return view.getInt8(i);
    default:
      return view.getUint8(i);
  }
}

/** The sample shape of a graph input: dims after the batch axis, null where not fixed. */
export function inputShape(graph: GraphProto, name: string, source: string): (number | null)[] | null {
  const info = (graph.input ?? []).find((v) => v.name === name);
  const dims = info?.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  // protobufjs gives absent fields their default (0), so a dim_param is what marks a free dim.
  const shape = dims.map((d) =>
    d.dimParam || !Object.hasOwn(d, 'dimValue') ? null : long(source, `graph input '${name}'`, d.dimValue),
  );
  const fixed = shape.filter((d): d is number => d !== null);
  if (fixed.some((d) => d < 0) || sizeOf(fixed) > MAX_ELEMENTS) {
    throw new FormatError(
      source,
      `graph input '${name}' declares shape [${shape.map((d) => d ?? '?').join(',')}], too large or negative`,
    );
  }
  return shape;
}

/** Attribute readers; a missing attribute gives the default. */
export const attr = {
  int(node: NodeInfo, name: string, fallback: number): number {
    const a = node.attrs.get(name);
    return a?.i === undefined || a.i === null ? fallback : clampLong(a.i);
  },
  float(node: NodeInfo, name: string, fallback: number): number {
    return node.attrs.get(name)?.f ?? fallback;
  },
  ints(node: NodeInfo, name: string): number[] | null {
    const a = node.attrs.get(name);
    return a?.ints && a.ints.length > 0 ? a.ints.map(clampLong) : null;
  },
  floats(node: NodeInfo, name: string): number[] | null {
    const a = node.attrs.get(name);
    return a?.floats && a.floats.length > 0 ? [...a.floats] : null;
  },
  string(node: NodeInfo, name: string, fallback: string): string {
    const s = node.attrs.get(name)?.s;
    return s && s.length > 0 ? new TextDecoder().decode(s) : fallback;
  },
  /** A tensor attribute, checked like an initializer. */
  tensor(node: NodeInfo, name: string): HostArray {
    const t = node.attrs.get(name)?.t;
    if (!t) throw new FormatError(node.source, `${node.label}: attribute '${name}' holds no tensor`);
    return readTensor(t, node.source, node.label);
  },
  strings(node: NodeInfo, name: string): string[] | null {
    const a = node.attrs.get(name)?.strings;
    return a && a.length > 0 ? a.map((s) => new TextDecoder().decode(s)) : null;
  },
};

// The part of ONNX's protobuf schema (onnx.proto, proto2, IR version 8+) that export and import
// use, declared here by field number for protobufjs, which does the encoding and decoding.
// Repeated scalars are unpacked as in proto2 except where the schema asks for packing (the typed
// data fields of TensorProto). int64 fields decode to numbers or Long objects: `int64` turns
// either into a JS number and refuses values beyond 2^53.

import protobuf from 'protobufjs/light.js';

/** ONNX's TensorProto.DataType codes that Nabla reads or writes. */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** ONNX's AttributeProto.AttributeType codes. */
export const OnnxAttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** An int64 as protobufjs gives it: a number, or a Long-like object when `long` is present. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean; toNumber(): number };

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto {
  domain?: string;
  version?: Int64;
}

export interface TensorProto {
  dims?: Int64[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: Int64[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntryProto[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: Int64[];
}

export interface TensorShapeDimension {
  dimValue?: Int64;
  dimParam?: string;
  denotation?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: TensorShapeDimension[] } };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: Int64;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
}

type FieldSpec = [id: number, type: string, repeated?: 'repeated' | 'packed'];

function message(fields: Record<string, FieldSpec>): protobuf.INamespace {
  const out: Record<string, protobuf.IField & { rule?: string; options?: Record<string, unknown> }> = {};
  for (const [name, [id, type, rule]] of Object.entries(fields)) {
    out[name] =
      rule === undefined
        ? { id, type }
        : { id, type, rule: 'repeated', options: { packed: rule === 'packed' } };
  }
  return { fields: out } as protobuf.INamespace;
}

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: message({ key: [1, 'string'], value: [2, 'string'] }),
        OperatorSetIdProto: message({ domain: [1, 'string'], version: [2, 'int64'] }),
        TensorProto: message({
          dims: [1, 'int64', 'repeated'],
          dataType: [2, 'int32'],
          floatData: [4, 'float', 'packed'],
          int32Data: [5, 'int32', 'packed'],
          stringData: [6, 'bytes', 'repeated'],
          int64Data: [7, 'int64', 'packed'],
          name: [8, 'string'],
          rawData: [9, 'bytes'],
          doubleData: [10, 'double', 'packed'],
          uint64Data: [11, 'uint64', 'packed'],
          docString: [12, 'string'],
          externalData: [13, 'StringStringEntryProto', 'repeated'],
          dataLocation: [14, 'int32'],
        }),
        TensorShapeProto: {
          nested: {
            Dimension: message({
              dimValue: [1, 'int64'],
              dimParam: [2, 'string'],
              denotation: [3, 'string'],
            }),
          },
          ...message({ dim: [1, 'Dimension', 'repeated'] }),
        },
        TypeProto: {
          nested: {
            Tensor: message({ elemType: [1, 'int32'], shape: [2, 'TensorShapeProto'] }),
          },
          ...message({ tensorType: [1, 'Tensor'], denotation: [6, 'string'] }),
        },
        ValueInfoProto: message({ name: [1, 'string'], type: [2, 'TypeProto'], docString: [3, 'string'] }),
        AttributeProto: message({
          name: [1, 'string'],
          f: [2, 'float'],
          i: [3, 'int64'],
          s: [4, 'bytes'],
          t: [5, 'TensorProto'],
          g: [6, 'GraphProto'],
          floats: [7, 'float', 'repeated'],
          ints: [8, 'int64', 'repeated'],
          strings: [9, 'bytes', 'repeated'],
          tensors: [10, 'TensorProto', 'repeated'],
          graphs: [11, 'GraphProto', 'repeated'],
          docString: [13, 'string'],
          type: [20, 'int32'],
          refAttrName: [21, 'string'],
        }),
        NodeProto: message({
          input: [1, 'string', 'repeated'],
          output: [2, 'string', 'repeated'],
          name: [3, 'string'],
          opType: [4, 'string'],
          attribute: [5, 'AttributeProto', 'repeated'],
          docString: [6, 'string'],
          domain: [7, 'string'],
        }),
        GraphProto: message({
          node: [1, 'NodeProto', 'repeated'],
          name: [2, 'string'],
          initializer: [5, 'TensorProto', 'repeated'],
          docString: [10, 'string'],
          input: [11, 'ValueInfoProto', 'repeated'],
          output: [12, 'ValueInfoProto', 'repeated'],
          valueInfo: [13, 'ValueInfoProto', 'repeated'],
        }),
        ModelProto: message({
          irVersion: [1, 'int64'],
          producerName: [2, 'string'],
          producerVersion: [3, 'string'],
          domain: [4, 'string'],
          modelVersion: [5, 'int64'],
          docString: [6, 'string'],
          graph: [7, 'GraphProto'],
          opsetImport: [8, 'OperatorSetIdProto', 'repeated'],
          metadataProps: [14, 'StringStringEntryProto', 'repeated'],
        }),
      },
    },
  },
});

const ModelType = root.lookupType('onnx.ModelProto');

/** Serializes a model to ONNX's binary protobuf form. */
export function encodeModelProto(model: ModelProto): Uint8Array {
  return ModelType.encode(ModelType.fromObject(model as Record<string, unknown>)).finish();
}

/**
 * Parses ONNX's binary protobuf form. Throws protobufjs's error on malformed bytes; callers
 * wrap it in a FormatError that names the file.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  return ModelType.decode(bytes) as unknown as ModelProto;
}

/**
 * An int64 field as a JS number; throws a RangeError beyond ±2^53 so that a huge declared
 * size is refused rather than rounded.
 */
export function int64(value: Int64 | undefined | null): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'number' ? value : value.toNumber();
  if (!Number.isSafeInteger(n)) throw new RangeError(`int64 value ${String(n)} is beyond 2^53`);
  return n;
}

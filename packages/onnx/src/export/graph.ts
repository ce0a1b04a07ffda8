// The ONNX graph under construction: nodes, initializers read lazily from nn weights once the
// whole graph is known, and the values flowing between layers. A rank-4 value is kept in nn's
// NHWC layout and/or in the NCHW layout ONNX's Conv and pooling want; each layout is made at
// most once (one Transpose), so a conv → batch norm → relu → conv chain stays NCHW throughout.

import { type Tensor, tidy } from '@nabla/core';
import type { SymbolicShape } from '@nabla/nn';
import {
  type AttributeProto,
  type NodeProto,
  OnnxAttributeType,
  OnnxDataType,
  type TensorProto,
} from '../proto.js';

/** An attribute: integers are INT(S), strings STRING(S); floats are wrapped, `{ float: 0.2 }`. */
export type AttrValue =
  | number
  | string
  | readonly number[]
  | readonly string[]
  | { readonly float: number }
  | { readonly floats: readonly number[] };

/** The element types of the values Nabla exports. */
export type ValueType = 'float32' | 'int32';

/** A tensor between layers: nn's shape (batch axis null) and its ONNX name in each layout held. */
export interface Value {
  readonly shape: SymbolicShape;
  readonly dtype: ValueType;
  /** The tensor in nn's layout (NHWC for images). */
  natural?: string;
  /** Rank 4 only: the same data in NCHW. */
  nchw?: string;
}

/** The Transpose perm from NHWC to NCHW. @example g.op('Transpose', [x], { perm: TO_NCHW }); */
export const TO_NCHW = [0, 3, 1, 2] as const;
/** The Transpose perm from NCHW to NHWC. @example g.op('Transpose', [x], { perm: TO_NHWC }); */
export const TO_NHWC = [0, 2, 3, 1] as const;

/**
 * Where a natural (NHWC) axis of a rank-4 value sits in its NCHW form.
 * @example
 * nchwAxis(3); // 1 (channels)
 */
export function nchwAxis(axis: number): number {
  return TO_NCHW.indexOf(axis as 0 | 1 | 2 | 3);
}

interface LazyInitializer {
  readonly name: string;
  readonly make: () => Tensor;
}

const encoder = new TextEncoder();

function attribute(name: string, value: AttrValue): AttributeProto {
  if (typeof value === 'number') return { name, type: OnnxAttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: OnnxAttributeType.STRING, s: encoder.encode(value) };
  if ('float' in value) return { name, type: OnnxAttributeType.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: OnnxAttributeType.FLOATS, floats: [...value.floats] };
  if (value.every((v): v is string => typeof v === 'string')) {
    return { name, type: OnnxAttributeType.STRINGS, strings: value.map((s) => encoder.encode(s)) };
  }
  return { name, type: OnnxAttributeType.INTS, ints: [...(value as readonly number[])] };
}

/**
 * Collects nodes and initializers; `scope` (the layer being converted) prefixes every name.
 * @example
 * const g = new GraphBuilder(); g.scope = 'dense_1';
 * const y = g.op('Relu', [x]); // 'dense_1/Relu_1'
 */
export class GraphBuilder {
  scope = '';
  readonly nodes: NodeProto[] = [];
  readonly #constants: TensorProto[] = [];
  readonly #lazy: LazyInitializer[] = [];
  readonly #keys = new Map<string, string>();
  readonly #used = new Set<string>();

  /** Marks names that already exist (graph inputs), so no node output takes them. */
  reserve(name: string): void {
    this.#used.add(name);
  }

  /** A fresh tensor name `<scope>/<hint>`, numbered when taken. */
  name(hint: string): string {
    const base = this.scope ? `${this.scope}/${hint}` : hint;
    let name = base;
    for (let n = 1; this.#used.has(name); n++) name = `${base}_${n}`;
    this.#used.add(name);
    return name;
  }

  /** Appends a node with `outputs` fresh outputs and returns their names. */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputs = 1,
  ): string[] {
    const names = Array.from({ length: outputs }, (_, k) =>
      this.name(outputs === 1 ? opType : `${opType}_${k}`),
    );
    this.nodes.push({
      opType,
      name: names[0]!,
      input: [...inputs],
      output: names,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  /** A one-output node. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0]!;
  }

  /** A node writing to a given name (graph outputs). */
  rename(input: string, output: string): void {
    this.#used.add(output);
    this.nodes.push({ opType: 'Identity', name: `${output}/Identity`, input: [input], output: [output] });
  }

  /**
   * A float32 initializer made by `make` when the model is written (after every layer converted);
   * the same `key` gives the same initializer, so a shared layer's weights are stored once.
   */
  weight(key: string, hint: string, make: () => Tensor): string {
    const known = this.#keys.get(key);
    if (known) return known;
    const name = this.name(hint);
    this.#keys.set(key, name);
    this.#lazy.push({ name, make });
    return name;
  }

  /** A float32 constant of shape `dims` (a scalar by default). */
  floats(values: readonly number[], dims: readonly number[] = []): string {
    return this.#constant(`f:${dims.join(',')}:${values.join(',')}`, 'const', {
      dims: [...dims],
      dataType: OnnxDataType.FLOAT,
      rawData: new Uint8Array(new Float32Array(values).buffer),
    });
  }

  /** An int64 vector constant (shapes, axes, slice bounds). */
  int64s(values: readonly (number | bigint)[]): string {
    return this.#constant(`i:${values.join(',')}`, 'shape', {
      dims: [values.length],
      dataType: OnnxDataType.INT64,
      rawData: new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer),
    });
  }

  #constant(key: string, hint: string, proto: TensorProto): string {
    const known = this.#keys.get(key);
    if (known) return known;
    const scope = this.scope;
    this.scope = '';
    const name = this.name(hint);
    this.scope = scope;
    this.#keys.set(key, name);
    this.#constants.push({ ...proto, name });
    return name;
  }

  /** The value's tensor in nn's layout, transposing from NCHW the first time it is asked for. */
  natural(v: Value): string {
    v.natural ??= this.op('Transpose', [v.nchw!], { perm: TO_NHWC });
    return v.natural;
  }

  /** A rank-4 value's tensor in NCHW, transposing from NHWC the first time it is asked for. */
  nchw(v: Value): string {
    v.nchw ??= this.op('Transpose', [v.natural!], { perm: TO_NCHW });
    return v.nchw;
  }

  /**
   * Every initializer, the weights read from their tensors (awaited, so any backend works;
   * each tensor made is disposed).
   */
  async initializers(): Promise<TensorProto[]> {
    const out: TensorProto[] = [...this.#constants];
    for (const { name, make } of this.#lazy) {
      // A copy even of a plain weight, so that disposing it never touches the model.
      const t = tidy(() => {
        const made = make();
        return made.dtype === 'float32' ? made.clone() : made.cast('float32');
      });
      try {
        const data = new Float32Array(await t.data());
        out.push({
          name,
          dims: [...t.shape],
          dataType: OnnxDataType.FLOAT,
          rawData: new Uint8Array(data.buffer),
        });
      } finally {
        t.dispose();
      }
    }
    return out;
  }
}

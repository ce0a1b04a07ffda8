// importOnnx: an ONNX model as a functional nn model. The graph is planned once: initializers
// and constant subgraphs fold on the host, shape arithmetic that depends on the batch size
// becomes a host plan evaluated at call time, and every other node becomes an OnnxNodeLayer.
// Two traced runs (batch 2 and 3) give each layer's symbolic output shape, then the layers are
// wired with `input()` and `model()` like any functional model.

import { ArgumentError, type DType, type Tensor, tidy, UnsupportedError, zeros } from '@nabla/core';
import { FormatError, type Functional, input, model, prefixError, type SymbolicTensor } from '@nabla/nn';
import { DEVICE_OPS } from './device-ops.js';
import { type HostArray, hostArray, sizeOf } from './host.js';
import { HOST_OPS, shapeOf } from './host-ops.js';
import { type HostPlan, OnnxNodeLayer, type Slot } from './layer.js';
import {
  type CheckedModel,
  checkModel,
  decodeModel,
  inputShape,
  kindOf,
  type NodeInfo,
  readTensor,
} from './read.js';

/** Options of `importOnnx`. */
export interface ImportOnnxOptions {
  /** How errors name the model (a file name); default `<buffer>`. */
  source?: string;
  /** The nn model's name; default the ONNX graph's name. */
  name?: string;
}

/** What a value of the graph is while planning. */
type Value =
  | { readonly kind: 'const'; readonly value: HostArray; readonly param: boolean }
  | { readonly kind: 'host'; readonly plan: HostPlan }
  | { readonly kind: 'tensor' };

/** A node that runs on the backend, with the values of its inputs. */
interface DeviceNode {
  readonly node: NodeInfo;
  readonly args: readonly (Value | null)[];
}

const KNOWN = new Set([...Object.keys(HOST_OPS), ...Object.keys(DEVICE_OPS)]);
const OPTION_KEYS = ['source', 'name'];

/**
 * Imports an ONNX model (opsets 11–18, as `torch.onnx.export` writes) as a functional nn model
 * that predicts and, its initializers being weights, fine-tunes with `compile` and `fit`. Each
 * ONNX node that computes on tensors is one layer named after the node. Malformed files and
 * unknown operators are FormatErrors naming `options.source` and the node or tensor.
 * @example
 * const m = await importOnnx(await readFile('cnn.onnx'), { source: 'cnn.onnx' });
 * for (const l of m.layers) l.trainable = l.name === '/head/Gemm';
 */
export async function importOnnx(
  bytes: Uint8Array | ArrayBuffer,
  options: ImportOnnxOptions = {},
): Promise<Functional> {
  if (arguments.length > 2) {
    throw new ArgumentError(
      `importOnnx: expected at most 2 arguments, as in importOnnx(bytes, { source }), got ${arguments.length}`,
    );
  }
  const o = checkOptions(options);
  const source = o.source ?? '<buffer>';
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new ArgumentError(
      `importOnnx: expected bytes as a Uint8Array or an ArrayBuffer, got ${describe(bytes)}`,
    );
  }
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const checked = checkModel(decodeModel(view, source), source, KNOWN);
  try {
    return build(checked, source, o.name);
  } catch (error) {
    throw error instanceof FormatError ? error : prefixError(error, source);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}

function checkOptions(options: unknown): ImportOnnxOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`importOnnx: expected options to be an object, got ${describe(options)}`);
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new ArgumentError(`importOnnx: unknown option '${key}' (expected ${OPTION_KEYS.join(', ')})`);
    }
    if (record[key] !== undefined && typeof record[key] !== 'string') {
      throw new ArgumentError(
        `importOnnx: expected option '${key}' to be a string, got ${describe(record[key])}`,
      );
    }
  }
  return { source: record.source as string | undefined, name: record.name as string | undefined };
}

/** Plans the graph: folds what is constant, makes host plans, and lists the device nodes. */
function plan(checked: CheckedModel, source: string) {
  const values = new Map<string, Value>();
  for (const [name, t] of checked.initializers) {
    values.set(name, { kind: 'const', value: readTensor(t, source, 'initializer'), param: true });
  }
  const inputs = (checked.graph.input ?? []).filter((v) => !checked.initializers.has(v.name ?? ''));
  for (const v of inputs) values.set(v.name ?? '', { kind: 'tensor' });
  const device: DeviceNode[] = [];
  for (const node of checked.nodes) {
    const args = node.inputs.map((name) => (name === '' ? null : values.get(name)!));
    let outputs: Value[];
    try {
      outputs = planNode(node, args, device);
    } catch (error) {
      // FormatErrors already name the file and the node; prefixError would rebuild them wrongly.
      throw error instanceof FormatError ? error : prefixError(error, node.label);
    }
    node.outputs.forEach((name, k) => {
      if (name !== '') values.set(name, outputs[k] ?? { kind: 'tensor' });
    });
  }
  return { values, inputs, device };
}

/** The values a node's outputs get: folded constants, host plans, or tensors of a device node. */
function planNode(node: NodeInfo, args: readonly (Value | null)[], device: DeviceNode[]): Value[] {
  const host = HOST_OPS[node.opType];
  const onHost = args.every((a) => a === null || a.kind !== 'tensor');
  if ((node.opType === 'Shape' || node.opType === 'Size') && args[0]?.kind === 'tensor') {
    const root = node.inputs[0]!;
    const f = (shape: readonly number[]): HostArray =>
      node.opType === 'Shape' ? shapeOf(shape, node) : hostArray('int', [], [sizeOf(shape)]);
    return [{ kind: 'host', plan: { roots: [root], evaluate: (shapes) => f(shapes.get(root)!) } }];
  }
  if (host && onHost) {
    const param = args.some((a) => a?.kind === 'const' && a.param);
    if (args.every((a) => a === null || a.kind === 'const')) {
      const out = host(
        args.map((a) => (a?.kind === 'const' ? a.value : null)),
        node,
      );
      return out.map((value) => ({ kind: 'const', value, param }));
    }
    return node.outputs.map((_, k) => ({ kind: 'host', plan: hostPlan(node, args, k) }));
  }
  if (!DEVICE_OPS[node.opType]) {
    throw new UnsupportedError(
      `${node.label}: its inputs must be constants or shapes, not tensors computed by the model`,
    );
  }
  device.push({ node, args });
  return node.outputs.map(() => ({ kind: 'tensor' }));
}

/** A host plan for output `k` of a host node, memoized per call (shared subplans run once). */
function hostPlan(node: NodeInfo, args: readonly (Value | null)[], k: number): HostPlan {
  const roots = [...new Set(args.flatMap((a) => (a?.kind === 'host' ? a.plan.roots : [])))];
  const memo = new WeakMap<object, HostArray[]>();
  const run = HOST_OPS[node.opType]!;
  return {
    roots,
    evaluate: (shapes) => {
      let out = memo.get(shapes);
      if (!out) {
        out = run(
          args.map((a) =>
            a === null || a.kind === 'tensor' ? null : a.kind === 'const' ? a.value : a.plan.evaluate(shapes),
          ),
          node,
        );
        memo.set(shapes, out);
      }
      return out[k]!;
    },
  };
}

/** Layers for the device nodes that the graph outputs depend on, in graph order. */
function makeLayers(device: readonly DeviceNode[], outputs: readonly string[]) {
  const producer = new Map<string, [DeviceNode, number]>();
  for (const d of device) {
    d.node.outputs.forEach((name, k) => {
      producer.set(name, [d, k]);
    });
  }
  const used = new Map<DeviceNode, Set<number>>();
  const pending = [...outputs];
  while (pending.length > 0) {
    const name = pending.pop()!;
    const hit = producer.get(name);
    if (!hit) continue;
    const [d, k] = hit;
    const seen = used.get(d);
    if (seen?.has(k)) continue;
    used.set(d, (seen ?? new Set()).add(k));
    if (seen) continue;
    d.node.inputs.forEach((input, i) => {
      const a = d.args[i];
      if (a?.kind === 'tensor') pending.push(input);
      if (a?.kind === 'host') pending.push(...a.plan.roots);
    });
  }
  const owners = new Map<string, OnnxNodeLayer>();
  const layers: { layer: OnnxNodeLayer; tensors: string[]; roots: string[]; output: string }[] = [];
  const names = new Set<string>();
  for (const d of device) {
    const ks = used.get(d);
    if (!ks) continue;
    let first: OnnxNodeLayer | null = null;
    for (const k of [...ks].sort()) {
      let name = k === 0 || ks.size === 1 ? d.node.name : `${d.node.name}:${k}`;
      while (names.has(name)) name = `${name}_`;
      names.add(name);
      const spec = DEVICE_OPS[d.node.opType]!;
      const tensors: string[] = [];
      const roots: string[] = [];
      const slots = d.args.map((a, i): Slot => {
        const input = d.node.inputs[i]!;
        if (a === null) return { kind: 'none' };
        if (a.kind === 'tensor') return { kind: 'tensor', index: tensors.push(input) - 1 };
        if (a.kind === 'host') {
          for (const r of a.plan.roots) if (!roots.includes(r)) roots.push(r);
          return { kind: 'host', plan: a.plan };
        }
        const hostInput = spec.hostInputs?.includes(i) ?? false;
        if (hostInput || !a.param || a.value.kind !== 'float')
          return { kind: 'const', value: a.value, host: hostInput };
        const owner = first ?? owners.get(input);
        if (owner) return { kind: 'shared', owner, name: input };
        return {
          kind: 'weight',
          name: input,
          value: a.value,
          trainable: !(spec.frozenInputs?.includes(i) ?? false),
        };
      });
      const layer = new OnnxNodeLayer({
        name,
        node: d.node,
        spec,
        slots,
        tensorCount: tensors.length,
        roots,
        outputIndex: k,
      });
      slots.forEach((s) => {
        if (s.kind === 'weight') owners.set(s.name, layer);
      });
      first ??= layer;
      layers.push({ layer, tensors, roots, output: d.node.outputs[k]! });
    }
  }
  return layers;
}

function dtypeOf(elemType: number | undefined): DType {
  const kind = kindOf(elemType ?? 1);
  return kind === 'int' ? 'int32' : kind === 'bool' ? 'bool' : 'float32';
}

function build(checked: CheckedModel, source: string, name: string | undefined): Functional {
  const { values, inputs, device } = plan(checked, source);
  const outputs = (checked.graph.output ?? []).map((o) => o.name ?? '');
  for (const out of outputs) {
    if (values.get(out)?.kind !== 'tensor' || inputs.some((v) => v.name === out)) {
      throw new UnsupportedError(
        `graph output '${out}' is a constant or a graph input, not computed by the model`,
      );
    }
  }
  const specs = inputs.map((v) => ({
    name: v.name ?? '',
    shape: inputShape(checked.graph, v.name ?? '', source),
    dtype: dtypeOf(v.type?.tensorType?.elemType),
  }));
  for (const s of specs) {
    if (!s.shape || s.shape.length === 0) {
      throw new UnsupportedError(`graph input '${s.name}' has no declared shape with a batch axis`);
    }
  }
  const layers = makeLayers(device, outputs);
  const made: OnnxNodeLayer[] = [];
  try {
    for (const { layer } of layers) {
      made.push(layer);
      layer.build();
      layer.built = true;
    }
    // Shapes from two runs on zeros: a dim that differs between batch 2 and 3 is symbolic.
    const runs = [2, 3].map((n) =>
      trace(
        layers,
        specs.map((s) =>
          zeros(
            s.shape!.map((d) => d ?? n),
            s.dtype,
          ),
        ),
        specs.map((s) => s.name),
      ),
    );
    layers.forEach(({ layer, output }) => {
      const [a, b] = [runs[0]!.get(output)!, runs[1]!.get(output)!];
      layer.outputShape = a.map((d, i) => (d === b[i] ? d : null));
    });
    const env = new Map<string, SymbolicTensor>();
    const symbolic = specs.map((s) => {
      const t = input({ shape: s.shape!.slice(1), dtype: s.dtype, name: s.name });
      env.set(s.name, t);
      return t;
    });
    for (const { layer, tensors, roots, output } of layers) {
      const args = [...tensors, ...roots].map((n) => env.get(n)!);
      env.set(output, args.length === 1 ? layer.apply(args[0]!) : layer.apply(args));
    }
    return model({
      inputs: symbolic,
      outputs: outputs.map((o) => env.get(o)!),
      name: name ?? (checked.graph.name || undefined),
    });
  } catch (error) {
    for (const layer of made) layer.dispose();
    throw error;
  }
}

/** Runs the layers on `feeds`, freeing every tensor made, and returns each value's shape. */
function trace(
  layers: readonly { layer: OnnxNodeLayer; tensors: string[]; roots: string[]; output: string }[],
  feeds: Tensor[],
  names: readonly string[],
): Map<string, readonly number[]> {
  const shapes = new Map<string, readonly number[]>();
  try {
    tidy(() => {
      const env = new Map<string, Tensor>(names.map((n, i) => [n, feeds[i]!]));
      for (const { layer, tensors, roots, output } of layers) {
        const args = [...tensors, ...roots].map((n) => env.get(n)!);
        const out = args.length === 1 ? layer.apply(args[0]!) : layer.apply(args);
        if (Array.isArray(out)) throw new UnsupportedError(`${layer.name}: expected one output`);
        env.set(output, out);
        shapes.set(output, out.shape);
      }
    });
  } finally {
    for (const f of feeds) f.dispose();
  }
  return shapes;
}

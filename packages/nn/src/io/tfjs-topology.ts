// TensorFlow.js Layers import, the architecture: a tfjs (Keras) `modelTopology` becomes the
// config of an nn Sequential or Functional model, with the Keras weight names each layer needs
// (nn's layers use Keras's weight names and layouts: kernels [in, out] and HWIO, LSTM gates
// i, f, c, o, GRU gates z, r, h). Every layer is read before anything is built, and every class
// or option nn cannot express is collected, so one error lists them all.

import { isRecord } from '../engine/config.js';

type Json = Record<string, unknown>;

/** One layer's Keras weight names, in the order Keras lists them. */
export interface TfjsLayerWeights {
  layer: string;
  className: string;
  weights: string[];
}

/** An nn model config translated from a tfjs topology, and the weights its layers need. */
export interface TfjsTranslation {
  spec: { className: 'Sequential' | 'Functional'; config: Json };
  layers: TfjsLayerWeights[];
}

/** What every layer reader gets: its tfjs config, where it is (for messages) and the problems. */
class LayerReader {
  readonly out: Json = {};

  constructor(
    readonly where: string,
    readonly config: Json,
    readonly problems: string[],
  ) {}

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  problem(text: string): void {
    this.problems.push(`${this.where}: ${text}`);
  }

  /** Copies `key` (when set) to nn's `to` after `check`; a value failing it is a problem. */
  copy(key: string, to: string, check: (v: unknown) => boolean, expected: string): void {
    if (!this.has(key)) return;
    const v = this.config[key];
    if (check(v)) this.out[to] = v;
    else this.problem(`${key} ${JSON.stringify(v)} (expected ${expected})`);
  }

  /** `key` must be absent or one of `allowed` (the defaults nn implements). */
  only(key: string, allowed: readonly unknown[]): void {
    if (!this.has(key)) return;
    const v = this.config[key];
    if (!allowed.some((a) => JSON.stringify(a) === JSON.stringify(v))) {
      this.problem(
        `${key} ${JSON.stringify(v)} is not supported (nn supports ${allowed.map((a) => JSON.stringify(a)).join(' or ')})`,
      );
    }
  }

  activation(key: string, to: string): void {
    if (!this.has(key)) return;
    const name = activationName(this.config[key]);
    if (name === undefined) {
      this.problem(
        `${key} ${JSON.stringify(this.config[key])} is not supported (nn has ${[...ACTIVATIONS.keys()].join(', ')})`,
      );
    } else {
      this.out[to] = name;
    }
  }

  regularizer(key: string, to: string): void {
    if (!this.has(key)) return;
    const v = this.config[key];
    const cls = isRecord(v) ? String(v.class_name ?? '') : '';
    const c = isRecord(v) && isRecord(v.config) ? v.config : {};
    const factor = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);
    if (!/^(L1L2|L1|L2|l1_l2|l1|l2)$/.test(cls)) {
      this.problem(`${key} ${JSON.stringify(v)} is not supported (nn has L1, L2 and L1L2 regularizers)`);
      return;
    }
    this.out[to] = { name: 'l1l2', config: { l1: factor(c.l1), l2: factor(c.l2) } };
  }

  bool(key: string, to: string): void {
    this.copy(key, to, (v) => typeof v === 'boolean', 'true or false');
  }

  positive(key: string, to: string): void {
    this.copy(key, to, (v) => Number.isSafeInteger(v) && (v as number) > 0, 'a positive integer');
  }

  size2d(key: string, to: string): void {
    this.copy(key, to, isSize2d, 'a positive integer or two');
  }
}

const isSize2d = (v: unknown) =>
  (Number.isSafeInteger(v) && (v as number) > 0) ||
  (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isSafeInteger(d) && d > 0));

const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** tfjs/Keras activation names → nn's. */
const ACTIVATIONS = new Map([
  ['linear', 'linear'],
  ['relu', 'relu'],
  ['relu6', 'relu6'],
  ['sigmoid', 'sigmoid'],
  ['tanh', 'tanh'],
  ['softmax', 'softmax'],
  // tfjs's and Keras's 'gelu' are exact (erf); tfjs's 'gelu_new' is the tanh approximation.
  ['gelu', 'gelu'],
  ['elu', 'elu'],
  ['selu', 'selu'],
  ['softplus', 'softplus'],
  ['swish', 'silu'],
  ['silu', 'silu'],
]);

function activationName(value: unknown): string | undefined {
  // Keras 2 may serialize an activation as { class_name, config }.
  const name = isRecord(value) ? value.class_name : value;
  if (name === null || name === undefined) return 'linear';
  return typeof name === 'string' ? ACTIVATIONS.get(name.toLowerCase()) : undefined;
}

const CHANNELS_LAST = ['channels_last'];

/** Reads one layer: fills `r.out` with nn's options and returns the Keras weight names. */
type LayerRule = { nn: string; read(r: LayerReader): string[] };

function readDenseLike(r: LayerReader, kernel: string, regKey: string): string[] {
  r.activation('activation', 'activation');
  r.bool('use_bias', 'useBias');
  r.regularizer(`${kernel}_regularizer`, regKey);
  r.regularizer('bias_regularizer', 'biasRegularizer');
  return r.config.use_bias === false ? [kernel] : [kernel, 'bias'];
}

function readConvWindow(r: LayerReader, dilation: unknown[]): void {
  r.size2d('kernel_size', 'kernelSize');
  r.size2d('strides', 'strides');
  r.copy('padding', 'padding', (v) => v === 'valid' || v === 'same', "'valid' or 'same'");
  r.only('data_format', CHANNELS_LAST);
  r.only('dilation_rate', dilation);
  r.size2d('dilation_rate', 'dilationRate');
}

const ANY_DILATION = [1, [1, 1], 2, [2, 2], 3, [3, 3], 4, [4, 4]];

function readPool(r: LayerReader): string[] {
  r.size2d('pool_size', 'poolSize');
  r.size2d('strides', 'strides');
  r.copy('padding', 'padding', (v) => v === 'valid' || v === 'same', "'valid' or 'same'");
  r.only('data_format', CHANNELS_LAST);
  return [];
}

function readGlobalPool(r: LayerReader): string[] {
  r.only('data_format', CHANNELS_LAST);
  r.bool('keepdims', 'keepDims');
  return [];
}

function readNorm(r: LayerReader, axis: (v: unknown) => unknown): string[] {
  if (r.has('axis')) {
    const a = axis(r.config.axis);
    if (a === undefined) r.problem(`axis ${JSON.stringify(r.config.axis)} is not supported`);
    else r.out.axis = a;
  }
  r.copy('epsilon', 'epsilon', (v) => isNumber(v) && (v as number) > 0, 'a positive number');
  r.bool('center', 'center');
  r.bool('scale', 'scale');
  r.regularizer('beta_regularizer', 'betaRegularizer');
  r.regularizer('gamma_regularizer', 'gammaRegularizer');
  const weights: string[] = [];
  if (r.config.scale !== false) weights.push('gamma');
  if (r.config.center !== false) weights.push('beta');
  return weights;
}

const intAxis = (v: unknown) => (Number.isSafeInteger(v) ? v : undefined);

function readRecurrent(r: LayerReader, gated: boolean): string[] {
  r.positive('units', 'units');
  r.activation('activation', 'activation');
  if (gated) r.activation('recurrent_activation', 'recurrentActivation');
  r.bool('use_bias', 'useBias');
  r.bool('return_sequences', 'returnSequences');
  r.bool('go_backwards', 'goBackwards');
  r.only('return_state', [false]);
  r.only('stateful', [false]);
  r.only('time_major', [false]);
  r.only('dropout', [0]);
  r.only('recurrent_dropout', [0]);
  r.regularizer('kernel_regularizer', 'kernelRegularizer');
  r.regularizer('recurrent_regularizer', 'recurrentRegularizer');
  r.regularizer('bias_regularizer', 'biasRegularizer');
  return r.config.use_bias === false
    ? ['kernel', 'recurrent_kernel']
    : ['kernel', 'recurrent_kernel', 'bias'];
}

/** One activation layer class: nn's Activation of `name` when the options match nn's. */
function activationLayer(name: string, check: (r: LayerReader) => void): LayerRule {
  return {
    nn: 'Activation',
    read(r) {
      check(r);
      r.out.activation = name;
      return [];
    },
  };
}

const merge: LayerRule = { nn: '', read: () => [] };

/** tfjs/Keras layer classes nn can express, by class name. */
const RULES: ReadonlyMap<string, LayerRule> = new Map<string, LayerRule>([
  [
    'Dense',
    {
      nn: 'Dense',
      read(r) {
        r.positive('units', 'units');
        return readDenseLike(r, 'kernel', 'kernelRegularizer');
      },
    },
  ],
  [
    'Conv2D',
    {
      nn: 'Conv2D',
      read(r) {
        r.positive('filters', 'filters');
        readConvWindow(r, ANY_DILATION);
        r.only('groups', [1]);
        return readDenseLike(r, 'kernel', 'kernelRegularizer');
      },
    },
  ],
  [
    'Conv2DTranspose',
    {
      nn: 'Conv2DTranspose',
      read(r) {
        r.positive('filters', 'filters');
        readConvWindow(r, [1, [1, 1]]);
        r.only('output_padding', []);
        return readDenseLike(r, 'kernel', 'kernelRegularizer');
      },
    },
  ],
  [
    'DepthwiseConv2D',
    {
      nn: 'DepthwiseConv2D',
      read(r) {
        r.positive('depth_multiplier', 'depthMultiplier');
        readConvWindow(r, ANY_DILATION);
        return readDenseLike(r, 'depthwise_kernel', 'depthwiseRegularizer');
      },
    },
  ],
  ['MaxPooling2D', { nn: 'MaxPooling2D', read: readPool }],
  ['AveragePooling2D', { nn: 'AveragePooling2D', read: readPool }],
  ['GlobalAveragePooling2D', { nn: 'GlobalAveragePooling2D', read: readGlobalPool }],
  ['GlobalMaxPooling2D', { nn: 'GlobalMaxPooling2D', read: readGlobalPool }],
  [
    'BatchNormalization',
    {
      nn: 'BatchNormalization',
      read(r) {
        r.copy(
          'momentum',
          'momentum',
          (v) => isNumber(v) && (v as number) >= 0 && (v as number) <= 1,
          'in [0, 1]',
        );
        r.only('renorm', [false]);
        r.only('virtual_batch_size', []);
        r.only('adjustment', []);
        // Keras 2 may write the axis as a one-element list.
        const weights = readNorm(r, (v) => (Array.isArray(v) && v.length === 1 ? intAxis(v[0]) : intAxis(v)));
        return [...weights, 'moving_mean', 'moving_variance'];
      },
    },
  ],
  [
    'LayerNormalization',
    {
      nn: 'LayerNormalization',
      read(r) {
        r.only('rms_scaling', [false]);
        return readNorm(r, (v) => (Array.isArray(v) && v.every(Number.isSafeInteger) ? v : intAxis(v)));
      },
    },
  ],
  [
    'Dropout',
    {
      nn: 'Dropout',
      read(r) {
        r.copy('rate', 'rate', (v) => isNumber(v) && (v as number) >= 0 && (v as number) < 1, 'in [0, 1)');
        r.only('noise_shape', []);
        r.copy('seed', 'seed', Number.isSafeInteger, 'an integer');
        return [];
      },
    },
  ],
  [
    'Flatten',
    {
      nn: 'Flatten',
      read(r) {
        r.only('data_format', CHANNELS_LAST);
        return [];
      },
    },
  ],
  [
    'Reshape',
    {
      nn: 'Reshape',
      read(r) {
        r.copy(
          'target_shape',
          'targetShape',
          (v) => Array.isArray(v) && v.every((d) => d === -1 || (Number.isSafeInteger(d) && d > 0)),
          'positive integers and at most one -1',
        );
        return [];
      },
    },
  ],
  [
    'Activation',
    {
      nn: 'Activation',
      read(r) {
        r.activation('activation', 'activation');
        return [];
      },
    },
  ],
  [
    'ReLU',
    {
      nn: 'Activation',
      read(r) {
        r.only('negative_slope', [0]);
        r.only('threshold', [0]);
        r.only('max_value', [6]);
        r.out.activation = r.config.max_value === 6 ? 'relu6' : 'relu';
        return [];
      },
    },
  ],
  ['Softmax', activationLayer('softmax', (r) => r.only('axis', [-1, [-1]]))],
  ['ELU', activationLayer('elu', (r) => r.only('alpha', [1]))],
  // nn's leakyRelu has tfjs's default slope of the activation, 0.2 (the LeakyReLU layer's is 0.3).
  [
    'LeakyReLU',
    activationLayer('leakyRelu', (r) => {
      r.only('alpha', [0.2]);
      r.only('negative_slope', [0.2]);
      if (!r.has('alpha') && !r.has('negative_slope'))
        r.problem('alpha 0.3 (the default) is not supported (nn supports 0.2)');
    }),
  ],
  [
    'Embedding',
    {
      nn: 'Embedding',
      read(r) {
        r.positive('input_dim', 'inputDim');
        r.positive('output_dim', 'outputDim');
        r.only('mask_zero', [false]);
        r.regularizer('embeddings_regularizer', 'embeddingsRegularizer');
        return ['embeddings'];
      },
    },
  ],
  ['SimpleRNN', { nn: 'SimpleRNN', read: (r) => readRecurrent(r, false) }],
  [
    'LSTM',
    {
      nn: 'LSTM',
      read(r) {
        // Only the initial forget-gate bias depends on it; the loaded bias replaces that.
        r.bool('unit_forget_bias', 'unitForgetBias');
        return readRecurrent(r, true);
      },
    },
  ],
  [
    'GRU',
    {
      nn: 'GRU',
      read(r) {
        // tfjs's GRU resets before the recurrent matmul (reset_after false, its only mode);
        // Keras's default since TF 2 is reset_after true, with a [2, 3·units] bias: nn has both.
        r.out.resetAfter = r.config.reset_after === true;
        return readRecurrent(r, true);
      },
    },
  ],
  ['Add', merge],
  ['Subtract', merge],
  ['Multiply', merge],
  ['Average', merge],
  ['Maximum', merge],
  ['Minimum', merge],
  [
    'Concatenate',
    {
      nn: 'Concatenate',
      read(r) {
        r.copy('axis', 'axis', Number.isSafeInteger, 'an integer');
        return [];
      },
    },
  ],
]);

/** Keys every layer rule handles the same way. */
function readCommon(r: LayerReader, input: boolean): void {
  for (const [key, v] of Object.entries(r.config)) {
    if (v === null || v === undefined) continue;
    if (key.endsWith('_constraint') || key === 'activity_regularizer') {
      r.problem(`${key} ${JSON.stringify(v)} is not supported (nn has no ${key.replace(/_/g, ' ')}s)`);
    }
  }
  if (r.has('trainable')) r.bool('trainable', 'trainable');
  const dtype =
    isRecord(r.config.dtype) && isRecord(r.config.dtype.config) ? r.config.dtype.config.name : r.config.dtype;
  if (dtype !== undefined && dtype !== null && dtype !== 'float32' && !(input && dtype === 'int32')) {
    r.problem(`dtype ${JSON.stringify(dtype)} is not supported (nn layers compute in float32)`);
  }
}

/** The batch shape a layer declares (`batch_input_shape`, Keras 3's `batch_shape`), if any. */
function batchShape(config: Json): unknown[] | undefined {
  const s = config.batch_input_shape ?? config.batch_shape;
  return Array.isArray(s) ? s : undefined;
}

function checkBatchShape(shape: unknown[], where: string, problems: string[]): (number | null)[] | undefined {
  const ok =
    shape.length >= 2 && shape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) >= 0));
  if (!ok) {
    problems.push(`${where}: batch_input_shape ${JSON.stringify(shape)} is not a shape`);
    return undefined;
  }
  return shape as (number | null)[];
}

/** Translates one non-input layer; undefined (with problems recorded) when nn cannot express it. */
function translateLayer(
  spec: unknown,
  index: number,
  problems: string[],
): { className: string; name: string; config: Json; weights: string[]; raw: Json } | undefined {
  if (!isRecord(spec) || typeof spec.class_name !== 'string' || !isRecord(spec.config)) {
    problems.push(`layers[${index}]: expected { class_name, config }`);
    return undefined;
  }
  const raw = spec.config;
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : spec.name;
  if (typeof name !== 'string' || name === '') {
    problems.push(`layers[${index}] (${spec.class_name}): has no name`);
    return undefined;
  }
  const where = `layer '${name}' (${spec.class_name})`;
  const rule = RULES.get(spec.class_name);
  if (rule === undefined) {
    problems.push(`${where}: class ${spec.class_name} has no nn equivalent`);
    return undefined;
  }
  const r = new LayerReader(where, raw, problems);
  readCommon(r, false);
  const weights = rule.read(r);
  return { className: rule.nn || spec.class_name, name, config: { name, ...r.out }, weights, raw };
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
    const layer = translateLayer(spec, i, problems);
    if (layer === undefined) return;
    layers.push({ className: layer.className, config: layer.config });
    weights.push({ layer: layer.name, className: layer.className, weights: layer.weights });
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
    if (isRecord(spec) && spec.class_name === 'InputLayer' && isRecord(spec.config)) {
      const raw = spec.config;
      const name = typeof raw.name === 'string' ? raw.name : spec.name;
      const where = `layer '${String(name)}' (InputLayer)`;
      const r = new LayerReader(where, raw, problems);
      readCommon(r, true);
      r.only('sparse', [false]);
      r.only('ragged', [false]);
      const declared = batchShape(raw);
      const shape = declared === undefined ? undefined : checkBatchShape(declared, where, problems);
      if (declared === undefined) problems.push(`${where}: has no batch_input_shape`);
      const dtype = raw.dtype === 'int32' ? 'int32' : 'float32';
      if (typeof name === 'string' && shape !== undefined) {
        layers.push({
          className: 'InputLayer',
          name,
          config: { name, dtype, shape: shape.slice(1) },
          inboundNodes: [],
        });
      }
      return;
    }
    const layer = translateLayer(spec, i, problems);
    if (layer === undefined || !isRecord(spec)) return;
    const nodes = spec.inbound_nodes;
    if (!Array.isArray(nodes) || !nodes.every(Array.isArray)) {
      problems.push(
        `layer '${layer.name}': inbound_nodes ${JSON.stringify(nodes)} is not in the Keras 2 / tfjs form`,
      );
      return;
    }
    const inboundNodes = nodes.map((node, n) =>
      refsOf(
        (node as unknown[]).map((ref, k) =>
          readRef(ref, `layer '${layer.name}' inbound_nodes[${n}][${k}]`, problems),
        ),
      ),
    );
    layers.push({ className: layer.className, name: layer.name, config: layer.config, inboundNodes });
    weights.push({ layer: layer.name, className: layer.className, weights: layer.weights });
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

/**
 * The tfjs/Keras layer classes the import understands (not all options of each are).
 * @example
 * tfjsLayerClasses().includes('LSTM'); // true
 */
export function tfjsLayerClasses(): string[] {
  return [...RULES.keys(), 'InputLayer'];
}

// TensorFlow.js Layers import, one layer at a time: a tfjs (Keras) layer config becomes the
// options of the nn layer class that computes the same thing, with the Keras weight names it
// needs (nn's layers use Keras's weight names and layouts: kernels [in, out] and HWIO, LSTM
// gates i, f, c, o, GRU gates z, r, h, so no weight is reordered). Every class or option nn
// cannot express is recorded as a problem instead of thrown, so one error lists them all.

import { isRecord } from '../engine/config.js';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** The weights of one nn layer: each nn weight name and the Keras weight it is read from. */
export interface TfjsLayerWeights {
  /** The nn layer. */
  layer: string;
  className: string;
  /** The tfjs layer whose weights these are (the nn layer's own name but for expansions). */
  source: string;
  weights: { name: string; from: string }[];
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
  ['softsign', 'softsign'],
  // Keras 2's and tfjs's hard sigmoid (slope 0.2), the default recurrent activation of tfjs's LSTM and GRU.
  ['hard_sigmoid', 'hardSigmoid'],
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

/**
 * The batch shape a layer declares (`batch_input_shape`, Keras 3's `batch_shape`), if any.
 * @example
 * batchShape({ batch_input_shape: [null, 4] }); // [null, 4]
 */
export function batchShape(config: Json): unknown[] | undefined {
  const s = config.batch_input_shape ?? config.batch_shape;
  return Array.isArray(s) ? s : undefined;
}

/**
 * `shape` when it is a batch shape (null or non-negative integers, rank 2 or more), else a problem.
 * @example
 * checkBatchShape([null, 4], 'layers[0]', problems); // [null, 4]
 */
export function checkBatchShape(
  shape: unknown[],
  where: string,
  problems: string[],
): (number | null)[] | undefined {
  const ok =
    shape.length >= 2 && shape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) >= 0));
  if (!ok) {
    problems.push(`${where}: batch_input_shape ${JSON.stringify(shape)} is not a shape`);
    return undefined;
  }
  return shape as (number | null)[];
}

/** One nn layer made for a tfjs layer (the last of them stands for it in the graph). */
export interface NnLayer {
  className: string;
  name: string;
  config: Json;
  weights: TfjsLayerWeights;
}

/**
 * Translates one non-input layer into the nn layers that compute it (one, or two for
 * SeparableConv2D); empty, with problems recorded, when nn cannot express it.
 * @example
 * translateLayer({ class_name: 'Dense', config: { name: 'd', units: 2 } }, 0, problems)[0].config; // { name: 'd', units: 2 }
 */
export function translateLayer(spec: unknown, index: number, problems: string[]): NnLayer[] {
  if (!isRecord(spec) || typeof spec.class_name !== 'string' || !isRecord(spec.config)) {
    problems.push(`layers[${index}]: expected { class_name, config }`);
    return [];
  }
  const raw = spec.config;
  const name = typeof raw.name === 'string' && raw.name !== '' ? raw.name : spec.name;
  if (typeof name !== 'string' || name === '') {
    problems.push(`layers[${index}] (${spec.class_name}): has no name`);
    return [];
  }
  const where = `layer '${name}' (${spec.class_name})`;
  const r = new LayerReader(where, raw, problems);
  if (spec.class_name === 'SeparableConv2D') {
    readCommon(r, false);
    return separable(r, name);
  }
  const rule = RULES.get(spec.class_name);
  if (rule === undefined) {
    problems.push(`${where}: class ${spec.class_name} has no nn equivalent`);
    return [];
  }
  readCommon(r, false);
  const className = rule.nn || spec.class_name;
  const weights = rule.read(r).map((w) => ({ name: w, from: w }));
  return [
    {
      className,
      name,
      config: { name, ...r.out },
      weights: { layer: name, className, source: name, weights },
    },
  ];
}

/**
 * SeparableConv2D as nn has it: a DepthwiseConv2D (`<name>_depthwise`, no bias) then a 1×1
 * Conv2D (`<name>`) with the bias and activation, which is the same computation.
 */
function separable(r: LayerReader, name: string): NnLayer[] {
  r.positive('depth_multiplier', 'depthMultiplier');
  readConvWindow(r, ANY_DILATION);
  r.regularizer('depthwise_regularizer', 'depthwiseRegularizer');
  const { depthMultiplier, kernelSize, strides, padding, dilationRate, depthwiseRegularizer } = r.out;
  const window = { kernelSize, strides, padding, dilationRate, depthMultiplier, depthwiseRegularizer };
  const depthwise = `${name}_depthwise`;
  const point = new LayerReader(r.where, r.config, r.problems);
  point.positive('filters', 'filters');
  const bias = readDenseLike(point, 'pointwise_kernel', 'kernelRegularizer').includes('bias');
  const dw = Object.fromEntries(Object.entries(window).filter(([, v]) => v !== undefined));
  return [
    {
      className: 'DepthwiseConv2D',
      name: depthwise,
      config: {
        name: depthwise,
        ...dw,
        useBias: false,
        ...(r.out.trainable === undefined ? {} : { trainable: r.out.trainable }),
      },
      weights: {
        layer: depthwise,
        className: 'DepthwiseConv2D',
        source: name,
        weights: [{ name: 'depthwise_kernel', from: 'depthwise_kernel' }],
      },
    },
    {
      className: 'Conv2D',
      name,
      config: {
        name,
        ...point.out,
        kernelSize: 1,
        ...(r.out.trainable === undefined ? {} : { trainable: r.out.trainable }),
      },
      weights: {
        layer: name,
        className: 'Conv2D',
        source: name,
        weights: [
          { name: 'kernel', from: 'pointwise_kernel' },
          ...(bias ? [{ name: 'bias', from: 'bias' }] : []),
        ],
      },
    },
  ];
}

/**
 * A functional model's InputLayer as nn's `{ className, name, config }` (undefined, with
 * problems recorded, when its shape or options are not nn's).
 * @example
 * translateInput({ class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 4] } }, problems);
 */
export function translateInput(
  spec: Json,
  problems: string[],
): { className: string; name: string; config: Json } | undefined {
  const raw = isRecord(spec.config) ? spec.config : {};
  const name = typeof raw.name === 'string' ? raw.name : spec.name;
  const where = `layer '${String(name)}' (InputLayer)`;
  const r = new LayerReader(where, raw, problems);
  readCommon(r, true);
  r.only('sparse', [false]);
  r.only('ragged', [false]);
  const declared = batchShape(raw);
  const shape = declared === undefined ? undefined : checkBatchShape(declared, where, problems);
  if (declared === undefined) problems.push(`${where}: has no batch_input_shape`);
  if (typeof name !== 'string' || shape === undefined) return undefined;
  const dtype = raw.dtype === 'int32' ? 'int32' : 'float32';
  return { className: 'InputLayer', name, config: { name, dtype, shape: shape.slice(1) } };
}

/**
 * The tfjs/Keras layer classes the import understands (not all options of each are).
 * @example
 * tfjsLayerClasses().includes('LSTM'); // true
 */
export function tfjsLayerClasses(): string[] {
  return [...RULES.keys(), 'SeparableConv2D', 'InputLayer'];
}

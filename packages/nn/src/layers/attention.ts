// Multi-head attention (Keras MultiHeadAttention): dense projections of query, key and value
// to [batch, heads, time, dim], scaled dot-product softmax(Q·Kᵀ/√keyDim)·V per head, and an
// output projection back to the query's feature size. Projections are matmuls over reshaped
// Keras-layout kernels ([in, heads, dim] and [heads, valueDim, out]), so weights port across.

import { matmul, randomUniform, ShapeError, softmax, type Tensor, tidy, type Variable } from '@nabla/core';
import { deriveSeed } from '@nabla/core/internal';
import {
  type InputSpec,
  type LayerInputSpec,
  many,
  type SymbolicShape,
  shapeList,
  shapeText,
} from '../engine/input-spec.js';
import { type CallContext, Layer, type LayerOptions, layerOptions } from '../engine/layer.js';
import { K } from '../engine/option-kinds.js';
import { registerLayerClass } from '../engine/registry.js';
import {
  getInitializer,
  INITIALIZER,
  type InitializerSpec,
  initializerConfig,
} from '../initializers/initializers.js';
import {
  REGULARIZER,
  type RegularizerSpec,
  regularizerConfig,
  regularizerOrNull,
} from '../regularizers/regularizers.js';
import { checkFactoryArgs } from './factory.js';

/** One of query, value and key: rank 3 with its features known; `size` once built. */
function sequenceSpec(name: string, size?: number): InputSpec {
  return {
    name,
    ndim: 3,
    layout: '[batch, time, features]',
    known: { [-1]: 'features' },
    ...(size === undefined ? {} : { axes: { [-1]: size } }),
  };
}

/** `[query, value]` or `[query, value, key]`, with each one's feature size once built. */
function attentionSpec(dims?: { query: number; value: number; key: number }): LayerInputSpec {
  return {
    list: { min: 2, max: 3, expected: 'a list [query, value] or [query, value, key]' },
    items: [
      sequenceSpec('query', dims?.query),
      sequenceSpec('value', dims?.value),
      sequenceSpec('key', dims?.key),
    ],
  };
}

/** Options of `multiHeadAttention`. */
export interface MultiHeadAttentionOptions extends LayerOptions {
  numHeads: number;
  /** Size of each head's query and key vectors. */
  keyDim: number;
  /** Size of each head's value vectors; defaults to keyDim. */
  valueDim?: number;
  /** Dropout rate on the attention probabilities, in training only. Default 0. */
  dropout?: number;
  useBias?: boolean;
  /** Output feature size; defaults to the query's last axis. */
  outputShape?: number;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
  kernelRegularizer?: RegularizerSpec | null;
  biasRegularizer?: RegularizerSpec | null;
  /** Seeds the attention dropout (the n-th training call's mask is fixed by (seed, n)). */
  seed?: number;
}

interface Projection {
  readonly kernel: Variable;
  readonly bias: Variable | null;
}

/**
 * Multi-head attention, Keras semantics. Call it with a list `[query, value]` or
 * `[query, value, key]` (key defaults to value), each `[batch, time, features]`; the output is
 * `[batch, queryTime, outputShape]`. Not supported: attention masks (including causal masks),
 * returning the attention scores, and inputs of rank other than 3.
 * Weights, in Keras order: query, key, value and attention_output kernels and biases.
 * @example
 * const mha = multiHeadAttention({ numHeads: 2, keyDim: 8 });
 * mha.apply([x, x]); // self-attention: [n, t, 16] → [n, t, 16]
 */
export class MultiHeadAttention extends Layer {
  static override readonly optionsSpec = layerOptions(
    'multiHeadAttention',
    {
      numHeads: K.positive,
      keyDim: K.positive,
      valueDim: K.positive,
      dropout: K.number({ min: 0, max: 1, maxExclusive: true }),
      useBias: K.boolean,
      outputShape: K.nullable(K.positive),
      kernelInitializer: INITIALIZER,
      biasInitializer: INITIALIZER,
      kernelRegularizer: REGULARIZER,
      biasRegularizer: REGULARIZER,
      seed: K.nullable(K.integer),
    },
    ['numHeads', 'keyDim'],
  );
  readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number | null;
  readonly seed: number | null;
  readonly #args: MultiHeadAttentionOptions;
  #proj: { query: Projection; key: Projection; value: Projection; output: Projection } | null = null;
  #step = 0;

  constructor(options: MultiHeadAttentionOptions) {
    super(options, 'multi_head_attention');
    const args = this.checkedOptions<MultiHeadAttentionOptions>();
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.dropout = args.dropout ?? 0;
    this.useBias = args.useBias ?? true;
    this.outputShape = args.outputShape ?? null;
    this.seed = args.seed ?? null;
    this.#args = args;
    this.inputSpec = attentionSpec();
  }

  /** `[query, value, key?]` (spec-checked) as named shapes, after checking how they relate. */
  #shapes(inputShape: SymbolicShape | SymbolicShape[]): {
    query: SymbolicShape;
    value: SymbolicShape;
    key: SymbolicShape;
  } {
    const [query, value, key = value] = shapeList(inputShape) as [
      SymbolicShape,
      SymbolicShape,
      SymbolicShape?,
    ];
    const named = { query, value, key };
    const batches = [query[0], value[0], key[0]].filter((d) => d !== null && d !== undefined);
    if (new Set(batches).size > 1) {
      throw new ShapeError(
        `${this.name}: expected query, value and key to match on axis 0 (batch), got shapes ${shapeText(query)}, ${shapeText(value)} and ${shapeText(key)}`,
      );
    }
    // Attention over no key positions is a softmax over nothing.
    if (key[1] === 0 || value[1] === 0) {
      throw new ShapeError(
        `${this.name}: expected key and value to have at least one time step, got shapes ${shapeText(value)} and ${shapeText(key)}`,
      );
    }
    if (key[1] !== null && value[1] !== null && key[1] !== value[1]) {
      throw new ShapeError(
        `${this.name}: expected key and value to match on axis 1 (time), got shapes ${shapeText(key)} and ${shapeText(value)}`,
      );
    }
    return named;
  }

  #projection(name: string, kernelShape: number[], biasShape: number[]): Projection {
    const init = (spec: InitializerSpec | undefined, fallback: string) => getInitializer(spec ?? fallback);
    const kernel = this.addWeight(`${name}/kernel`, kernelShape, {
      initializer: init(this.#args.kernelInitializer, 'glorotUniform'),
      regularizer: regularizerOrNull(this.#args.kernelRegularizer),
    });
    const bias = this.useBias
      ? this.addWeight(`${name}/bias`, biasShape, {
          initializer: init(this.#args.biasInitializer, 'zeros'),
          regularizer: regularizerOrNull(this.#args.biasRegularizer),
        })
      : null;
    return { kernel, bias };
  }

  override build(inputShape: SymbolicShape | SymbolicShape[]): void {
    const { query, value, key } = this.#shapes(inputShape);
    const [q, v, k] = [query[2]!, value[2]!, key[2]!];
    const [h, kd, vd] = [this.numHeads, this.keyDim, this.valueDim];
    const out = this.outputShape ?? q;
    this.#proj = {
      query: this.#projection('query', [q, h, kd], [h, kd]),
      key: this.#projection('key', [k, h, kd], [h, kd]),
      value: this.#projection('value', [v, h, vd], [h, vd]),
      output: this.#projection('attention_output', [h, vd, out], [out]),
    };
    this.inputSpec = attentionSpec({ query: q, value: v, key: k });
  }

  /** x [b, t, d] → [b, heads, t, dim] through a kernel [d, heads, dim] and bias [heads, dim]. */
  #heads(x: Tensor, p: Projection): Tensor {
    const [d, h, dim] = p.kernel.shape as [number, number, number];
    const y = matmul(x, p.kernel.reshape([d, h * dim]));
    const biased = p.bias ? y.add(p.bias.reshape([h * dim])) : y;
    return biased.reshape([x.shape[0]!, x.shape[1]!, h, dim]).transpose([0, 2, 1, 3]);
  }

  call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    const list = many(inputs);
    this.#shapes(list.map((t) => t.shape));
    const [query, value, key = value] = list as [Tensor, Tensor, Tensor?];
    const p = this.#proj!;
    const seed = this.seed === null ? undefined : deriveSeed(this.seed, this.#step);
    if (ctx.training && this.dropout > 0) this.#step++;
    return tidy(() => {
      const [b, tq] = [query.shape[0]!, query.shape[1]!];
      const q = this.#heads(query, p.query).mul(1 / Math.sqrt(this.keyDim));
      const k = this.#heads(key, p.key);
      const v = this.#heads(value, p.value);
      // probs[b, h, i, j] = softmax_j(q_i · k_j / √keyDim)
      let probs = softmax(matmul(q, k, { transposeB: true }), -1);
      if (ctx.training && this.dropout > 0) {
        const keep = randomUniform(probs.shape, { seed, dtype: probs.dtype })
          .greaterEqual(this.dropout)
          .cast(probs.dtype);
        probs = probs.mul(keep).div(1 - this.dropout);
      }
      const heads = matmul(probs, v)
        .transpose([0, 2, 1, 3])
        .reshape([b, tq, this.numHeads * this.valueDim]);
      const out = p.output.kernel.shape[2]!;
      const y = matmul(heads, p.output.kernel.reshape([this.numHeads * this.valueDim, out]));
      return p.output.bias ? y.add(p.output.bias) : y;
    });
  }

  protected override shapeRule(inputShape: SymbolicShape | SymbolicShape[]): SymbolicShape {
    const { query } = this.#shapes(inputShape);
    return [query[0] ?? null, query[1] ?? null, this.outputShape ?? query[2]!];
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape,
      seed: this.seed,
      kernelInitializer: initializerConfig(this.#args.kernelInitializer ?? 'glorotUniform'),
      biasInitializer: initializerConfig(this.#args.biasInitializer ?? 'zeros'),
      kernelRegularizer: regularizerConfig(this.#args.kernelRegularizer),
      biasRegularizer: regularizerConfig(this.#args.biasRegularizer),
    };
  }
}

/**
 * A multi-head attention layer (see `MultiHeadAttention`).
 * @example
 * const mha = multiHeadAttention({ numHeads: 4, keyDim: 16, dropout: 0.1 });
 * mha.apply([query, value]); // [n, tq, d], [n, tv, e] → [n, tq, d]
 */
export function multiHeadAttention(args: MultiHeadAttentionOptions): MultiHeadAttention {
  checkFactoryArgs('multiHeadAttention', arguments.length);
  return new MultiHeadAttention(args);
}

registerLayerClass('MultiHeadAttention', MultiHeadAttention);

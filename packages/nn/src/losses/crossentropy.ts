// Cross-entropy losses: binary, categorical (one-hot targets) and sparse categorical
// (integer class targets). The `fromLogits` forms never form a probability (softplus and
// log-softmax stay finite for logits of any size); the probability forms clip to [ε, 1-ε].

import {
  cast,
  clip,
  customGrad,
  log,
  logSoftmax,
  mean,
  oneHot,
  reshape,
  ShapeError,
  softmaxCrossEntropy,
  softplus,
  sum,
  type Tensor,
} from '@nabla/core';
import { type ChainBuilder, type ChainValue, chain, fmtShape, sizeOf } from '@nabla/core/internal';
import type { Loss } from '../types.js';
import { align, asFloat, checkRange, EPSILON, makeLoss, sameShape } from './shared.js';

/** Options of `binaryCrossentropy` and `categoricalCrossentropy`. */
export interface CrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Moves targets toward uniform: y ← y·(1-s) + s/K, K = 2 (binary) or the class count. */
  labelSmoothing?: number;
}

/**
 * Binary cross-entropy, the mean over the last axis of
 * -(y·log p + (1-y)·log(1-p)); from logits x it is softplus(x) - x·y, stable for any x.
 * @example
 * const loss = binaryCrossentropy({ fromLogits: true });
 * loss.fn(tensor([[1], [0]]), tensor([[2.0], [-1.0]]));
 */
export function binaryCrossentropy(options: CrossentropyOptions = {}): Loss {
  const { fromLogits = false, labelSmoothing = 0 } = options;
  checkRange('binary_crossentropy', 'labelSmoothing', labelSmoothing, 0, 1);
  return makeLoss('binary_crossentropy', { fromLogits, labelSmoothing }, (yTrue, yPred) => {
    const [raw, p] = align('binary_crossentropy', yTrue, yPred);
    // y ← y·(1-s) + ½s
    const t = labelSmoothing > 0 ? raw.mul(1 - labelSmoothing).add(0.5 * labelSmoothing) : raw;
    if (fromLogits) return mean(softplus(p).sub(p.mul(t)), { axis: -1 });
    const pc = clip(p, EPSILON, 1 - EPSILON);
    const ll = t.mul(log(pc)).add(
      t
        .neg()
        .add(1)
        .mul(log(pc.neg().add(1))),
    );
    return mean(ll.neg(), { axis: -1 });
  });
}

/**
 * Categorical cross-entropy against one-hot (or soft) targets: -Σ y·log p over the last axis,
 * where p is renormalised to sum to 1 and clipped; from logits, -Σ y·logSoftmax(x).
 * @example
 * const loss = categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 });
 * loss.fn(tensor([[0, 1, 0]]), tensor([[1.0, 3.0, 0.5]]));
 */
export function categoricalCrossentropy(options: CrossentropyOptions = {}): Loss {
  const { fromLogits = false, labelSmoothing = 0 } = options;
  checkRange('categorical_crossentropy', 'labelSmoothing', labelSmoothing, 0, 1);
  return makeLoss('categorical_crossentropy', { fromLogits, labelSmoothing }, (yTrue, yPred) => {
    const [raw, p] = align('categorical_crossentropy', yTrue, yPred);
    const classes = p.shape[p.rank - 1] ?? 1;
    // y ← y·(1-s) + s/K
    const t = labelSmoothing > 0 ? raw.mul(1 - labelSmoothing).add(labelSmoothing / classes) : raw;
    return crossentropyOverLastAxis(t, p, fromLogits);
  });
}

/** Options of `sparseCategoricalCrossentropy`. */
export interface SparseCrossentropyOptions {
  /** yPred holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
}

/**
 * Categorical cross-entropy with integer class labels (int32 or float) of shape [N] or [N,1]
 * against predictions [N,C]: -log p[label]. A label outside [0, C) contributes 0.
 * @example
 * const loss = sparseCategoricalCrossentropy({ fromLogits: true });
 * loss.fn(tensor([2, 0], undefined, 'int32'), tensor([[0.1, 0.2, 3], [2, 0, 0]]));
 */
export function sparseCategoricalCrossentropy(options: SparseCrossentropyOptions = {}): Loss {
  const { fromLogits = false } = options;
  const name = 'sparse_categorical_crossentropy';
  return makeLoss(name, { fromLogits }, (yTrue, yPred) => {
    const p = asFloat(yPred, yPred);
    const batch = p.shape.slice(0, -1);
    const classes = p.shape[p.rank - 1] ?? 0;
    const fits =
      p.rank >= 1 &&
      (sameShape(yTrue.shape, batch) ||
        (sameShape(yTrue.shape.slice(0, -1), batch) && yTrue.shape[yTrue.rank - 1] === 1));
    if (!fits) {
      throw new ShapeError(
        `${name}: expected yTrue.shape=${fmtShape(batch)} or ${fmtShape([...batch, 1])} for yPred.shape=${fmtShape(p.shape)}, got yTrue.shape=${fmtShape(yTrue.shape)}`,
      );
    }
    const labels = yTrue.dtype === 'int32' ? yTrue : cast(yTrue, 'int32');
    if (fromLogits) {
      const rows = sizeOf(batch);
      const losses = softmaxCrossEntropy(reshape(p, [rows, classes]), reshape(labels, [rows]), {
        sparse: true,
      });
      return reshape(losses, batch);
    }
    const t = cast(oneHot(reshape(labels, batch), classes), p.dtype);
    return crossentropyOverLastAxis(t, p, fromLogits);
  });
}

/**
 * -Σ y·log p over the last axis; from logits by the fused softmax cross-entropy (over the rows
 * of the leading axes), else with p renormalised and clipped.
 */
function crossentropyOverLastAxis(t: Tensor, p: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits && p.rank === 0) return sum(t.mul(logSoftmax(p, -1)), { axis: -1 }).neg();
  if (fromLogits) {
    const batch = p.shape.slice(0, -1);
    const shape = [sizeOf(batch), p.shape[p.rank - 1]!];
    return reshape(softmaxCrossEntropy(reshape(p, shape), reshape(t, shape), { sparse: false }), batch);
  }
  // p ← p / Σp, clipped to [ε, 1-ε] (a rank-0 p fails in the sum over its last axis, as before).
  return probabilityCrossentropy(t, p);
}

/** −log(clip(p/s, ε, 1−ε)) in a chain. */
function negLogClipped(b: ChainBuilder, p: ChainValue, s: ChainValue): ChainValue {
  const q = b.binary('minimum', b.binary('maximum', b.div(p, s), EPSILON), 1 - EPSILON);
  return b.unary('neg', b.unary('log', q));
}

/** `x` where ε ≤ q ≤ 1−ε (where clip passes the gradient, bounds included), else 0. */
function insideClip(b: ChainBuilder, q: ChainValue, x: ChainValue): ChainValue {
  return b.select(
    b.binary('greaterEqual', q, EPSILON),
    b.select(b.binary('lessEqual', q, 1 - EPSILON), x, 0),
    0,
  );
}

/**
 * −Σ t·log(clip(p/Σp, ε, 1−ε)) over the last axis of t and p (one shape, rank ≥ 1), as three
 * kernels forward and four back (elementwise chains, fused where the backend has them) rather
 * than a dozen ops and their VJPs. With S = Σp, q = p/S, and a = t where ε ≤ q ≤ 1−ε, else 0:
 * dp = dy/S·(Σa − a/q) and dt = −dy·log(clip(q)), the derivative of the composite.
 */
const probabilityCrossentropy = customGrad((t, p) => {
  const s = sum(p!, { axis: -1, keepDims: true });
  const value = sum(
    chain([t!, p!, s], (b, [tt, pp, ss]) => b.mul(tt!, negLogClipped(b, pp!, ss!))),
    { axis: -1 },
  );
  return {
    value,
    save: [s],
    gradFunc: (dy: Tensor, needs) => {
      const d = reshape(dy, [...dy.shape, 1]);
      const a = chain([t!, p!, s], (b, [tt, pp, ss]) => insideClip(b, b.div(pp!, ss!), tt!));
      const sumA = sum(a, { axis: -1, keepDims: true });
      const dp = chain([t!, p!, s, sumA, d], (b, [tt, pp, ss, sa, dd]) => {
        const q = b.div(pp!, ss!);
        return b.mul(b.div(dd!, ss!), b.sub(sa!, insideClip(b, q, b.div(tt!, q))));
      });
      // Targets rarely need a gradient (labels never do).
      const dt = needs[0]
        ? chain([p!, s, d], (b, [pp, ss, dd]) => b.mul(dd!, negLogClipped(b, pp!, ss!)))
        : null;
      return [dt, dp];
    },
  };
});

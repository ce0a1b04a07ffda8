// Targets checked against the loss before training on them: sparse categorical labels must be
// integers in [0, classes) (checked on the device with one reduction and one small read, since
// an out-of-range label otherwise adds 0 to the loss and trains silently), and one-hot or
// binary targets must have the shape of the model's output.

import {
  ArgumentError,
  cast,
  floor,
  greaterEqual,
  less,
  logicalOr,
  max,
  min,
  notEqual,
  ShapeError,
  stack,
  sum,
  type Tensor,
  tidy,
} from '@nabla/core';
import { fmtShape } from '@nabla/core/internal';
import type { Loss } from '../types.js';
import { sliceRows } from './data-adapter.js';
import { type SymbolicShape, shapeText } from './input-spec.js';
import type { Model } from './model.js';
import { modelOutputs } from './train-step.js';

const SPARSE = 'sparse_categorical_crossentropy';
const CATEGORICAL = 'categorical_crossentropy';
const BINARY = 'binary_crossentropy';

/** Whether a concrete shape fits a symbolic one (null matches any size). */
function fits(shape: readonly number[], symbolic: SymbolicShape): boolean {
  return shape.length === symbolic.length && symbolic.every((d, i) => d === null || d === shape[i]);
}

/**
 * The model's output shapes (batch axis null) for inputs like `xs`: from `computeOutputShape`
 * when the layers can say, else from running one sample (which builds the model).
 * @example
 * outputShapes(model, [x]); // [[null, 10]]
 */
export function outputShapes(model: Model, xs: readonly Tensor[]): SymbolicShape[] {
  const count = model.outputNames.length;
  try {
    const inputs = xs.map((t): SymbolicShape => [null, ...t.shape.slice(1)]);
    const out = model.computeOutputShape(inputs.length === 1 ? inputs[0]! : inputs);
    const list = count === 1 && !Array.isArray(out[0]) ? [out as SymbolicShape] : (out as SymbolicShape[]);
    if (list.length === count && list.every((s) => Array.isArray(s))) return list;
  } catch {
    // Some layers only know their output shape once built; one sample tells.
  }
  return tidy(() =>
    modelOutputs(model, sliceRows(xs, 0, Math.min(1, xs[0]?.shape[0] ?? 0)), false).map(
      (t): SymbolicShape => [null, ...t.shape.slice(1)],
    ),
  );
}

/**
 * The number of classes of a classification output (its last axis), or undefined.
 * @example
 * classCount([null, 10]); // 10
 */
export function classCount(shape: SymbolicShape | undefined): number | undefined {
  const last = shape?.[shape.length - 1];
  return typeof last === 'number' ? last : undefined;
}

async function checkSparse(where: string, y: Tensor, out: SymbolicShape): Promise<void> {
  const batch = out.slice(1, -1);
  const labels = y.shape.slice(1);
  if (!fits(labels, batch) && !fits(labels, [...batch, 1])) {
    throw new ShapeError(
      `${where}: ${SPARSE} expects labels of shape ${shapeText([null, ...batch])} or ${shapeText([null, ...batch, 1])} for the output shape ${shapeText(out)}, got ${fmtShape(y.shape)}`,
    );
  }
  const classes = classCount(out);
  if (classes === undefined || y.size === 0) return;
  // One small read: how many labels are bad (negative, ≥ classes, fractional or NaN), and
  // their range for the message.
  const summary = tidy(() => {
    const v = cast(y, 'float32');
    let bad = logicalOr(less(v, 0), greaterEqual(v, classes));
    if (y.dtype !== 'int32') bad = logicalOr(bad, notEqual(v, floor(v)));
    return stack([sum(cast(bad, 'float32')), min(v), max(v)]);
  });
  let values: ArrayLike<number>;
  try {
    values = (await summary.data()) as ArrayLike<number>;
  } finally {
    summary.dispose();
  }
  const [count = 0, lo = 0, hi = 0] = Array.from(values);
  if (count > 0) {
    throw new ArgumentError(
      `${where}: ${SPARSE} expects integer labels in [0, ${classes}) for the model's ${classes} classes, got ${count} of ${y.size} labels outside it or not integers (labels range over [${lo}, ${hi}])`,
    );
  }
}

function checkDense(where: string, loss: string, y: Tensor, out: SymbolicShape): void {
  const shape = y.shape;
  let ok = fits(shape, out);
  // Binary targets may drop or add a trailing axis of 1 ([N] against [N,1]), as the loss aligns them.
  if (!ok && loss === BINARY) {
    ok =
      (out[out.length - 1] === 1 && fits(shape, out.slice(0, -1))) ||
      (shape[shape.length - 1] === 1 && fits(shape.slice(0, -1), out));
  }
  if (!ok) {
    const what = loss === CATEGORICAL ? 'one-hot targets' : 'targets';
    throw new ShapeError(
      `${where}: ${loss} expects ${what} of the output's shape ${shapeText(out)}, got ${fmtShape(shape)}`,
    );
  }
}

/**
 * Checks each target tensor against its output's loss: sparse labels in range and integer,
 * categorical and binary targets of the output's shape. Other losses check themselves.
 * @example
 * await checkTargets(model, 'fit', compiled.losses, [x], [y]);
 */
export async function checkTargets(
  model: Model,
  where: string,
  losses: readonly Loss[],
  xs: readonly Tensor[],
  ys: readonly Tensor[],
): Promise<void> {
  const names = losses.map((l) => l.name);
  if (!names.some((n) => n === SPARSE || n === CATEGORICAL || n === BINARY)) return;
  const shapes = outputShapes(model, xs);
  for (let i = 0; i < ys.length; i++) {
    const out = shapes[i];
    const y = ys[i]!;
    if (!out) continue;
    if (names[i] === SPARSE) await checkSparse(where, y, out);
    else if (names[i] === CATEGORICAL || names[i] === BINARY) checkDense(where, names[i]!, y, out);
  }
}

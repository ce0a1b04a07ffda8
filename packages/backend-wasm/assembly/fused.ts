// Fused kernels (core's optional fused primitives; JS glue in src/kernels/fused.ts): the
// bias + activation epilogue run over a GEMM's output while it is still in cache, softmax
// cross-entropy and softmax one row at a time, and the SGD and Adam updates in one SIMD pass over the flat
// parameter and state arrays. Each does in one call what the composites do in several kernels
// with a temporary each, and computes the same float32 operations in the same order.

import { at } from './common';
import { EXP_SHIFTED_LO, expShiftedSimd, expSimd, reluSimd, unaryF32 } from './unary';
import {
  ACTIVATION_LINEAR as LINEAR,
  ACTIVATION_RELU as RELU,
  ACTIVATION_RELU6 as RELU6,
  ACTIVATION_SIGMOID as SIGMOID,
  ACTIVATION_TANH as TANH,
  UNARY_TANH,
  UNARY_SIGMOID,
} from '../src/abi';

// @ts-ignore: decorator
@inline
function clampSimd(act: i32, v: v128): v128 {
  // As the relu kernel (NaN stays NaN, relu(−0) is +0); relu6's pmin(r, 6) = 6 < r ? 6 : r
  // keeps a NaN too.
  if (act == RELU) return reluSimd(v);
  if (act == RELU6) return f32x4.pmin(reluSimd(v), f32x4.splat(6));
  return v;
}

// @ts-ignore: decorator
@inline
function clampScalar(act: i32, x: f32): f32 {
  if (act == RELU) return x > 0 || x != x ? x : 0;
  if (act == RELU6) return x > 0 || x != x ? min<f32>(x, 6) : 0;
  return x;
}

// @ts-ignore: decorator
@inline
function epilogueLoop(act: i32, y: usize, bias: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = at(y, r * cols, 2);
    let j = 0;
    if (bias != 0) {
      for (; j + 4 <= cols; j += 4) {
        const v = f32x4.add(v128.load(at(row, j, 2)), v128.load(at(bias, j, 2)));
        v128.store(at(row, j, 2), clampSimd(act, v));
      }
      for (; j < cols; j++) {
        store<f32>(at(row, j, 2), clampScalar(act, load<f32>(at(row, j, 2)) + load<f32>(at(bias, j, 2))));
      }
    } else {
      for (; j + 4 <= cols; j += 4) v128.store(at(row, j, 2), clampSimd(act, v128.load(at(row, j, 2))));
      for (; j < cols; j++) store<f32>(at(row, j, 2), clampScalar(act, load<f32>(at(row, j, 2))));
    }
  }
}

/**
 * y ← act(y + bias) in place over a `[rows, cols]` product, bias `[cols]` (0: none). Sigmoid
 * and tanh run unary.ts's own loops after the bias pass, so they match the unary kernels.
 */
export function biasActivationF32(y: usize, bias: usize, rows: i32, cols: i32, act: i32): void {
  switch (act) {
    case RELU:
      epilogueLoop(RELU, y, bias, rows, cols);
      return;
    case RELU6:
      epilogueLoop(RELU6, y, bias, rows, cols);
      return;
  }
  if (bias != 0) epilogueLoop(LINEAR, y, bias, rows, cols);
  if (act == SIGMOID) unaryF32(UNARY_SIGMOID, y, y, rows * cols);
  else if (act == TANH) unaryF32(UNARY_TANH, y, y, rows * cols);
}

/**
 * loss[r] = Σ_c y_c·(lse - x_c), lse = shift + log Σ e^(x - shift), shift the row's maximum
 * (0 when that is infinite), in float64 per row. Sparse labels are int32 class indices; one
 * outside [0, classes) gives 0. Dense labels are float32 `[rows, classes]` weights.
 */
export function softmaxCrossEntropyF32(
  x: usize,
  labels: usize,
  loss: usize,
  rows: i32,
  classes: i32,
  sparse: i32,
): void {
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * classes, 2);
    let maxv: f64 = -Infinity;
    for (let c = 0; c < classes; c++) maxv = max<f64>(maxv, <f64>load<f32>(at(row, c, 2)));
    const shift = isFinite<f64>(maxv) ? maxv : 0;
    let total: f64 = 0;
    for (let c = 0; c < classes; c++) total += Math.exp(<f64>load<f32>(at(row, c, 2)) - shift);
    const lse = shift + Math.log(total);
    let out: f64 = 0;
    if (sparse != 0) {
      const label = load<i32>(at(labels, r, 2));
      if (label >= 0 && label < classes) out = lse - <f64>load<f32>(at(row, label, 2));
    } else {
      const weights = at(labels, r * classes, 2);
      for (let c = 0; c < classes; c++) {
        out += <f64>load<f32>(at(weights, c, 2)) * (lse - <f64>load<f32>(at(row, c, 2)));
      }
    }
    store<f32>(at(loss, r, 2), <f32>out);
  }
}

/**
 * y = e^(x − m) over the first cols & ~3 values of a row, four lanes at a time (two vectors a
 * step: independent chains keep the core busy), by expShiftedSimd (`short`, a constant at each
 * call, so each call compiles to one loop) or expSimd; returns their lane sums, added in order.
 */
// @ts-ignore: decorator
@inline
function expRow(xr: usize, yr: usize, m4: v128, cols: i32, short: bool): v128 {
  let sum4 = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= cols; c += 8) {
    const d0 = f32x4.sub(v128.load(at(xr, c, 2)), m4);
    const d1 = f32x4.sub(v128.load(at(xr, c, 2), 16), m4);
    const e0 = short ? expShiftedSimd(d0) : expSimd(d0);
    const e1 = short ? expShiftedSimd(d1) : expSimd(d1);
    v128.store(at(yr, c, 2), e0);
    v128.store(at(yr, c, 2), e1, 16);
    sum4 = f32x4.add(f32x4.add(sum4, e0), e1);
  }
  for (; c + 4 <= cols; c += 4) {
    const d = f32x4.sub(v128.load(at(xr, c, 2)), m4);
    const e = short ? expShiftedSimd(d) : expSimd(d);
    v128.store(at(yr, c, 2), e);
    sum4 = f32x4.add(sum4, e);
  }
  return sum4;
}

/**
 * Softmax over each row of `[rows, cols]` float32: e^(x − m) / Σ with m the row's maximum, the
 * exponentials four lanes at a time and written once, then scaled by 1/Σ. A row whose
 * x − m all lie in [EXP_SHIFTED_LO, 0] (the usual case: its minimum is checked with its
 * maximum) takes expShiftedSimd; a row with a wider range (or an −Infinity) the full expSimd,
 * whose results stay exact down to the subnormals. As the composite: NaN anywhere in a row,
 * or an infinite maximum, makes the row NaN (a NaN's exponential makes Σ NaN).
 */
export function softmaxF32(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols, 2);
    const yr = at(y, r * cols, 2);
    // Running pseudo-maxima and minima (pmax(m, v) = m < v ? v : m, one instruction where
    // f32x4.max takes about seven for its NaN and signed-zero rules). They skip NaNs, which
    // the exponentials' sum catches below.
    let mv = f32x4.splat(-Infinity);
    let mw = mv;
    let lv = f32x4.splat(Infinity);
    let lw = lv;
    let c = 0;
    for (; c + 8 <= cols; c += 8) {
      const v0 = v128.load(at(xr, c, 2));
      const v1 = v128.load(at(xr, c, 2), 16);
      mv = f32x4.pmax(mv, v0);
      mw = f32x4.pmax(mw, v1);
      lv = f32x4.pmin(lv, v0);
      lw = f32x4.pmin(lw, v1);
    }
    mv = f32x4.pmax(mv, mw);
    lv = f32x4.pmin(lv, lw);
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(at(xr, c, 2));
      mv = f32x4.pmax(mv, v);
      lv = f32x4.pmin(lv, v);
    }
    let m: f32 = max<f32>(
      max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
    );
    let lo: f32 = min<f32>(
      min<f32>(f32x4.extract_lane(lv, 0), f32x4.extract_lane(lv, 1)),
      min<f32>(f32x4.extract_lane(lv, 2), f32x4.extract_lane(lv, 3)),
    );
    for (; c < cols; c++) {
      const v = load<f32>(at(xr, c, 2));
      m = max<f32>(m, v);
      lo = min<f32>(lo, v);
    }
    if (!isFinite<f32>(m)) {
      for (let c = 0; c < cols; c++) store<f32>(at(yr, c, 2), NaN);
      continue;
    }
    const m4 = f32x4.splat(m);
    // Every x − m is at least lo − m (the same rounded subtraction of a smaller value).
    const sum4 =
      lo - m >= EXP_SHIFTED_LO ? expRow(xr, yr, m4, cols, true) : expRow(xr, yr, m4, cols, false);
    c = cols & ~3;
    let sum: f32 =
      f32x4.extract_lane(sum4, 0) +
      f32x4.extract_lane(sum4, 1) +
      f32x4.extract_lane(sum4, 2) +
      f32x4.extract_lane(sum4, 3);
    for (; c < cols; c++) {
      const e = Mathf.exp(load<f32>(at(xr, c, 2)) - m);
      store<f32>(at(yr, c, 2), e);
      sum += e;
    }
    const inv4 = f32x4.splat(<f32>1 / sum);
    c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(at(yr, c, 2), f32x4.mul(v128.load(at(yr, c, 2)), inv4));
    const inv = <f32>1 / sum;
    for (; c < cols; c++) store<f32>(at(yr, c, 2), load<f32>(at(yr, c, 2)) * inv);
  }
}

/**
 * One SGD step over n values: without momentum (vel = 0) w' = w - lr·g; with it
 * v' = μ·v - lr·g and w' = w + v' (Nesterov: w' = w + μ·v' - lr·g).
 */
export function sgdUpdateF32(
  w: usize,
  g: usize,
  vel: usize,
  wOut: usize,
  velOut: usize,
  n: i32,
  lr: f32,
  mu: f32,
  nesterov: i32,
): void {
  const lr4 = f32x4.splat(lr);
  const mu4 = f32x4.splat(mu);
  let i = 0;
  if (vel == 0) {
    for (; i + 4 <= n; i += 4) {
      const step = f32x4.mul(v128.load(at(g, i, 2)), lr4);
      v128.store(at(wOut, i, 2), f32x4.sub(v128.load(at(w, i, 2)), step));
    }
    for (; i < n; i++) store<f32>(at(wOut, i, 2), load<f32>(at(w, i, 2)) - load<f32>(at(g, i, 2)) * lr);
    return;
  }
  for (; i + 4 <= n; i += 4) {
    const step = f32x4.mul(v128.load(at(g, i, 2)), lr4);
    const next = f32x4.sub(f32x4.mul(v128.load(at(vel, i, 2)), mu4), step);
    const wv = v128.load(at(w, i, 2));
    const w1 = nesterov != 0 ? f32x4.sub(f32x4.add(wv, f32x4.mul(next, mu4)), step) : f32x4.add(wv, next);
    v128.store(at(velOut, i, 2), next);
    v128.store(at(wOut, i, 2), w1);
  }
  for (; i < n; i++) {
    const step = load<f32>(at(g, i, 2)) * lr;
    const next = load<f32>(at(vel, i, 2)) * mu - step;
    const wv = load<f32>(at(w, i, 2));
    store<f32>(at(velOut, i, 2), next);
    store<f32>(at(wOut, i, 2), nesterov != 0 ? wv + next * mu - step : wv + next);
  }
}

/**
 * One Adam step over n values: m' = m + (1-β1)(g - m); v' = v + (1-β2)(g² - v); with AMSGrad
 * (vhat != 0) v̂' = max(v̂, v') stands in for v'; w' = w - α·m'/(√v' + ε). c1 = 1-β1 and
 * c2 = 1-β2 come from the caller, rounded from doubles as core's scalar operands are.
 */
export function adamUpdateF32(
  w: usize,
  g: usize,
  m: usize,
  v: usize,
  vhat: usize,
  wOut: usize,
  mOut: usize,
  vOut: usize,
  vhatOut: usize,
  n: i32,
  alpha: f32,
  c1: f32,
  c2: f32,
  epsilon: f32,
): void {
  const c14 = f32x4.splat(c1);
  const c24 = f32x4.splat(c2);
  const alpha4 = f32x4.splat(alpha);
  const eps4 = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const gv = v128.load(at(g, i, 2));
    const mv = v128.load(at(m, i, 2));
    const vv = v128.load(at(v, i, 2));
    const m1 = f32x4.add(mv, f32x4.mul(f32x4.sub(gv, mv), c14));
    const v1 = f32x4.add(vv, f32x4.mul(f32x4.sub(f32x4.mul(gv, gv), vv), c24));
    let vUse = v1;
    if (vhat != 0) {
      vUse = f32x4.max(v128.load(at(vhat, i, 2)), v1);
      v128.store(at(vhatOut, i, 2), vUse);
    }
    const update = f32x4.div(f32x4.mul(m1, alpha4), f32x4.add(f32x4.sqrt(vUse), eps4));
    v128.store(at(mOut, i, 2), m1);
    v128.store(at(vOut, i, 2), v1);
    v128.store(at(wOut, i, 2), f32x4.sub(v128.load(at(w, i, 2)), update));
  }
  for (; i < n; i++) {
    const gv = load<f32>(at(g, i, 2));
    const mv = load<f32>(at(m, i, 2));
    const vv = load<f32>(at(v, i, 2));
    const m1 = mv + (gv - mv) * c1;
    const v1 = vv + (gv * gv - vv) * c2;
    let vUse = v1;
    if (vhat != 0) {
      vUse = max<f32>(load<f32>(at(vhat, i, 2)), v1);
      store<f32>(at(vhatOut, i, 2), vUse);
    }
    store<f32>(at(mOut, i, 2), m1);
    store<f32>(at(vOut, i, 2), v1);
    store<f32>(at(wOut, i, 2), load<f32>(at(w, i, 2)) - (m1 * alpha) / (Mathf.sqrt(vUse) + epsilon));
  }
}

/**
 * `adamUpdateF32` over elements [begin, end) only, its arguments read from a block (a thread's
 * share of one update): nine pointers as u32 (vhat and vhatOut 0 without AMSGrad), then α,
 * c1 = 1-β1, c2 = 1-β2 and ε as f32.
 */
export function adamUpdateRangeF32(block: usize, begin: i32, end: i32): void {
  const off = <usize>begin << 2;
  const vhat = <usize>load<u32>(block + 16);
  adamUpdateF32(
    <usize>load<u32>(block) + off,
    <usize>load<u32>(block + 4) + off,
    <usize>load<u32>(block + 8) + off,
    <usize>load<u32>(block + 12) + off,
    vhat != 0 ? vhat + off : 0,
    <usize>load<u32>(block + 20) + off,
    <usize>load<u32>(block + 24) + off,
    <usize>load<u32>(block + 28) + off,
    vhat != 0 ? <usize>load<u32>(block + 32) + off : 0,
    end - begin,
    load<f32>(block + 36),
    load<f32>(block + 40),
    load<f32>(block + 44),
    load<f32>(block + 48),
  );
}

// ONNX's LSTM and GRU operators, unrolled over time with core ops so that autodiff trains
// them. Layout 0 (X is [seq, batch, input]; Y is [seq, directions, batch, hidden]); forward,
// reverse and bidirectional; the default activations; no peepholes, clip or sequence lengths.
// Weights per direction: W [gates·H, input], R [gates·H, H], B [2·gates·H] (Wb then Rb), with
// the gates in ONNX's order: i, o, f, c for LSTM and z, r, h for GRU.

import {
  add,
  gather,
  matmul,
  mul,
  reshape,
  sigmoid,
  split,
  stack,
  sub,
  type Tensor,
  tanh,
  UnsupportedError,
  zeros,
} from '@nabla/core';
import { type Arg, asTensor as T } from './arg.js';
import { attr, type NodeInfo } from './read.js';

interface Direction {
  /** This direction's W, R and bias rows, and its initial states. */
  readonly w: Tensor;
  readonly r: Tensor;
  readonly wb: Tensor | null;
  readonly rb: Tensor | null;
  readonly h0: Tensor;
  readonly c0: Tensor;
}

/** Checks what the unrolled cell does not implement and splits the weights per direction. */
function directions(args: readonly Arg[], node: NodeInfo, gates: number, stateInputs: number[]): Direction[] {
  const direction = attr.string(node, 'direction', 'forward');
  if (attr.int(node, 'layout', 0) !== 0)
    throw new UnsupportedError(`${node.label}: layout=1 is not supported`);
  if (node.attrs.has('clip')) throw new UnsupportedError(`${node.label}: clip is not supported`);
  if (attr.strings(node, 'activations')) {
    throw new UnsupportedError(`${node.label}: activations other than the defaults are not supported`);
  }
  if (args[4]) throw new UnsupportedError(`${node.label}: sequence_lens is not supported`);
  if (gates === 4 && args[7]) throw new UnsupportedError(`${node.label}: peepholes are not supported`);
  if (gates === 4 && attr.int(node, 'input_forget', 0) !== 0) {
    throw new UnsupportedError(`${node.label}: input_forget is not supported`);
  }
  const count = direction === 'bidirectional' ? 2 : 1;
  const x = T(args[0], node, 0);
  const hidden = attr.int(node, 'hidden_size', 0);
  const batch = x.shape[1]!;
  const w = T(args[1], node, 1);
  const r = T(args[2], node, 2);
  const b = args[3] ? T(args[3], node, 3) : null;
  const state = (i: number): Tensor | null => (args[i] ? T(args[i], node, i) : null);
  const [h0, c0] = stateInputs.map(state);
  return Array.from({ length: count }, (_, d) => {
    const pick = (t: Tensor) => reshape(gather(t, [d], 0), t.shape.slice(1));
    const bias = b ? split(pick(b), 2, 0) : null;
    return {
      w: pick(w),
      r: pick(r),
      wb: bias ? bias[0]! : null,
      rb: bias ? bias[1]! : null,
      h0: h0 ? pick(h0) : zeros([batch, hidden]),
      c0: c0 ? pick(c0) : zeros([batch, hidden]),
    };
  });
}

/** Runs `step` over time (backwards for the reverse direction) and stacks Y, Y_h (and Y_c). */
function unroll(
  x: Tensor,
  node: NodeInfo,
  dirs: readonly Direction[],
  step: (xt: Tensor, d: Direction, h: Tensor, c: Tensor) => [Tensor, Tensor],
): Tensor[] {
  const reverse = attr.string(node, 'direction', 'forward') === 'reverse';
  const seq = x.shape[0]!;
  const steps = seq === 0 ? [] : split(x, seq, 0).map((t) => reshape(t, t.shape.slice(1)));
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  dirs.forEach((d, k) => {
    const backwards = reverse || k === 1;
    let h = d.h0;
    let c = d.c0;
    const out: Tensor[] = new Array<Tensor>(seq);
    for (let i = 0; i < seq; i++) {
      const t = backwards ? seq - 1 - i : i;
      [h, c] = step(steps[t]!, d, h, c);
      out[t] = h;
    }
    ys.push(seq === 0 ? zeros([0, ...h.shape]) : stack(out, 0));
    hs.push(h);
    cs.push(c);
  });
  return [stack(ys, 1), stack(hs, 0), stack(cs, 0)];
}

/** x·Wᵀ (+ Wb) and h·Rᵀ (+ Rb) for one step. */
function affine(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const y = matmul(x, w, { transposeB: true });
  return b ? add(y, b) : y;
}

/**
 * ONNX LSTM: i = σ(x·Wiᵀ + h·Riᵀ + b), o and f likewise, c̃ = tanh(…), c' = f⊙c + i⊙c̃,
 * h' = o⊙tanh(c'). Outputs Y, Y_h, Y_c.
 */
export function lstm(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const dirs = directions(args, node, 4, [5, 6]);
  return unroll(x, node, dirs, (xt, d, h, c) => {
    const z = add(affine(xt, d.w, d.wb), affine(h, d.r, d.rb));
    const [i, o, f, g] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const next = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
    return [mul(sigmoid(o), tanh(next)), next];
  });
}

/**
 * ONNX GRU: z = σ(x·Wzᵀ + h·Rzᵀ + b), r likewise, h̃ = tanh(x·Whᵀ + r⊙(h·Rhᵀ + Rbh) + Wbh)
 * (linear_before_reset=1, PyTorch's) or tanh(x·Whᵀ + (r⊙h)·Rhᵀ + Rbh + Wbh), h' = (1−z)⊙h̃ + z⊙h.
 * Outputs Y, Y_h.
 */
export function gru(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const dirs = directions(args, node, 3, [5]);
  const beforeReset = attr.int(node, 'linear_before_reset', 0) === 1;
  const outs = unroll(x, node, dirs, (xt, d, h) => {
    const [wz, wr, wh] = split(affine(xt, d.w, d.wb), 3, 1) as [Tensor, Tensor, Tensor];
    const hidden = d.r.shape[1]!;
    const [rzr, rhh] = split(d.r, [2 * hidden, hidden], 0) as [Tensor, Tensor];
    const [rbzr, rbh] = d.rb ? (split(d.rb, [2 * hidden, hidden], 0) as [Tensor, Tensor]) : [null, null];
    const [hz, hr] = split(affine(h, rzr, rbzr), 2, 1) as [Tensor, Tensor];
    const z = sigmoid(add(wz, hz));
    const r = sigmoid(add(wr, hr));
    const candidate = beforeReset
      ? tanh(add(wh, mul(r, affine(h, rhh, rbh))))
      : tanh(add(wh, affine(mul(r, h), rhh, rbh)));
    const next = add(mul(sub(1, z), candidate), mul(z, h));
    return [next, next];
  });
  return outs.slice(0, 2);
}

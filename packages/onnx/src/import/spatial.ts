// The NCHW operators: convolution (plain and transposed), pooling, Resize, and batch and
// instance normalization. Core's conv, pooling and resize are NHWC, so each transposes in and
// out; a 1-D op runs as 2-D with a height of 1.

import {
  add,
  avgPool2d,
  concat,
  conv2d,
  conv2dTranspose,
  div,
  expandDims,
  maxPool2d,
  mean,
  mul,
  pad,
  reshape,
  resizeBilinear,
  resizeNearestNeighbor,
  split,
  sqrt,
  squeeze,
  sub,
  type Tensor,
  transpose,
  UnsupportedError,
} from '@nabla/core';
import { type Arg, isHost, optInts, asTensor as T } from './arg.js';
import type { DeviceOp } from './device-ops.js';
import { attr, type NodeInfo } from './read.js';

/**
 * ONNX `pads` ([x1_begin, x2_begin, x1_end, x2_end]; [begin, end] for 1-D, which runs with a
 * height of 1) or auto_pad, as core's padding for the two spatial axes.
 */
function windowPadding(node: NodeInfo, rank: number) {
  const auto = attr.string(node, 'auto_pad', 'NOTSET');
  if (auto === 'VALID') return 'valid' as const;
  // TF's 'same' puts the odd pixel at the end, as SAME_UPPER does.
  if (auto === 'SAME_UPPER') return 'same' as const;
  if (auto !== 'NOTSET') throw new UnsupportedError(`${node.label}: auto_pad ${auto} is not supported`);
  const p = attr.ints(node, 'pads') ?? new Array<number>(2 * (rank - 2)).fill(0);
  const q = rank === 3 ? [0, p[0]!, 0, p[1]!] : p;
  return [
    [q[0]!, q[2]!],
    [q[1]!, q[3]!],
  ] as const;
}

/** Runs a 2-D NHWC window op on an NCHW (or NCW, as height 1) input. */
function nchw(x: Tensor, node: NodeInfo, f: (nhwc: Tensor) => Tensor): Tensor {
  if (x.rank !== 3 && x.rank !== 4) {
    throw new UnsupportedError(
      `${node.label}: only 1-D and 2-D windows are supported, got input rank ${x.rank}`,
    );
  }
  const x4 = x.rank === 3 ? expandDims(x, 2) : x;
  const y = transpose(f(transpose(x4, [0, 2, 3, 1])), [0, 3, 1, 2]);
  return x.rank === 3 ? squeeze(y, [2]) : y;
}

/** Window attributes as 2-D lists; a 1-D op's become [height, value] (height 1 for sizes, 0 for output_padding). */
function window2d(
  node: NodeInfo,
  rank: number,
  name: string,
  fallback: number,
  height = 1,
): [number, number] {
  const v = attr.ints(node, name) ?? new Array<number>(rank - 2).fill(fallback);
  return v.length === 1 ? [height, v[0]!] : [v[0]!, v[1]!];
}

/** ONNX Conv: W is [C_out, C_in / group, kH, kW] (OIHW); groups run separately and join. */
export function conv(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const w = T(args[1], node, 1);
  const groups = attr.int(node, 'group', 1);
  const strides = window2d(node, x.rank, 'strides', 1);
  const dilations = window2d(node, x.rank, 'dilations', 1);
  const w4 = w.rank === 3 ? expandDims(w, 2) : w;
  const padding = windowPadding(node, x.rank);
  // OIHW → HWIO; a grouped conv runs each group on its channels and joins the outputs.
  const filter = transpose(w4, [2, 3, 1, 0]);
  const y = nchw(x, node, (xh) => {
    const options = { strides, dilations, padding };
    if (groups === 1) return conv2d(xh, filter, options);
    const xs = split(xh, groups, 3);
    const fs = split(filter, groups, 3);
    return concat(
      xs.map((xg, g) => conv2d(xg, fs[g]!, options)),
      3,
    );
  });
  const b = args[2];
  if (!b) return [y];
  const bias = T(b, node, 2);
  return [add(y, reshape(bias, [bias.size, ...new Array<number>(y.rank - 2).fill(1)]))];
}

/**
 * ONNX ConvTranspose: W is [C_in, C_out / group, kH, kW]; the output size is
 * s·(in − 1) + output_padding + (k − 1)·d + 1 − pad_begin − pad_end, which core's
 * conv2dTranspose gives with the same pads and an explicit output shape.
 */
export function convTranspose(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const w = T(args[1], node, 1);
  if (node.attrs.has('output_shape'))
    throw new UnsupportedError(`${node.label}: output_shape is not supported (give pads)`);
  if (attr.string(node, 'auto_pad', 'NOTSET') !== 'NOTSET') {
    throw new UnsupportedError(`${node.label}: auto_pad is not supported (give pads)`);
  }
  const groups = attr.int(node, 'group', 1);
  const strides = window2d(node, x.rank, 'strides', 1);
  const dilations = window2d(node, x.rank, 'dilations', 1);
  const extra = window2d(node, x.rank, 'output_padding', 0, 0);
  const padding = windowPadding(node, x.rank) as readonly (readonly [number, number])[];
  const w4 = w.rank === 3 ? expandDims(w, 2) : w;
  const [kh, kw] = [w4.shape[2]!, w4.shape[3]!];
  // [C_in, C_out/g, kH, kW] → [kH, kW, C_out/g, C_in], core's (TF's) transposed-conv layout.
  const filter = transpose(w4, [2, 3, 1, 0]);
  const y = nchw(x, node, (xh) => {
    const [n, h, wd] = [xh.shape[0]!, xh.shape[1]!, xh.shape[2]!];
    const outH =
      strides[0] * (h - 1) + extra[0] + (kh - 1) * dilations[0] + 1 - padding[0]![0] - padding[0]![1];
    const outW =
      strides[1] * (wd - 1) + extra[1] + (kw - 1) * dilations[1] + 1 - padding[1]![0] - padding[1]![1];
    const run = (xg: Tensor, fg: Tensor) =>
      conv2dTranspose(xg, fg, {
        strides,
        dilations,
        padding: [padding[0]!, padding[1]!],
        outputShape: [n, outH, outW, fg.shape[2]!],
      });
    if (groups === 1) return run(xh, filter);
    const xs = split(xh, groups, 3);
    const fs = split(filter, groups, 3);
    return concat(
      xs.map((xg, g) => run(xg, fs[g]!)),
      3,
    );
  });
  const b = args[2];
  if (!b) return [y];
  const bias = T(b, node, 2);
  return [add(y, reshape(bias, [bias.size, ...new Array<number>(y.rank - 2).fill(1)]))];
}

/**
 * ONNX Resize over the two spatial axes of NCHW: output size from `sizes` or ⌊in · scale⌋;
 * linear with half_pixel / pytorch_half_pixel / align_corners / asymmetric coordinates, and
 * nearest with asymmetric coordinates and floor (what PyTorch's mode='nearest' exports).
 */
export function resize(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  if (x.rank !== 4) throw new UnsupportedError(`${node.label}: only 4-D (NCHW) inputs are supported`);
  const mode = attr.string(node, 'mode', 'nearest');
  const coords = attr.string(node, 'coordinate_transformation_mode', 'half_pixel');
  if (
    attr.int(node, 'antialias', 0) !== 0 ||
    attr.int(node, 'exclude_outside', 0) !== 0 ||
    node.attrs.has('axes')
  ) {
    throw new UnsupportedError(`${node.label}: antialias, exclude_outside and axes are not supported`);
  }
  const sizes = optInts(args[3], node, 3);
  const scales = args[2] && isHost(args[2]) && args[2].data.length > 0 ? Array.from(args[2].data) : null;
  if (!sizes && !scales) throw new UnsupportedError(`${node.label}: needs constant scales or sizes`);
  const out = sizes ?? x.shape.map((d, i) => Math.floor(d * scales![i]!));
  if (out[0] !== x.shape[0] || out[1] !== x.shape[1]) {
    throw new UnsupportedError(`${node.label}: only the spatial axes may be resized`);
  }
  const size: [number, number] = [out[2]!, out[3]!];
  let f: (xh: Tensor) => Tensor;
  if (
    mode === 'linear' &&
    ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'].includes(coords)
  ) {
    const options = {
      alignCorners: coords === 'align_corners',
      halfPixelCenters: coords.endsWith('half_pixel'),
    };
    f = (xh) => resizeBilinear(xh, size, options);
  } else if (
    mode === 'nearest' &&
    coords === 'asymmetric' &&
    attr.string(node, 'nearest_mode', 'round_prefer_floor') === 'floor'
  ) {
    f = (xh) => resizeNearestNeighbor(xh, size);
  } else {
    throw new UnsupportedError(
      `${node.label}: mode '${mode}' with coordinate_transformation_mode '${coords}' is not supported`,
    );
  }
  return [nchw(x, node, f)];
}

/** ONNX MaxPool or AveragePool (1-D or 2-D; `count_include_pad` both ways). */
export function pool(kind: 'max' | 'avg'): DeviceOp {
  return (args, node) => {
    const x = T(args[0], node, 0);
    if (attr.int(node, 'ceil_mode', 0) !== 0)
      throw new UnsupportedError(`${node.label}: ceil_mode=1 is not supported`);
    const dil = attr.ints(node, 'dilations');
    if (dil?.some((d) => d !== 1)) throw new UnsupportedError(`${node.label}: dilations are not supported`);
    const poolSize = window2d(node, x.rank, 'kernel_shape', 1);
    const strides = window2d(node, x.rank, 'strides', 1);
    let padding: ReturnType<typeof windowPadding> = windowPadding(node, x.rank);
    const includePad = kind === 'avg' && attr.int(node, 'count_include_pad', 0) === 1;
    return [
      nchw(x, node, (xh) => {
        let input = xh;
        // Counting the padding in the average is average pooling of the zero-padded input.
        if (includePad && typeof padding !== 'string') {
          input = pad(xh, [[0, 0], padding[0], padding[1], [0, 0]]);
          padding = 'valid';
        }
        const options = { poolSize, strides, padding };
        return kind === 'max' ? maxPool2d(input, options) : avgPool2d(input, options);
      }),
    ];
  };
}

/** ONNX BatchNormalization in inference mode, over axis 1 (channels). */
export function batchNorm(args: readonly Arg[], node: NodeInfo): Tensor[] {
  if (attr.int(node, 'training_mode', 0) !== 0) {
    throw new UnsupportedError(
      `${node.label}: training_mode=1 is not supported (export the model in eval mode)`,
    );
  }
  const x = T(args[0], node, 0);
  const [scale, bias, m, v] = [1, 2, 3, 4].map((i) => {
    const p = T(args[i], node, i);
    return reshape(p, [p.size, ...new Array<number>(x.rank - 2).fill(1)]);
  }) as [Tensor, Tensor, Tensor, Tensor];
  // y = (x − mean) · scale / √(var + ε) + bias, with the running statistics (inference).
  const factor = div(scale, sqrt(add(v, attr.float(node, 'epsilon', 1e-5))));
  return [add(mul(sub(x, m), factor), bias)];
}

/** ONNX InstanceNormalization: statistics per sample and channel over the spatial axes. */
export function instanceNorm(args: readonly Arg[], node: NodeInfo): Tensor[] {
  const x = T(args[0], node, 0);
  const axes = x.shape.map((_, i) => i).slice(2);
  const perChannel = (i: number) => {
    const p = T(args[i], node, i);
    return reshape(p, [p.size, ...axes.map(() => 1)]);
  };
  // y = scale · (x − mean) / √(var + ε) + B, statistics per sample and channel.
  const centred = sub(x, mean(x, { axis: axes, keepDims: true }));
  const variance = mean(mul(centred, centred), { axis: axes, keepDims: true });
  const y = div(centred, sqrt(add(variance, attr.float(node, 'epsilon', 1e-5))));
  return [add(mul(y, perChannel(1)), perChannel(2))];
}

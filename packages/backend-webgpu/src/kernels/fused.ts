// The optional fused kernels (core's fused-prims.ts) the WebGPU backend has: matmul with its
// bias + activation epilogue applied in registers before the single store, and the SGD and
// Adam updates as one elementwise pass writing every new slot. Core runs the composite of
// ordinary ops for softmaxCrossEntropy. Each pass binds at most 8 storage buffers, the
// 8 that compatibility devices guarantee (Adam with AMSGrad takes two passes for that reason:
// 8 bindings, then 4).

import type { DType, FusedActivation } from '@nabla/core';
import type { FusedKernel, FusedKernelTable, OutInfo, TensorInfo } from '@nabla/core/internal';
import { dispatchInto, type GpuContext, gpuData } from '../gpu-context.js';
import type { GpuData } from '../gpu-data.js';
import { ENTRY, floatStorage, GRID_INDEX, groupsFor, PRELUDE } from '../wgsl.js';
import { elementwiseKernel } from './chain.js';
import { matmulDispatch } from './matmul.js';

/** The activation epilogue of fusedMatmul, with NaN kept as the unfused ops keep it. */
const EPILOGUE: Record<FusedActivation, string> = {
  linear: 'return x;',
  relu: 'if (is_nan(x)) { return x; } return select(x, 0.0, x <= 0.0);',
  relu6: 'if (is_nan(x)) { return x; } return clamp(x, 0.0, 6.0);',
  sigmoid: 'if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e);',
  tanh: 'if (is_nan(x)) { return x; } return tanh(clamp(x, -9.0, 9.0));',
};

/**
 * fusedMatmul: act(a·b + bias) in one pass.
 * @example
 * const kernel = fusedMatmulKernel(ctx);
 */
export function fusedMatmulKernel(ctx: GpuContext): FusedKernel<'fusedMatmul'> {
  return (inputs, { transposeA, transposeB, hasBias, activation }, outs) => {
    const [a, b, bias] = inputs;
    const epilogue = `${PRELUDE}\nfn activate(x: f32) -> f32 { ${EPILOGUE[activation]} }\n`;
    return [
      matmulDispatch(ctx, 'fusedMatmul', a!, b!, outs[0]!, transposeA, transposeB, {
        key: `${activation}:${hasBias}`,
        code: epilogue,
        bias: hasBias ? bias! : null,
      }),
    ];
  };
}

/** One elementwise pass over `inputs` writing `outs`, all of one size; `body` sets o0, o1, .... */
function updatePass(
  ctx: GpuContext,
  op: string,
  key: string,
  inputs: readonly TensorInfo[],
  outs: readonly GpuData[],
  scalars: readonly number[],
  body: string,
): void {
  const n = inputs[0]!.size;
  // Weights, gradients and slots share one float dtype; the update is computed in f32.
  const dtype = inputs[0]!.dtype;
  const code = () => {
    // Every binding must be used, or the automatic layout drops it.
    const keep = inputs.map((_, k) => `  _ = arrayLength(&x${k});\n`).join('');
    const ins = inputs.map((_, k) => `@group(0) @binding(${k + 1}) var<storage, read> x${k}: array<F>;`);
    const os = outs.map(
      (_, k) => `@group(0) @binding(${inputs.length + k + 1}) var<storage, read_write> y${k}: array<F>;`,
    );
    return `${PRELUDE}${floatStorage(dtype)}
struct Params { n: u32, e0: u32, e1: u32, e2: u32, s: vec4<f32> }
@group(0) @binding(0) var<uniform> p: Params;
${ins.join('\n')}
${os.join('\n')}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
${keep}${body}
}
`;
  };
  const pipeline = ctx.queue.pipeline(`${op}:${key}:${dtype}`, code);
  const params = new Uint32Array(8);
  params[0] = n;
  params.set(new Uint32Array(new Float32Array([...scalars, 0, 0, 0, 0].slice(0, 4)).buffer), 4);
  ctx.queue.dispatch({
    pipeline,
    params,
    buffers: [...inputs.map((t) => gpuData(t.handle, op).buffer), ...outs.map((o) => o.buffer)],
    workgroups: groupsFor(n),
  });
}

/**
 * sgdUpdate: m ← μ·m − lr·g; w ← w + m (Nesterov: w + μ·m − lr·g); without momentum w − lr·g.
 * @example
 * const kernel = sgdUpdateKernel(ctx);
 */
export function sgdUpdateKernel(ctx: GpuContext): FusedKernel<'sgdUpdate'> {
  return (inputs, { learningRate, momentum, nesterov }, outs) => {
    const results = outs.map((out) => ctx.alloc(out));
    if (momentum > 0) {
      const step = nesterov ? 'f32(x0[i]) + p.s.y * m - p.s.x * f32(x1[i])' : 'f32(x0[i]) + m';
      updatePass(
        ctx,
        'sgdUpdate',
        `momentum:${nesterov}`,
        inputs,
        results,
        [learningRate, momentum],
        `
  let m = p.s.y * f32(x2[i]) - p.s.x * f32(x1[i]);
  y1[i] = st(m);
  y0[i] = st(${step});`,
      );
    } else {
      updatePass(
        ctx,
        'sgdUpdate',
        'plain',
        inputs,
        results,
        [learningRate],
        '  y0[i] = st(f32(x0[i]) - p.s.x * f32(x1[i]));',
      );
    }
    return results;
  };
}

/**
 * adamUpdate: m ← m + (1−β1)(g − m); v ← v + (1−β2)(g² − v); with AMSGrad v̂ ← max(v̂, v)
 * replaces v in the step; w ← w − α·m/(√v + ε).
 * @example
 * const kernel = adamUpdateKernel(ctx);
 */
export function adamUpdateKernel(ctx: GpuContext): FusedKernel<'adamUpdate'> {
  return (inputs, { alpha, beta1, beta2, epsilon, amsgrad }, outs) => {
    const [w, g, m, v, vhat] = inputs;
    const results = outs.map((out) => ctx.alloc(out));
    const scalars = [alpha, 1 - beta1, 1 - beta2, epsilon];
    const moments = `
  let g = f32(x1[i]);
  let m = f32(x2[i]) + p.s.y * (g - f32(x2[i]));
  let v = f32(x3[i]) + p.s.z * (g * g - f32(x3[i]));`;
    if (!amsgrad) {
      updatePass(
        ctx,
        'adamUpdate',
        'plain',
        [w!, g!, m!, v!],
        results,
        scalars,
        `${moments}
  y1[i] = st(m);
  y2[i] = st(v);
  y0[i] = st(f32(x0[i]) - p.s.x * m / (sqrt(v) + p.s.w));`,
      );
      return results;
    }
    // Pass 1: the moments and v̂ (5 inputs would not fit beside 4 outputs); pass 2: the weights.
    const [w1, m1, v1, vhat1] = results as [GpuData, GpuData, GpuData, GpuData];
    updatePass(
      ctx,
      'adamUpdate',
      'amsgrad-moments',
      [w!, g!, m!, v!, vhat!],
      [m1, v1, vhat1],
      scalars,
      `${moments}
  y0[i] = st(m);
  y1[i] = st(v);
  y2[i] = st(max(f32(x4[i]), v));`,
    );
    const views = [m1, vhat1].map((d) => ({ ...w!, handle: d }));
    updatePass(
      ctx,
      'adamUpdate',
      'amsgrad-step',
      [w!, ...views],
      [w1],
      scalars,
      `
  y0[i] = st(f32(x0[i]) - p.s.x * f32(x1[i]) / (sqrt(f32(x2[i])) + p.s.w));`,
    );
    return results;
  };
}

/**
 * A shader running one thread per row of `x` `[p.n, p.c]` (the softmax kernels): the params,
 * `x`, an optional second input `t`, the output `y`, and `row_max(row)`, the row's maximum or
 * NaN when any element is NaN.
 */
function rowShader(dtype: DType, second: string | null, body: string): string {
  const t = second ? `@group(0) @binding(2) var<storage, read> t: array<${second}>;\n` : '';
  return `${PRELUDE}${floatStorage(dtype)}
struct Params { n: u32, c: u32, e0: u32, e1: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<F>;
${t}@group(0) @binding(${second ? 3 : 2}) var<storage, read_write> y: array<F>;
fn row_max(row: u32) -> f32 {
  var m = -inf();
  for (var c = 0u; c < p.c; c++) {
    let v = f32(x[row + c]);
    if (is_nan(v)) { return nan(); }
    m = max(m, v);
  }
  return m;
}
${ENTRY} {
  ${GRID_INDEX}
  if (i >= p.n) { return; }
  let row = i * p.c;
${body}
}
`;
}

/** Records a row shader over `inputs` (`[rows, cols]` first) into new storage for `out`. */
function rowDispatch(
  ctx: GpuContext,
  op: string,
  key: string,
  code: () => string,
  inputs: readonly TensorInfo[],
  out: OutInfo,
): GpuData {
  const [rows, cols] = inputs[0]!.shape as [number, number];
  return dispatchInto(ctx, op, out, {
    key,
    code,
    params: new Uint32Array([rows, cols, 0, 0]),
    inputs: inputs.map((t) => t.handle),
    workgroups: groupsFor(rows),
  });
}

/**
 * softmaxCrossEntropy: per row of logits `[N, C]`, loss = Σ_c y_c·(lse − x_c) with lse the
 * max-shifted log-sum-exp, in f32; sparse labels (int32 `[N]`) pick one class, and a label
 * outside [0, C) gives 0. One thread per row, with the CPU kernel's arithmetic.
 * @example
 * const kernel = softmaxCrossEntropyKernel(ctx);
 */
export function softmaxCrossEntropyKernel(ctx: GpuContext): FusedKernel<'softmaxCrossEntropy'> {
  return (inputs, { sparse }, [out]) => {
    const x = inputs[0]!;
    // The CPU kernel's arithmetic step by step: NaN anywhere in the row makes lse NaN, an
    // infinite maximum shifts by 0, and zero weights still multiply (0 · ∞ is NaN there too).
    const body = `  let m = row_max(row);
  let shift = select(0.0, m, !is_inf(m));
  var s = 0.0;
  for (var c = 0u; c < p.c; c++) { s += exp(f32(x[row + c]) - shift); }
  var lse = log(s) + shift;
  if (is_nan(m)) { lse = nan(); }
  var loss = 0.0;
  ${
    sparse
      ? `let k = t[i];
  if (k >= 0 && u32(k) < p.c) { loss = lse - f32(x[row + u32(k)]); }`
      : `for (var c = 0u; c < p.c; c++) { loss += f32(t[row + c]) * (lse - f32(x[row + c])); }`
  }
  y[i] = st(loss);`;
    const code = () => rowShader(x.dtype, sparse ? 'i32' : 'F', body);
    return [
      rowDispatch(ctx, 'softmaxCrossEntropy', `softmaxCrossEntropy:${sparse}:${x.dtype}`, code, inputs, out!),
    ];
  };
}

/**
 * Softmax over each row of `[rows, cols]`: e^(x − m) / Σ in f32, one thread per row, the
 * exponentials written once and scaled in place. As the composite: NaN anywhere in a row, or an
 * infinite maximum, makes the row NaN.
 * @example
 * const kernel = softmaxKernel(ctx);
 */
export function softmaxKernel(ctx: GpuContext): FusedKernel<'softmax'> {
  return (inputs, _params, [out]) => {
    const dtype = inputs[0]!.dtype;
    const body = `  let m = row_max(row);
  if (is_nan(m) || is_inf(m)) {
    for (var c = 0u; c < p.c; c++) { y[row + c] = st(nan()); }
    return;
  }
  var s = 0.0;
  for (var c = 0u; c < p.c; c++) {
    let e = exp(f32(x[row + c]) - m);
    s += e;
    y[row + c] = st(e);
  }
  for (var c = 0u; c < p.c; c++) { y[row + c] = st(f32(y[row + c]) / s); }`;
    const code = () => rowShader(dtype, null, body);
    return [rowDispatch(ctx, 'softmax', `softmax:${dtype}`, code, inputs, out!)];
  };
}

/**
 * The fused kernels the WebGPU backend has.
 * @example
 * const fused = createFusedKernels(ctx);
 */
export function createFusedKernels(ctx: GpuContext): Partial<FusedKernelTable> {
  return {
    elementwise: elementwiseKernel(ctx),
    fusedMatmul: fusedMatmulKernel(ctx),
    softmaxCrossEntropy: softmaxCrossEntropyKernel(ctx),
    softmax: softmaxKernel(ctx),
    sgdUpdate: sgdUpdateKernel(ctx),
    adamUpdate: adamUpdateKernel(ctx),
  };
}

// The consumer program of the pack test (../pack.test.ts), written as a user outside the
// repository writes it against the installed tarballs: core ops and tensor methods, the cpu and
// wasm backends, an nn model fit, and that model through ONNX and back. Type-checked with `tsc --strict` (no skipLibCheck) for
// Node and for browsers, run in Node, and bundled for browsers with esbuild and Vite.

import { getBackend, grad, matmul, setBackend, sum, type Tensor, tensor, tidy } from '@nabla/core';
import '@nabla/backend-cpu';
import { WasmBackend } from '@nabla/backend-wasm';
import { dense, sequential, sgd } from '@nabla/nn';
import { exportOnnx, importOnnx } from '@nabla/onnx';

/** What the program computed, compared by the test across Node and the browser bundles. */
export interface ProgramResult {
  backends: string[];
  product: number[][];
  gradient: number[][];
  chained: number[];
  wasmProduct: number[][];
  wasmThreads: number;
  fitLoss: { first: number; last: number };
  prediction: number;
  /** The fitted line exported to ONNX and imported back: its prediction at x = 4. */
  onnxPrediction: number;
}

async function coreOps(): Promise<Pick<ProgramResult, 'product' | 'gradient' | 'chained'>> {
  const a = tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = tensor([
    [5, 6],
    [7, 8],
  ]);
  const product = (await matmul(a, b).array()) as number[][];
  // d/da sum(a·b) = 1·bᵀ: each row holds the row sums of b.
  const gradient = (await grad((x: Tensor) => sum(matmul(x, b)))(a).array()) as number[][];
  // Tensor methods, chained: (a + 1)² summed over axis 0, then halved.
  const chained = tidy(() => a.add(1).square().sum({ axis: 0 }).div(2));
  const values = Array.from(await chained.data());
  return { product, gradient, chained: values };
}

async function wasmOps(): Promise<Pick<ProgramResult, 'wasmProduct' | 'wasmThreads'>> {
  await setBackend('wasm');
  const product = (await tensor([
    [1, 2],
    [3, 4],
  ])
    .matmul([
      [5, 6],
      [7, 8],
    ])
    .array()) as number[][];
  // A backend of one's own, as the class API makes it.
  const own = await WasmBackend.create({ threads: 1 });
  const threads = own.threadInfo().threads;
  own.dispose();
  return { wasmProduct: product, wasmThreads: threads };
}

async function fitLine(): Promise<Pick<ProgramResult, 'fitLoss' | 'prediction' | 'onnxPrediction'>> {
  await setBackend('cpu');
  // y = 2x + 1, learnt by one dense unit.
  const x = tensor([[0], [1], [2], [3]]);
  const y = x.mul(2).add(1);
  const model = sequential([dense({ units: 1, inputShape: [1] })]);
  model.compile({ optimizer: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
  const history = await model.fit(x, y, { epochs: 200, batchSize: 4, shuffle: false, verbose: 0 });
  const losses = history.history['loss'] ?? [];
  const prediction = (await model.predict(tensor([[4]])).data())[0] ?? Number.NaN;
  // Through ONNX and back: the imported model is a Nabla model with the same weights.
  const imported = await importOnnx(await exportOnnx(model), { source: 'line.onnx' });
  const onnxPrediction = (await imported.predict(tensor([[4]])).data())[0] ?? Number.NaN;
  return {
    fitLoss: { first: losses[0] ?? Number.NaN, last: losses.at(-1) ?? Number.NaN },
    prediction,
    onnxPrediction,
  };
}

/** Runs every part, cpu first, and reports what each computed. */
export async function runProgram(): Promise<ProgramResult> {
  await setBackend('cpu');
  const backends = [getBackend()];
  const core = await coreOps();
  const wasm = await wasmOps();
  backends.push(getBackend());
  const fit = await fitLine();
  return { backends, ...core, ...wasm, ...fit };
}

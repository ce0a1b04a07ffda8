// The program the browser smoke test bundles: '@nabla/backend-webgpu' (the browser entry, on
// navigator.gpu) under '@nabla/core', a few ops and a gradient, each compared in the page with
// plain JavaScript. The outcome goes to `window.nablaResult` for the test to read.

import '@nabla/backend-webgpu';
import { getBackend, grad, matmul, memory, relu, setBackend, softmax, sum, tensor, tidy } from '@nabla/core';

interface SmokeResult {
  backend: string;
  checks: Record<string, boolean>;
  syncError: string;
  /** Tensors alive after the checks disposed their results, minus those alive before (0). */
  liveTensors: number;
  error?: string;
}

function close(got: ArrayLike<number>, want: readonly number[]): boolean {
  return (
    got.length === want.length && want.every((w, i) => Math.abs(got[i]! - w) <= 1e-5 * (1 + Math.abs(w)))
  );
}

async function run(): Promise<SmokeResult> {
  await setBackend('webgpu');
  const checks: Record<string, boolean> = {};
  const before = memory().numTensors;
  const out = tidy(() => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = tensor([
      [1, -1],
      [0, 2],
      [3, 0.5],
    ]);
    return {
      matmul: matmul(a, b),
      elementwise: relu(a.sub(3.5)).mul(2),
      sum: sum(a, { axis: 1 }),
      softmax: softmax(tensor([1, 2, 3])),
      // d/dx Σ x² = 2x
      grad: grad((x) => sum(x.mul(x)))(tensor([1, -2, 3])),
      int32: tensor([7, -8], [2], 'int32').add(tensor([1, 1], [2], 'int32')),
    };
  });
  const e = [1, 2, 3].map((v) => Math.exp(v - 3));
  checks.matmul = close(await out.matmul.data(), [10, 4.5, 22, 9]);
  checks.elementwise = close(await out.elementwise.data(), [0, 0, 0, 1, 3, 5]);
  checks.sum = close(await out.sum.data(), [6, 15]);
  checks.softmax = close(
    await out.softmax.data(),
    e.map((v) => v / (e[0]! + e[1]! + e[2]!)),
  );
  checks.grad = close(await out.grad.data(), [2, -4, 6]);
  checks.int32 = out.int32.dtype === 'int32' && close(await out.int32.data(), [8, -7]);
  let syncError = '';
  try {
    out.matmul.dataSync();
  } catch (err) {
    syncError = String(err);
  }
  for (const t of Object.values(out)) t.dispose();
  return { backend: getBackend(), checks, syncError, liveTensors: memory().numTensors - before };
}

declare global {
  interface Window {
    nablaResult?: SmokeResult;
  }
}

run().then(
  (result) => {
    window.nablaResult = result;
  },
  (err: unknown) => {
    window.nablaResult = { backend: '', checks: {}, syncError: '', liveTensors: -1, error: String(err) };
  },
);

// The nn MLP's `predict` on Nabla's wasm backend against ONNX Runtime's WebAssembly build
// (`onnxruntime-web`, its Node entry) on the same model: Nabla's seeded model is exported with
// `exportOnnx` and those bytes are ONNX Runtime's session, so both run the same weights. One
// thread each; onnxruntime-web is looked for only when a row runs, and a missing one is skipped.

import { createRequire } from 'node:module';
import { setBackend, tensor } from '@nabla/core';
import { exportOnnx } from '@nabla/onnx';
import type * as OrtWeb from 'onnxruntime-web';
import type { Found } from '../native.js';
import {
  type BenchCase,
  type BenchRow,
  type GroupOptions,
  randomValues,
  relativeError,
  timeAsync,
  timeCall,
} from '../registry.js';
import { compiledNablaModel, MODEL_LABELS } from './nn-models.js';

let ortWeb: Found<typeof OrtWeb> | undefined;

/**
 * onnxruntime-web's Node build, set to one thread with no proxy worker. It loads its .wasm from
 * its own dist folder (no `wasmPaths` needed, nothing fetched).
 * @example
 * const ort = onnxRuntimeWeb(); // { ok: true, value: <module>, version: 'ONNX Runtime Web 1.30.0' }
 */
export function onnxRuntimeWeb(): Found<typeof OrtWeb> {
  if (ortWeb) return ortWeb;
  try {
    const ort: typeof OrtWeb = createRequire(import.meta.url)('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ortWeb = { ok: true, value: ort, version: `ONNX Runtime Web ${ort.env.versions.web}` };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    ortWeb = { ok: false, reason: `onnxruntime-web not found (${why})` };
  }
  return ortWeb;
}

/** `model.predict` of the nn MLP at `batch` on Nabla wasm ×1, and `session.run` of its ONNX export. */
export function ortWebPredictRow(batch: number): BenchRow {
  return {
    group: 'ort-web',
    name: `nn ${MODEL_LABELS.mlp} predict batch ${batch}`,
    backend: 'wasm ×1',
    peer: 'ort-web ×1',
    unit: 'samples/s',
    work: batch,
    latency: { unit: 'ms', per: 'predict', count: 1 },
    // Same weights and inputs; only the summation order differs.
    tolerance: 1e-4,
    get peerMissing() {
      const found = onnxRuntimeWeb();
      return found.ok ? undefined : { status: 'skipped' as const, reason: found.reason };
    },
    async setup(): Promise<BenchCase> {
      await setBackend('bench-wasm-1');
      const { model, dispose: disposeModel } = compiledNablaModel('mlp');
      const values = randomValues(batch * 784, 81).map((v) => (v + 1) / 2);
      const x = tensor(values, [batch, 784]);
      const dispose = (): void => {
        x.dispose();
        disposeModel();
      };
      const ort = onnxRuntimeWeb();
      const runtime = ort.ok ? ort.value : undefined;
      let session: OrtWeb.InferenceSession | undefined;
      try {
        if (runtime) {
          const bytes = await exportOnnx(model);
          session = await runtime.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
        }
      } catch (error) {
        dispose();
        throw error;
      }
      const ours = () => model.predict(x, { batchSize: batch });
      // The timed call: a fresh input tensor over the same values, as a caller would make.
      const runOrt = async (): Promise<Float32Array> => {
        const input = new runtime!.Tensor('float32', values, [batch, 784]);
        const outputs = await session!.run({ [session!.inputNames[0]!]: input });
        return outputs[session!.outputNames[0]!]!.data as Float32Array;
      };
      return {
        ours: () => timeCall(ours),
        theirs: session ? () => timeAsync(runOrt) : undefined,
        notes: ort.ok ? [`${ort.version}, wasm execution provider, numThreads 1, no proxy worker`] : [],
        async verify() {
          if (!session) return undefined;
          const y = ours();
          const data = await y.data();
          y.dispose();
          return relativeError(data, await runOrt());
        },
        dispose() {
          dispose();
          void session?.release();
        },
      };
    },
  };
}

/** The ort-web group: the nn MLP's predict at batch 1 and 128. */
export function ortWebGroup(_options: GroupOptions): BenchRow[] {
  return [1, 128].map((batch) => ortWebPredictRow(batch));
}

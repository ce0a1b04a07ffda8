// Native references beside Nabla's wasm backend at equal threads: the nn MLP and CNN `fit` epochs
// against the same models trained by PyTorch on the CPU, and matmul 512 and 1024 against ONNX
// Runtime (onnxruntime-node). Where a native peer is missing the row still measures Nabla and
// says why the peer was skipped. The peers are looked for only when a row runs, so a filtered
// run that skips these rows starts no Python.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matmul, setBackend, type Tensor, tensor } from '@nabla/core';
import { hasFashionMnist, trainingData } from '../fashion-mnist.js';
import { type Found, matmulModel, onnxRuntimeNode, pythonWithTorch, startTorch } from '../native.js';
import {
  type BenchCase,
  type BenchRow,
  type GroupOptions,
  type PeerMissing,
  randomValues,
  relativeError,
  secondsSince,
  timeAsync,
  timeCall,
} from '../registry.js';
import {
  compiledNablaModel,
  FIT_WARMUP,
  MODEL_LABELS,
  type NnModelKind,
  sampleShape,
  TRAIN_GFLOP_PER_SAMPLE,
} from './nn-models.js';

/** Nabla's wasm backend at a thread count, against a native peer at the same count. */
/** The pause after each sample of a multi-threaded native peer (see `MeasurePlan.settleSeconds`). */
const SETTLE_SECONDS = 0.3;

interface NativePairing {
  threads: 1 | 2;
  /** The bench's wasm backend of that thread count (registered in pairings.ts). */
  nablaBackend: string;
}

const NATIVE_PAIRINGS: readonly NativePairing[] = [
  { threads: 1, nablaBackend: 'bench-wasm-1' },
  { threads: 2, nablaBackend: 'bench-wasm-2' },
];

function skipped(found: Found<unknown>): PeerMissing | undefined {
  return found.ok ? undefined : { status: 'skipped', reason: found.reason };
}

/** Throws unless every epoch's loss is finite and the last is below the first. */
function checkFell(side: string, losses: readonly number[]): void {
  const fell = losses.length < 2 || losses[losses.length - 1]! < losses[0]!;
  if (!losses.every(Number.isFinite) || !fell) {
    throw new Error(`bench: ${side} loss did not decrease over epochs: ${losses.join(', ')}`);
  }
}

/** Timed epochs per side. */
const TIMED_EPOCHS: Record<NnModelKind, number> = { mlp: 5, cnn: 3 };

/** One `fit` epoch of `kind` on Nabla's wasm backend and on PyTorch CPU, at `pairing.threads`. */
export function torchFitRow(
  options: { kind: NnModelKind; samples: number; batchSize: number },
  pairing: NativePairing,
): BenchRow {
  const { kind, samples, batchSize } = options;
  const source = hasFashionMnist() ? 'fashion-mnist' : 'synthetic';
  const steps = Math.ceil(samples / batchSize);
  return {
    group: 'native',
    name: `nn ${MODEL_LABELS[kind]} fit epoch adam batch ${batchSize} × ${steps} steps (${samples} ${source})`,
    backend: `wasm ×${pairing.threads}`,
    peer: `pytorch-cpu ×${pairing.threads}`,
    unit: 'samples/s',
    work: samples,
    gflopPerWork: TRAIN_GFLOP_PER_SAMPLE[kind],
    latency: { unit: 's', per: 'epoch', count: 1 },
    // Untimed epochs first, on both sides (FIT_WARMUP says why and how many).
    plan: {
      warmup: FIT_WARMUP.epochs[kind],
      warmupSeconds: 0,
      warmupMaxSeconds: FIT_WARMUP.maxSeconds,
      reps: TIMED_EPOCHS[kind],
      minReps: 3,
    },
    // PyTorch's OpenMP and OpenBLAS threads spin for a while after an epoch (OpenBLAS about
    // 2^28 cycles) before they sleep: a pause keeps them out of Nabla's next epoch.
    peerPlan: { settleSeconds: pairing.threads > 1 ? SETTLE_SECONDS : 0 },
    get peerMissing() {
      return skipped(pythonWithTorch());
    },
    async setup(): Promise<BenchCase> {
      await setBackend(pairing.nablaBackend);
      const data = trainingData(samples);
      const { model, dispose: disposeModel } = compiledNablaModel(kind);
      const x = tensor(data.x, [samples, ...sampleShape(kind)]);
      const y = tensor(data.y, [samples, 10]);
      const first = Math.min(batchSize, samples);
      const fitOptions = { epochs: 1, batchSize, shuffle: false, verbose: 0 } as const;
      const python = pythonWithTorch();
      const dir = python.ok ? mkdtempSync(join(tmpdir(), 'nabla-bench-torch-')) : undefined;
      let trainer: Awaited<ReturnType<typeof startTorch>> | undefined;
      const dispose = (): void => {
        trainer?.dispose();
        if (dir) rmSync(dir, { recursive: true, force: true });
        x.dispose();
        y.dispose();
        disposeModel();
      };
      const losses = { ours: [] as number[], theirs: [] as number[] };
      try {
        const xFirst = tensor(data.x.subarray(0, first * 784), [first, ...sampleShape(kind)]);
        const yFirst = tensor(data.y.subarray(0, first * 10), [first, 10]);
        await model.fit(xFirst, yFirst, fitOptions);
        xFirst.dispose();
        yFirst.dispose();
        if (python.ok && dir) {
          const file = join(dir, 'data.f32');
          const bytes = new Float32Array(samples * 794);
          bytes.set(data.x.subarray(0, samples * 784));
          bytes.set(data.y.subarray(0, samples * 10), samples * 784);
          writeFileSync(file, bytes);
          const started = { kind, threads: pairing.threads, dataFile: file, samples, batchSize };
          trainer = await startTorch(python.value, started);
        }
      } catch (error) {
        dispose();
        throw error;
      }
      const peer = trainer;
      return {
        async ours() {
          const start = performance.now();
          const history = await model.fit(x, y, fitOptions);
          const seconds = secondsSince(start);
          losses.ours.push(history.history.loss![0]!);
          return seconds;
        },
        theirs: peer
          ? async () => {
              const { seconds, loss } = await peer.epoch();
              losses.theirs.push(loss);
              return seconds;
            }
          : undefined,
        notes: python.ok ? [`${python.version} (${python.value}), OMP_NUM_THREADS=${pairing.threads}`] : [],
        async verify() {
          checkFell('Nabla', losses.ours);
          if (peer) checkFell('PyTorch', losses.theirs);
          // Different initial weights: the losses are checked for falling, not compared.
          return undefined;
        },
        dispose,
      };
    },
  };
}

/** c = a·b for n×n squares on Nabla's wasm backend and on ONNX Runtime, at `pairing.threads`. */
export function ortMatmulRow(n: number, pairing: NativePairing): BenchRow {
  return {
    group: 'native',
    name: `matmul ${n}x${n} · ${n}x${n}`,
    backend: `wasm ×${pairing.threads}`,
    peer: `onnxruntime ×${pairing.threads}`,
    unit: 'GFLOP/s',
    work: (2 * n * n * n) / 1e9,
    // ONNX Runtime's intra-op threads also spin a little before they sleep.
    peerPlan: { settleSeconds: pairing.threads > 1 ? SETTLE_SECONDS / 3 : 0 },
    get peerMissing() {
      return skipped(onnxRuntimeNode());
    },
    async setup(): Promise<BenchCase> {
      await setBackend(pairing.nablaBackend);
      const aValues = randomValues(n * n, 1);
      const bValues = randomValues(n * n, 2);
      const a: Tensor = tensor(aValues, [n, n]);
      const b: Tensor = tensor(bValues, [n, n]);
      const ort = onnxRuntimeNode();
      const session = ort.ok
        ? await ort.value.InferenceSession.create(matmulModel(n, n, n), {
            intraOpNumThreads: pairing.threads,
            interOpNumThreads: 1,
            executionMode: 'sequential',
          })
        : undefined;
      const feeds = ort.ok
        ? {
            a: new ort.value.Tensor('float32', aValues, [n, n]),
            b: new ort.value.Tensor('float32', bValues, [n, n]),
          }
        : {};
      const runOrt = async (): Promise<Float32Array> => (await session!.run(feeds)).c!.data as Float32Array;
      return {
        ours: () => timeCall(() => matmul(a, b)),
        theirs: session ? () => timeAsync(runOrt) : undefined,
        notes: ort.ok ? [`${ort.version}, intraOpNumThreads ${pairing.threads}`] : [],
        async verify() {
          if (!session) return undefined;
          const y = matmul(a, b);
          const ours = await y.data();
          y.dispose();
          return relativeError(ours, await runOrt());
        },
        dispose() {
          a.dispose();
          b.dispose();
          void session?.release();
        },
      };
    },
  };
}

const MATMUL_SIZES = [512, 1024];
const MLP_SAMPLES = 12_800;
const QUICK_MLP_SAMPLES = 512;
const CNN_SAMPLES = 2048;
const QUICK_CNN_SAMPLES = 64;

/** The native group: matmul against ONNX Runtime, MLP and CNN epochs against PyTorch, 1 and 2 threads. */
export function nativeGroup(options: GroupOptions): BenchRow[] {
  const { quick } = options;
  const sizes = options.sizes ?? (quick ? [512] : MATMUL_SIZES);
  return NATIVE_PAIRINGS.flatMap((pairing) => [
    ...sizes.map((n) => ortMatmulRow(n, pairing)),
    torchFitRow({ kind: 'mlp', samples: quick ? QUICK_MLP_SAMPLES : MLP_SAMPLES, batchSize: 128 }, pairing),
    torchFitRow({ kind: 'cnn', samples: quick ? QUICK_CNN_SAMPLES : CNN_SAMPLES, batchSize: 64 }, pairing),
  ]);
}

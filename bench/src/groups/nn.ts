// End to end through the high-level APIs: Nabla's `sequential([...])` + `compile` + `fit` /
// `predict` against tfjs-layers' `tf.sequential()` + `compile` + `fit` / `predict`, on the
// Fashion-MNIST MLP and CNN (nn-models.ts). Training rows time one `fit` epoch (the loops'
// batching, bookkeeping and metrics included; no shuffling, so both sides see the same batches);
// inference rows time `model.predict` at batch 1 and 128.

import type * as tf from '@tensorflow/tfjs-core';
import { hasFashionMnist, trainingData } from '../fashion-mnist.js';
import { activate, PAIRINGS, type Pairing } from '../pairings.js';
import {
  type BenchCase,
  type BenchRow,
  compareCalls,
  type GroupOptions,
  type PeerMissing,
  randomValues,
  relativeError,
  secondsSince,
  timeCall,
} from '../registry.js';
import { NO_FILTER_GRADIENT } from './conv2d.js';
import {
  dataPair,
  FIT_WARMUP,
  MODEL_LABELS,
  modelPair,
  type NnModelKind,
  TRAIN_GFLOP_PER_SAMPLE,
} from './nn-models.js';

/** Options of one `fit` row; the group picks them from `--quick`, tests pick tiny ones. */
export interface FitRowOptions {
  kind: NnModelKind;
  samples: number;
  batchSize: number;
  /** Samples of the peer's epoch, where it is too slow for Nabla's (default `samples`). */
  peerSamples?: number;
  /** Why the peer does not train this model here. */
  peerMissing?: PeerMissing;
  /** Untimed epochs before the timed ones (default 0; `FIT_WARMUP` in full runs). */
  warmupEpochs?: number;
}

/** Epoch-mean losses of each timed epoch. */
type LossLog = number[];

/** Throws unless the epoch-mean loss fell from the first timed epoch to the last (when there are two). */
function checkLossFell(side: string, losses: LossLog): void {
  if (!losses.every(Number.isFinite))
    throw new Error(`bench: ${side} loss is not finite: ${losses.join(', ')}`);
  if (losses.length >= 2 && !(losses[losses.length - 1]! < losses[0]!)) {
    throw new Error(`bench: ${side} loss did not decrease over epochs: ${losses.join(', ')}`);
  }
}

/**
 * One epoch of `fit` on both sides, in samples/s. In setup both sides fit the same first two
 * batches from the same weights (building the training step, compiling), and `verify` compares
 * the two losses that fit logs; then each side warms up for `warmupEpochs` untimed epochs
 * (`FIT_WARMUP`), after which their weights have drifted apart.
 */
export function fitRow(options: FitRowOptions, pairing: Pairing): BenchRow {
  const { kind, samples, batchSize, peerSamples = samples, peerMissing, warmupEpochs = 0 } = options;
  const source = hasFashionMnist() ? 'fashion-mnist' : 'synthetic';
  const steps = Math.ceil(samples / batchSize);
  const peerNote = !peerMissing && peerSamples !== samples ? `; ${pairing.peer} timed on ${peerSamples}` : '';
  // A peer that needs a minute for a small epoch is timed once, with no warm-up.
  const slowPeer = peerSamples !== samples;
  return {
    group: 'nn-train',
    name: `nn ${MODEL_LABELS[kind]} fit epoch adam batch ${batchSize} × ${steps} steps (${samples} ${source}${peerNote})`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'samples/s',
    work: samples,
    gflopPerWork: TRAIN_GFLOP_PER_SAMPLE[kind],
    peerWork: slowPeer ? peerSamples : undefined,
    peerMissing,
    latency: { unit: 's', per: 'epoch', count: 1 },
    // Every timed call is a whole epoch, after `warmupEpochs` untimed ones.
    plan: {
      warmup: warmupEpochs,
      warmupSeconds: 0,
      warmupMaxSeconds: FIT_WARMUP.maxSeconds,
      reps: 3,
      minReps: 3,
    },
    peerPlan: slowPeer ? { reps: 1, minReps: 1 } : undefined,
    // Epoch means over up to 100 Adam steps: the two trajectories drift apart by about 1e-3
    // relative over such an epoch (see mlp-train.ts), so a 1e-2 difference is still the same training.
    tolerance: 1e-2,
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const data = trainingData(Math.max(samples, peerSamples));
      const models = await modelPair(kind);
      // Nabla trains on `samples`, TF.js on `peerSamples`; both warm up on the first batch.
      const ourSet = dataPair(data, kind, samples);
      const theirSet = slowPeer ? dataPair(data, kind, peerSamples) : ourSet;
      // Two batches, so the compared losses include one optimizer step (one for a slow peer).
      const first = dataPair(data, kind, Math.min((slowPeer ? 1 : 2) * batchSize, samples));
      const fitOptions = { epochs: 1, batchSize, shuffle: false, verbose: 0 } as const;
      const disposeAll = (): void => {
        for (const set of new Set([ourSet, theirSet, first])) set.dispose();
        models.dispose();
      };
      const losses = { ours: [] as LossLog, theirs: [] as LossLog };
      const firstLosses: number[] = [];
      try {
        firstLosses.push((await models.ours.fit(first.x, first.y, fitOptions)).history.loss![0]!);
        if (!peerMissing && !slowPeer) {
          const history = await models.theirs.fit(first.tx, first.ty, fitOptions);
          firstLosses.push(Number(history.history.loss![0]));
        }
      } catch (error) {
        disposeAll();
        throw error;
      }
      const ours = async (): Promise<number> => {
        const start = performance.now();
        const history = await models.ours.fit(ourSet.x, ourSet.y, fitOptions);
        const seconds = secondsSince(start);
        losses.ours.push(history.history.loss![0]!);
        return seconds;
      };
      const theirs = async (): Promise<number> => {
        const start = performance.now();
        const history = await models.theirs.fit(theirSet.tx, theirSet.ty, fitOptions);
        const seconds = secondsSince(start);
        losses.theirs.push(Number(history.history.loss![0]));
        return seconds;
      };
      return {
        ours,
        theirs: peerMissing ? undefined : theirs,
        async verify() {
          checkLossFell('Nabla', losses.ours);
          if (peerMissing) return undefined;
          checkLossFell('TF.js', losses.theirs);
          // The setup's fit of the same two batches from the same weights.
          return firstLosses.length < 2 ? undefined : relativeError([firstLosses[0]!], [firstLosses[1]!]);
        },
        dispose: disposeAll,
      };
    },
  };
}

/** `model.predict` at one batch size on both sides, in samples/s and ms per call. */
export function predictRow(kind: NnModelKind, batch: number, pairing: Pairing): BenchRow {
  return {
    group: 'nn-predict',
    name: `nn ${MODEL_LABELS[kind]} predict batch ${batch}`,
    backend: pairing.backend,
    peer: pairing.peer,
    unit: 'samples/s',
    work: batch,
    latency: { unit: 'ms', per: 'predict', count: 1 },
    async setup(): Promise<BenchCase> {
      await activate(pairing);
      const models = await modelPair(kind);
      const values = randomValues(batch * 784, 81).map((v) => (v + 1) / 2);
      const data = dataPair(
        { source: 'synthetic', count: batch, x: values, y: new Float32Array(batch * 10) },
        kind,
      );
      const ours = () => models.ours.predict(data.x, { batchSize: batch });
      const theirs = () => models.theirs.predict(data.tx, { batchSize: batch }) as tf.Tensor;
      return {
        ours: () => timeCall(ours),
        theirs: () => timeCall(theirs),
        verify: () => compareCalls(ours, theirs),
        dispose() {
          data.dispose();
          models.dispose();
        },
      };
    },
  };
}

const MLP_SAMPLES = 12_800;
const QUICK_MLP_SAMPLES = 512;
const CNN_SAMPLES = 2048;
const QUICK_CNN_SAMPLES = 64;
const CNN_BATCH = 64;

/**
 * What the CNN's peer does: tfjs-wasm cannot train it; tfjs-cpu trains it at about one sample
 * per second (its conv2d gradients are naive loops), so it is timed on one batch, and skipped in
 * `--quick`.
 */
function cnnPeer(pairing: Pairing, quick: boolean): Pick<FitRowOptions, 'peerSamples' | 'peerMissing'> {
  if (pairing.peerBackend === 'wasm') return { peerMissing: NO_FILTER_GRADIENT };
  if (quick) {
    return {
      peerMissing: {
        status: 'skipped',
        reason:
          'skipped in --quick: tfjs-cpu trains this CNN at about 1 sample/s (a full run times one batch)',
      },
    };
  }
  return { peerSamples: CNN_BATCH };
}

/** The nn group: MLP and CNN `fit` epochs and `predict` latency, on every pairing. */
export function nnGroup(options: GroupOptions): BenchRow[] {
  const { quick } = options;
  const kinds: NnModelKind[] = quick ? ['mlp'] : ['mlp', 'cnn'];
  return PAIRINGS.flatMap((pairing) => [
    fitRow(
      {
        kind: 'mlp',
        samples: quick ? QUICK_MLP_SAMPLES : MLP_SAMPLES,
        batchSize: 128,
        warmupEpochs: quick ? 0 : FIT_WARMUP.epochs.mlp,
      },
      pairing,
    ),
    fitRow(
      {
        kind: 'cnn',
        samples: quick ? QUICK_CNN_SAMPLES : CNN_SAMPLES,
        batchSize: CNN_BATCH,
        warmupEpochs: quick ? 0 : FIT_WARMUP.epochs.cnn,
        ...cnnPeer(pairing, quick),
      },
      pairing,
    ),
    ...kinds.flatMap((kind) => [1, 128].map((batch) => predictRow(kind, batch, pairing))),
  ]);
}

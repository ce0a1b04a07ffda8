// The messages between the page (main.ts) and the training worker (train-worker.ts): the page
// sends what to train and on which data, a stop request or an image to classify; the worker
// answers with the backend it chose, the model summary, per-batch and per-epoch metrics, the
// test set's predictions, and class probabilities. Only plain data and typed arrays cross.

import type { DigitSet } from './digits.js';

/** Backend names the form offers; 'auto' is the preference list webgpu → wasm → cpu. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export const MODEL_KINDS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const DATASET_NAMES = ['digits', 'fashion'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Everything one training run needs, checked by the page's form before it is sent. */
export interface TrainConfig {
  backend: BackendChoice;
  dataset: DatasetName;
  model: ModelKind;
  /** MLP: the hidden layers' units; CNN: the two convolutions' filters. */
  layers: number[];
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Training images taken from the start of the set; the last `testCount` are the test set. */
  samples: number;
  testCount: number;
}

/** Where a model is loaded from: a name in IndexedDB, or model.json and its weights as files. */
export type ModelSource = { indexedDB: string } | { files: File[] };

export type ToWorker =
  | { type: 'train'; config: TrainConfig; data: DigitSet }
  | { type: 'stop' }
  | { type: 'predict'; id: number; image: Float32Array }
  /** Saves the last trained or loaded model in IndexedDB under `name`. */
  | { type: 'save'; name: string }
  /** Asks for the last model's model.json and model.safetensors bytes, or its ONNX file, to download. */
  | { type: 'export'; format: 'nabla' | 'onnx' }
  | { type: 'list' }
  /** Trains the same model from the same seed for one epoch on each backend, timing each. */
  | { type: 'compare'; config: TrainConfig; data: DigitSet; backends: string[] }
  /** Loads a model on `config.backend` and predicts `config.dataset`'s test set with it. */
  | { type: 'load'; source: ModelSource; config: TrainConfig; data: DigitSet };

/** A model kept in IndexedDB, as listIndexedDBModels() tells. */
export interface SavedModel {
  name: string;
  dateSaved: string;
  weightsBytes: number;
}

/** A backend passed over, with the reason `skippedBackends()` gave. */
export interface Skipped {
  name: string;
  reason: string;
}

export type FromWorker =
  /** `name` is undefined when the picked backend could not start (an error follows). */
  | { type: 'backend'; name: string | undefined; skipped: Skipped[]; detail: string }
  | { type: 'model'; description: string; summary: string; params: number }
  /** One batch: its own loss and accuracy (not the epoch's running average). */
  | {
      type: 'batch';
      epoch: number;
      batch: number;
      steps: number;
      loss: number;
      accuracy: number;
      samplesPerSecond: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      loss: number;
      accuracy: number;
      valLoss: number;
      valAccuracy: number;
      seconds: number;
    }
  | {
      type: 'done';
      accuracy: number;
      loss: number;
      seconds: number;
      stopped: boolean;
      /** Batches that ended after the worker read the 'stop' message (fit checks after each). */
      batchesAfterStop?: number;
      /** Where the model came from when it was loaded rather than trained. */
      loadedFrom?: string;
      /** The predicted class of each test image, in the test set's order. */
      predictions: Int32Array;
      tensors: number;
      bytes: number;
    }
  | { type: 'prediction'; id: number; probs: number[] }
  | { type: 'models'; models: SavedModel[]; saved?: string }
  | { type: 'exported'; json: Uint8Array; weights: Uint8Array }
  | { type: 'exported-onnx'; onnx: Uint8Array }
  /** One backend of a comparison: its speed and results, or why it could not run. */
  | {
      type: 'compare-row';
      backend: string;
      skipped?: string;
      samplesPerSecond: number;
      seconds: number;
      loss: number;
      accuracy: number;
    }
  | { type: 'compare-done' }
  | { type: 'error'; message: string };

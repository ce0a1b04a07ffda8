// The demo's form as a training configuration: every field is read as text and checked, and a
// bad value is an error that names the field and says what it takes (never clamped or
// replaced in silence). Pure functions of the fields' texts, so the URL parameters that preset
// the form go through the same checks.

import {
  BACKEND_CHOICES,
  type BackendChoice,
  DATASET_NAMES,
  MODEL_KINDS,
  type ModelKind,
  OPTIMIZERS,
  type OptimizerName,
  type TrainConfig,
} from './protocol.js';

/** The form's fields by name, as the inputs hold them. */
export interface FormFields {
  backend: string;
  dataset: string;
  model: string;
  layers: string;
  optimizer: string;
  learningRate: string;
  batchSize: string;
  epochs: string;
  samples: string;
}

/** The names the URL uses for the fields (`?backend=wasm&epochs=1&batch=32&lr=0.01`). */
export const URL_NAMES: Record<keyof FormFields, string> = {
  backend: 'backend',
  dataset: 'data',
  model: 'model',
  layers: 'layers',
  optimizer: 'optimizer',
  learningRate: 'lr',
  batchSize: 'batch',
  epochs: 'epochs',
  samples: 'samples',
};

/** The default layer sizes of each model kind. */
export const DEFAULT_LAYERS: Record<ModelKind, string> = { mlp: '128', cnn: '8, 16' };

/** The default learning rate of each optimizer (Keras's, but SGD's, which momentum 0.9 speeds). */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, string> = {
  adam: '0.001',
  rmsprop: '0.001',
  sgd: '0.01',
};

const MAX_UNITS = 1024;
const MAX_FILTERS = 64;
const MAX_HIDDEN_LAYERS = 4;

function integer(text: string, label: string, min: number, max: number, errors: string[]): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    errors.push(`${label}: expected a whole number from ${min} to ${max}, got '${text}'`);
    return Number.NaN;
  }
  return value;
}

function choice<T extends string>(text: string, label: string, options: readonly T[], errors: string[]): T {
  const found = options.find((o) => o === text);
  if (found === undefined) errors.push(`${label}: expected one of ${options.join(', ')}, got '${text}'`);
  return found ?? options[0]!;
}

function layerSizes(text: string, model: ModelKind, errors: string[]): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (model === 'cnn') {
    const label = 'filters';
    if (parts.length !== 2) {
      errors.push(`${label}: expected two whole numbers, the filters of the two convolutions, got '${text}'`);
      return [];
    }
    return parts.map((p) => integer(p, label, 1, MAX_FILTERS, errors));
  }
  const label = 'hidden units';
  if (text.trim() === '') return [];
  if (parts.length > MAX_HIDDEN_LAYERS) {
    errors.push(`${label}: expected at most ${MAX_HIDDEN_LAYERS} layers, got ${parts.length} in '${text}'`);
    return [];
  }
  return parts.map((p) => integer(p, label, 1, MAX_UNITS, errors));
}

/**
 * Checks the form's fields; the configuration, or every error found.
 * @example
 * const checked = parseForm(fields, { trainMax: 5000, testCount: 1000 });
 * if ('errors' in checked) show(checked.errors);
 */
export function parseForm(
  fields: FormFields,
  limits: { trainMax: number; testCount: number },
): { config: TrainConfig } | { errors: string[] } {
  const errors: string[] = [];
  const backend: BackendChoice = choice(fields.backend, 'backend', BACKEND_CHOICES, errors);
  const dataset = choice(fields.dataset, 'data set', DATASET_NAMES, errors);
  const model = choice(fields.model, 'model', MODEL_KINDS, errors);
  const layers = layerSizes(fields.layers, model, errors);
  const optimizer = choice(fields.optimizer, 'optimizer', OPTIMIZERS, errors);
  const learningRate = Number(fields.learningRate.trim());
  if (fields.learningRate.trim() === '' || !(learningRate > 0 && learningRate <= 1)) {
    errors.push(`learning rate: expected a number above 0 and at most 1, got '${fields.learningRate}'`);
  }
  const batchSize = integer(fields.batchSize, 'batch size', 1, 1024, errors);
  const epochs = integer(fields.epochs, 'epochs', 1, 50, errors);
  const samples = integer(fields.samples, 'training images', 10, limits.trainMax, errors);
  if (errors.length > 0) return { errors };
  return {
    config: {
      backend,
      dataset,
      model,
      layers,
      optimizer,
      learningRate,
      batchSize,
      epochs,
      samples,
      testCount: limits.testCount,
    },
  };
}

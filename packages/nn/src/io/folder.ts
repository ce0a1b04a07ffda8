// Node only: the folder handler of plain paths and `file://` targets, registered when this
// module loads (through @nabla/nn's `node` export condition or @nabla/nn/node). It writes and
// reads the crash-safe folder layout of model-folder.ts: model.json, which records the sha256
// of its weights, renamed into place last as the commit point; loads read the weights that
// model.json was saved with, even while another process saves to the same folder. A folder
// TensorFlow.js saved (model.json + weight shards) loads too.

import { basename, dirname, join } from 'node:path';
import { type ModelJson, readModelJsonRecord } from '../engine/save-load.js';
import { nodeSaveFs } from './atomic.js';
import { toIOError } from './errors.js';
import {
  MODEL_JSON_FILE,
  MODEL_WEIGHTS_FILE,
  readModelFolder,
  sha256Hex,
  writeModelFolder,
} from './model-folder.js';
import {
  type IOHandler,
  type IOOptions,
  jsonBytes,
  registerLoadRouter,
  registerSaveRouter,
  saveResult,
} from './router.js';
import { readTfjsShards, tfjsModelJson } from './tfjs.js';

/** The folder of a load: `dir/model.json` (as tfjs-node's file:// loads take it) reads `dir`. */
const folderOf = (path: string) => (basename(path) === MODEL_JSON_FILE ? dirname(path) : path);

/**
 * The handler of a model folder (Node): `model.json` and `model.safetensors` in `path`, each
 * replaced atomically under a per-folder lock; other files in the folder are left alone.
 * `file://` targets strip the prefix as TensorFlow.js does (`file://./out/m` is `./out/m`); a
 * load of `dir/model.json` reads the folder `dir`.
 * @example
 * await model.save(folderHandler('./out/mnist')); // same as model.save('./out/mnist') in Node
 * const m = await loadModel(folderHandler('./out/mnist'));
 */
export function folderHandler(
  path: string,
  options: Pick<IOOptions, 'fs' | 'lockTimeoutMs'> = {},
): IOHandler {
  return {
    async save(artifacts) {
      let json: Uint8Array;
      if (artifacts.modelJson instanceof Uint8Array) {
        json = artifacts.modelJson;
      } else {
        // The folder's readers pick the weights by the sha256 model.json records.
        const doc: ModelJson = {
          ...artifacts.modelJson,
          weights: { bytes: artifacts.weights.length, sha256: sha256Hex(artifacts.weights) },
        };
        json = jsonBytes({ modelJson: doc, weights: artifacts.weights });
      }
      await writeModelFolder(path, { json, weights: artifacts.weights }, readModelJsonRecord, {
        fs: options.fs,
        timeoutMs: options.lockTimeoutMs,
      });
      return saveResult({ modelJson: json, weights: artifacts.weights });
    },
    async load() {
      const {
        dir,
        json,
        weights: own,
      } = await readModelFolder(folderOf(path), readModelJsonRecord, { fs: options.fs });
      // A TensorFlow.js model.json lists its weight shards, beside it in the folder.
      const tfjs = tfjsModelJson(json);
      const fs = options.fs ?? nodeSaveFs;
      const weights =
        tfjs === undefined
          ? own
          : await readTfjsShards(tfjs, join(dir, MODEL_JSON_FILE), (p) =>
              fs.readFile(join(dir, p)).catch((error: unknown) => {
                throw toIOError(error, join(dir, p), 'read the file');
              }),
            );
      return {
        modelJson: json,
        weights,
        jsonName: join(dir, MODEL_JSON_FILE),
        weightsName: join(dir, MODEL_WEIGHTS_FILE),
      };
    },
  };
}

registerSaveRouter('file', (path, options) => folderHandler(path, options));
registerLoadRouter('file', (path, options) => folderHandler(path, options));

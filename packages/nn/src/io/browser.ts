// Browser files: `downloads://name` saves a model as two downloads, `name.json` and
// `name.safetensors`, by clicking anchors on Blob URLs (as TensorFlow.js's downloads:// does);
// `browserFiles([jsonFile, weightsFile])` loads the two files a user picks in an
// `<input type="file" multiple>` (or a TensorFlow.js model.json and its shards). Both work on
// Blobs only, so they also run in Node 20.

import { ArgumentError } from '@nabla/core';
import { checkArgCount, describeValue } from '@nabla/core/internal';
import { IOError } from './errors.js';
import {
  type DownloadDocument,
  type IOHandler,
  type IOOptions,
  ioArgs,
  jsonBytes,
  ownBytes,
  registerSaveRouter,
  saveResult,
} from './router.js';
import { readTfjsShards, tfjsModelJson } from './tfjs.js';

/** How long a download's Blob URL stays valid after its click (the browser reads it meanwhile). */
const REVOKE_AFTER_MS = 60_000;

/**
 * The handler of `downloads://name`: the browser downloads `name.json` and `name.safetensors`
 * (default name 'model'). `options.document` replaces `globalThis.document`.
 * @example
 * await model.save('downloads://mnist'); // mnist.json + mnist.safetensors
 * await model.save(downloadsHandler('mnist'));
 */
export function downloadsHandler(name = 'model', given?: Pick<IOOptions, 'document'>): IOHandler {
  const options = ioArgs(
    'downloadsHandler',
    arguments.length,
    2,
    "downloadsHandler('my-model', options)",
    given,
  );
  if (typeof name !== 'string') {
    throw new ArgumentError(`downloads: expected a file name, got ${describeValue(name)}`);
  }
  const base = name.length === 0 ? 'model' : name;
  return {
    async save(artifacts) {
      const doc = options.document ?? (globalThis as { document?: DownloadDocument }).document;
      if (doc === undefined || typeof doc.createElement !== 'function') {
        throw new ArgumentError(
          `downloads://${base}: this runtime has no document to download from; pass one as options.document`,
        );
      }
      const files: [string, Blob][] = [
        [`${base}.json`, new Blob([jsonBytes(artifacts)], { type: 'application/json' })],
        [
          `${base}.safetensors`,
          new Blob([ownBytes(artifacts.weights)], { type: 'application/octet-stream' }),
        ],
      ];
      const urls: string[] = [];
      try {
        for (const [file, blob] of files) {
          const url = URL.createObjectURL(blob);
          urls.push(url);
          const anchor = doc.createElement('a');
          anchor.download = file;
          anchor.href = url;
          anchor.click();
        }
      } catch (error) {
        for (const url of urls) URL.revokeObjectURL(url);
        throw new IOError(`downloads://${base}`, `could not start the download (${String(error)})`, {
          cause: error,
        });
      }
      const timer = setTimeout(() => {
        for (const url of urls) URL.revokeObjectURL(url);
      }, REVOKE_AFTER_MS);
      (timer as { unref?: () => void }).unref?.();
      return saveResult(artifacts);
    },
  };
}

const nameOf = (blob: Blob): string | undefined =>
  'name' in blob && typeof blob.name === 'string' ? blob.name : undefined;

/**
 * A load handler over model.json and model.safetensors as `File`s (from an `<input type=file>`)
 * or Blobs, in either order when they are named `*.json` and `*.safetensors`, else json first;
 * or a TensorFlow.js model.json and its weight shards (found by the file names its manifest lists).
 * @example
 * const m = await loadModel(browserFiles([...input.files]));
 * const n = await loadModel(browserFiles([jsonBlob, weightsBlob]));
 */
export function browserFiles(files: readonly Blob[]): IOHandler {
  checkArgCount('browserFiles', arguments.length, 1, 'browserFiles([jsonFile, weightsFile])');
  if (!Array.isArray(files) || files.length < 2 || !files.every((f) => f instanceof Blob)) {
    throw new ArgumentError(
      `browserFiles: expected [model.json, model.safetensors] as two File or Blob objects (or a TensorFlow.js model.json and its shards), got ${describeValue(files)}`,
    );
  }
  const named = files.findIndex((f) => nameOf(f)?.endsWith('.json'));
  const json = files[named < 0 ? 0 : named]!;
  const rest = files.filter((f) => f !== json);
  if (rest.some((f) => nameOf(f)?.endsWith('.json'))) {
    throw new ArgumentError(
      `browserFiles: expected a model.json and a model.safetensors file, got ${files.map((f) => nameOf(f)).join(' and ')}`,
    );
  }
  const jsonName = nameOf(json) ?? '<json blob>';
  return {
    async load() {
      const modelJson = new Uint8Array(await json.arrayBuffer());
      const tfjs = tfjsModelJson(modelJson);
      if (tfjs !== undefined) {
        const byName = new Map(rest.map((f) => [nameOf(f), f]));
        const weights = await readTfjsShards(tfjs, jsonName, async (path) => {
          const file = byName.get(path.split('/').pop());
          if (file === undefined) throw new IOError(path, 'is not among the files given to browserFiles');
          return new Uint8Array(await file.arrayBuffer());
        });
        return { modelJson, weights, jsonName, weightsName: '<weight shards>' };
      }
      if (rest.length !== 1) {
        throw new ArgumentError(
          `browserFiles: expected one model.safetensors beside ${jsonName}, got ${rest.length} files`,
        );
      }
      const weights = rest[0]!;
      return {
        modelJson,
        weights: new Uint8Array(await weights.arrayBuffer()),
        jsonName,
        weightsName: nameOf(weights) ?? '<weights blob>',
      };
    },
  };
}

registerSaveRouter('downloads', (path, options) => downloadsHandler(path, options));

// Node only (the `@nabla/onnx/node` subpath): saveOnnx writes an exported model to a `.onnx`
// file atomically with nn's folder writer (a synced temporary renamed over the target), so a
// crash mid-save leaves the old file whole. Importing this module also registers the `onnx`
// save scheme, `model.save('onnx://out/m.onnx')`: nn's handlers receive the saved artifacts
// (model.json and safetensors), not the model, so that handler rebuilds the model from them.

import { basename, dirname } from 'node:path';
import { ArgumentError } from '@nabla/core';
import { checkArgCount } from '@nabla/core/internal';
import {
  type IOHandler,
  type Model,
  modelFromArtifacts,
  registerSaveRouter,
  type SaveResult,
} from '@nabla/nn';
import { type SaveFs, writeFileAtomic } from '@nabla/nn/node';
import { type ExportOnnxOptions, exportOnnx } from './export-onnx.js';

/** Options of {@link saveOnnx}: those of exportOnnx, plus the file system (tests swap it). */
export interface SaveOnnxOptions extends ExportOnnxOptions {
  fs?: SaveFs;
}

/**
 * Exports `model` (see exportOnnx) and writes it to `path` atomically; resolves the path and the
 * number of bytes written.
 * @example
 * await saveOnnx(model, 'out/mnist.onnx');
 * const session = await ort.InferenceSession.create('out/mnist.onnx');
 */
export async function saveOnnx(
  model: Model,
  path: string,
  options: SaveOnnxOptions = {},
): Promise<{ path: string; bytes: number }> {
  checkArgCount('saveOnnx', arguments.length, 3, "saveOnnx(model, 'model.onnx', { opset })");
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0') || /[/\\]$/.test(path)) {
    throw new ArgumentError(`saveOnnx: expected a file path, got ${JSON.stringify(path)}`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`saveOnnx: expected an options object, got ${String(options)}`);
  }
  const { fs, ...exportOptions } = options;
  const bytes = await exportOnnx(model, exportOptions);
  await writeFileAtomic(dirname(path), basename(path), bytes, { fs });
  return { path, bytes: bytes.length };
}

/**
 * The save handler of `onnx://<path>`: `model.save` hands it the model's artifacts, from which
 * it rebuilds the model (so its weights are held twice for the length of the save), exports it
 * and writes `<path>` atomically. The result's `weightsBytes` is the size of the .onnx file
 * (and `modelJsonBytes` 0: no model.json is written).
 * @example
 * await model.save(onnxSaveHandler('out/mlp.onnx', { opset: 17 }));
 * await model.save('onnx://out/mlp.onnx'); // the same, through the registered scheme
 */
export function onnxSaveHandler(path: string, options: SaveOnnxOptions = {}): IOHandler {
  checkArgCount('onnxSaveHandler', arguments.length, 2, "onnxSaveHandler('model.onnx', { opset })");
  return {
    async save(artifacts): Promise<SaveResult> {
      const model = await modelFromArtifacts(artifacts);
      try {
        const { bytes } = await saveOnnx(model, path, options);
        return { dateSaved: new Date(), modelJsonBytes: 0, weightsBytes: bytes };
      } finally {
        model.dispose();
      }
    },
  };
}

registerSaveRouter('onnx', (path, options) => onnxSaveHandler(path, { fs: options.fs }));

// `http://` and `https://`: loadModel fetches model.json and then the weights beside it
// (`.../name.json` → `.../name.safetensors`, a folder URL ending in '/' → model.json and
// model.safetensors in it), or from `weightUrl` / `weightPathPrefix` as TensorFlow.js's
// loadLayersModel takes them; save POSTs both files as one multipart form (fields `model.json`
// and `model.safetensors`). `fetch` and `requestInit` can be passed in. A TensorFlow.js
// model.json loads with the weight shards its manifest lists.

import { ArgumentError } from '@nabla/core';
import { IOError } from './errors.js';
import {
  type IOHandler,
  type IOOptions,
  ioArgs,
  jsonBytes,
  ownBytes,
  registerLoadRouter,
  registerSaveRouter,
  saveResult,
} from './router.js';
import { readTfjsShards, tfjsModelJson } from './tfjs.js';

function fetchOf(options: IOOptions): typeof fetch {
  const f = options.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') {
    throw new ArgumentError('http: this runtime has no fetch; pass one as options.fetch');
  }
  return f;
}

/** model.json's URL and the weights' URL of a load. */
function urlsOf(url: string, options: IOOptions): { json: string; weights: string } {
  const [path, query = ''] = splitQuery(url);
  const json = path.endsWith('/') ? `${path}model.json${query}` : url;
  const jsonPath = path.endsWith('/') ? `${path}model.json` : path;
  const slash = jsonPath.lastIndexOf('/');
  const file = jsonPath.slice(slash + 1);
  const weightsFile = file.endsWith('.json')
    ? `${file.slice(0, -'.json'.length)}.safetensors`
    : 'model.safetensors';
  if (options.weightUrl !== undefined) {
    if (typeof options.weightUrl !== 'string' || options.weightUrl === '') {
      throw new ArgumentError(
        `loadModel: expected weightUrl to be a URL, got ${JSON.stringify(options.weightUrl)}`,
      );
    }
    return { json, weights: options.weightUrl };
  }
  if (options.weightPathPrefix !== undefined) {
    const prefix = options.weightPathPrefix;
    if (typeof prefix !== 'string' || prefix === '') {
      throw new ArgumentError(
        `loadModel: expected weightPathPrefix to be a URL, got ${JSON.stringify(prefix)}`,
      );
    }
    return { json, weights: `${prefix.endsWith('/') ? prefix : `${prefix}/`}${weightsFile}` };
  }
  return { json, weights: `${jsonPath.slice(0, slash + 1)}${weightsFile}${query}` };
}

/** The URL prefix of a TensorFlow.js model's weight shards. */
function shardBase(jsonUrl: string, options: IOOptions): string {
  const prefix = options.weightPathPrefix;
  if (typeof prefix === 'string' && prefix !== '') return prefix.endsWith('/') ? prefix : `${prefix}/`;
  const [path] = splitQuery(jsonUrl);
  return path.slice(0, path.lastIndexOf('/') + 1);
}

function splitQuery(url: string): [string, string] {
  const at = url.search(/[?#]/);
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}

async function get(f: typeof fetch, url: string, init: RequestInit | undefined): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await f(url, init);
  } catch (error) {
    throw new IOError(url, `could not fetch (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new IOError(url, `could not fetch (HTTP ${response.status} ${response.statusText})`, {
      code: `HTTP_${response.status}`,
    });
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The handler of an http(s) URL: loads model.json and its weights through `fetch`, saves by
 * POSTing them as a multipart form.
 * @example
 * const m = await loadModel('https://example.com/models/mnist.json'); // + mnist.safetensors
 * await model.save(httpHandler('https://example.com/upload'));
 */
export function httpHandler(url: string, given?: IOOptions): IOHandler {
  const options = ioArgs(
    'httpHandler',
    arguments.length,
    2,
    "httpHandler('https://host/model.json', options)",
    given,
  );
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
    throw new ArgumentError(`http: expected an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  return {
    async load() {
      const f = fetchOf(options);
      const urls = urlsOf(url, options);
      const json = await get(f, urls.json, options.requestInit);
      const tfjs = tfjsModelJson(json);
      if (tfjs !== undefined) {
        // TensorFlow.js's shards: relative to model.json's folder, or under weightPathPrefix.
        const base = shardBase(urls.json, options);
        const weights = await readTfjsShards(tfjs, urls.json, (p) =>
          get(f, `${base}${p}`, options.requestInit),
        );
        return { modelJson: json, weights, jsonName: urls.json, weightsName: `${base}*.bin` };
      }
      const weights = await get(f, urls.weights, options.requestInit);
      return { modelJson: json, weights, jsonName: urls.json, weightsName: urls.weights };
    },
    async save(artifacts) {
      const f = fetchOf(options);
      const form = new FormData();
      form.append('model.json', new Blob([jsonBytes(artifacts)], { type: 'application/json' }), 'model.json');
      form.append(
        'model.safetensors',
        new Blob([ownBytes(artifacts.weights)], { type: 'application/octet-stream' }),
        'model.safetensors',
      );
      let response: Response;
      try {
        response = await f(url, { method: 'POST', ...options.requestInit, body: form });
      } catch (error) {
        throw new IOError(
          url,
          `could not POST the model (${error instanceof Error ? error.message : String(error)})`,
          {
            cause: error,
          },
        );
      }
      if (!response.ok) {
        throw new IOError(url, `could not POST the model (HTTP ${response.status} ${response.statusText})`, {
          code: `HTTP_${response.status}`,
        });
      }
      return saveResult(artifacts, [response]);
    },
  };
}

for (const scheme of ['http', 'https']) {
  registerSaveRouter(scheme, (_path, options, url) => httpHandler(url, options));
  registerLoadRouter(scheme, (_path, options, url) => httpHandler(url, options));
}

// Where `model.save(target)` and `loadModel(source)` send a model: an IOHandler that stores or
// fetches the two artifacts of a saved model (model.json's document and the safetensors
// bytes), found from a target string by its scheme (`indexeddb://m`, `https://host/m.json`) in
// one registry that users extend. A plain path is a folder, handled by the `file` scheme, which
// only Node registers (the `node` export condition of @nabla/nn and @nabla/nn/node do it), so
// browser bundles never see node: imports.

import { ArgumentError } from '@nabla/core';
import { checkArgCount, describeValue } from '@nabla/core/internal';
import { checkOptions } from '../engine/options.js';
import type { ModelJson } from '../engine/save-load.js';

/**
 * What a saved model is made of: model.json's document (architecture, training config, the
 * weights manifest and the optimizer's state) and model.safetensors's bytes (the weights, and
 * the optimizer's slots under `optimizer/`).
 * @example
 * const handler: IOHandler = { async save(a) { stored = a; return saveResult(a); } };
 * await model.save(handler); stored.weights.length; // bytes of the safetensors file
 */
export interface ModelArtifacts {
  /** model.json's document; a loader may give model.json's bytes instead, checked the same. */
  modelJson: ModelJson | Uint8Array;
  /** model.safetensors's bytes. */
  weights: Uint8Array;
  /** How errors name model.json (default `<source>/model.json`). */
  jsonName?: string;
  /** How errors name the weights (default `<source>/model.safetensors`). */
  weightsName?: string;
}

/** What a save reports. */
export interface SaveResult {
  /** When the save finished. */
  dateSaved: Date;
  /** Bytes of model.json. */
  modelJsonBytes: number;
  /** Bytes of model.safetensors. */
  weightsBytes: number;
  /** The server's answers of an http(s) save. */
  responses?: Response[];
}

/**
 * Stores and/or fetches a saved model: `save` for `model.save(handler)`, `load` for
 * `loadModel(handler)`. The built-in ones come from `getSaveHandler`/`getLoadHandler` or the
 * handler functions (`browserFiles`, `indexedDBHandler`, ...); any object with these methods works.
 * @example
 * const memory: IOHandler = { save: async (a) => { kept = a; return saveResult(a); }, load: async () => kept };
 * await model.save(memory); const again = await loadModel(memory);
 */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

/** Options of save and load; each handler reads its own and ignores the others. */
export interface IOOptions {
  /** Folder (Node): the file system calls (tests swap them to simulate crashes). */
  fs?: import('./atomic.js').SaveFs;
  /** Folder (Node): give up waiting for another save of the same folder after this long (ms). */
  lockTimeoutMs?: number;
  /** IndexedDB: the factory to use (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactoryLike;
  /** downloads://: the document whose anchors are clicked (default `globalThis.document`). */
  document?: DownloadDocument;
  /** http(s): the fetch function (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** http(s): options of every request (headers, credentials, ...). */
  requestInit?: RequestInit;
  /** http(s) load: the folder URL the weights file is in (default: model.json's folder). */
  weightPathPrefix?: string;
  /** http(s) load: the weights file's whole URL (default: model.json's, ending `.safetensors`). */
  weightUrl?: string;
}

/** The option keys of {@link IOOptions}, checked so a misspelt one is an error. */
export const IO_OPTION_KEYS: readonly string[] = [
  'fs',
  'lockTimeoutMs',
  'indexedDB',
  'document',
  'fetch',
  'requestInit',
  'weightPathPrefix',
  'weightUrl',
];

/**
 * The checks every I/O entry point makes before any work: no extra arguments, and an options
 * object with only the I/O keys (read once into the copy returned).
 * @example
 * const o = ioArgs('indexedDBHandler', arguments.length, 2, "indexedDBHandler('m', options)", options);
 */
export function ioArgs(op: string, count: number, max: number, call: string, options: unknown): IOOptions {
  checkArgCount(op, count, max, call);
  return checkOptions(op, options, IO_OPTION_KEYS) as IOOptions;
}

/** An IndexedDB factory (`globalThis.indexedDB`, or fake-indexeddb's in Node). */
export interface IDBFactoryLike {
  open(name: string, version?: number): unknown;
}

/** The part of `document` a download needs (tests pass a stub). */
export interface DownloadDocument {
  createElement(tag: 'a'): { href: string; download: string; click(): void };
}

/**
 * Makes the handler of one target: `path` is what follows `scheme://` (the whole string for a
 * plain path), `url` the whole target.
 */
export type IORouter = (path: string, options: IOOptions, url: string) => IOHandler;

const saveRouters = new Map<string, IORouter>();
const loadRouters = new Map<string, IORouter>();

// Anything before a leading '://' is taken as a scheme (so 'indexeddb://m' never becomes a
// folder named 'indexeddb:'); only registered ones route anywhere.
const SCHEME = /^([^:/\\?#]*):\/\//;

function checkScheme(op: string, scheme: unknown): string {
  if (typeof scheme !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) {
    throw new ArgumentError(
      `${op}: expected a scheme such as 'indexeddb' (letters, digits, '+', '.', '-'), got ${describeValue(scheme)}`,
    );
  }
  return scheme.toLowerCase();
}

function checkRouter(op: string, router: unknown): IORouter {
  if (typeof router !== 'function') {
    throw new ArgumentError(
      `${op}: expected a function (path, options, url) => IOHandler, got ${describeValue(router)}`,
    );
  }
  return router as IORouter;
}

/**
 * Routes `model.save('<scheme>://...')` to the handler `router` makes; a scheme registered
 * again replaces the earlier router. `file` is the scheme of plain paths.
 * @example
 * registerSaveRouter('memory', (name) => ({ save: async (a) => { store.set(name, a); return saveResult(a); } }));
 * await model.save('memory://m');
 */
export function registerSaveRouter(scheme: string, router: IORouter): void {
  checkArgCount('registerSaveRouter', arguments.length, 2, "registerSaveRouter('my', (path) => handler)");
  saveRouters.set(checkScheme('registerSaveRouter', scheme), checkRouter('registerSaveRouter', router));
}

/**
 * Routes `loadModel('<scheme>://...')` to the handler `router` makes.
 * @example
 * registerLoadRouter('memory', (name) => ({ load: async () => store.get(name) }));
 * const m = await loadModel('memory://m');
 */
export function registerLoadRouter(scheme: string, router: IORouter): void {
  checkArgCount('registerLoadRouter', arguments.length, 2, "registerLoadRouter('my', (path) => handler)");
  loadRouters.set(checkScheme('registerLoadRouter', scheme), checkRouter('registerLoadRouter', router));
}

/**
 * The schemes `save` (or `load`) understands now, sorted.
 * @example
 * knownSchemes('save'); // ['downloads', 'file', 'http', 'https', 'indexeddb'] in Node
 */
export function knownSchemes(direction: 'save' | 'load'): string[] {
  checkArgCount('knownSchemes', arguments.length, 1, "knownSchemes('save')");
  if (direction !== 'save' && direction !== 'load') {
    throw new ArgumentError(`knownSchemes: expected 'save' or 'load', got ${describeValue(direction)}`);
  }
  return [...(direction === 'save' ? saveRouters : loadRouters).keys()].sort();
}

function route(direction: 'save' | 'load', target: string, options: IOOptions): IOHandler {
  const routers = direction === 'save' ? saveRouters : loadRouters;
  const what = direction === 'save' ? 'save' : 'loadModel';
  const match = SCHEME.exec(target);
  const scheme = match ? match[1]!.toLowerCase() : 'file';
  const router = routers.get(scheme);
  if (router === undefined) {
    const known = knownSchemes(direction)
      .map((s) => `${s}://`)
      .join(', ');
    if (scheme === 'file') {
      throw new ArgumentError(
        `${what}: ${JSON.stringify(target)} is a folder, which needs Node's file system; in Node, @nabla/nn (or @nabla/nn/node) registers it; here the known schemes are ${known}`,
      );
    }
    throw new ArgumentError(
      `${what}: unknown scheme '${scheme}://' in ${JSON.stringify(target)}; known schemes: ${known}${routers.has('file') ? ' (a plain path is a folder)' : ''}`,
    );
  }
  const path = match ? target.slice(match[0].length) : target;
  return router(path, options, target);
}

/**
 * The handler `model.save(target)` uses for a target string.
 * @example
 * const h = getSaveHandler('indexeddb://my-model');
 * await model.save(h);
 */
export function getSaveHandler(target: string, options?: IOOptions): IOHandler {
  const o = ioArgs(
    'getSaveHandler',
    arguments.length,
    2,
    "getSaveHandler('indexeddb://m', options)",
    options,
  );
  checkTarget('save', target);
  const handler = route('save', target, o);
  if (typeof handler?.save !== 'function') {
    throw new ArgumentError(`save: the handler for ${JSON.stringify(target)} cannot save`);
  }
  return handler;
}

/**
 * The handler `loadModel(source)` uses for a source string.
 * @example
 * const h = getLoadHandler('https://example.com/models/model.json');
 * const m = await loadModel(h);
 */
export function getLoadHandler(source: string, options?: IOOptions): IOHandler {
  const o = ioArgs(
    'getLoadHandler',
    arguments.length,
    2,
    "getLoadHandler('indexeddb://m', options)",
    options,
  );
  checkTarget('loadModel', source);
  const handler = route('load', source, o);
  if (typeof handler?.load !== 'function') {
    throw new ArgumentError(`loadModel: the handler for ${JSON.stringify(source)} cannot load`);
  }
  return handler;
}

function checkTarget(op: string, target: unknown): asserts target is string {
  if (typeof target !== 'string' || target.length === 0) {
    throw new ArgumentError(
      `${op}: expected a path, a URL such as 'indexeddb://name' or an IOHandler, got ${describeValue(target)}`,
    );
  }
}

/**
 * The `SaveResult` of artifacts just stored (for handlers written by users).
 * @example
 * const h: IOHandler = { save: async (a) => { kept = a; return saveResult(a); } };
 */
export function saveResult(artifacts: ModelArtifacts, responses?: Response[]): SaveResult {
  return {
    dateSaved: new Date(),
    modelJsonBytes: jsonBytes(artifacts).length,
    weightsBytes: artifacts.weights.length,
    ...(responses === undefined ? {} : { responses }),
  };
}

/**
 * model.json's bytes as the folder and the download write them.
 * @example
 * const bytes = jsonBytes(artifacts); new TextDecoder().decode(bytes).startsWith('{'); // true
 */
export function jsonBytes(artifacts: ModelArtifacts): Uint8Array<ArrayBuffer> {
  const doc = artifacts.modelJson;
  return doc instanceof Uint8Array
    ? ownBytes(doc)
    : ownBytes(new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`));
}

/**
 * `bytes` typed as backed by an ArrayBuffer, which the DOM's Blob and crypto.subtle require
 * (model bytes are never in a SharedArrayBuffer; one that is gets copied).
 * @example
 * new Blob([ownBytes(artifacts.weights)]);
 */
export function ownBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

// `indexeddb://name`: models kept in the browser's IndexedDB, database 'nabla-models', as
// TensorFlow.js keeps its: one store of model.json documents and one of weights, both written in
// one readwrite transaction, so a save that fails (quota, a closed tab) leaves the model that was
// stored under that name as it was. Written against the standard IDB API (tests run it in Node
// on fake-indexeddb); the factory can be passed in.

import { ArgumentError } from '@nabla/core';
import { IOError } from './errors.js';
import {
  type IDBFactoryLike,
  type IOHandler,
  type IOOptions,
  ioArgs,
  jsonBytes,
  type ModelArtifacts,
  registerLoadRouter,
  registerSaveRouter,
  saveResult,
} from './router.js';

/** The database and its stores. */
export const IDB_DATABASE = 'nabla-models';
const INFO_STORE = 'model_info';
const WEIGHTS_STORE = 'model_weights';
const DB_VERSION = 1;

// The parts of the IDB API used here, typed structurally so no DOM lib is needed.
interface Req<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface OpenReq extends Req<Db> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface Db {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): Tx;
  close(): void;
}
interface Tx {
  objectStore(name: string): Store;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
  abort(): void;
}
interface Store {
  put(value: unknown): Req<unknown>;
  get(key: string): Req<unknown>;
  delete(key: string): Req<unknown>;
  getAll(): Req<unknown[]>;
}

interface InfoRecord {
  name: string;
  modelJson: ModelArtifacts['modelJson'];
  dateSaved: string;
  weightsBytes: number;
}

function factory(options: IOOptions): IDBFactoryLike {
  const f = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactoryLike }).indexedDB;
  if (f === undefined || typeof f.open !== 'function') {
    throw new ArgumentError(
      'indexeddb: this runtime has no IndexedDB (globalThis.indexedDB); pass one as options.indexedDB (in Node: fake-indexeddb)',
    );
  }
  return f;
}

function failure(name: string, action: string, error: unknown): IOError {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error ?? 'aborted');
  return new IOError(`indexeddb://${name}`, `could not ${action} (${why})`, { cause: error });
}

function openDb(f: IDBFactoryLike, name: string): Promise<Db> {
  return new Promise((resolve, reject) => {
    const req = f.open(IDB_DATABASE, DB_VERSION) as OpenReq;
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(INFO_STORE)) db.createObjectStore(INFO_STORE, { keyPath: 'name' });
      if (!db.objectStoreNames.contains(WEIGHTS_STORE))
        db.createObjectStore(WEIGHTS_STORE, { keyPath: 'name' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(failure(name, 'open the database', req.error));
    req.onblocked = () => reject(failure(name, 'open the database', new Error('blocked by another tab')));
  });
}

/** Runs `body` in one transaction over both stores; resolves when it commits. */
async function inTransaction<T>(
  options: IOOptions,
  name: string,
  mode: 'readonly' | 'readwrite',
  action: string,
  body: (info: Store, weights: Store) => () => T,
): Promise<T> {
  const db = await openDb(factory(options), name);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction([INFO_STORE, WEIGHTS_STORE], mode);
      let result: () => T;
      tx.oncomplete = () => {
        try {
          resolve(result());
        } catch (error) {
          reject(error);
        }
      };
      tx.onerror = () => reject(failure(name, action, tx.error));
      tx.onabort = () => reject(failure(name, action, tx.error));
      try {
        result = body(tx.objectStore(INFO_STORE), tx.objectStore(WEIGHTS_STORE));
      } catch (error) {
        // Nothing of this transaction is kept: abort rolls back any put already made.
        try {
          tx.abort();
        } catch {}
        reject(failure(name, action, error));
      }
    });
  } finally {
    db.close();
  }
}

function checkName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ArgumentError(
      `indexeddb: expected a model name as in 'indexeddb://my-model', got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * The handler of `indexeddb://name`: saves model.json and the weights under `name` in one
 * transaction (all or nothing), and loads them back.
 * @example
 * await model.save('indexeddb://my-model'); // or model.save(indexedDBHandler('my-model'))
 * const again = await loadModel('indexeddb://my-model');
 */
export function indexedDBHandler(name: string, given?: IOOptions): IOHandler {
  const options = ioArgs(
    'indexedDBHandler',
    arguments.length,
    2,
    "indexedDBHandler('my-model', options)",
    given,
  );
  checkName(name);
  return {
    async save(artifacts) {
      const result = saveResult(artifacts);
      const modelJson =
        artifacts.modelJson instanceof Uint8Array ? jsonBytes(artifacts) : artifacts.modelJson;
      const info: InfoRecord = {
        name,
        modelJson,
        dateSaved: result.dateSaved.toISOString(),
        weightsBytes: artifacts.weights.length,
      };
      await inTransaction(options, name, 'readwrite', 'save the model', (infoStore, weightsStore) => {
        infoStore.put(info);
        // A view into a larger buffer would store all of it: keep exactly the file's bytes.
        const w = artifacts.weights;
        const exact = w.byteOffset === 0 && w.byteLength === w.buffer.byteLength ? w : w.slice();
        weightsStore.put({ name, weights: exact });
        return () => undefined;
      });
      return result;
    },
    async load() {
      let info: Req<unknown>;
      let weights: Req<unknown>;
      const [i, w] = await inTransaction(
        options,
        name,
        'readonly',
        'load the model',
        (infoStore, weightsStore) => {
          info = infoStore.get(name);
          weights = weightsStore.get(name);
          return () => [info.result, weights.result] as const;
        },
      );
      const bytes = (w as { weights?: unknown } | undefined)?.weights;
      if (i === undefined || !(bytes instanceof Uint8Array)) {
        throw new IOError(
          `indexeddb://${name}`,
          'could not load the model (no model is saved under this name)',
          {
            code: 'ENOENT',
          },
        );
      }
      return {
        modelJson: (i as InfoRecord).modelJson,
        weights: bytes,
        jsonName: `indexeddb://${name}/model.json`,
        weightsName: `indexeddb://${name}/model.safetensors`,
      };
    },
  };
}

/**
 * The models saved in IndexedDB: name, date and sizes, without reading their weights.
 * @example
 * (await listIndexedDBModels()).map((m) => m.name); // ['my-model']
 */
export async function listIndexedDBModels(
  given?: IOOptions,
): Promise<{ name: string; dateSaved: Date; weightsBytes: number }[]> {
  const options = ioArgs('listIndexedDBModels', arguments.length, 1, 'listIndexedDBModels(options)', given);
  let all: Req<unknown[]>;
  const records = await inTransaction(options, '*', 'readonly', 'list the models', (info) => {
    all = info.getAll();
    return () => all.result as InfoRecord[];
  });
  return records.map((r) => ({
    name: r.name,
    dateSaved: new Date(r.dateSaved),
    weightsBytes: r.weightsBytes,
  }));
}

/**
 * Deletes a model saved in IndexedDB (both records, in one transaction); resolves whether it existed.
 * @example
 * await removeIndexedDBModel('my-model'); // true
 */
export async function removeIndexedDBModel(name: string, given?: IOOptions): Promise<boolean> {
  const options = ioArgs(
    'removeIndexedDBModel',
    arguments.length,
    2,
    "removeIndexedDBModel('my-model', options)",
    given,
  );
  checkName(name);
  let found: Req<unknown>;
  return inTransaction(options, name, 'readwrite', 'remove the model', (info, weights) => {
    found = info.get(name);
    info.delete(name);
    weights.delete(name);
    return () => found.result !== undefined;
  });
}

registerSaveRouter('indexeddb', (path, options) => indexedDBHandler(path, options));
registerLoadRouter('indexeddb', (path, options) => indexedDBHandler(path, options));

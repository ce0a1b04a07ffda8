// Tests of the save/load handlers outside the folder: IndexedDB (on fake-indexeddb) with a save
// that fails inside its transaction leaving the stored model as it was, downloads:// (a stubbed
// document, real Blob URLs) read back through browserFiles, http(s) against a node:http server
// (GET with weightUrl / weightPathPrefix / requestInit / fetch, POST of a multipart form),
// scheme routing (unknown schemes, plain paths without Node's folder handler, own routers) and
// the portable sha256. This file never loads the folder handler, as in a browser.

import '@nabla/backend-cpu';
import { resolveObjectURL } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArgumentError, memory, randomNormal, setBackend, type Tensor } from '@nabla/core';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Model } from '../engine/model.js';
import { loadModel, type ModelJson, modelToArtifacts } from '../engine/save-load.js';
import { sequential } from '../engine/sequential.js';
import { dense } from '../layers/core.js';
import { adam } from '../optimizers/index.js';
import { browserFiles, downloadsHandler } from './browser.js';
import { FormatError, IOError } from './errors.js';
import { httpHandler } from './http.js';
import { indexedDBHandler, listIndexedDBModels, removeIndexedDBModel } from './indexeddb.js';
import {
  type DownloadDocument,
  getLoadHandler,
  getSaveHandler,
  type IOHandler,
  knownSchemes,
  type ModelArtifacts,
  registerLoadRouter,
  registerSaveRouter,
  saveResult,
} from './router.js';
import { sha256HexAsync, sha256HexSync } from './sha256.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function net(units = 4): Model {
  const m = sequential([dense({ units, activation: 'relu', inputShape: [3] }), dense({ units: 2 })]);
  m.compile({ optimizer: adam({ learningRate: 0.01 }), loss: 'mse' });
  return m;
}

async function trained(): Promise<Model> {
  const m = net();
  await m.fit(randomNormal([8, 3], { seed: 1 }), randomNormal([8, 2], { seed: 2 }), {
    epochs: 1,
    verbose: 0,
  });
  return m;
}

const probe = () => randomNormal([5, 3], { seed: 3 });

async function predictions(m: Model, x: Tensor = probe()): Promise<number[]> {
  return [...((await m.predict(x).data()) as Float32Array)];
}

async function expectSame(a: Model, b: Model): Promise<void> {
  const x = probe();
  expect(await predictions(b, x)).toEqual(await predictions(a, x));
}

describe('I/O entry points check their arguments', () => {
  it('refuse extra arguments and unknown or misspelt option keys before any work', async () => {
    const call =
      (f: unknown, ...args: unknown[]) =>
      () =>
        (f as (...a: unknown[]) => unknown)(...args);
    expect(call(indexedDBHandler, 'm', {}, 1)).toThrow(/indexedDBHandler: expected at most 2/);
    expect(call(indexedDBHandler, 'm', { indexDB: {} })).toThrow(
      /unknown option 'indexDB'; did you mean 'indexedDB'/,
    );
    expect(call(downloadsHandler, 'm', { documnt: {} })).toThrow(ArgumentError);
    expect(call(httpHandler, 'http://x/m.json', { fetch: fetch, weightUrl: 'u', extra: 1 })).toThrow(
      ArgumentError,
    );
    expect(call(browserFiles, [new Blob(['{}']), new Blob([''])], 2)).toThrow(
      /browserFiles: expected at most 1/,
    );
    expect(call(getSaveHandler, 'indexeddb://m', {}, 3)).toThrow(ArgumentError);
    expect(call(getLoadHandler, 'indexeddb://m', { weightUrll: 'u' })).toThrow(/did you mean 'weightUrl'/);
    expect(call(knownSchemes, 'saves')).toThrow(/knownSchemes: expected 'save' or 'load'/);
    expect(call(registerSaveRouter, 'x', () => ({}), 1)).toThrow(ArgumentError);
    await expect(call(listIndexedDBModels, {}, 1)()).rejects.toThrow(ArgumentError);
    await expect(call(removeIndexedDBModel, 'm', { bogus: 1 })()).rejects.toThrow(ArgumentError);
  });
});

describe('indexeddb://', () => {
  it('saves and loads a model bit for bit, with its training state; lists and removes it', async () => {
    const indexedDB = new IDBFactory();
    const m = await trained();
    const result = await m.save('indexeddb://mlp', { indexedDB });
    expect(result.weightsBytes).toBeGreaterThan(0);
    const loaded = await loadModel('indexeddb://mlp', { indexedDB });
    await expectSame(m, loaded);
    expect(loaded.optimizer.iterations).toBe(m.optimizer.iterations);
    const listed = await listIndexedDBModels({ indexedDB });
    expect(listed.map((r) => r.name)).toEqual(['mlp']);
    expect(listed[0]!.weightsBytes).toBe(result.weightsBytes);
    expect(await removeIndexedDBModel('mlp', { indexedDB })).toBe(true);
    const missing = await loadModel('indexeddb://mlp', { indexedDB }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IOError);
    expect((missing as IOError).message).toMatch(/^indexeddb:\/\/mlp: could not load the model \(no model/);
  });

  it('a save that fails inside its transaction leaves the stored model as it was', async () => {
    const indexedDB = new IDBFactory();
    const first = await trained();
    await first.save(indexedDBHandler('kept', { indexedDB }));
    const second = net(4);
    // The weights put (the second of the transaction) fails, after model.json's put succeeded.
    const put: (...args: unknown[]) => unknown = IDBObjectStore.prototype.put;
    const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: { name: string },
      ...args: unknown[]
    ) {
      if (this.name === 'model_weights') throw new Error('QuotaExceededError: the disk is full');
      return put.apply(this, args);
    });
    const error = await second.save('indexeddb://kept', { indexedDB }).catch((e: unknown) => e);
    spy.mockRestore();
    expect(error).toBeInstanceOf(IOError);
    expect((error as Error).message).toMatch(/indexeddb:\/\/kept: could not save the model \(.*disk is full/);
    const loaded = await loadModel('indexeddb://kept', { indexedDB });
    await expectSame(first, loaded);
  });

  it('without an IndexedDB it says so and how to pass one', async () => {
    const m = net();
    await expect(m.save('indexeddb://x')).rejects.toThrow(/no IndexedDB.*options\.indexedDB/);
  });
});

describe('downloads:// and browserFiles', () => {
  function stubDocument() {
    const clicks: { href: string; download: string }[] = [];
    const document: DownloadDocument = {
      createElement: () => {
        const anchor = {
          href: '',
          download: '',
          click: () => clicks.push({ href: anchor.href, download: anchor.download }),
        };
        return anchor;
      },
    };
    return { document, clicks };
  }

  async function downloaded(href: string, name: string): Promise<File> {
    const blob = resolveObjectURL(href);
    if (blob === undefined) throw new Error(`no blob at ${href}`);
    return new File([new Uint8Array(await blob.arrayBuffer())], name);
  }

  it('downloads name.json and name.safetensors, which browserFiles loads back bit for bit', async () => {
    const m = await trained();
    const { document, clicks } = stubDocument();
    await m.save('downloads://mnist', { document });
    expect(clicks.map((c) => c.download)).toEqual(['mnist.json', 'mnist.safetensors']);
    expect(clicks.every((c) => c.href.startsWith('blob:'))).toBe(true);
    const json = await downloaded(clicks[0]!.href, 'mnist.json');
    const weights = await downloaded(clicks[1]!.href, 'mnist.safetensors');
    const doc = JSON.parse(await json.text()) as ModelJson;
    expect(doc.format).toBe('nabla-model');
    expect(doc.weights?.sha256).toBe(
      createHash('sha256')
        .update(await weights.bytes())
        .digest('hex'),
    );
    await expectSame(m, await loadModel(browserFiles([json, weights])));
    // Named files may come in either order, as an <input type=file multiple> gives them.
    await expectSame(m, await loadModel(browserFiles([weights, json])));
    // Unnamed Blobs are taken as [json, weights].
    await expectSame(m, await loadModel(browserFiles([new Blob([json]), new Blob([weights])])));
  });

  it('downloads:// without a name downloads model.json and model.safetensors; no document is an error', async () => {
    const m = net();
    const { document, clicks } = stubDocument();
    await m.save(downloadsHandler('', { document }));
    await m.save('downloads://', { document });
    expect(clicks.map((c) => c.download)).toEqual([
      'model.json',
      'model.safetensors',
      'model.json',
      'model.safetensors',
    ]);
    await expect(m.save('downloads://m')).rejects.toThrow(/no document to download from/);
  });

  it('refuses a json and weights of two different saves, and anything but two Blobs', async () => {
    const a = await trained();
    const b = await trained();
    const artA = await modelToArtifacts(a);
    const artB = await modelToArtifacts(b);
    const json = new File([JSON.stringify(artA.modelJson)], 'model.json');
    const weights = new File([artB.weights], 'model.safetensors');
    const before = memory().numTensors;
    const error = await loadModel(browserFiles([json, weights])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/^model\.safetensors: its sha256 .* does not match/);
    expect(memory().numTensors).toBe(before);
    expect(() => browserFiles([json])).toThrow(ArgumentError);
    expect(() => browserFiles([json, 'weights' as unknown as Blob])).toThrow(/two File or Blob objects/);
    expect(() => browserFiles([json, new File([], 'other.json')])).toThrow(
      /a model\.json and a model\.safetensors/,
    );
  });
});

describe('http(s)://', () => {
  let server: Server;
  let base = '';
  const files = new Map<string, Uint8Array>();
  const requests: { method: string; url: string; auth: string | undefined }[] = [];
  const posted: { type: string; body: Uint8Array }[] = [];

  const body = (req: IncomingMessage) =>
    new Promise<Uint8Array>((done) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => done(new Uint8Array(Buffer.concat(chunks))));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
      if (req.method === 'POST') {
        posted.push({ type: req.headers['content-type'] ?? '', body: await body(req) });
        res.writeHead(req.url === '/refuse' ? 500 : 200).end('ok');
        return;
      }
      const file = files.get(req.url ?? '');
      if (file === undefined) res.writeHead(404).end('not found');
      else res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  async function publish(m: Model, json: string, weights: string): Promise<void> {
    const { modelJson, weights: bytes } = await modelToArtifacts(m);
    files.set(json, new TextEncoder().encode(JSON.stringify(modelJson)));
    files.set(weights, bytes);
  }

  it('loads model.json and the weights beside it, with requestInit on every request', async () => {
    const m = await trained();
    await publish(m, '/models/mnist.json', '/models/mnist.safetensors');
    requests.length = 0;
    const loaded = await loadModel(`${base}/models/mnist.json`, {
      requestInit: { headers: { authorization: 'Bearer t' } },
    });
    await expectSame(m, loaded);
    expect(requests).toEqual([
      { method: 'GET', url: '/models/mnist.json', auth: 'Bearer t' },
      { method: 'GET', url: '/models/mnist.safetensors', auth: 'Bearer t' },
    ]);
    // A folder URL holds model.json and model.safetensors.
    await publish(m, '/folder/model.json', '/folder/model.safetensors');
    await expectSame(m, await loadModel(`${base}/folder/`));
  });

  it('takes the weights from weightUrl or under weightPathPrefix, through a given fetch', async () => {
    const m = await trained();
    await publish(m, '/a/net.json', '/cdn/blobs/w1');
    await expectSame(m, await loadModel(`${base}/a/net.json`, { weightUrl: `${base}/cdn/blobs/w1` }));
    files.set('/cdn/v2/net.safetensors', files.get('/cdn/blobs/w1')!);
    const seen: string[] = [];
    const counting: typeof fetch = (url, init) => {
      seen.push(String(url));
      return fetch(url, init);
    };
    const loaded = await loadModel(`${base}/a/net.json`, {
      weightPathPrefix: `${base}/cdn/v2`,
      fetch: counting,
    });
    await expectSame(m, loaded);
    expect(seen).toEqual([`${base}/a/net.json`, `${base}/cdn/v2/net.safetensors`]);
  });

  it('a missing file is an IOError naming its URL and the status', async () => {
    const m = await trained();
    await publish(m, '/half/model.json', '/elsewhere/model.safetensors');
    const error = await loadModel(`${base}/half/model.json`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IOError);
    expect((error as IOError).message).toBe(
      `${base}/half/model.safetensors: could not fetch (HTTP 404 Not Found)`,
    );
    await expect(loadModel(`${base}/nothing.json`)).rejects.toThrow(
      /nothing\.json: could not fetch \(HTTP 404/,
    );
  });

  it('saves by POSTing model.json and model.safetensors as one multipart form', async () => {
    const m = await trained();
    posted.length = 0;
    const result = await m.save(`${base}/upload`, {
      requestInit: { headers: { authorization: 'Bearer u' } },
    });
    expect(result.responses?.[0]?.status).toBe(200);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.type).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(posted[0]!.body, {
      headers: { 'content-type': posted[0]!.type },
    }).formData();
    const json = form.get('model.json') as File;
    const weights = form.get('model.safetensors') as File;
    expect(json.name).toBe('model.json');
    await expectSame(m, await loadModel(browserFiles([json, weights])));
    expect(requests.at(-1)).toEqual({ method: 'POST', url: '/upload', auth: 'Bearer u' });
    await expect(m.save(`${base}/refuse`)).rejects.toThrow(/refuse: could not POST the model \(HTTP 500/);
  });
});

describe('scheme routing', () => {
  it('an unknown scheme is an ArgumentError listing the known ones, never a folder name', async () => {
    const m = net();
    for (const target of [
      'foo://x',
      'localstorage://m',
      'Tensorflow_Hub://m',
      '__proto__://x',
      'constructor://x',
      'hasOwnProperty://x',
    ]) {
      const error = await m.save(target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as Error).message).toMatch(
        /^save: unknown scheme '[a-zA-Z_]+:\/\/' in ".*"; known schemes: /,
      );
      expect((error as Error).message).toContain('downloads://, http://, https://, indexeddb://');
      await expect(loadModel(target)).rejects.toThrow(/^loadModel: unknown scheme/);
    }
    expect(knownSchemes('load')).toEqual(expect.arrayContaining(['http', 'https', 'indexeddb']));
    expect(knownSchemes('load')).not.toContain('downloads');
    await expect(loadModel('downloads://m')).rejects.toThrow(/unknown scheme 'downloads:\/\/'/);
  });

  it('a plain path or file:// without the folder handler (as in a browser) says it needs Node', async () => {
    const m = net();
    await expect(m.save('./out/m')).rejects.toThrow(
      /^save: "\.\/out\/m" is a folder, which needs Node's file system; in Node, @nabla\/nn \(or @nabla\/nn\/node\) registers it/,
    );
    await expect(loadModel('file:///tmp/m')).rejects.toThrow(/^loadModel: "file:\/\/\/tmp\/m" is a folder/);
  });

  it('bad targets, handlers and options are ArgumentErrors', async () => {
    const m = net();
    await expect(m.save('')).rejects.toThrow(ArgumentError);
    await expect(m.save({} as IOHandler)).rejects.toThrow(/an IOHandler with save\(\)/);
    await expect(
      loadModel({ save: async () => saveResult({ modelJson: new Uint8Array(), weights: new Uint8Array() }) }),
    ).rejects.toThrow(/an IOHandler with load\(\)/);
    await expect(m.save('indexeddb://m', { indexDB: 1 } as object)).rejects.toThrow(/indexDB/);
    expect(() => registerSaveRouter('bad scheme', () => ({}))).toThrow(ArgumentError);
    const loadAny = loadModel as (...args: unknown[]) => Promise<unknown>;
    await expect(loadAny('indexeddb://m', {}, 1)).rejects.toThrow(/loadModel: expected at most 2 argument/);
  });

  it('users add their own scheme', async () => {
    const store = new Map<string, ModelArtifacts>();
    registerSaveRouter('memory', (name) => ({
      async save(artifacts) {
        store.set(name, artifacts);
        return saveResult(artifacts);
      },
    }));
    registerLoadRouter('memory', (name) => ({
      async load() {
        const a = store.get(name);
        if (a === undefined) throw new IOError(`memory://${name}`, 'nothing saved');
        return a;
      },
    }));
    const m = await trained();
    await m.save('MEMORY://one');
    expect([...store.keys()]).toEqual(['one']);
    await expectSame(m, await loadModel('memory://one'));
    await expect(loadModel('memory://two')).rejects.toThrow(/memory:\/\/two: nothing saved/);
  });
});

describe('sha256', () => {
  it('matches node:crypto in plain JavaScript and through Web Crypto', async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 70_000]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 255);
      const expected = createHash('sha256').update(bytes).digest('hex');
      expect(sha256HexSync(bytes)).toBe(expected);
      expect(await sha256HexAsync(bytes)).toBe(expected);
    }
  });
});

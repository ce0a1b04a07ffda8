// csvLogger without node:fs in its import graph: it writes through the file system it is given,
// or the one @nabla/nn's Node entry registers; with neither (as in a browser) fit fails at once
// with an ArgumentError saying what to do. This file never loads the Node entry.

import '@nabla/backend-cpu';
import { ArgumentError, ones, setBackend } from '@nabla/core';
import { beforeAll, expect, it } from 'vitest';
import { sequential } from '../engine/sequential.js';
import { dense } from '../layers/core.js';
import { type CsvFileSystem, csvLogger, setCsvFileSystem } from './csv-logger.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function memoryFs(): CsvFileSystem & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    async appendFile(path, data) {
      files.set(path, (files.get(path) ?? '') + data);
    },
    async writeFile(path, data) {
      files.set(path, data);
    },
    async stat(path) {
      const text = files.get(path);
      if (text === undefined) throw new Error('ENOENT');
      return { size: text.length };
    },
  };
}

function tiny() {
  const m = sequential([dense({ units: 1, inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

it('writes through the file system it is given', async () => {
  const fs = memoryFs();
  await tiny().fit(ones([4, 2]), ones([4, 1]), {
    epochs: 2,
    verbose: 0,
    callbacks: [csvLogger({ filename: 'log.csv', fs })],
  });
  const lines = fs.files.get('log.csv')!.trim().split('\n');
  expect(lines[0]).toBe('epoch,loss');
  expect(lines.map((l) => l.split(',')[0])).toEqual(['epoch', '0', '1']);
});

it('with no file system (as in a browser) fit fails with an ArgumentError saying what to do', async () => {
  const error = await tiny()
    .fit(ones([4, 2]), ones([4, 1]), {
      epochs: 1,
      verbose: 0,
      callbacks: [csvLogger({ filename: 'log.csv' })],
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ArgumentError);
  expect((error as Error).message).toMatch(
    /csvLogger: no file system to write 'log\.csv' with; in Node import '@nabla\/nn'/,
  );
  const fs = memoryFs();
  setCsvFileSystem(fs);
  try {
    await tiny().fit(ones([4, 2]), ones([4, 1]), {
      epochs: 1,
      verbose: 0,
      callbacks: [csvLogger({ filename: 'b.csv' })],
    });
  } finally {
    setCsvFileSystem(null);
  }
  expect(fs.files.get('b.csv')).toMatch(/^epoch,loss\n0,/);
});

// The export list of `@nabla/backend-wasm`, as a snapshot: a name that joins or leaves the
// package's entry shows up in review.

import { expect, it } from 'vitest';
import * as entry from './index.js';

it('@nabla/backend-wasm exports exactly this list', () => {
  expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
    [
      "WasmBackend",
      "WasmData",
      "createWasmBackend",
      "setWasmThreads",
    ]
  `);
});

// The export list of `@nabla/backend-cpu`, as a snapshot: a name that joins or leaves the
// package's entry shows up in review.

import { expect, it } from 'vitest';
import * as entry from './index.js';

it('@nabla/backend-cpu exports exactly this list', () => {
  expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
    [
      "CpuBackend",
      "CpuData",
      "registerCpuAsync",
    ]
  `);
});

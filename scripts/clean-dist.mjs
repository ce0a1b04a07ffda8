// Empties the current package's dist/ before its build, so that a packed tarball never ships
// files of sources since renamed or deleted (tsc writes over dist/ but never removes anything).
// Used by each package's `build` script: `node ../../scripts/clean-dist.mjs && tsc ...`.

import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });

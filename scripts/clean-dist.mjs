// Removes from the current package's dist/, after its build, every file that the build no
// longer makes: output of a source since renamed or deleted, compiled tests, declaration maps
// (not emitted: their sources are not shipped). tsc writes over dist/ but never removes
// anything, and a packed tarball would ship the leftovers. dist/ is pruned rather than emptied
// first, so that it never disappears while the package builds.
// Used by each package's `build` script: `tsc -p tsconfig.build.json && node ../../scripts/clean-dist.mjs`.

import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Whether dist/`file` comes from a source that still exists in src/. */
function stillMade(file) {
  if (file.endsWith('.d.ts.map')) return false;
  const compiled = /^(.*)(\.d\.ts|\.js\.map|\.js)$/.exec(file);
  if (!compiled) return existsSync(join('src', file));
  const base = compiled[1];
  return !base.endsWith('.test') && existsSync(join('src', `${base}.ts`));
}

function prune(dir) {
  for (const entry of readdirSync(join('dist', dir), { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(file);
      if (readdirSync(join('dist', file)).length === 0) rmdirSync(join('dist', file));
    } else if (!stillMade(file)) {
      rmSync(join('dist', file));
    }
  }
}

if (existsSync('dist')) prune('');

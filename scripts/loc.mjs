// Lines of TypeScript per package (code only: blank lines and comment-only lines left out),
// split into source and tests. Size is a decision: watch this in review.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'apps'].flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)));
roots.push(join(root, 'bench'));

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

const rows = [];
for (const pkg of roots) {
  let src = 0;
  let test = 0;
  for (const file of walk(pkg, [])) {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => {
        const t = l.trim();
        return t && !t.startsWith('//') && !t.startsWith('*') && !t.startsWith('/*');
      }).length;
    if (file.endsWith('.test.ts') || file.includes('/testing/')) test += lines;
    else src += lines;
  }
  rows.push([relative(root, pkg), src, test]);
}
console.log('| package | source | tests + conformance |\n|---|---:|---:|');
for (const [name, src, test] of rows) console.log(`| ${name} | ${src} | ${test} |`);

// Lines of TypeScript per package (code only: blank lines and comment-only lines left out),
// split into source and tests. Size is a decision: each package sets a budget in its
// package.json (`"nabla": { "locBudget": { "src": N, "test": N } }`, either key optional), and
// this script exits 1 when a package passes one, so growing past it is a reviewed change.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The package's `nabla.locBudget`, checked to hold only non-negative integers. */
function budgetOf(pkg) {
  const file = join(pkg, 'package.json');
  if (!existsSync(file)) return {};
  const budget = JSON.parse(readFileSync(file, 'utf8')).nabla?.locBudget ?? {};
  for (const [key, value] of Object.entries(budget)) {
    if ((key !== 'src' && key !== 'test') || !Number.isInteger(value) || value < 0) {
      throw new Error(
        `loc: ${relative(root, file)}: nabla.locBudget.${key} must be "src" or "test" with a non-negative integer, got ${JSON.stringify(value)}`,
      );
    }
  }
  return budget;
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
  rows.push({ name: relative(root, pkg), src, test, budget: budgetOf(pkg) });
}

const cell = (count, limit) => (limit === undefined ? `${count}` : `${count} / ${limit}`);
console.log('| package | source (/ budget) | tests + conformance (/ budget) |\n|---|---:|---:|');
for (const { name, src, test, budget } of rows) {
  console.log(`| ${name} | ${cell(src, budget.src)} | ${cell(test, budget.test)} |`);
}

const over = rows.flatMap(({ name, src, test, budget }) =>
  [
    ['source', src, budget.src, 'src'],
    ['test', test, budget.test, 'test'],
  ]
    .filter(([, count, limit]) => limit !== undefined && count > limit)
    .map(
      ([kind, count, limit, key]) =>
        `  ${name}: ${count} lines of ${kind}, ${count - limit} over its budget of ${limit} (nabla.locBudget.${key} in ${name}/package.json)`,
    ),
);
if (over.length > 0) {
  console.error(
    `\nloc: over budget:\n${over.join('\n')}\nShrink the code, or raise the budget in the same change and say why in its review.`,
  );
  process.exit(1);
}

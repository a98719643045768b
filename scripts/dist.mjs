// After `tsc -p tsconfig.build.json`: makes dist/ runnable by plain Node (no tsx).
// The sources import without extensions (bundler resolution); Node's ESM loader needs them, so each relative
// specifier becomes `<path>.js` or `<path>/index.js`, whichever tsc emitted. Files read at run time are copied.
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const DIST = resolve('dist');
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]*)\2/g;

function fix(file) {
  const dir = dirname(file);
  const text = readFileSync(file, 'utf8').replace(SPECIFIER, (all, lead, q, spec) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return all;
    if (existsSync(join(dir, `${spec}.js`))) return `${lead}${q}${spec}.js${q}`;
    if (existsSync(join(dir, spec, 'index.js'))) return `${lead}${q}${spec}/index.js${q}`;
    throw new Error(`${file}: cannot resolve ${spec}`);
  });
  writeFileSync(file, text);
}

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js')) fix(p);
  }
}

walk(DIST);
cpSync('package.json', join(DIST, 'package.json'));
cpSync('gateway/dashboard', join(DIST, 'gateway/dashboard'), { recursive: true });
cpSync('adapters/emlite/proto', join(DIST, 'adapters/emlite/proto'), { recursive: true, filter: (src) => statSync(src).isDirectory() || src.endsWith('.proto') });
console.log('dist/ ready: node dist/bin/gridtwin.js start');

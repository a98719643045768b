import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What `npm run build` compiles (tsconfig.build.json): the code the production image runs with `npm ci --omit=dev`. */
const RUNTIME = ['core', 'actors', 'adapters', 'persistence', 'gateway', 'bin', 'index.ts'];
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string>>;

function files(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

/** Bare package names a file imports at run time (type-only imports are erased by the compiler). */
function runtimeImports(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\s)(?:[^'"]*?\sfrom\s*)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^'"]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire(?:\.resolve)?\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtinModules.includes(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

describe('production dependencies', () => {
  it('tsx is a dev dependency, and runtime code imports only production dependencies', () => {
    expect(pkg.devDependencies!.tsx).toBeDefined();
    expect(pkg.dependencies!.tsx).toBeUndefined();
    const production = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const offenders: string[] = [];
    const seen = new Set<string>();
    for (const file of RUNTIME.flatMap(files)) {
      for (const name of runtimeImports(readFileSync(file, 'utf8'))) {
        seen.add(name);
        if (!production.has(name)) offenders.push(`${file}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
    // The scan finds what it should: the runtime's own libraries.
    expect([...seen]).toEqual(expect.arrayContaining(['nact', 'zod', 'pino', 'prom-client', '@mikro-orm/core']));
  });
});

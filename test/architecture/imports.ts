import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** The source tree the layering rules cover (tests, benchmarks and scripts are outside it). */
export const ROOT = resolve(import.meta.dirname, '../..');
export const LAYERS = ['actors', 'adapters', 'core', 'gateway', 'persistence'] as const;

export interface SourceFile {
  path: string;
  source: ts.SourceFile;
  /** Files this one imports (relative imports resolved to files under ROOT); `typeOnly` ones vanish at run time. */
  imports: Array<{ to: string; typeOnly: boolean }>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return walk(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** Every import and re-export of a file, marking the type-only ones (`import type`, `export type`, or all named bindings `type`). */
function importsOf(path: string, source: ts.SourceFile): SourceFile['imports'] {
  const out: SourceFile['imports'] = [];
  for (const st of source.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const to = resolveImport(path, st.moduleSpecifier.text);
      if (!to) continue;
      let typeOnly: boolean;
      if (ts.isImportDeclaration(st)) {
        const c = st.importClause;
        const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
        typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      } else {
        const named = st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : undefined;
        typeOnly = st.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      }
      out.push({ to, typeOnly });
    }
  }
  return out;
}

export function sourceFiles(): SourceFile[] {
  return LAYERS.flatMap((l) => walk(join(ROOT, l))).map((path) => {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    return { path, source, imports: importsOf(path, source) };
  });
}

export const rel = (p: string) => relative(ROOT, p);

/**
 * The import cycles among files, each as the list of files around it, found by a depth-first search over the
 * graph (one cycle per back edge; none means none). Type-only imports count unless `runtimeOnly` (they are erased).
 */
export function importCycles(files: SourceFile[], o: { runtimeOnly: boolean }): string[][] {
  const graph = new Map(files.map((f) => [f.path, f.imports.filter((i) => !(o.runtimeOnly && i.typeOnly)).map((i) => i.to)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push(stack.slice(stack.indexOf(m)).map(rel));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

/** The text of every string and template literal of a file (template parts joined with `${}`), with its line. */
export function literals(f: SourceFile): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      out.push({ text: n.text, line: f.source.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
    } else if (ts.isTemplateExpression(n)) {
      out.push({ text: [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join('${}'), line: f.source.getLineAndCharacterOfPosition(n.getStart()).line + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(f.source);
  return out;
}

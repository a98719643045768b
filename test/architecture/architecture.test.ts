import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LAYERS, importCycles, literals, rel, sourceFiles, type SourceFile } from './imports';

/**
 * The house rules of STYLE.md that a machine can check (issue 12): the arrows between top folders, no import
 * cycles, SQL and PostgreSQL error codes only in persistence/. Pure: reads the source, runs nothing.
 */
const files = sourceFiles();
const top = (p: string) => rel(p).split('/')[0]!;

/** Which top folders each may import. Arrows point down: gateway → actors → persistence / adapters → core. */
const MAY_IMPORT: Record<(typeof LAYERS)[number], readonly string[]> = {
  gateway: ['actors', 'adapters', 'core', 'persistence'],
  actors: ['adapters', 'core', 'persistence'],
  persistence: ['core'],
  adapters: ['core'],
  core: [],
};

/** A statement, not prose: a keyword at the start of the literal followed by what the statement needs. */
const SQL = /^\s*(select\s[\s\S]*\sfrom\s|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\(|(create|alter|drop)\s+(table|index|function|trigger)\s)/i;
/** SQLSTATE values (PostgreSQL manual, Appendix A): two-character class + three; GT is gridtwin's own class (the cluster fence). */
const SQLSTATE = /^(0[1-9A-Z]|2[0-9A-Z]|3[89BDF]|4[02Z]|5[3-57-8]|F0|HV|P0|XX|GT)[0-9A-Z]{3}$/;

/** A subject put together from a prefix by hand (`${p}.meter.…`), not by a family of core/subjects.ts. */
const HAND_BUILT_SUBJECT = /^\$\{\}\.(meter|grid|plant|batch|interaction|commissioning|esco|alerts?|evt|cluster|registry|history|sim|uplinks|issues|owners|meters|plants|fleet)\b/;

const offenders = (pick: (f: SourceFile) => string[]) => files.flatMap(pick);

describe('architecture', () => {
  it(`reads the whole tree (${files.length} files)`, () => {
    expect(files.length).toBeGreaterThan(200);
    expect(files.some((f) => rel(f.path) === 'persistence/errors.ts')).toBe(true);
  });

  it('imports follow the arrows of STYLE.md (gateway → actors → persistence / adapters → core)', () => {
    const bad = offenders((f) => f.imports
      .filter((i) => top(i.to) !== top(f.path) && !MAY_IMPORT[top(f.path) as keyof typeof MAY_IMPORT].includes(top(i.to)))
      .map((i) => `${rel(f.path)} → ${rel(i.to)}`));
    expect(bad).toEqual([]);
  });

  it('no file imports itself back through others, type-only imports included (as madge counts them)', () => {
    expect(importCycles(files, { runtimeOnly: false })).toEqual([]);
  });

  it('SQL statements appear only in persistence/', () => {
    const bad = offenders((f) => (top(f.path) === 'persistence' ? [] : literals(f).filter((l) => SQL.test(l.text)).map((l) => `${rel(f.path)}:${l.line}`)));
    expect(bad).toEqual([]);
  });

  it('subjects are built by core/subjects.ts only (one family gives pattern, builder and parser)', () => {
    const bad = offenders((f) => literals(f).filter((l) => HAND_BUILT_SUBJECT.test(l.text)).map((l) => `${rel(f.path)}:${l.line} ${l.text}`));
    expect(bad).toEqual([]);
  });

  it('PostgreSQL error codes (SQLSTATE) appear only in persistence/', () => {
    const bad = offenders((f) => (top(f.path) === 'persistence' ? [] : literals(f).filter((l) => SQLSTATE.test(l.text)).map((l) => `${rel(f.path)}:${l.line} ${l.text}`)));
    expect(bad).toEqual([]);
  });

  it('the checks see what they look for (each would fail on a planted offence)', () => {
    expect(SQL.test('select grid_id from meters where id = ?')).toBe(true);
    expect(SQL.test(`\n      insert into poll_logs(id) select 1`)).toBe(true);
    expect(SQL.test('update meters set kwh = ?')).toBe(true);
    expect(SQL.test('select a plant to see its history')).toBe(false);
    expect(SQL.test('Update the meter')).toBe(false);
    expect(['23505', '40P01', '57P01', 'GT409'].every((c) => SQLSTATE.test(c))).toBe(true);
    expect(['12345', 'UTF-8', 'READY'].some((c) => SQLSTATE.test(c))).toBe(false);
    expect(HAND_BUILT_SUBJECT.test('${}.meter.${}.get')).toBe(true);
    expect(HAND_BUILT_SUBJECT.test('${}.${}')).toBe(false);
    // SQL in a template with substitutions is found too.
    const planted = ts.createSourceFile('x.ts', 'const q = `select id from ${t} where id = ?`;', ts.ScriptTarget.Latest, true);
    expect(literals({ path: 'x.ts', source: planted, imports: [] }).some((l) => SQL.test(l.text))).toBe(true);
    const cycle = [{ path: 'a', imports: [{ to: 'b', typeOnly: true }] }, { path: 'b', imports: [{ to: 'a', typeOnly: false }] }] as unknown as SourceFile[];
    expect(importCycles(cycle, { runtimeOnly: false })).toEqual([['a', 'b']]);
    expect(importCycles(cycle, { runtimeOnly: true })).toEqual([]);
  });
});

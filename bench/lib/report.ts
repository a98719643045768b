import { cpus, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The machine a benchmark ran on, as one line. */
export function machine(): string {
  const c = cpus();
  return `${c[0]?.model.trim() ?? 'cpu'} × ${c.length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform}`;
}

/** Replaces (or appends) the `## <name>` section of BENCHMARKS.md, keeping every other section. */
export function writeSection(name: string, body: string, file = 'BENCHMARKS.md') {
  const header = `## ${name}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(`${header}\n`);
  const section = `${header}\n\n${body.trim()}\n`;
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + header.length);
  writeFileSync(file, `${text.slice(0, start)}${section}${next === -1 ? '' : `\n${text.slice(next + 1)}`}`);
}

/** Runs a bench entry point: any failure is printed and ends the process non-zero. */
export function runMain(main: () => Promise<unknown>): void {
  main().then(undefined, (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

/** A child process's message handler: a failed handler is printed and ends the child non-zero. */
export const onMessage = <M>(handle: (m: M) => Promise<void>) => (m: M): void => runMain(() => handle(m));

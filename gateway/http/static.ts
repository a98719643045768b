import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { beginExchange, getAndHead, send } from './io';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

type Files = Map<string, { body: Buffer; type: string }>;

function load(dir: string, only?: string[]): Files {
  const files: Files = new Map();
  for (const name of only ?? readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return files;
}

/** The chart library's browser build, from the installed package (no copy in the repository). */
const UPLOT_DIST = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

function serve(app: TemplatedApp, pattern: string, files: Files): void {
  getAndHead(app, pattern, (res, req) => {
    const f = files.get(req.getParameter(0) ?? '');
    const ex = beginExchange(res, req);
    if (f) send(ex, 200, f.body.toString('utf8'), f.type, { 'cache-control': 'no-cache' });
    else send(ex, 404, 'not found', 'text/plain');
  });
}

/** Serves the dashboard's files from memory: `/` is index.html, the rest under `/dashboard/`, uPlot under `/vendor/uplot/`. */
export function registerDashboard(app: TemplatedApp, dir: string): void {
  const files = load(dir);
  getAndHead(app, '/', (res, req) => {
    const f = files.get('index.html');
    const ex = beginExchange(res, req);
    if (f) send(ex, 200, f.body.toString('utf8'), f.type, { 'cache-control': 'no-cache' });
    else send(ex, 404, 'dashboard not found', 'text/plain');
  });
  serve(app, '/dashboard/:file', files);
  serve(app, '/vendor/uplot/:file', load(UPLOT_DIST, ['uPlot.iife.min.js', 'uPlot.min.css']));
}

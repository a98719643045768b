import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { beginExchange, getAndHead, send } from './io';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves the dashboard's files from memory: `/` is index.html, the rest under `/dashboard/`. */
export function registerDashboard(app: TemplatedApp, dir: string): void {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  getAndHead(app, '/', (res, req) => {
    const f = files.get('index.html');
    const ex = beginExchange(res, req);
    if (f) send(ex, 200, f.body.toString('utf8'), f.type, { 'cache-control': 'no-cache' });
    else send(ex, 404, 'dashboard not found', 'text/plain');
  });
  getAndHead(app, '/dashboard/:file', (res, req) => {
    const f = files.get(req.getParameter(0) ?? '');
    const ex = beginExchange(res, req);
    if (f) send(ex, 200, f.body.toString('utf8'), f.type, { 'cache-control': 'no-cache' });
    else send(ex, 404, 'not found', 'text/plain');
  });
}

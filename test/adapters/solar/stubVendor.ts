import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A vendor answering whatever `answer` returns for a path (HTTP 200, JSON, an xsrf-token header): shapes the simulators do not make. */
export async function stubVendor(answer: (path: string, body: unknown, headers: IncomingHttpHeaders) => unknown): Promise<{ url: string; paths: string[]; close: () => Promise<void> }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += String(c); });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://stub').pathname;
      paths.push(path);
      res.writeHead(200, { 'content-type': 'application/json', 'xsrf-token': 'stub-token' });
      res.end(JSON.stringify(answer(path, raw ? JSON.parse(raw) : {}, req.headers)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, paths, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

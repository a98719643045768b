import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, GridtwinError, statusForCode } from '../../core/errors';
import type { Reply } from '../../core/reply';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 429: 'Too Many Requests', 500: 'Internal Server Error',
  503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export const httpStatusFor = statusForCode;

/** Tracks whether the response may still be written (uWS forbids touching it after abort or end). */
export interface Exchange {
  res: HttpResponse;
  aborted: boolean;
  /** A HEAD request: the answer carries the GET's status and headers, never a body (RFC 9110 §9.3.2). */
  head: boolean;
}

/** Starts an answer; pass `req` so a HEAD request is answered without a body. */
export function beginExchange(res: HttpResponse, req?: HttpRequest): Exchange {
  const ex: Exchange = { res, aborted: false, head: req?.getMethod().toLowerCase() === 'head' };
  res.onAborted(() => {
    ex.aborted = true;
  });
  return ex;
}

export function send(ex: Exchange, status: number, body: string, contentType: string, extraHeaders: Record<string, string> = {}): void {
  if (ex.aborted) return;
  ex.aborted = true; // ended: no second write
  ex.res.cork(() => {
    ex.res.writeStatus(`${status} ${STATUS_TEXT[status] ?? ''}`.trim()).writeHeader('content-type', contentType);
    for (const [k, v] of Object.entries(extraHeaders)) ex.res.writeHeader(k, v);
    // uWS writes whatever body it is given, also for HEAD: a keep-alive client would read it as the next response.
    // The length is written by hand: this uWS build's endWithoutBody(length) then waits for that many body bytes
    // and never serves the next request on the socket.
    if (ex.head) ex.res.writeHeader('content-length', String(Buffer.byteLength(body))).endWithoutBody();
    else ex.res.end(body);
  });
}

/** Registers a GET route and the HEAD route that mirrors it (same handler; `beginExchange(res, req)` drops the body). */
export function getAndHead(app: TemplatedApp, pattern: string, handler: (res: HttpResponse, req: HttpRequest) => void): void {
  app.get(pattern, handler);
  app.head(pattern, handler);
}

export const sendJson = (ex: Exchange, status: number, body: unknown): void =>
  send(ex, status, JSON.stringify(body), 'application/json; charset=utf-8', { 'cache-control': 'no-store' });

/** Sends a reply envelope with the status its error code implies (or `okStatus`). */
export function sendReply(ex: Exchange, reply: Reply<unknown>, okStatus = 200): void {
  sendJson(ex, 'error' in reply ? httpStatusFor(reply.error.code) : okStatus, reply);
}

export function sendError(ex: Exchange, e: GridtwinError): void {
  sendJson(ex, httpStatusFor(e.code), { error: e.toJSON() });
}

/** Reads a JSON body with onData, copying chunks (uWS neuters them) and refusing bodies over `limit`. */
export function readJsonBody(ex: Exchange, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    ex.res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        return reject(new GridtwinError(ErrorCode.BAD_REQUEST, `body larger than ${limit} bytes`, { details: { limit } }));
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new GridtwinError(ErrorCode.BAD_REQUEST, 'malformed JSON body'));
      }
    });
  });
}

/** Headers are only readable synchronously inside the uWS handler, so they are copied first. */
export interface RequestHead {
  method: string;
  url: string;
  query: string;
  authorization: string;
  idempotencyKey: string;
  params: string[];
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // left as is: the id check refuses it
  }
};

export function readHead(req: HttpRequest, paramCount = 0): RequestHead {
  return {
    method: req.getMethod(),
    url: req.getUrl(),
    query: req.getQuery() ?? '',
    authorization: req.getHeader('authorization'),
    idempotencyKey: req.getHeader('idempotency-key'),
    params: Array.from({ length: paramCount }, (_, i) => safeDecode(req.getParameter(i) ?? '')),
  };
}

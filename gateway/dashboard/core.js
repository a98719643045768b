// The dashboard's plumbing: the signed-in token, the HTTP API, the /ws socket (docs/ws-protocol.md) and DOM helpers.
const TOKEN_KEY = 'gridtwin.token';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY) || ''; },
  set token(t) { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); },
  /** The token's claims (display only: the gateway verifies it). */
  get claims() {
    try { return JSON.parse(atob(this.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return {}; }
  },
};

const listeners = { unauthorized: [] };
export const onUnauthorized = (fn) => listeners.unauthorized.push(fn);

/** Calls the HTTP API; resolves `{status, data}` or `{status, error}` (never throws for an HTTP error). */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    return { status: 0, error: { code: 'UNAVAILABLE', message: `network: ${e.message}` } };
  }
  const json = await res.json().catch(() => ({ error: { code: 'BAD_REPLY', message: `HTTP ${res.status}` } }));
  if (res.status === 401) listeners.unauthorized.forEach((f) => f(json.error));
  return { status: res.status, ...json };
}

/** The organization whose alerts and overview are shown: the token's, else the first one the fleet names. */
export async function currentOrg() {
  if (session.claims.org) return session.claims.org;
  const r = await api('GET', '/api/plants?limit=1');
  return r.data?.items[0]?.organizationId ?? null;
}

// ---- socket -------------------------------------------------------------------------------------
const topics = new Map(); // topic -> Set(handler({kind:'snapshot'|'event', data}))
const lastSeq = new Map();
let socket = null;
let retryMs = 500;
let natsWasDown = false;

export function setBadge(node, text, cls) { node.textContent = text; node.className = `badge ${cls}`; }

export function connect() {
  socket?.close();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  // The token travels in the protocol header (`bearer.<jwt>`), never in the URL; the server echoes `gridtwin`.
  const ws = new WebSocket(url, session.token ? ['gridtwin', `bearer.${session.token}`] : ['gridtwin']);
  socket = ws;
  setBadge(document.querySelector('#conn-state'), 'connecting', 'grey');
  ws.onopen = () => { retryMs = 500; setBadge(document.querySelector('#conn-state'), 'connected', 'connected'); lastSeq.clear(); for (const t of topics.keys()) send({ op: 'subscribe', topic: t }); };
  ws.onclose = (e) => {
    if (socket !== ws) return;
    setBadge(document.querySelector('#conn-state'), e.code === 4001 ? 'token expired' : 'disconnected', 'disconnected');
    if (e.code !== 4001) setTimeout(() => socket === ws && connect(), retryMs = Math.min(retryMs * 2, 10_000));
  };
  ws.onmessage = (e) => handle(JSON.parse(e.data));
}

function send(msg) { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg)); }

function handle(m) {
  switch (m.type) {
    case 'status':
      setBadge(document.querySelector('#nats-state'), m.nats, m.nats);
      if (m.nats === 'connected' && natsWasDown) for (const t of topics.keys()) send({ op: 'subscribe', topic: t });
      natsWasDown = m.nats !== 'connected';
      break;
    case 'snapshot':
      lastSeq.set(m.topic, m.seq);
      topics.get(m.topic)?.forEach((f) => f({ kind: 'snapshot', data: m.data }));
      break;
    case 'event': {
      const prev = lastSeq.get(m.topic);
      lastSeq.set(m.topic, m.seq);
      // A gap after coalescing is expected (state is whole); any other gap means an event was missed: resubscribe.
      if (prev !== undefined && m.seq !== prev + 1 && !m.coalesced) send({ op: 'subscribe', topic: m.topic });
      topics.get(m.topic)?.forEach((f) => f({ kind: 'event', data: m.data }));
      break;
    }
    default:
      break;
  }
}

/** Follows a WS topic while a view is shown; returns the function that stops following. */
export function watch(topic, handler) {
  let set = topics.get(topic);
  if (!set) { topics.set(topic, (set = new Set())); send({ op: 'subscribe', topic }); }
  set.add(handler);
  return () => {
    set.delete(handler);
    if (set.size === 0) { topics.delete(topic); lastSeq.delete(topic); send({ op: 'unsubscribe', topic }); }
  };
}

// ---- DOM helpers ----------------------------------------------------------------------------------
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c);
  return node;
}
export const badge = (text, cls = text) => el('span', { class: `badge ${cls ?? 'grey'}` }, String(text ?? '—'));
export function ago(iso) {
  if (!iso) return 'never';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 0) return 'just now';
  return s < 60 ? `${Math.round(s)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
}
export const time = (iso) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '—');
export const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : Number(v).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits }));
export const section = (title, { wide = false, id } = {}, ...children) => el('section', { class: wide ? 'wide' : '', id }, el('h2', {}, title), ...children);
export const table = (head, rows, attrs = {}) => el('div', { class: 'scroll' }, el('table', attrs,
  el('thead', {}, el('tr', {}, head.map((h) => (typeof h === 'string' ? el('th', {}, h) : el('th', { class: h.class }, h.label))))),
  el('tbody', {}, rows)));
export const errorText = (r) => `${r.error?.code ?? 'ERROR'}: ${r.error?.message ?? 'failed'}`;
/** Rows that open a page when clicked (and with Enter), for tables of entities. */
export function linkRow(href, ...cells) {
  return el('tr', { 'data-href': href, tabindex: '0', onclick: () => (location.hash = href), onkeydown: (e) => e.key === 'Enter' && (location.hash = href) }, ...cells);
}
export const isoHoursAgo = (h) => new Date(Date.now() - h * 3600e3).toISOString();

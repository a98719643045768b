// gridtwin operator dashboard: a plain client of the /ws protocol (docs/ws-protocol.md).
const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const claims = decodeClaims(token);
const MAX_METERS_PER_GRID = 50;
const MAX_STREAM_ROWS = 100;

const watched = {
  grids: new Set(list(params.get('grids')) ?? claims.grids ?? []),
  plants: new Set(list(params.get('plants')) ?? claims.plants ?? []),
  org: params.get('org') || claims.org || '',
};
const lastSeq = new Map(); // topic -> last seq seen; a jump means we missed something: resubscribe
const meters = new Map(); // meterId -> meter view
const pending = new Map(); // correlation id -> callback
let socket = null;
let natsWasDown = false;
let retryMs = 500;
let nextId = 1;

const $ = (sel) => document.querySelector(sel);
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}
function list(s) { return s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null; }
function decodeClaims(jwt) {
  try { return JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return {}; }
}
function setBadge(node, text, cls) { node.textContent = text; node.className = `badge ${cls}`; }
function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? `${Math.round(s)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
}
/** Display health: the runtime's own verdict when it sends one, else from last seen (2 h / 24 h). */
function health(m) {
  if (m.health) return m.health;
  const seen = m.lastSeenAt ?? m.last_seen_at;
  if (!seen) return 'GREY';
  const h = (Date.now() - Date.parse(seen)) / 3600e3;
  return h < 2 ? 'GREEN' : h < 24 ? 'YELLOW' : 'RED';
}

// ---- socket -------------------------------------------------------------------------------------
function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  socket = new WebSocket(url);
  setBadge($('#conn-state'), 'connecting', 'grey');
  socket.onopen = () => { retryMs = 500; setBadge($('#conn-state'), 'connected', 'connected'); subscribeAll(); };
  socket.onclose = (e) => {
    setBadge($('#conn-state'), e.code === 4001 ? 'token expired' : 'disconnected', 'disconnected');
    lastSeq.clear();
    if (e.code !== 4001) setTimeout(connect, retryMs = Math.min(retryMs * 2, 10_000));
  };
  socket.onmessage = (e) => handle(JSON.parse(e.data));
}
function send(msg) { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg)); }
function subscribe(topic) { send({ op: 'subscribe', topic }); }
function command(name, args) {
  return new Promise((resolve) => {
    const id = `d${nextId++}`;
    pending.set(id, resolve);
    send({ op: 'command', id, command: name, args });
  });
}
function subscribeAll() {
  for (const g of watched.grids) subscribe(`grid/${g}`);
  for (const p of watched.plants) subscribe(`plant/${p}`);
  if (watched.org) subscribe(`alerts/${watched.org}`);
}

function handle(m) {
  switch (m.type) {
    case 'status':
      setBadge($('#nats-state'), m.nats, m.nats);
      if (m.nats === 'connected' && natsWasDown) subscribeAll(); // snapshots may be stale after an outage
      natsWasDown = m.nats === 'disconnected';
      return;
    case 'reply': {
      const cb = pending.get(m.id);
      pending.delete(m.id);
      return cb?.(m);
    }
    case 'error':
      console.warn('gateway error', m);
      if (m.topic) lastSeq.delete(m.topic);
      return;
    case 'snapshot':
      lastSeq.set(m.topic, m.seq);
      return apply(m.topic, m.data, true);
    case 'event': {
      const prev = lastSeq.get(m.topic);
      lastSeq.set(m.topic, m.seq);
      // A gap is expected after coalescing (state is whole); anything else means we missed an event.
      if (prev !== undefined && m.seq !== prev + 1 && !m.coalesced) subscribe(m.topic);
      return apply(m.topic, m.data, false);
    }
  }
}

function apply(topic, data, isSnapshot) {
  const [kind, id] = topic.split('/');
  if (kind === 'grid') return isSnapshot ? renderGrid(id, data) : renderInteraction(data.interaction);
  if (kind === 'meter') return renderMeter(data.meter ?? data);
  if (kind === 'plant') {
    if (isSnapshot) return renderPlant(data.plant ?? data);
    if (data.alert) return renderAlert({ ...data.alert, plantId: data.plantId });
    return renderPlant({ id: data.plantId, status: data.status, reason: data.reason });
  }
  if (kind === 'alerts') {
    if (isSnapshot) return (Array.isArray(data) ? data : data.alerts ?? []).forEach(renderAlert);
    return renderAlert({ ...data.alert, plantId: data.plantId });
  }
}

// ---- grids and meters ---------------------------------------------------------------------------
function renderGrid(gridId, data) {
  const grid = data.grid ?? { id: gridId };
  $('#grids .empty')?.remove();
  let card = document.querySelector(`[data-grid="${CSS.escape(gridId)}"]`);
  if (!card) {
    card = el('div', { 'data-grid': gridId },
      el('h3', {}, `${grid.name ?? gridId} `, el('small', {}, gridId)),
      el('table', {}, el('thead', {}, el('tr', {}, ...['Meter', 'Relay', 'Credit (kWh)', 'Last seen', 'Health'].map((h) => el('th', {}, h)))), el('tbody')));
    $('#grids').append(card);
  }
  const rows = (data.meters ?? grid.meters ?? []).slice(0, MAX_METERS_PER_GRID);
  for (const m of rows) {
    renderMeter(m);
    subscribe(`meter/${m.id}`);
  }
}

function renderMeter(m) {
  if (!m?.id) return;
  const merged = { ...meters.get(m.id), ...m };
  meters.set(m.id, merged);
  const gridId = merged.gridId ?? merged.grid_id;
  const tbody = document.querySelector(`[data-grid="${CSS.escape(gridId ?? '')}"] tbody`);
  if (!tbody) return;
  let row = tbody.querySelector(`tr[data-meter="${CSS.escape(m.id)}"]`);
  if (!row) {
    row = el('tr', { 'data-meter': m.id }, el('td', {}, m.id), el('td', { class: 'relay' }), el('td', { class: 'credit' }), el('td', { class: 'seen' }), el('td', { class: 'health' }));
    tbody.append(row);
    $('#cmd-meter').append(el('option', { value: m.id }, m.id));
  }
  const on = merged.isOn ?? merged.is_on;
  const relay = el('span', { class: `badge ${on === undefined ? 'grey' : on ? 'ON' : 'OFF'}` }, on === undefined ? '?' : on ? 'ON' : 'OFF');
  row.querySelector('.relay').replaceChildren(relay);
  const credit = merged.kwhCreditAvailable ?? merged.kwh_credit_available;
  row.querySelector('.credit').textContent = credit === undefined || credit === null ? '—' : Number(credit).toFixed(2);
  row.querySelector('.seen').textContent = ago(merged.lastSeenAt ?? merged.last_seen_at);
  const h = health(merged);
  row.querySelector('.health').replaceChildren(el('span', { class: `badge ${h}` }, h));
  row.classList.remove('flash');
  void row.offsetWidth;
  row.classList.add('flash');
}

function renderInteraction(i) {
  if (!i?.id) return;
  const tbody = $('#stream tbody');
  let row = tbody.querySelector(`tr[data-interaction="${CSS.escape(i.id)}"]`);
  if (!row) {
    row = el('tr', { 'data-interaction': i.id }, el('td', { class: 'when' }), el('td', {}, i.meterId), el('td', {}, i.type), el('td', { class: 'status' }), el('td', {}, el('code', {}, i.id.slice(0, 8))));
    tbody.prepend(row);
    while (tbody.rows.length > MAX_STREAM_ROWS) tbody.lastElementChild.remove();
  }
  row.querySelector('.when').textContent = new Date(i.updatedAt ?? Date.now()).toLocaleTimeString();
  row.querySelector('.status').replaceChildren(el('span', { class: `badge ${i.status}` }, i.status));
}

// ---- plants and alerts --------------------------------------------------------------------------
function renderPlant(p) {
  if (!p?.id) return;
  $('#plants .empty')?.remove();
  let row = document.querySelector(`.plant[data-plant="${CSS.escape(p.id)}"]`);
  if (!row) {
    row = el('div', { class: 'plant', 'data-plant': p.id }, el('span', { class: 'name' }), el('span', { class: 'status' }));
    $('#plants').append(row);
  }
  if (p.name) row.querySelector('.name').textContent = p.name;
  else if (!row.querySelector('.name').textContent) row.querySelector('.name').textContent = p.id;
  if (p.status) row.querySelector('.status').replaceChildren(el('span', { class: `badge ${p.status}`, title: p.reason ?? '' }, p.status));
}

function renderAlert(a) {
  if (!a?.id) return;
  $('#alerts .empty')?.remove();
  let li = document.querySelector(`#alerts li[data-alert="${CSS.escape(a.id)}"]`);
  if (!li) {
    const ack = el('button', { class: 'ack', type: 'button', onclick: () => ackAlert(a.id, ack) }, 'Ack');
    li = el('li', { 'data-alert': a.id }, el('span', { class: 'state' }), el('span', { class: 'msg' }), ack);
    $('#alerts').prepend(li);
  }
  li.querySelector('.msg').textContent = `${a.severity ?? ''} ${a.type ?? ''} · ${a.message ?? ''}${a.plantId ? ` (${a.plantId})` : ''}`;
  li.querySelector('.state').replaceChildren(el('span', { class: `badge ${a.state}` }, a.state));
  li.querySelector('button.ack').disabled = a.state !== 'NEW';
}

async function ackAlert(alertId, button) {
  button.disabled = true;
  const r = await command('ackAlert', { alertId });
  if (r.error) { button.disabled = false; return showResult(`ack failed: ${r.error.message}`, true); }
  renderAlert(r.data.alert ?? { id: alertId, state: 'ACKED' });
}

// ---- forms --------------------------------------------------------------------------------------
function showResult(text, isError = false) {
  const out = $('#cmd-result');
  out.textContent = text;
  out.className = isError ? 'error' : '';
}

$('#cmd-type').addEventListener('change', () => { $('#cmd-amount-label').hidden = $('#cmd-type').value !== 'TOP_UP'; });
$('#command').addEventListener('submit', async (e) => {
  e.preventDefault();
  const type = $('#cmd-type').value;
  const args = { meterId: $('#cmd-meter').value, type };
  if (type === 'TOP_UP') args.params = { kwh: Number($('#cmd-amount').value) };
  $('#cmd-send').disabled = true;
  const r = await command('createInteraction', args);
  $('#cmd-send').disabled = false;
  if (r.error) return showResult(`${r.error.code}: ${r.error.message}`, true);
  const i = r.data.interaction ?? r.data;
  renderInteraction(i);
  showResult(`${i.type} for ${i.meterId}: ${i.status}`);
});
$('#watch').addEventListener('submit', (e) => {
  e.preventDefault();
  const grid = $('#watch-grid').value.trim(); const plant = $('#watch-plant').value.trim(); const org = $('#watch-org').value.trim();
  if (grid && !watched.grids.has(grid)) { watched.grids.add(grid); subscribe(`grid/${grid}`); }
  if (plant && !watched.plants.has(plant)) { watched.plants.add(plant); subscribe(`plant/${plant}`); }
  if (org && org !== watched.org) { watched.org = org; subscribe(`alerts/${org}`); }
  e.target.reset();
});
$('#cmd-amount-label').hidden = $('#cmd-type').value !== 'TOP_UP';
setInterval(() => { for (const m of meters.values()) renderMeterAge(m); }, 15_000);
function renderMeterAge(m) {
  const row = document.querySelector(`tr[data-meter="${CSS.escape(m.id)}"] .seen`);
  if (row) row.textContent = ago(m.lastSeenAt ?? m.last_seen_at);
}

connect();

// Meters: the list with health and filters, and one meter's page (twin, issues, history, commands incl. abort).
import { chart, secs } from './charts.js';
import { ago, api, badge, el, errorText, fmt, isoHoursAgo, linkRow, section, table, time, watch } from './core.js';

const TYPES = ['READ_CREDIT', 'TOP_UP', 'TURN_OFF', 'TURN_ON', 'READ_POWER', 'READ_POWER_LIMIT', 'SET_POWER_LIMIT', 'READ_VERSION'];
const OPEN = ['QUEUED', 'SUSPENDED', 'DEFERRED', 'PROCESSING', 'VERIFYING'];

const relay = (isOn) => (isOn === null || isOn === undefined ? badge('—', 'grey') : badge(isOn ? 'ON' : 'OFF'));

export async function meters(main, _id, query) {
  const filter = { health: query.get('health') ?? '', protocol: query.get('protocol') ?? '' };
  const qs = (cursor) => new URLSearchParams(Object.entries({ limit: '100', ...filter, ...(cursor ? { cursor } : {}) }).filter(([, v]) => v)).toString();
  const tbody = el('tbody');
  const more = el('button', { type: 'button', class: 'secondary', id: 'more' }, 'More');
  let cursor = null;
  const load = async () => {
    const r = await api('GET', `/api/meters?${qs(cursor)}`);
    if (r.error) { tbody.append(el('tr', {}, el('td', { class: 'error', colspan: '8' }, errorText(r)))); return; }
    tbody.append(...r.data.items.map((m) => linkRow(`#/meter/${m.id}`,
      el('td', {}, m.id), el('td', {}, m.gridId ?? m.esco ?? '—'), el('td', {}, m.protocol), el('td', {}, badge(m.health)),
      el('td', {}, relay(m.isOn)), el('td', { class: 'num' }, fmt(m.kwhCreditAvailable ?? m.sync?.balance, 2)),
      el('td', {}, ago(m.lastSeenAt ?? m.sync?.syncedAt)), el('td', { class: 'num' }, String(m.openIssues)))));
    cursor = r.data.nextCursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', load);
  const select = (name, options) => el('label', {}, name, el('select', {
    id: `filter-${name}`, onchange: (e) => { const q = new URLSearchParams(query); if (e.target.value) q.set(name, e.target.value); else q.delete(name); location.hash = `#/meters?${q}`; },
  }, ['', ...options].map((o) => el('option', { value: o, selected: o === filter[name] }, o || 'all'))));
  main.replaceChildren(section('Meters', { wide: true, id: 'meters' },
    el('div', { class: 'row' }, select('health', ['GREEN', 'YELLOW', 'RED', 'GREY']), select('protocol', ['CALIN_V1', 'CALIN_V2', 'CALIN_LORAWAN', 'EMLITE'])),
    el('div', { class: 'scroll' }, el('table', { id: 'meter-table' },
      el('thead', {}, el('tr', {}, ['Meter', 'Grid / ESCO', 'Protocol', 'Health', 'Relay', 'Credit kWh', 'Last seen', 'Issues'].map((h) => el('th', {}, h)))), tbody)),
    more));
  await load();
  return () => undefined;
}

function twin(shadow) {
  const pre = (o) => el('pre', {}, JSON.stringify(o ?? {}, null, 1));
  return el('div', { class: 'twin', id: 'twin' },
    el('div', {}, el('h3', {}, 'Desired'), pre(shadow.desired)),
    el('div', {}, el('h3', {}, 'Reported'), pre(shadow.reported)),
    el('div', {}, el('h3', {}, 'Delta'), pre(shadow.delta)));
}

function commandForm(id, onDone) {
  const type = el('select', { id: 'cmd-type' }, TYPES.map((t) => el('option', {}, t)));
  const amount = el('input', { id: 'cmd-amount', type: 'number', min: '0.1', step: '0.1', value: '5' });
  const amountLabel = el('label', {}, 'kWh / W', amount);
  const out = el('output', { id: 'cmd-result' });
  const form = el('form', { id: 'command', class: 'row' }, el('label', {}, 'Command', type), amountLabel, el('button', { id: 'cmd-send', type: 'submit' }, 'Send'));
  const toggle = () => (amountLabel.hidden = !['TOP_UP', 'SET_POWER_LIMIT'].includes(type.value));
  type.addEventListener('change', toggle);
  toggle();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const params = type.value === 'TOP_UP' ? { kwh: Number(amount.value) } : type.value === 'SET_POWER_LIMIT' ? { powerLimitW: Number(amount.value) } : {};
    const r = await api('POST', `/api/meters/${id}/interactions`, { type: type.value, params });
    out.className = r.error ? 'error' : '';
    out.textContent = r.error ? errorText(r) : `${r.data.type} for ${id}: ${r.data.status}`;
    onDone();
  });
  const desired = (relayState) => el('button', {
    type: 'button', class: 'secondary', id: `desired-${relayState}`,
    onclick: async () => { const r = await api('PATCH', `/api/meters/${id}/desired`, { relay: relayState }); out.textContent = r.error ? errorText(r) : `desired relay ${relayState}`; onDone(); },
  }, `Desired relay ${relayState}`);
  return el('div', { class: 'stack' }, form, el('div', { class: 'row' }, desired('on'), desired('off')), out);
}

export async function meter(main, id) {
  const r = await api('GET', `/api/meters/${id}`);
  if (r.error) { main.replaceChildren(section(`Meter ${id}`, { wide: true }, el('p', { class: 'error' }, errorText(r)))); return () => undefined; }
  const m = r.data.meter;
  const emlite = m.protocol === 'EMLITE';
  const [credit, reads, intervals, grid, listed] = await Promise.all([
    api('GET', `/api/meters/${id}/history/credit?bucket=1h&from=${isoHoursAgo(24 * 7)}`),
    emlite ? api('GET', `/api/meters/${id}/history/reads?bucket=6h&from=${isoHoursAgo(24 * 7)}`) : null,
    emlite ? api('GET', `/api/meters/${id}/history/intervals?bucket=1h&from=${isoHoursAgo(48)}`) : null,
    m.gridId ? api('GET', `/api/grids/${m.gridId}`) : null,
    // The list carries the Emlite sync state (health, balance, last reads) the meter view does not.
    emlite && m.esco ? api('GET', `/api/meters?protocol=EMLITE&esco=${m.esco}&limit=500`) : null,
  ]);
  const sync = listed?.data?.items.find((x) => x.id === id)?.sync ?? null;
  const twinBox = el('div', {}, twin(r.data.shadow));
  const facts = el('dl', { class: 'kv', id: 'meter-facts' });
  const openBox = el('div', { id: 'open-interactions' });
  const showState = (view) => {
    const x = view.meter;
    facts.replaceChildren(
      el('dt', {}, 'Protocol'), el('dd', {}, x.protocol), el('dt', {}, 'Grid / ESCO'), el('dd', {}, x.gridId ?? x.esco ?? '—'),
      el('dt', {}, 'Relay'), el('dd', { class: 'relay' }, relay(x.isOn)),
      el('dt', {}, 'Credit'), el('dd', { class: 'credit' }, `${fmt(x.kwhCreditAvailable, 2)} kWh`),
      el('dt', {}, 'Power limit'), el('dd', {}, x.powerLimit ? `${x.powerLimit} W` : '—'),
      el('dt', {}, 'Last seen'), el('dd', {}, ago(x.lastSeenAt)),
      ...(sync ? [
        el('dt', {}, 'Sync'), el('dd', {}, badge(sync.health), ' ', ago(sync.syncedAt), ' ', el('span', { class: 'muted' }, sync.details)),
        el('dt', {}, 'Balance'), el('dd', {}, fmt(sync.balance, 2)),
        el('dt', {}, 'Import A / B'), el('dd', {}, `${fmt(sync.importAWh, 0)} / ${fmt(sync.importBWh, 0)} Wh at ${time(sync.readsAt)}`),
      ] : []));
    twinBox.replaceChildren(twin(view.shadow));
  };
  const showOpen = (list) => openBox.replaceChildren(list.length ? table(['Created', 'Type', 'Status', ''], list.map((i) => el('tr', { 'data-interaction': i.id },
    el('td', {}, time(i.createdAt)), el('td', {}, i.type), el('td', {}, badge(i.status)),
    el('td', {}, OPEN.includes(i.status) && i.status !== 'PROCESSING' && i.status !== 'VERIFYING' ? el('button', {
      type: 'button', class: 'danger abort', onclick: async (e) => { e.target.disabled = true; const x = await api('POST', `/api/interactions/${i.id}/abort`, { reason: 'aborted from the dashboard' }); e.target.replaceWith(x.error ? errorText(x) : 'aborted'); },
    }, 'Abort') : '')))) : el('p', { class: 'empty' }, 'Nothing queued.'));
  showState(r.data);
  showOpen(r.data.openInteractions);
  const refresh = async () => { const x = await api('GET', `/api/meters/${id}`); if (x.data) { showState(x.data); showOpen(x.data.openInteractions); } };
  const recent = (grid?.data?.recentInteractions ?? []).filter((i) => i.meterId === id);
  const c = credit.data?.series ?? [];
  const sections = [
    section(`Meter ${id}`, { id: 'meter' }, facts),
    section('Twin', { id: 'meter-twin' }, twinBox),
    section(`Open issues (${r.data.openIssues.length})`, { id: 'meter-issues' }, r.data.openIssues.length
      ? table(['Since', 'Issue'], r.data.openIssues.map((i) => el('tr', {}, el('td', {}, time(i.createdAt)), el('td', {}, badge(i.type, 'OPEN')))))
      : el('p', { class: 'empty' }, 'No open issue.')),
    section('Commands', { id: 'meter-commands' }, commandForm(id, refresh), el('h3', {}, 'Queued and in flight'), openBox),
    emlite ? null : section('Credit', { wide: true, id: 'chart-credit' }, chart({ title: 'Credit over 7 days (hourly, last read)', x: c.map((b) => secs(b.t)), series: [{ label: 'kWh', values: c.map((b) => b.credit) }], yLabel: 'kWh' })),
  ];
  if (emlite) {
    const rd = (reads.data?.series ?? []).filter((b) => b.element === 'A');
    const iv = intervals.data?.series ?? [];
    sections.push(
      section('Register reads', { id: 'chart-reads' }, chart({ title: 'Import register A (7 d, 6 h buckets)', x: rd.map((b) => secs(b.t)), series: [{ label: 'import Wh', values: rd.map((b) => b.importWh) }], yLabel: 'Wh' })),
      section('Half-hourly intervals', { id: 'chart-intervals' }, chart({ title: 'Hourly sums (48 h)', x: iv.map((b) => secs(b.t)), series: [{ label: 'import Wh', values: iv.map((b) => b.importWh) }, { label: 'export Wh', values: iv.map((b) => b.exportWh) }], yLabel: 'Wh', bars: false })),
    );
  }
  sections.push(section('History', { wide: true, id: 'meter-history' }, recent.length
    ? table(['When', 'Type', 'Status', 'Reason'], recent.map((i) => el('tr', {}, el('td', {}, time(i.updatedAt)), el('td', {}, i.type), el('td', {}, badge(i.status)), el('td', { class: 'muted' }, i.failureReason ?? ''))))
    : el('p', { class: 'empty' }, 'No recent interaction on its grid.')));
  main.replaceChildren(...sections.filter(Boolean));
  return watch(`meter/${id}`, ({ kind, data }) => {
    if (kind === 'event' && data.meter) { showState({ meter: { ...m, ...data.meter }, shadow: data.shadow }); void refresh(); }
  });
}

// Alerts: time, plant, severity, message and state; filtered by state and plant, sorted by time or severity; ack.
import { api, badge, currentOrg, el, errorText, section, time, watch } from './core.js';

const SEVERITY = { CRITICAL: 0, MAJOR: 1, MINOR: 2, INFO: 3 };
const SORTS = {
  newest: (a, b) => b.firstSeenAt.localeCompare(a.firstSeenAt),
  oldest: (a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt),
  severity: (a, b) => SEVERITY[a.severity] - SEVERITY[b.severity] || b.firstSeenAt.localeCompare(a.firstSeenAt),
};

export async function alerts(main, _id, query) {
  const org = await currentOrg();
  if (!org) { main.replaceChildren(section('Alerts', { wide: true }, el('p', { class: 'empty' }, 'No organization: sign in, or add a plant.'))); return () => undefined; }
  const filter = { state: query.get('state') ?? '', plantId: query.get('plantId') ?? '' };
  const sort = query.get('sort') ?? 'newest';
  const qs = new URLSearchParams(Object.entries({ organizationId: org, ...filter }).filter(([, v]) => v));
  const [r, plants] = await Promise.all([api('GET', `/api/alerts?${qs}`), api('GET', `/api/plants?organizationId=${org}&limit=500`)]);
  if (r.error) { main.replaceChildren(section('Alerts', { wide: true }, el('p', { class: 'error' }, errorText(r)))); return () => undefined; }
  const names = new Map((plants.data?.items ?? []).map((p) => [p.id, p.name]));
  const go = (key, value) => { const q = new URLSearchParams(query); if (value) q.set(key, value); else q.delete(key); location.hash = `#/alerts?${q}`; };
  const select = (key, label, options, current) => el('label', {}, label, el('select', { id: `filter-${key}`, onchange: (e) => go(key, e.target.value) },
    options.map(([v, text]) => el('option', { value: v, selected: v === current }, text))));
  const row = (a) => el('tr', { 'data-alert': a.id },
    el('td', {}, time(a.firstSeenAt)), el('td', {}, el('a', { href: `#/plant/${a.plantId}` }, names.get(a.plantId) ?? a.plantId)),
    el('td', {}, badge(a.severity)), el('td', {}, a.type), el('td', { class: 'msg' }, a.message), el('td', { class: 'state' }, badge(a.state)),
    el('td', {}, a.state === 'NEW' ? el('button', { type: 'button', class: 'ack', onclick: async (e) => {
      e.target.disabled = true;
      const x = await api('POST', `/api/alerts/${a.id}/ack`, {});
      if (x.error) e.target.replaceWith(errorText(x));
      else { e.target.remove(); e.currentTarget?.remove?.(); rowState(a.id, x.data.alert.state, x.data.alert.ackedBy); }
    } }, 'Ack') : el('span', { class: 'muted' }, a.ackedBy ? `by ${a.ackedBy}` : '')));
  const tbody = el('tbody', {}, [...r.data.alerts].sort(SORTS[sort] ?? SORTS.newest).map(row));
  const rowState = (id, state, by) => {
    const tr = tbody.querySelector(`tr[data-alert="${id}"]`);
    if (!tr) return;
    tr.querySelector('.state').replaceChildren(badge(state));
    tr.lastElementChild.replaceChildren(el('span', { class: 'muted' }, by ? `by ${by}` : ''));
  };
  main.replaceChildren(section(`Alerts · ${org}`, { wide: true, id: 'alerts' },
    el('div', { class: 'row' },
      select('state', 'State', [['', 'all'], ['NEW', 'NEW'], ['ACKED', 'ACKED'], ['RESOLVED', 'RESOLVED']], filter.state),
      select('plantId', 'Plant', [['', 'all plants'], ...[...names].map(([id, name]) => [id, name])], filter.plantId),
      select('sort', 'Sort', [['newest', 'newest first'], ['oldest', 'oldest first'], ['severity', 'by severity']], sort)),
    el('p', { class: 'muted', id: 'alert-count' }, `${r.data.alerts.length} alert(s)`),
    el('div', { class: 'scroll' }, el('table', { id: 'alert-table' },
      el('thead', {}, el('tr', {}, ['Since', 'Plant', 'Severity', 'Type', 'Message', 'State', ''].map((h) => el('th', {}, h)))), tbody))));
  return watch(`alerts/${org}`, ({ kind, data }) => {
    if (kind !== 'event' || !data.alert) return;
    if (tbody.querySelector(`tr[data-alert="${data.alert.id}"]`)) rowState(data.alert.id, data.alert.state, data.alert.ackedBy);
    else if (!filter.state || filter.state === data.alert.state) tbody.prepend(row({ ...data.alert, plantId: data.plantId, firstSeenAt: data.at }));
  });
}

// Plants: the list (status, today's energy, capacity, last poll) with energy per day, and one plant's page.
import { chart, secs } from './charts.js';
import { ago, api, badge, el, errorText, fmt, isoHoursAgo, linkRow, section, table, time, watch } from './core.js';

const DAYS = 7;
const CHART_PLANTS = 6;
const dayStart = () => new Date(Date.now() - DAYS * 86400e3).toISOString().slice(0, 10) + 'T00:00:00Z';
const daySecs = (date) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);

export async function plants(main) {
  const r = await api('GET', '/api/plants?limit=500');
  if (r.error) { main.replaceChildren(section('Plants', { wide: true }, el('p', { class: 'error' }, errorText(r)))); return () => undefined; }
  const items = r.data.items;
  const rows = items.map((p) => linkRow(`#/plant/${p.id}`,
    el('td', {}, p.name), el('td', {}, p.brand), el('td', { class: 'status' }, badge(p.status)),
    el('td', { class: 'num energy' }, fmt(p.energy?.todayKwh)), el('td', { class: 'num' }, fmt(p.capacityKwp)),
    el('td', { class: 'polled' }, ago(p.lastPolledAt)), el('td', { class: 'num' }, String(p.openAlerts))));
  rows.forEach((row, i) => row.setAttribute('data-plant', items[i].id));
  // Energy per day for the largest plants (one line each): the chart stays readable on a phone.
  const top = [...items].sort((a, b) => (b.capacityKwp ?? 0) - (a.capacityKwp ?? 0)).slice(0, CHART_PLANTS);
  const energy = await Promise.all(top.map((p) => api('GET', `/api/plants/${p.id}/history/energy?bucket=1d&from=${dayStart()}`)));
  const days = [...new Set(energy.flatMap((e) => (e.data?.series ?? []).map((d) => d.date)))].sort();
  const energyChart = chart({
    title: `Energy per day, ${top.length} largest plants (${DAYS} d)`, x: days.map(daySecs), yLabel: 'kWh',
    series: top.map((p, i) => {
      const byDate = new Map((energy[i].data?.series ?? []).map((d) => [d.date, d.energyKwh]));
      return { label: p.name, values: days.map((d) => byDate.get(d) ?? null) };
    }),
  });
  main.replaceChildren(
    section('Energy', { wide: true, id: 'chart-energy' }, energyChart),
    section(`Plants (${items.length})`, { wide: true, id: 'plants' },
      table(['Plant', 'Brand', 'Status', { label: 'Today kWh', class: 'num' }, { label: 'Capacity kWp', class: 'num' }, 'Last poll', { label: 'Open alerts', class: 'num' }], rows, { id: 'plant-table' })),
  );
  const stops = items.map((p) => watch(`plant/${p.id}`, ({ kind, data }) => {
    if (kind !== 'event' || !data.status) return;
    const row = main.querySelector(`tr[data-plant="${p.id}"]`);
    row?.querySelector('.status').replaceChildren(badge(data.status));
    if (data.snapshot) row.querySelector('.energy').textContent = fmt(data.snapshot.todayEnergyKwh);
  }));
  return () => stops.forEach((s) => s());
}

export async function plant(main, id) {
  const [r, energy, power] = await Promise.all([
    api('GET', `/api/plants/${id}`),
    api('GET', `/api/plants/${id}/history/energy?bucket=1d&from=${dayStart()}`),
    api('GET', `/api/plants/${id}/history/power?bucket=30m&from=${isoHoursAgo(24)}`),
  ]);
  if (r.error) { main.replaceChildren(section(`Plant ${id}`, { wide: true }, el('p', { class: 'error' }, errorText(r)))); return () => undefined; }
  const { plant: p, snapshot, openAlerts, lastPoll, pollInProgress } = r.data;
  const status = el('span', { id: 'plant-status' }, badge(p.status));
  const result = el('output', { id: 'poll-result' });
  const pollButton = el('button', { id: 'poll-now', type: 'button', disabled: pollInProgress }, 'Poll now');
  pollButton.addEventListener('click', async () => {
    pollButton.disabled = true;
    result.textContent = 'polling…';
    const x = await api('POST', `/api/plants/${id}/poll`, {});
    pollButton.disabled = false;
    result.className = x.error ? 'error' : '';
    result.textContent = x.error ? errorText(x) : `poll ${x.data.log.status} in ${x.data.log.durationMs} ms · status ${x.data.status}`;
    if (x.data?.status) status.replaceChildren(badge(x.data.status));
  });
  const e = energy.data?.series ?? [];
  const pw = power.data?.series ?? [];
  main.replaceChildren(
    section(p.name, { id: 'plant' },
      el('dl', { class: 'kv' },
        el('dt', {}, 'Status'), el('dd', {}, status, ' ', el('span', { class: 'muted' }, p.statusReason ?? '')),
        el('dt', {}, 'Brand'), el('dd', {}, p.brand),
        el('dt', {}, 'Capacity'), el('dd', {}, `${fmt(p.capacityKwp)} kWp`),
        el('dt', {}, 'Today'), el('dd', { id: 'plant-today' }, `${fmt(snapshot?.todayEnergyKwh)} kWh · ${fmt(snapshot?.currentPowerW, 0)} W`),
        el('dt', {}, 'Last seen'), el('dd', {}, ago(p.lastSeenAt)),
        el('dt', {}, 'Last poll'), el('dd', {}, lastPoll ? `${time(lastPoll.startedAt)} · ${lastPoll.status} · ${lastPoll.durationMs} ms` : 'never')),
      el('div', { class: 'row' }, pollButton), result),
    section(`Open alerts (${openAlerts.length})`, { id: 'plant-alerts' },
      openAlerts.length ? table(['Since', 'Severity', 'Message', 'State'], openAlerts.map((a) => el('tr', {},
        el('td', {}, time(a.firstSeenAt)), el('td', {}, badge(a.severity)), el('td', { class: 'msg' }, a.message), el('td', {}, badge(a.state)))))
        : el('p', { class: 'empty' }, 'No open alert.')),
    section('Energy per day', { id: 'chart-plant-energy' }, chart({ title: `${DAYS} days`, x: e.map((d) => daySecs(d.date)), series: [{ label: 'kWh', values: e.map((d) => d.energyKwh) }], bars: true, yLabel: 'kWh' })),
    section('Power', { id: 'chart-plant-power' }, chart({ title: '24 h, 30 min buckets', x: pw.map((b) => secs(b.t)), series: [{ label: 'mean W', values: pw.map((b) => b.avgW) }, { label: 'peak W', values: pw.map((b) => b.maxW) }], yLabel: 'W' })),
  );
  return watch(`plant/${id}`, ({ kind, data }) => {
    if (kind === 'event' && data.status) status.replaceChildren(badge(data.status));
  });
}

// Fleet overview (the root URL): counts, charts and the grids' recent interactions, live.
import { chart, secs, zeroFill } from './charts.js';
import { api, badge, currentOrg, el, errorText, isoHoursAgo, linkRow, section, table, time, watch } from './core.js';

const MAX_ROWS = 50;
const STATES = ['GREEN', 'YELLOW', 'RED', 'GREY'];

function tile(label, value, split, id) {
  return el('div', { class: 'tile', id },
    el('div', { class: 'label' }, label), el('div', { class: 'value' }, String(value)),
    split ? el('div', { class: 'split' }, STATES.map((k) => el('span', { 'data-state': k }, badge(`${k} ${split[k] ?? 0}`, k)))) : null);
}

function interactionRow(i) {
  return linkRow(`#/meter/${i.meterId}`,
    el('td', {}, time(i.updatedAt)), el('td', {}, i.meterId), el('td', {}, i.type), el('td', { class: 'status' }, badge(i.status)),
    el('td', { class: 'muted' }, i.failureReason ?? ''));
}

export async function overview(main) {
  const org = await currentOrg();
  const q = org ? `organizationId=${org}` : '';
  const from = isoHoursAgo(24);
  const range = [secs(from), Math.floor(Date.now() / 1000)];
  const [ov, meters, outcomes, polls] = await Promise.all([
    api('GET', `/api/overview?${q}`),
    api('GET', `/api/meters?limit=500&${q}`),
    api('GET', `/api/history/interactions?bucket=1h&from=${from}&${q}`),
    api('GET', `/api/history/polls?bucket=1h&from=${from}&${q}`),
  ]);
  if (ov.error) { main.replaceChildren(section('Fleet', { wide: true }, el('p', { class: 'error' }, errorText(ov)))); return () => undefined; }
  const o = ov.data;
  const perMinute = el('span', {}, o.interactionsPerMinute.lastMinute);
  const tiles = el('div', { class: 'tiles', id: 'tiles' },
    tile('Meters by health', Object.values(o.meters).reduce((a, b) => a + b, 0), o.meters, 'tile-meters'),
    tile('Plants by status', Object.values(o.plants).reduce((a, b) => a + b, 0), o.plants, 'tile-plants'),
    el('a', { href: '#/alerts', class: 'tile', id: 'tile-alerts' }, el('div', { class: 'label' }, 'Open alerts'), el('div', { class: 'value' }, String(o.openAlerts))),
    el('div', { class: 'tile', id: 'tile-issues' }, el('div', { class: 'label' }, 'Open meter issues'), el('div', { class: 'value' }, String(o.openIssues))),
    el('div', { class: 'tile', id: 'tile-rate' }, el('div', { class: 'label' }, 'Interactions / min'), el('div', { class: 'value' }, perMinute),
      el('div', { class: 'muted' }, `${o.interactionsPerMinute.lastTenMinutesAvg.toFixed(1)} avg over 10 min`)));

  const out = zeroFill(outcomes.data?.series ?? [], from, 3600, ['successful', 'failed', 'aborted']);
  const outcomeChart = chart({
    title: 'Interaction outcomes per hour (24 h)', x: out.x, yLabel: 'interactions', range,
    series: [
      { label: 'successful', values: out.values.successful, color: '#1f9d55' },
      { label: 'failed', values: out.values.failed, color: '#d64545' },
      { label: 'aborted', values: out.values.aborted, color: '#8a94a6' },
    ],
  });
  const pl = polls.data?.series ?? [];
  const pollChart = chart({
    title: 'Plant poll latency (24 h)', x: pl.map((b) => secs(b.t)), yLabel: 'ms', range,
    series: [{ label: 'mean ms', values: pl.map((b) => b.avgMs) }, { label: 'p95 ms', values: pl.map((b) => b.p95Ms) }, { label: 'max ms', values: pl.map((b) => b.maxMs) }],
  });

  // The grids' snapshots carry their recent interactions: shown on load, then kept current by the grid topics.
  const gridIds = [...new Set((meters.data?.items ?? []).map((m) => m.gridId).filter(Boolean))];
  const byId = new Map();
  const tbody = el('tbody');
  const render = () => tbody.replaceChildren(...[...byId.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, MAX_ROWS).map(interactionRow));
  const stream = section('Recent interactions', { wide: true, id: 'recent' },
    el('p', { class: 'muted' }, gridIds.length ? `grids ${gridIds.join(', ')} · live` : 'No grid yet.'),
    el('div', { class: 'scroll' }, el('table', { id: 'stream' },
      el('thead', {}, el('tr', {}, ['When', 'Meter', 'Type', 'Status', ''].map((h) => el('th', {}, h)))), tbody)));
  const stops = gridIds.map((g) => watch(`grid/${g}`, ({ kind, data }) => {
    if (kind === 'snapshot') for (const i of data.recentInteractions ?? []) byId.set(i.id, i);
    else if (data.interaction) {
      byId.set(data.interaction.id, data.interaction);
      if (['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(data.interaction.status)) perMinute.textContent = String(Number(perMinute.textContent) + 1);
    }
    render();
  }));

  const gridsTable = table(['Grid', 'Meters', 'Health'], gridIds.map((g) => {
    const ms = meters.data.items.filter((m) => m.gridId === g);
    return el('tr', {}, el('td', {}, g), el('td', { class: 'num' }, String(ms.length)),
      el('td', {}, STATES.map((k) => ms.filter((m) => m.health === k).length && badge(`${k} ${ms.filter((m) => m.health === k).length}`, k)).filter(Boolean)));
  }));

  main.replaceChildren(
    section(`Fleet${org ? ` · ${org}` : ''}`, { wide: true, id: 'fleet' }, tiles),
    section('Interactions', { id: 'chart-outcomes' }, outcomeChart),
    section('Plant polls', { id: 'chart-polls' }, pollChart),
    stream,
    section('Grids', { wide: true }, gridsTable),
  );
  return () => stops.forEach((s) => s());
}

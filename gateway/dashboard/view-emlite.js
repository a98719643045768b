// Emlite meters: each ESCO's sweep (status, sync now) and its meters with their sync health and last reads.
import { ago, api, badge, el, errorText, fmt, linkRow, section, table, time, watch } from './core.js';

function sweepText(st) {
  if (!st) return 'no sweep yet';
  const counts = ['done', 'healthy', 'unhealthy', 'skipped'].map((k) => `${st[k]} ${k}`).join(' · ');
  return `${st.state} (${st.trigger}) · ${counts} of ${st.total} · started ${time(st.startedAt)}${st.finishedAt ? ` · finished ${time(st.finishedAt)}` : ''}`;
}

export async function emlite(main) {
  const r = await api('GET', '/api/meters?protocol=EMLITE&limit=500');
  if (r.error) { main.replaceChildren(section('Emlite', { wide: true }, el('p', { class: 'error' }, errorText(r)))); return () => undefined; }
  const items = r.data.items;
  const escos = [...new Set(items.map((m) => m.esco).filter(Boolean))];
  const stops = [];
  const sweeps = await Promise.all(escos.map(async (esco) => {
    const status = el('span', { class: 'sweep', 'data-esco': esco }, '…');
    const st = await api('GET', `/api/escos/${esco}/sync`);
    status.textContent = st.error ? (st.error.code === 'NOT_FOUND' ? 'no sweep yet' : errorText(st)) : sweepText(st.data);
    const out = el('output');
    const button = el('button', { type: 'button', id: `sync-${esco}`, onclick: async () => {
      button.disabled = true;
      const x = await api('POST', `/api/escos/${esco}/sync`, { async: true });
      out.textContent = x.error ? errorText(x) : `sweep ${x.data.sweepId} started`;
      button.disabled = false;
    } }, 'Sync now');
    stops.push(watch(`esco/${esco}/sync`, ({ data }) => { if (data) status.textContent = sweepText(data); }));
    return el('tr', {}, el('td', {}, esco), el('td', { class: 'msg' }, status), el('td', {}, button, out));
  }));
  const rows = items.map((m) => linkRow(`#/meter/${m.id}`,
    el('td', {}, m.id), el('td', {}, m.serial), el('td', {}, m.esco ?? '—'), el('td', {}, badge(m.sync?.health ?? 'unknown')),
    el('td', {}, ago(m.sync?.syncedAt)), el('td', { class: 'num' }, fmt(m.sync?.balance, 2)),
    el('td', { class: 'num' }, fmt(m.sync?.importAWh, 0)), el('td', {}, time(m.sync?.readsAt)), el('td', { class: 'muted msg' }, m.sync?.details ?? '')));
  main.replaceChildren(
    section('Sweeps', { wide: true, id: 'sweeps' }, escos.length ? table(['ESCO', 'Last sweep', ''], sweeps) : el('p', { class: 'empty' }, 'No Emlite meter.')),
    section(`Emlite meters (${items.length})`, { wide: true, id: 'emlite-meters' },
      table(['Meter', 'Serial', 'ESCO', 'Sync health', 'Synced', { label: 'Balance', class: 'num' }, { label: 'Import A Wh', class: 'num' }, 'Reads at', 'Details'], rows, { id: 'emlite-table' })),
  );
  return () => stops.forEach((s) => s());
}

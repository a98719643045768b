// Charts with uPlot (loaded as the global `uPlot` from /vendor/uplot/): time series lines and bars.
import { el } from './core.js';

const COLORS = ['#2b6cb0', '#1f9d55', '#d64545', '#d69e2e', '#805ad5', '#319795', '#dd6b20', '#718096'];

/**
 * A chart in a box that follows its container's width. `x` are epoch seconds, `series` `{label, values}`;
 * `bars` draws bars (one series, e.g. a plant's energy per day).
 */
export function chart({ title, x, series, bars = false, height = 220, yLabel = '', range }) {
  const box = el('div', { class: 'chart', 'data-chart': title });
  const heading = el('h3', {}, title);
  const wrap = el('div', {}, heading, box);
  if (!x.length) {
    box.append(el('p', { class: 'empty' }, 'No data in this range yet.'));
    return wrap;
  }
  const make = () => {
    box.replaceChildren();
    const width = Math.max(260, box.clientWidth || wrap.clientWidth || 600);
    const opts = {
      width, height,
      // The asked-for range, not the data's: one point would otherwise stretch the axis over years.
      scales: { x: range ? { time: true, range: () => range } : { time: true } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [{}, ...series.map((s, i) => ({
        label: s.label, stroke: s.color ?? COLORS[i % COLORS.length], width: 2,
        fill: bars ? `${s.color ?? COLORS[i % COLORS.length]}cc` : undefined,
        paths: bars ? globalThis.uPlot.paths.bars({ size: [0.7, 60] }) : undefined,
        points: { show: x.length < 40 },
        spanGaps: true,
      }))],
    };
    new globalThis.uPlot(opts, [x, ...series.map((s) => s.values)], box);
  };
  // Measured once attached (width is 0 before), and again when the window is resized.
  requestAnimationFrame(make);
  let timer;
  const onResize = () => { clearTimeout(timer); timer = setTimeout(() => box.isConnected ? make() : removeEventListener('resize', onResize), 150); };
  addEventListener('resize', onResize);
  return wrap;
}

export const secs = (iso) => Math.floor(Date.parse(iso) / 1000);

/** Buckets with no row become zeros (counts) so a quiet hour shows as 0, not as a line across it. */
export function zeroFill(series, fromIso, stepSec, keys) {
  const byT = new Map(series.map((b) => [secs(b.t), b]));
  const start = Math.ceil(secs(fromIso) / stepSec) * stepSec;
  const now = Date.now() / 1000;
  const x = [];
  for (let t = start; t <= now; t += stepSec) x.push(t);
  return { x, values: Object.fromEntries(keys.map((k) => [k, x.map((t) => byT.get(t)?.[k] ?? 0)])) };
}

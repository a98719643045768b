import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../core/version';
import { loadUws } from '../../gateway/uws';
import { interactionsRepo } from '../../persistence';
import { eventually } from '../helpers/world';
import { startDemoNode, type DemoNode } from './demoNode';
import { Client } from './helpers';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The Prometheus text format: samples, and each family's declared type. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\w+) (\w+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

let d: DemoNode;
const scrape = async () => parse(await (await fetch(`${d.url}/metrics`)).text());
/** The value of the one sample of `name` whose labels include `labels` (undefined when there is none). */
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) => {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(hits.length, `${name} ${JSON.stringify(labels)}: ${hits.length} samples`).toBeLessThanOrEqual(1);
  return hits[0]?.value;
};

beforeAll(async () => {
  d = await startDemoNode();
}, 120_000);
afterAll(() => d?.stop());

describe('/metrics after traffic', () => {
  it('counts HTTP requests per route and status, WS clients, poll and driver latency, outbox backlog, idle mailboxes at 0, build info', async () => {
    for (let i = 0; i < 3; i++) expect((await d.call('GET', '/api/meters?limit=2')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await d.call('GET', '/api/meters/mtr-n1')).status).toBe(200);
    expect((await d.call('GET', '/api/meters/mtr-none')).status).toBe(404);
    expect((await d.call('GET', '/api/meters?colour=red')).status).toBe(400);

    const ws = `${d.url.replace(/^http/, 'ws')}/ws`;
    const clients = [await Client.connect(ws), await Client.connect(ws)];
    expect(value((await scrape()).samples, 'gridtwin_ws_clients')).toBe(2);
    clients[0]!.close();
    await clients[0]!.closed;
    await eventually(async () => value((await scrape()).samples, 'gridtwin_ws_clients') === 1);

    const created = await d.call('POST', '/api/meters/mtr-n2/interactions', { type: 'READ_CREDIT' });
    expect(created.status).toBeLessThan(300);
    const poll = await d.call('POST', '/api/plants/plant-solis-1/poll');
    expect(poll.status).toBe(200);
    await eventually(async () => {
      const r = await d.call('GET', `/api/interactions/${created.body.data.id as string}`);
      expect(r.body.data.status).toBe('SUCCESSFUL');
      return true;
    }, 30_000);

    // Once nothing is queued: every kind's mailbox reads 0 (it kept the depth seen at the last arrival before).
    const idle = await eventually(async () => {
      const s = (await scrape()).samples;
      const depths = s.filter((x) => x.name === 'gridtwin_mailbox_depth');
      expect(depths.map((x) => x.labels.kind)).toContain('meter');
      for (const x of depths) expect(x, `mailbox of ${x.labels.kind}`).toMatchObject({ value: 0 });
      // The backlog gauge is the outbox's PENDING count at scrape time.
      expect(value(s, 'gridtwin_outbox_backlog')).toBe(await interactionsRepo.pendingOutboxCount(d.node.db.sql));
      return s;
    }, 30_000);

    const http = (route: string, status: number, method = 'GET') => value(idle, 'gridtwin_http_requests_total', { route, method, status: String(status) });
    expect(http('/api/meters', 200)).toBe(3);
    expect(http('/api/meters', 400)).toBe(1);
    expect(http('/api/meters/{meterId}', 200)).toBe(2);
    expect(http('/api/meters/{meterId}', 404)).toBe(1);
    expect(http('/api/meters/{meterId}/interactions', created.status, 'POST')).toBe(1);
    expect(http('/api/plants/{plantId}/poll', 200, 'POST')).toBe(1);

    expect(value(idle, 'gridtwin_ws_clients')).toBe(1);
    const polls = value(idle, 'gridtwin_plant_polls_total', { brand: 'SOLIS' });
    expect(polls).toBe(1);
    const outcome = idle.find((x) => x.name === 'gridtwin_plant_polls_total' && x.labels.brand === 'SOLIS')!.labels.outcome!;
    expect(value(idle, 'gridtwin_plant_poll_seconds_count', { brand: 'SOLIS', outcome })).toBe(1);
    expect(value(idle, 'gridtwin_plant_poll_seconds_bucket', { brand: 'SOLIS', outcome, le: '+Inf' })).toBe(1);
    expect(value(idle, 'gridtwin_plant_poll_seconds_sum', { brand: 'SOLIS', outcome })).toBeGreaterThan(0);
    // The demo meter's read went to the simulated Calin driver once, and answered.
    expect(value(idle, 'gridtwin_driver_command_seconds_count', { protocol: 'CALIN_V2', outcome: 'ok' })).toBe(
      value(idle, 'gridtwin_driver_commands_total', { protocol: 'CALIN_V2', type: 'READ_CREDIT', outcome: 'ok' }));
    expect(value(idle, 'gridtwin_driver_command_seconds_count', { protocol: 'CALIN_V2', outcome: 'ok' })).toBeGreaterThanOrEqual(1);

    expect(value(idle, 'gridtwin_build_info', { version: VERSION, node: process.version, uws: loadUws().build })).toBe(1);
    clients[1]!.close();
  }, 120_000);

  it('every series the Grafana dashboard queries is exposed by the node, with a matching type', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/dashboards/gridtwin.json', import.meta.url), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bgridtwin_\w+/g)].map((m) => m[0]))));
    expect(queried.size).toBeGreaterThanOrEqual(12);
    const { types } = await scrape();
    for (const name of queried) {
      const suffix = /_(bucket|sum|count)$/.exec(name)?.[1];
      const family = suffix && types.get(name.slice(0, -suffix.length - 1)) === 'histogram' ? name.slice(0, -suffix.length - 1) : name;
      expect(types.has(family), `${name} is not on /metrics`).toBe(true);
      if (family !== name) expect(types.get(family)).toBe('histogram');
    }
  });
});

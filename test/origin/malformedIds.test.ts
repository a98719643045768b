import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, eventually, type World } from '../helpers/world';
import { plainClient, type Plain } from './plain';

// Issue 13 item 4: every request under the prefix gets a structured reply, never "no responders".
let w: World;
let c: Plain;
let p: string;

beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 1 });
  c = await plainClient();
  p = w.s.prefix;
});
afterAll(async () => {
  await c?.close();
  await w?.stop();
});

describe('malformed ids and unknown subjects (plain nats.js client)', () => {
  it.each([
    ['dotted', 'meter.m0.x.get', 'm0.x'],
    ['dotted, deeper', 'meter.a.b.c.interactions.create', 'a.b.c'],
    ['dotted interaction id', 'interaction.i.1.abort', 'i.1'],
  ])('a %s id gets INVALID_ID with the NATS micro error headers', async (_what, rest, value) => {
    const r = await c.raw(`${p}.${rest}`);
    expect(r.body.error).toMatchObject({ code: 'INVALID_ID', details: { value } });
    expect(r.headers['Nats-Service-Error-Code']).toBe('400');
    expect(r.headers['Nats-Service-Error']).toMatch(/^INVALID_ID: /);
  });

  it.each(['*', '>'])('a wildcard id %s gets INVALID_ID from the endpoint itself', async (wild) => {
    for (const rest of [`meter.${wild}.get`, `meter.${wild}.issues.list`, `grid.${wild}.get`, `batch.${wild}.get`]) {
      const r = await c.raw(`${p}.${rest}`);
      expect(r.body.error?.code, rest).toBe('INVALID_ID');
      expect(r.headers['Nats-Service-Error-Code']).toBe('400');
    }
  });

  it('a spaced id never leaves the client as a subject; in a body it gets INVALID_ID', async () => {
    await expect(c.raw(`${p}.meter.a b.get`)).rejects.toThrow(/illegal subject/);
    const upsert = await c.raw(`${p}.registry.meter.upsert`, { id: 'a b', serial: 'S', protocol: 'CALIN_V2' });
    expect(upsert.body.error).toMatchObject({ code: 'INVALID_ID', details: [{ path: 'id' }] });
    const batch = await c.raw(`${p}.batch.create`, { type: 'READ_CREDIT', meterIds: ['m0', 'x y'] });
    expect(batch.body.error).toMatchObject({ code: 'INVALID_ID', details: [{ path: 'meterIds.1' }] });
    const issues = await c.raw(`${p}.issues.list`, { organizationId: 'org 1' });
    expect(issues.body.error?.code).toBe('INVALID_ID');
  });

  it('an unknown subject gets UNKNOWN_SUBJECT (404); a known one is answered once, by its endpoint', async () => {
    const r = await c.raw(`${p}.meters.m0.get`);
    expect(r.body.error).toMatchObject({ code: 'UNKNOWN_SUBJECT' });
    expect(r.headers['Nats-Service-Error-Code']).toBe('404');
    const replies: unknown[] = [];
    const inbox = c.nc.subscribe('_INBOX.gt-origin-once', { callback: (_e, m) => { replies.push(m.json()); } });
    c.nc.publish(`${p}.meter.m0.get`, JSON.stringify({}), { reply: '_INBOX.gt-origin-once' });
    await eventually(async () => replies.length >= 1);
    // The catch-all answers in order of arrival: once it answered a later request, it has judged the first.
    expect((await c.raw(`${p}.nothing.here`)).body.error?.code).toBe('UNKNOWN_SUBJECT');
    await c.nc.flush();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ data: { meter: { id: 'm0' } } });
    inbox.unsubscribe();
  });

  it('cluster.status on a single node answers {clustered: false}', async () => {
    expect(await c.data(`${p}.cluster.status`)).toEqual({ clustered: false, nodeId: 'node-1' });
  });

  it('$SRV.STATS counts error replies per endpoint', async () => {
    // Other test files' nodes on the shared NATS server are services named gridtwin too: find ours by its subjects.
    let ours: string | undefined;
    const inbox = c.nc.subscribe(`_INBOX.${p}.info`, {
      callback: (_e, m) => {
        const i = m.json<{ id: string; endpoints: Array<{ subject: string }> }>();
        if (i.endpoints.some((e) => e.subject === `${p}.meter.*.get`)) ours = i.id;
      },
    });
    c.nc.publish('$SRV.INFO.gridtwin', '', { reply: `_INBOX.${p}.info` });
    await eventually(async () => ours);
    inbox.unsubscribe();
    const stats = async () => {
      const m = await c.nc.request(`$SRV.STATS.gridtwin.${ours}`, '', { timeout: 10_000 });
      const all = m.json<{ name: string; endpoints: Array<{ name: string; num_errors: number; last_error: string }> }>();
      return all.endpoints.find((e) => e.name === 'meter-get')!;
    };
    const before = await stats();
    const r = await c.raw(`${p}.meter.nope.get`);
    expect(r.body.error?.code).toBe('NOT_FOUND');
    expect(r.headers['Nats-Service-Error-Code']).toBe('404');
    const after = await stats();
    expect(after.num_errors).toBe(before.num_errors + 1);
    expect(after.last_error).toMatch(/^NOT_FOUND/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, eventually, type World } from '../helpers/world';
import { plainClient, type Plain } from './plain';

// Seed 000 "Issue auto-closing", through the public NATS API: issues other services open are closed by the cascade.
let w: World;
let c: Plain;
let p: string;

interface Issue { id: string; meterId: string; type: string; status: string; changed: boolean; closedByInteractionId: string | null; closedAt: string | null }
interface Page<T> { items: T[]; nextCursor: string | null }

beforeAll(async () => {
  w = await createWorld();
  await w.seed({ meters: 4 });
  for (let i = 0; i < 4; i++) w.fleet.addMeter(`m${i}`, `S${1000 + i}`, { kwhCredit: 7.5 });
  c = await plainClient();
  p = w.s.prefix;
});
afterAll(async () => {
  await c?.close();
  await w?.stop();
});

const settle = (id: string) => eventually(async () => {
  const i = await c.data<{ status: string }>(`${p}.interaction.${id}.get`);
  return ['SUCCESSFUL', 'FAILED', 'ABORTED', 'EXPIRED', 'SUPERSEDED'].includes(i.status) ? i.status : undefined;
});

describe('issues through the meter actor (plain nats.js client)', () => {
  it('a NO_CREDIT issue opened by another service is closed by the next READ_CREDIT with credit > 0', async () => {
    await c.data(`${p}.meter.m0.get`); // the actor is live
    const opened = await c.data<Issue>(`${p}.meter.m0.issues.open`, { type: 'NO_CREDIT', details: { by: 'billing' } });
    expect(opened).toMatchObject({ meterId: 'm0', type: 'NO_CREDIT', status: 'OPEN', changed: true });
    const view = await c.data<{ openIssues: Array<{ id: string }>; meter: { lastEncounteredIssueId: string } }>(`${p}.meter.m0.get`);
    expect(view.openIssues.map((i) => i.id)).toEqual([opened.id]);
    expect(view.meter.lastEncounteredIssueId).toBe(opened.id);
    const read = await c.data<{ id: string }>(`${p}.meter.m0.interactions.create`, { type: 'READ_CREDIT' });
    expect(await settle(read.id)).toBe('SUCCESSFUL');
    const list = await c.data<Page<Issue>>(`${p}.meter.m0.issues.list`, {});
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: opened.id, status: 'CLOSED', closedByInteractionId: read.id });
    expect((await c.data<{ openIssues: unknown[] }>(`${p}.meter.m0.get`)).openIssues).toEqual([]);
  });

  it('opening an open type answers the open issue once; closing twice closes once', async () => {
    const a = await c.data<Issue>(`${p}.meter.m1.issues.open`, { type: 'UNEXPECTED_METER_STATUS' });
    const b = await c.data<Issue>(`${p}.meter.m1.issues.open`, { type: 'UNEXPECTED_METER_STATUS' });
    expect([a.changed, b.changed, b.id]).toEqual([true, false, a.id]);
    const closed = await c.data<Issue>(`${p}.meter.m1.issues.close`, { issueId: a.id });
    const again = await c.data<Issue>(`${p}.meter.m1.issues.close`, { issueId: a.id });
    expect([closed.status, closed.changed, again.status, again.changed]).toEqual(['CLOSED', true, 'CLOSED', false]);
    const rows = await w.db.sql.all<{ status: string }>(`select status from issues where meter_id = 'm1'`);
    expect(rows).toEqual([{ status: 'CLOSED' }]);
  });

  it('UNEXPECTED_METER_STATUS is never closed by the cascade', async () => {
    const i = await c.data<Issue>(`${p}.meter.m2.issues.open`, { type: 'UNEXPECTED_METER_STATUS' });
    const read = await c.data<{ id: string }>(`${p}.meter.m2.interactions.create`, { type: 'READ_CREDIT' });
    expect(await settle(read.id)).toBe('SUCCESSFUL');
    const list = await c.data<Page<Issue>>(`${p}.meter.m2.issues.list`, { status: 'OPEN' });
    expect(list.items.map((x) => x.id)).toEqual([i.id]);
  });

  it('issues.list per organization filters and pages with a cursor', async () => {
    await c.data(`${p}.meter.m3.issues.open`, { type: 'NO_COMMUNICATION' });
    await c.data(`${p}.meter.m3.issues.open`, { type: 'UNEXPECTED_POWER_LIMIT' });
    const all: Issue[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 10; n++) {
      const pg = await c.data<Page<Issue>>(`${p}.issues.list`, { organizationId: 'org1', limit: 2, ...(cursor ? { cursor } : {}) });
      all.push(...pg.items);
      if (!pg.nextCursor) break;
      cursor = pg.nextCursor;
    }
    const total = await w.db.sql.one<{ n: string }>(`select count(*) as n from issues`);
    expect(all).toHaveLength(Number(total!.n));
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    const open = await c.data<Page<Issue>>(`${p}.issues.list`, { organizationId: 'org1', status: 'OPEN', meterId: 'm3' });
    expect(open.items.map((i) => i.type).sort()).toEqual(['NO_COMMUNICATION', 'UNEXPECTED_POWER_LIMIT']);
    expect((await c.data<Page<Issue>>(`${p}.issues.list`, { organizationId: 'other-org' })).items).toEqual([]);
    expect((await c.raw(`${p}.issues.list`, { organizationId: 'org1', cursor: 'bogus' })).body.error?.code).toBe('VALIDATION_FAILED');
  });

  it('refuses unknown meters, unknown issues and unknown fields', async () => {
    expect((await c.raw(`${p}.meter.ghost.issues.open`, { type: 'NO_CREDIT' })).body.error?.code).toBe('NOT_FOUND');
    expect((await c.raw(`${p}.meter.ghost.issues.list`, {})).body.error?.code).toBe('NOT_FOUND');
    expect((await c.raw(`${p}.meter.m0.issues.close`, { issueId: 'nope' })).body.error?.code).toBe('NOT_FOUND');
    expect((await c.raw(`${p}.meter.m0.issues.open`, { type: 'NO_CREDIT', severity: 'high' })).body.error?.code).toBe('VALIDATION_FAILED');
  });
});

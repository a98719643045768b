import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SyncResult } from '../../../actors/meter/sync/types';
import type { CreateResult } from '../../../actors/meter/messages';
import { ObjectId } from '../../../adapters/emlite';
import { eventually } from '../../helpers/world';
import { createSyncWorld, type SyncWorld } from './world';

const SERIAL = 'EMLTOP0001';
let w: SyncWorld;
/** Every mediator call for the meter, in the order it started, as `method:objectId`. */
const calls: string[] = [];
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  // The simulator serves only this meter, so its `maxActive` is the meter's own maximum concurrency.
  w = await createSyncWorld({ mediators: [[{ serial: SERIAL, balance: 5 }]], latencyMs: 40 });
  await w.addMeters([{ id: 't1', serial: SERIAL, mediatorAddress: w.sims[0]!.address }]);
  const client = w.pool.client(w.sims[0]!.address) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const method of ['readElement', 'writeElement', 'sendRawMessage']) {
    const original = client[method]!.bind(client);
    client[method] = async (...args: unknown[]) => {
      calls.push(`${method}:${typeof args[1] === 'number' ? args[1].toString(16) : 'raw'}`);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await original(...args);
      } finally {
        inFlight--;
      }
    };
  }
});
afterAll(async () => w?.stop());

const hex = (id: number) => id.toString(16);
const READ_A = `readElement:${hex(ObjectId.elementA)}`;
const READ_B = `readElement:${hex(ObjectId.elementB)}`;
const BALANCE = `readElement:${hex(ObjectId.prepayBalance)}`;
const TOKEN = `writeElement:${hex(ObjectId.prepayTokenSend)}`;

it('syncs and TOP_UPs on one meter never overlap, and each keeps its calls together', async () => {
  const rounds = 5;
  const work = Array.from({ length: rounds }, (_, i) => [
    w.call<CreateResult>(w.s.meterCreateInteraction('t1'), { type: 'TOP_UP', params: { kwh: 1 + i } }),
    w.call<SyncResult>(w.s.meterSync('t1'), { syncers: ['SyncerReads', 'SyncerPrepayBalance'] }),
  ]).flat();
  const results = await Promise.all(work);
  const syncs = results.filter((r): r is SyncResult => 'health' in r);
  expect(syncs.map((s) => s.health)).toEqual(Array(rounds).fill('healthy'));
  const topUps = results.filter((r): r is CreateResult => 'type' in r).map((r) => r.id);

  // every TOP_UP succeeds and the READ_CREDIT follow-up (the cascade) runs; equal follow-ups join one read
  // (a joined follow-up is recorded SUPERSEDED with coalesced_into: it made no call of its own)
  const readCredits = await eventually(async () => {
    const tops = await w.db.sql.all<{ status: string }>(`select status from meter_interactions where id = any(string_to_array(?, ','))`, [topUps.join(',')]);
    const follow = await w.db.sql.all<{ status: string }>(`select status from meter_interactions where interaction_type = 'READ_CREDIT' and follow_up_of is not null and coalesced_into is null`);
    return tops.length === rounds && tops.every((r) => r.status === 'SUCCESSFUL') && follow.length > 0 && follow.every((r) => r.status === 'SUCCESSFUL') ? follow.length : 0;
  }, 20_000);
  expect(w.sims[0]!.meters.meter(SERIAL).balance).toBeCloseTo(5 + rounds * 10, 5);

  expect(maxInFlight).toBe(1);
  expect(w.sims[0]!.meters.maxActive).toBe(1);
  // order: a sync is A, B, balance back to back; a TOP_UP is token then balance; nothing in between
  for (const [i, c] of calls.entries()) {
    if (c === READ_A) expect(calls.slice(i, i + 3)).toEqual([READ_A, READ_B, BALANCE]);
    if (c === TOKEN) expect(calls[i + 1]).toBe(BALANCE);
  }
  expect(calls.filter((c) => c === TOKEN)).toHaveLength(rounds);
  expect(calls.filter((c) => c === READ_A)).toHaveLength(rounds);
  // one balance read per sync, per TOP_UP and per READ_CREDIT follow-up
  expect(calls.filter((c) => c === BALANCE)).toHaveLength(2 * rounds + readCredits);
}, 60_000);

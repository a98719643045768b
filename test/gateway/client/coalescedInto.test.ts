import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionView } from '../../../core/events';
import { createWorld, eventually, type World } from '../../helpers/world';

let w: World;

beforeAll(async () => {
  // Commands take a while, so an equal request arrives while the first is still in flight.
  w = await createWorld({}, { latencyMs: 400 });
  await w.seed({ meters: 1 });
});
afterAll(async () => {
  await w?.stop();
});

type Listed = InteractionView & { coalescedInto: string | null; followUpOf: string | null };

describe('coalescedInto (issue 13)', () => {
  it("a joined caller's record names the surviving interaction, in interactions.list and interaction.get", async () => {
    const first = await w.call<InteractionView & { coalesced?: boolean }>(w.s.meterCreateInteraction('m0'), { type: 'READ_CREDIT', idempotencyKey: 'caller-1' });
    const second = await w.call<InteractionView & { coalesced?: boolean }>(w.s.meterCreateInteraction('m0'), { type: 'READ_CREDIT', idempotencyKey: 'caller-2' });
    expect(second).toMatchObject({ id: first.id, coalesced: true });
    const list = await eventually(async () => {
      const r = await w.call<{ items: Listed[] }>(w.s.meterInteractionsList('m0'), { type: 'READ_CREDIT' });
      return r.items.length === 2 && r.items.find((i) => i.id === first.id)?.status === 'SUCCESSFUL' ? r.items : null;
    });
    const joined = list.filter((i) => i.id !== first.id);
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ status: 'SUPERSEDED', coalescedInto: first.id, failureReason: `coalesced into ${first.id}`, idempotencyKey: null });
    expect(list.find((i) => i.id === first.id)!.coalescedInto).toBeNull();
    expect((await w.call<InteractionView>(w.s.interactionGet(joined[0]!.id))).coalescedInto).toBe(first.id);
    // The caller's key still names the survivor: a replay answers with it, not with the record.
    const replay = await w.call<InteractionView & { replayed?: boolean }>(w.s.meterCreateInteraction('m0'), { type: 'READ_CREDIT', idempotencyKey: 'caller-2' });
    expect(replay).toMatchObject({ id: first.id, replayed: true });
    // Exactly one command reached the meter.
    expect(w.fleet.executedCount('m0', 'READ_CREDIT')).toBe(1);
  });
});

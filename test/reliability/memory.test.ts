import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGridtwinError } from '../../core/errors';
import { createWorld, eventually, type World } from '../helpers/world';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const PASSIVATE_MS = 2_000;
const CAP = 5_000;
let w: World;

beforeAll(async () => {
  w = await createWorld({ actors: { passivateAfterMs: PASSIVATE_MS, maxLive: 20_000, askTimeoutMs: 60_000 } });
  await w.seed({ meters: 0 });
});
afterAll(async () => w?.stop());

describe('issue 11: actors stay bounded', () => {
  it('defect 2: 200,000 distinct unknown meter ids: every reply NOT_FOUND, no actor started, heap growth < 50 MB', async () => {
    const runtime = w.node.runtime;
    const before = heapMb();
    const limit = pLimit(2_000);
    let notFound = 0;
    let other = 0;
    let maxAlive = 0;
    await Promise.all(Array.from({ length: 200_000 }, (_, i) => limit(async () => {
      try {
        await runtime.getMeter(`ghost-${i}`);
        other++;
      } catch (e) {
        if (isGridtwinError(e) && e.code === 'NOT_FOUND') notFound++;
        else other++;
      }
      if (i % 1_000 === 0) maxAlive = Math.max(maxAlive, runtime.meters.alive());
    })));
    const after = heapMb();
    expect({ notFound, other }).toEqual({ notFound: 200_000, other: 0 });
    expect(maxAlive).toBeLessThanOrEqual(CAP);
    expect(runtime.meters.alive()).toBe(0);
    expect(runtime.meters.mailboxDepth()).toBe(0);
    expect(after - before).toBeLessThan(50);
  }, 300_000);

  it('defect 3: 10,000 meters touched once then idle are all passivated; ticks neither keep them alive nor pile up', async () => {
    // Passivation far away, so nothing is stopped while the machine is still touching them; then one idle look
    // at "passivation time later" must stop all of them although tick rounds kept coming.
    const long = await createWorld({ actors: { passivateAfterMs: 600_000, askTimeoutMs: 60_000 } });
    try {
      await long.seed({ meters: 0 });
      const runtime = long.node.runtime;
      await long.db.sql.run(
        `insert into meters(id, serial, communication_protocol, grid_id, tariff_per_kwh, last_seen_at)
         select 'idle-' || i, 'IS' || i, 'CALIN_V2', 'g1', 100, now() from generate_series(0, 9999) i`);
      const limit = pLimit(500);
      const touchedFrom = Date.now();
      await Promise.all(Array.from({ length: 10_000 }, (_, i) => limit(() => runtime.getMeter(`idle-${i}`))));
      const touchedBy = Date.now();
      expect(runtime.meters.alive()).toBe(10_000);
      // Five tick rounds in a row: at most one tick waits per actor (no pile-up), and none counts as activity.
      for (let r = 0; r < 5; r++) await runtime.tick();
      expect(runtime.meters.mailboxDepth()).toBeLessThanOrEqual(10_000);
      await eventually(async () => runtime.meters.mailboxDepth() === 0, 120_000, 50);
      expect(runtime.meters.passivateIdle(touchedFrom + 600_000 - 1)).toBe(0);
      expect(runtime.meters.passivateIdle(touchedBy + 600_000)).toBe(10_000);
      expect(runtime.meters.alive()).toBe(0);
    } finally {
      await long.stop();
    }
  }, 300_000);

  it('defect 3: the host passivates on its own within passivation time + one idle look, while ticks keep coming', async () => {
    const runtime = w.node.runtime;
    await w.db.sql.run(
      `insert into meters(id, serial, communication_protocol, grid_id, tariff_per_kwh, last_seen_at)
       select 'short-' || i, 'SS' || i, 'CALIN_V2', 'g1', 100, now() from generate_series(0, 499) i`);
    const limit = pLimit(100);
    await Promise.all(Array.from({ length: 500 }, (_, i) => limit(() => runtime.getMeter(`short-${i}`))));
    expect(runtime.meters.alive()).toBeGreaterThan(0);
    await eventually(async () => {
      await runtime.tick();
      return runtime.meters.alive() === 0;
    }, 60_000, 200);
  }, 120_000);
});

import type { Bus } from '../adapters/bus';
import type { SyncSweeper } from '../actors/sync';
import type { Runtime } from '../actors/system';
import type { MeterInteractionEvent } from '../core/events';
import { newId } from '../core/ids';
import type { Logger } from '../core/logger';
import type { Subjects } from '../core/subjects';
import { demoRepo, registryRepo, type Database } from '../persistence';
import { seedDemoEmliteHistory } from './seed';

const DEMO_GRIDS = ['grid-north', 'grid-lake'];
const DEMO_METERS = [...Array.from({ length: 6 }, (_, i) => `mtr-n${i + 1}`), ...Array.from({ length: 6 }, (_, i) => `mtr-l${i + 1}`)];
const DEMO_REQUESTS = [
  { type: 'READ_CREDIT', params: {} },
  { type: 'TOP_UP', params: { kwh: 5 } },
  { type: 'TURN_OFF', params: {} },
  { type: 'TURN_ON', params: {} },
  { type: 'READ_POWER', params: {} },
] as const;

/**
 * Standalone only: a little traffic on the demo fleet every few seconds, and one log line per outcome,
 * so a newcomer sees interactions flow through the actors, the cascade and the dashboard.
 */
export function startDemoActivity(o: { runtime: Runtime; bus: Bus; subjects: Subjects; logger: Logger; everyMs?: number }): () => void {
  const subs = DEMO_GRIDS.map((g) =>
    o.bus.subscribe(o.subjects.evtGridMeterInteraction(g), (m) => {
      const e = m.json<MeterInteractionEvent>();
      o.logger.info({ meter: e.interaction.meterId, type: e.interaction.type, status: e.interaction.status }, 'demo: interaction finished');
    }),
  );
  let k = 0;
  const timer = setInterval(() => {
    const meterId = DEMO_METERS[k % DEMO_METERS.length]!;
    const req = DEMO_REQUESTS[Math.floor(k / DEMO_METERS.length) % DEMO_REQUESTS.length]!;
    k++;
    o.runtime.createInteraction(meterId, { type: req.type, params: req.params }).catch((e) =>
      o.logger.warn({ meterId, err: (e as Error).message }, 'demo: interaction refused'));
  }, o.everyMs ?? 4_000);
  timer.unref?.();
  return () => {
    clearInterval(timer);
    subs.forEach((s) => s.unsubscribe());
  };
}

/**
 * Standalone only, once per database: something for every feature to show. An Emlite sweep runs; mtr-n6 has
 * run out of credit (an open NO_CREDIT issue) until a top-up closes it `issueClosesAfterMs` later; mtr-l6 is
 * commissioned; the Lake grid's meters read their credit in one batch. Returns a stop function.
 */
export async function startDemoStory(o: {
  runtime: Runtime; sweeper: SyncSweeper; db: Database; logger: Logger; issueClosesAfterMs?: number;
}): Promise<() => void> {
  const { runtime, db, logger } = o;
  const { sweepId, done } = o.sweeper.sweep('demo-esco', { trigger: 'manual' });
  done.then(async (s) => {
    logger.info({ sweepId, healthy: s.healthy, unhealthy: s.unhealthy }, 'demo: Emlite sweep finished');
    await seedDemoEmliteHistory(db, logger);
  }).catch((e: unknown) => logger.warn({ sweepId, err: (e as Error).message }, 'demo: Emlite sweep or its history failed'));
  let timer: NodeJS.Timeout | undefined;
  if (!(await demoRepo.hasAny(db.sql, 'issues'))) {
    await registryRepo.openIssue(db.sql, { id: newId(), meterId: 'mtr-n6', gridId: 'grid-north', type: 'NO_CREDIT', details: { demo: 'ran out of credit' } });
    runtime.notifyWorldChanged(['mtr-n6']);
    timer = setTimeout(() => {
      runtime.createInteraction('mtr-n6', { type: 'TOP_UP', params: { kwh: 20 } }).then(
        () => logger.info('demo: mtr-n6 topped up; its NO_CREDIT issue closes'),
        (e) => logger.warn({ err: (e as Error).message }, 'demo: top-up refused'));
    }, o.issueClosesAfterMs ?? 90_000);
    timer.unref?.();
  }
  if (!(await demoRepo.hasAny(db.sql, 'meter_commissionings'))) {
    const c = await runtime.createCommissioning('mtr-l6', [{ type: 'READ_VERSION', params: {} }, { type: 'TURN_ON', params: {} }, { type: 'READ_CREDIT', params: {} }]);
    logger.info({ commissioningId: c.id }, 'demo: commissioning mtr-l6');
  }
  if (!(await demoRepo.hasAny(db.sql, 'batch_executions'))) {
    const b = await runtime.createBatch({ type: 'READ_CREDIT', params: {}, meterIds: DEMO_METERS.filter((m) => m.startsWith('mtr-l')), organizationId: 'demo-esco' });
    logger.info({ batchId: b.id, meters: b.totalCount }, 'demo: batch READ_CREDIT over the Lake grid');
  }
  return () => clearTimeout(timer);
}

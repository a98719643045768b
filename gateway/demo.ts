import type { Bus } from '../adapters/bus';
import type { Runtime } from '../actors/system';
import type { MeterInteractionEvent } from '../core/events';
import type { Logger } from '../core/logger';
import type { Subjects } from '../core/subjects';

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

import { Cron } from 'croner';
import type { Logger } from '../../core/logger';

/**
 * The sweep: at start and then on `solar.pollCron`, every ACTIVE plant is sent `poll`. Sending is all it
 * does — each plant's actor is its lock, each credential's limiter its pace — so a sweep still running
 * when the next fires only turns into joins of the polls in progress.
 */
export interface PollScheduler {
  sweep(): Promise<number>;
  stop(): void;
}

export function startPollScheduler(opts: {
  cron: string;
  activePlantIds: () => Promise<string[]>;
  poll: (plantId: string) => void;
  logger: Logger;
  runAtStart?: boolean;
}): PollScheduler {
  const sweep = async () => {
    const ids = await opts.activePlantIds();
    for (const id of ids) opts.poll(id);
    opts.logger.info({ plants: ids.length }, 'plant poll sweep sent');
    return ids.length;
  };
  // a failed sweep (database down) is logged and the next tick tries again
  const sweepInBackground = (): void => {
    sweep().then(() => undefined, (e: unknown) => opts.logger.error({ err: (e as Error).message }, 'plant poll sweep failed'));
  };
  const job = new Cron(opts.cron, { protect: true }, sweepInBackground);
  if (opts.runAtStart !== false) sweepInBackground();
  return { sweep, stop: () => job.stop() };
}

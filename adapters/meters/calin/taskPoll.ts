import { ErrorCode, GridtwinError } from '../../../core/errors';

/**
 * How long to wait before the next look at a vendor task, by the task's age: the origin's poll ladder
 * (nxtgrid/nxt-device-messaging src/engine/lifecycle/stages.ts `defaultPollLadderMs`, first poll after
 * `initialPollDelayMs` = 10 s): every 10 s for 20 s, 15 s until 50 s, 20 s until 90 s, then 30 s.
 */
export function originPollLadderMs(ageMs: number): number {
  if (ageMs < 20_000) return 10_000;
  if (ageMs < 50_000) return 15_000;
  if (ageMs < 90_000) return 20_000;
  return 30_000;
}

/** Polls until `poll` gives a value; TIMEOUT (outcome unknown) at the deadline, after a last look just before it. */
export async function pollTask<T>(o: {
  deadlineAt: number;
  createdAt: number;
  delayMs: (ageMs: number) => number;
  poll: () => Promise<T | undefined>;
  what: string;
  details?: Record<string, unknown>;
  sleep?: (ms: number) => Promise<void>;
}): Promise<T> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (;;) {
    const remaining = o.deadlineAt - Date.now();
    if (remaining <= 1) throw new GridtwinError(ErrorCode.TIMEOUT, `${o.what}: the task did not finish before the deadline`, { details: o.details });
    await sleep(Math.min(o.delayMs(Date.now() - o.createdAt), remaining - 1));
    const done = await o.poll();
    if (done !== undefined) return done;
  }
}

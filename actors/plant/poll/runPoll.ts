import { performance } from 'node:perf_hooks';
import { ErrorCode, GridtwinError, toGridtwinError } from '../../../core/errors';
import type { PlantStatus } from '../../../core/events';
import type { Metrics } from '../../../core/metrics';
import { alertsRepo, credentialsRepo, plantsRepo, pollLogsRepo, type PlantRow, type PollLogRow, type PollLogStatus } from '../../../persistence';
import type { PollOutcome, PollTrigger } from '../messages';
import type { VendorGates } from '../vendorGate';
import { commitPoll, publishStatus, type CommitEnv } from './commit';
import { decidePoll, statusWithoutVendor } from './decide';
import { fetchFacts } from './facts';
import type { RetryPolicy } from './retry';

export interface PollEnv extends CommitEnv {
  metrics: Metrics;
  gates: VendorGates;
  retry: RetryPolicy;
  deadlineMs: number;
}

const MAX_ERROR_MESSAGE = 500;

/**
 * One poll of one plant, run detached from its actor (which only holds the lock). Never throws: every
 * path ends in a PollLog row — SKIPPED (not ACTIVE), SUCCESS, PARTIAL (alarms or backfill failed),
 * FAILED (summary failed, deadline passed, plant gone) — and a status that matches what is known.
 */
export async function runPoll(env: PollEnv, plantId: string, pollId: string, trigger: PollTrigger): Promise<PollOutcome> {
  const startedAt = new Date(env.now());
  const t0 = performance.now();
  let vendorCalls = 0;
  let brand = 'UNKNOWN';
  const finish = async (status: PollLogStatus, error: GridtwinError | null, plantStatus: PlantStatus | null): Promise<PollOutcome> => {
    const durationMs = Math.round(performance.now() - t0);
    const log: PollLogRow = {
      id: pollId, plantId, trigger, startedAt: startedAt.toISOString(), finishedAt: new Date(startedAt.getTime() + durationMs).toISOString(),
      durationMs, status, vendorCalls, errorCode: error?.code ?? null, errorMessage: error ? error.message.slice(0, MAX_ERROR_MESSAGE) : null,
    };
    await pollLogsRepo.insert(env.db.sql, log).catch((e: unknown) => env.logger.error({ plantId, err: (e as Error).message }, 'poll log not written'));
    env.metrics.polls.inc({ brand, outcome: status });
    env.metrics.pollSeconds.observe({ brand, outcome: status }, durationMs / 1000);
    if (error && status === 'FAILED') env.logger.warn({ plantId, code: error.code, err: error.message }, 'plant poll failed');
    return { log, plantStatus };
  };

  let plant: PlantRow | undefined;
  try {
    const loaded = await plantsRepo.getForPoll(env.db.sql, plantId);
    if (!loaded) return await finish('FAILED', new GridtwinError(ErrorCode.NOT_FOUND, `plant ${plantId} not found`), null);
    plant = loaded.plant;
    brand = plant.brand;
    if (plant.integrationStatus !== 'ACTIVE') return await finish('SKIPPED', null, await markGrey(env, plant));

    const p = plant;
    const gate = await env.gates.forCredential(() => credentialsRepo.get(env.db.sql, p.credentialId), p.credentialId, loaded.credentialVersion);
    const facts = await withDeadline(
      fetchFacts(env.db.sql, gate, p, startedAt, env.retry, () => { vendorCalls++; }),
      env.deadlineMs, `poll of plant ${plantId} passed its deadline of ${env.deadlineMs} ms`,
    );
    const plan = decidePoll(facts, env.newId);
    const committed = await commitPoll(env, p, plan);
    return await finish(plan.logStatus, plan.error, committed.status);
  } catch (e) {
    const err = toGridtwinError(e);
    if (err.code === ErrorCode.INTERNAL) env.logger.error({ plantId, err: (e as Error).message }, 'plant poll crashed');
    const status = plant && err.code !== ErrorCode.NOT_FOUND ? await statusAfterFailure(env, plant, startedAt).catch(() => null) : null;
    return finish('FAILED', err, status);
  }
}

/** A poll that could not even run (its admission failed): logged, counted, and answered as FAILED without a status. */
export function crashedPoll(env: Pick<PollEnv, 'logger' | 'metrics' | 'now'>, plantId: string, pollId: string, trigger: PollTrigger, e: unknown): PollOutcome {
  const err = toGridtwinError(e);
  env.logger.error({ plantId, err: err.message }, 'plant poll could not run');
  env.metrics.polls.inc({ brand: 'UNKNOWN', outcome: 'FAILED' });
  const at = new Date(env.now()).toISOString();
  return {
    log: { id: pollId, plantId, trigger, startedAt: at, finishedAt: at, durationMs: 0, status: 'FAILED', vendorCalls: 0, errorCode: err.code, errorMessage: err.message.slice(0, MAX_ERROR_MESSAGE) },
    plantStatus: null,
  };
}

async function markGrey(env: PollEnv, plant: PlantRow): Promise<PlantStatus> {
  if (plant.status === 'GREY') return 'GREY';
  const reason = 'integration not active';
  await plantsRepo.setStatus(env.db.sql, plant.id, 'GREY', reason);
  publishStatus(env, plant, 'GREY', plant.status, reason);
  return 'GREY';
}

/** The vendor could not be asked: the status follows the stored last-seen time and open alerts. */
async function statusAfterFailure(env: PollEnv, plant: PlantRow, now: Date): Promise<PlantStatus> {
  const openAlerts = await alertsRepo.openOfPlant(env.db.sql, plant.id);
  const s = statusWithoutVendor({ plant, openAlerts, now });
  const written = await plantsRepo.recordPoll(env.db.sql, plant.id, { status: s.status, statusReason: s.reason, lastSeenAt: null, lastPolledAt: now, alarmsCheckedAt: null });
  if (written && s.status !== plant.status) publishStatus(env, plant, s.status, plant.status, s.reason);
  return s.status;
}

function withDeadline<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GridtwinError(ErrorCode.TIMEOUT, message)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

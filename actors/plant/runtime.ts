import pLimit from 'p-limit';
import { CredentialCipher, LimiterRegistry, createSolarAdapter } from '../../adapters/solar';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { Scheduler } from '../../core/scheduler';
import { assertSubjectSafeId, newId } from '../../core/ids';
import { unwrap } from '../../core/reply';
import { alertsRepo, plantsRepo, type AlertRow, type AlertStateValue } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { ActorHost } from '../host';
import { ActorSystem } from '../kinds';
import type { PlantMsg } from './messages';
import { plantBehaviour } from './PlantActor';
import { publishAlert } from './poll/commit';
import { RETRY_DEFAULTS, type RetryPolicy } from './poll/retry';
import type { PollEnv } from './poll/runPoll';
import { upsertCredential, upsertPlant, type CredentialUpsertSchema, type PlantUpsertSchema, type RegistryEnv } from './registry';
import type { PlantState } from './state';
import { VendorGates, type AdapterFactory } from './vendorGate';
import type { PlantView, PollReply } from './views';
import type { z } from 'zod';

export type PlantDeps = Pick<RuntimeDeps, 'db' | 'bus' | 'subjects' | 'config' | 'logger' | 'metrics' | 'now'>;

export interface PlantRuntimeOptions {
  /** Defaults to a cipher over `config.solar.credentialKey`; null when no key is configured. */
  cipher?: CredentialCipher | null;
  createAdapter?: AdapterFactory;
  limiters?: LimiterRegistry;
  retry?: Partial<RetryPolicy>;
  /** Per vendor call (defaults to the adapters' own 15 s). */
  adapterTimeoutMs?: number;
  /** Register the cron sweep (and one at start). Default true. */
  autorun?: boolean;
  /** The node's scheduler (started by its owner); default: one of the runtime's own, started at once for a sole node. */
  scheduler?: Scheduler;
  /** The node's actor system (stopped by its owner); default: one of the runtime's own. */
  system?: ActorSystem;
  /**
   * Polls running at once across all plants (each waits for a slot after taking its plant's lock). Bounds
   * the database work a sweep opens at once; vendor pace is the credential limiters' job. Default 400.
   */
  maxPollsInFlight?: number;
}

export const PLANT_RUNTIME_DEFAULTS = { maxPollsInFlight: 400 } as const;

/**
 * The solar side of a node: the `plant` kind of the node's actor system (one PlantActor per plant), the vendor gates
 * (adapter + limiter per credential) and the cron sweep. The surface below is what the NATS service calls.
 */
export function startPlantRuntime(deps: PlantDeps, opts: PlantRuntimeOptions = {}) {
  const { config, logger } = deps;
  const cipher = opts.cipher !== undefined ? opts.cipher : config.solar.credentialKey ? new CredentialCipher(config.solar.credentialKey) : null;
  const clock = () => new Date(deps.now());
  const createAdapter = opts.createAdapter ?? createSolarAdapter;
  const gates = new VendorGates({ cipher, limiters: opts.limiters, createAdapter, now: clock, timeoutMs: opts.adapterTimeoutMs, logger });
  const env: PollEnv & RegistryEnv = {
    db: deps.db, bus: deps.bus, subjects: deps.subjects, logger, metrics: deps.metrics, now: deps.now, newId,
    gates, cipher,
    retry: { ...RETRY_DEFAULTS, ...opts.retry }, deadlineMs: config.solar.pollDeadlineMs,
  };

  const ownSystem = opts.system ? null : new ActorSystem();
  const slots = pLimit(opts.maxPollsInFlight ?? PLANT_RUNTIME_DEFAULTS.maxPollsInFlight);
  const host: ActorHost<PlantState, PlantMsg> = (opts.system ?? ownSystem!).host('plant', plantBehaviour(env, (fn) => slots(fn)), {
    // an actor with a poll out is never passivated or evicted (plantBehaviour's holdsWork), so the cap is safe
    passivateAfterMs: config.actors.passivateAfterMs, maxLive: config.actors.maxLive, askTimeoutMs: config.actors.askTimeoutMs, logger, metrics: deps.metrics,
  });
  const pollTimeoutMs = config.solar.pollDeadlineMs + 30_000;

  /** Sends `poll` to every ACTIVE plant `only` keeps. Sending is all it does: each plant's actor is its lock. */
  const sweep = async (only?: (plantId: string) => boolean): Promise<number> => {
    const ids = (await plantsRepo.activeIds(deps.db.sql)).filter((id) => !only || only(id));
    for (const id of ids) host.tell(id, { type: 'poll', trigger: 'SCHEDULE' });
    return ids.length;
  };
  const ownScheduler = opts.scheduler ? null : new Scheduler({ logger });
  if (opts.autorun !== false) {
    // A sweep still running when the next fires is skipped; a failed one (database down) is logged and the next tries again.
    (opts.scheduler ?? ownScheduler!).add({
      name: 'plants.poll', cron: config.solar.pollCron, runAtStart: true,
      run: async (ctx) => logger.info({ plants: await sweep(ctx.owns) }, 'plant poll sweep sent'),
    });
  }
  ownScheduler?.start();

  const requirePlant = async (plantId: string) => {
    assertSubjectSafeId(plantId, 'plantId');
    if (!(await plantsRepo.get(deps.db.sql, plantId))) throw new GridtwinError(ErrorCode.NOT_FOUND, `plant ${plantId} not found`);
  };

  return {
    host, gates,

    /** Runs a poll now, or waits for the one running; resolves with its poll log. */
    async poll(plantId: string, trigger: 'MANUAL' | 'SCHEDULE' = 'MANUAL'): Promise<PollReply> {
      await requirePlant(plantId);
      return unwrap(await host.ask<PollReply>(plantId, (reply) => ({ type: 'poll', trigger, reply }), pollTimeoutMs));
    },

    /** Sends `poll` to every ACTIVE plant (what the cron does), or those `only` keeps (a cluster node: its own); resolves with how many. */
    sweep,

    async get(plantId: string): Promise<PlantView> {
      assertSubjectSafeId(plantId, 'plantId');
      return unwrap(await host.ask<PlantView>(plantId, (reply) => ({ type: 'get', reply })));
    },

    async ackAlert(alertId: string, by: { organizationId?: string; by?: string }): Promise<{ alert: AlertRow }> {
      assertSubjectSafeId(alertId, 'alertId');
      const alert = await alertsRepo.get(deps.db.sql, alertId);
      if (!alert) throw new GridtwinError(ErrorCode.NOT_FOUND, `alert ${alertId} not found`);
      if (by.organizationId && by.organizationId !== alert.organizationId) throw new GridtwinError(ErrorCode.FORBIDDEN, 'not allowed: the alert belongs to another organization');
      const acked = await alertsRepo.ack(deps.db.sql, alertId, by.by ?? null, clock());
      if (!acked) {
        const now = await alertsRepo.get(deps.db.sql, alertId);
        throw new GridtwinError(ErrorCode.INVALID_STATE, now?.state === 'RESOLVED' ? 'alert already resolved' : 'already acknowledged', { details: { state: now?.state } });
      }
      publishAlert(env, acked);
      return { alert: acked };
    },

    async listAlerts(q: { organizationId: string; state?: AlertStateValue; plantId?: string; by?: string; limit?: number }): Promise<{ alerts: AlertRow[] }> {
      return { alerts: await alertsRepo.list(deps.db.sql, q.organizationId, q) };
    },

    upsertCredential: (input: z.infer<typeof CredentialUpsertSchema>) => upsertCredential(env, input),
    upsertPlant: (input: z.infer<typeof PlantUpsertSchema>) => upsertPlant(env, input),

    async stop(): Promise<void> {
      await ownScheduler?.stop();
      ownSystem?.stop();
      await gates.closeAll();
    },
  };
}
export type PlantRuntime = ReturnType<typeof startPlantRuntime>;

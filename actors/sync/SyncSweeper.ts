import type { Bus } from '../../adapters/bus';
import { detach } from '../../core/detached';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { EscoSyncEvent } from '../../core/events';
import { newId } from '../../core/ids';
import type { Scheduler } from '../../core/scheduler';
import type { Logger } from '../../core/logger';
import type { Reply } from '../../core/reply';
import type { Subjects } from '../../core/subjects';
import { emliteRepo, type Database, type RunFrequency } from '../../persistence';
import type { ActorHost } from '../host';
import type { SyncResult } from '../meter/sync/types';
import type { MeterMsg } from '../meter/messages';
import type { MeterState } from '../meter/state';
import { RUN_FREQUENCIES, SWEEP_SCHEDULES, syncersFor } from './schedule';
import type { Clock } from '../../core/time';

export interface SweepStatus {
  sweepId: string;
  esco: string;
  trigger: 'schedule' | 'manual';
  /** The frequencies the sweep serves (empty for a manual sweep of every enabled syncer or of a given list). */
  frequencies: RunFrequency[];
  syncers: string[];
  state: 'running' | 'finished';
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  healthy: number;
  unhealthy: number;
  skipped: number;
  /** The first unhealthy meters of the sweep with their health entry (at most `MAX_LISTED_FAILURES`). */
  failures: Array<{ meterId: string; details: string }>;
}

export interface SweepRequest {
  trigger?: SweepStatus['trigger'];
  frequencies?: RunFrequency[];
  /** Explicit syncer names; default: the enabled syncers of `frequencies`, or every enabled one. */
  syncers?: string[];
}

export interface SyncSweeperOptions {
  /** Meters of one mediator in sync at once. The pool bounds the calls; this keeps its queue short but never empty. */
  windowPerMediator: number;
  /** How long a sweep waits for one meter actor's answer. */
  meterTimeoutMs: number;
  /** Progress events at most this often. */
  progressEveryMs?: number;
  /** Frequencies falling due within this window are swept together (midnight: hourly + 12hourly + daily). */
  coalesceMs?: number;
  /** Register the cron schedules (false in tests, which call `fire`). Default true. */
  autorun?: boolean;
}

export interface SyncSweeperDeps {
  db: Database;
  bus: Bus;
  subjects: Subjects;
  logger: Logger;
  meters: Pick<ActorHost<MeterState, MeterMsg>, 'ask'>;
  now: Clock;
  /** Where the schedules go (one node of a cluster runs them: each meter's sync reaches its owner through `meters`). */
  scheduler?: Scheduler;
}

const DEFAULTS = { progressEveryMs: 1_000, coalesceMs: 2_000, autorun: true };
const MAX_LISTED_FAILURES = 100;

/**
 * Sweeps: for each ESCO, every active EMLITE meter's actor gets a `sync` message. Parallelism is per
 * mediator (each mediator's meters advance in their own window; the MediatorPool bounds the calls), never
 * one global pool. Sweeps of one ESCO run one after another; progress goes out on `evt.esco.<esco>.sync`.
 */
export class SyncSweeper {
  private readonly opts: Required<SyncSweeperOptions>;
  private readonly last = new Map<string, SweepStatus>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly due = new Set<RunFrequency>();
  private dueTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly deps: SyncSweeperDeps, opts: SyncSweeperOptions) {
    this.opts = { ...DEFAULTS, ...opts };
    for (const k of ['windowPerMediator', 'meterTimeoutMs'] as const) {
      if (!(Number.isInteger(this.opts[k]) && this.opts[k] > 0)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${k} must be a positive integer`);
    }
  }

  /** Registers the cron schedules (UTC) with the node's scheduler unless `autorun: false` (or there is none). */
  start(): void {
    if (!this.opts.autorun || !this.deps.scheduler) return;
    for (const f of RUN_FREQUENCIES) this.deps.scheduler.add({ name: `emlite.sync.${f}`, cron: SWEEP_SCHEDULES[f], scope: 'cluster', run: () => this.fire(f) });
  }

  /** A frequency fell due: sweep it, together with any other falling due within `coalesceMs`. */
  fire(frequency: RunFrequency): void {
    this.due.add(frequency);
    this.dueTimer ??= setTimeout(() => detach(() => this.sweepDue(), 'emlite scheduled sweep'), this.opts.coalesceMs);
  }

  /** Sweeps every ESCO for the frequencies due now; resolves when those sweeps finish. */
  async sweepDue(): Promise<SweepStatus[]> {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    const frequencies = RUN_FREQUENCIES.filter((f) => this.due.has(f));
    this.due.clear();
    if (!frequencies.length || this.stopped) return [];
    if (frequencies.includes('daily')) {
      await emliteRepo.ensurePartitions(this.deps.db.sql, new Date(this.deps.now())).catch((e) => this.deps.logger.warn({ err: (e as Error).message }, 'partition upkeep failed'));
    }
    const escos = await emliteRepo.escosWithActiveEmlite(this.deps.db.sql);
    return Promise.all(escos.map((esco) => this.sweep(esco, { trigger: 'schedule', frequencies }).done));
  }

  /** Queues a sweep of one ESCO (after any sweep of it still running); `done` resolves with its final status. */
  sweep(esco: string, req: SweepRequest = {}): { sweepId: string; done: Promise<SweepStatus> } {
    const sweepId = newId();
    const previous = this.chains.get(esco) ?? Promise.resolve();
    const done = previous.catch(() => undefined).then(() => this.run(esco, sweepId, req));
    const chain = done.catch(() => undefined);
    this.chains.set(esco, chain);
    detach(chain.then(() => {
      if (this.chains.get(esco) === chain) this.chains.delete(esco);
    }), 'emlite sweep chain cleanup');
    return { sweepId, done };
  }

  /** The running or last finished sweep of the ESCO. */
  status(esco: string): SweepStatus | null {
    return this.last.get(esco) ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
  }

  private async run(esco: string, sweepId: string, req: SweepRequest): Promise<SweepStatus> {
    const { db, logger } = this.deps;
    const frequencies = req.frequencies ?? [];
    const syncers = req.syncers ?? (frequencies.length ? syncersFor(await emliteRepo.listMetrics(db.sql), frequencies) : await emliteRepo.enabledSyncers(db.sql));
    const meters = syncers.length ? await emliteRepo.activeEmliteMeters(db.sql, esco) : [];
    const status: SweepStatus = {
      sweepId, esco, trigger: req.trigger ?? 'manual', frequencies, syncers, state: 'running',
      startedAt: this.iso(), finishedAt: null, total: meters.length, done: 0, healthy: 0, unhealthy: 0, skipped: 0, failures: [],
    };
    this.last.set(esco, status);
    this.publish(status, 'started');
    let lastProgress = Date.now();

    const record = (meterId: string, r: Reply<SyncResult>) => {
      status.done++;
      if ('data' in r && r.data.health === 'healthy') status.healthy++;
      else if (('data' in r && r.data.health === 'skipped') || ('error' in r && r.error.code === ErrorCode.NOT_FOUND)) status.skipped++;
      else {
        status.unhealthy++;
        const details = 'data' in r ? r.data.healthDetails : `${r.error.code}: ${r.error.message}`;
        if (status.failures.length < MAX_LISTED_FAILURES) status.failures.push({ meterId, details });
      }
      if (Date.now() - lastProgress >= this.opts.progressEveryMs) {
        lastProgress = Date.now();
        this.publish(status, 'progress');
      }
    };

    const byMediator = new Map<string, string[]>();
    for (const m of meters) {
      const key = m.mediatorAddress ?? '';
      const ids = byMediator.get(key);
      if (ids) ids.push(m.id);
      else byMediator.set(key, [m.id]);
    }
    const syncOne = async (meterId: string) => {
      const r = await this.deps.meters.ask<SyncResult>(meterId, (reply) => ({ type: 'sync', syncers, sweepId, reply }), this.opts.meterTimeoutMs);
      record(meterId, r);
    };
    await Promise.all([...byMediator.values()].map((ids) => inWindow(ids, this.opts.windowPerMediator, syncOne, () => this.stopped)));

    status.state = 'finished';
    status.finishedAt = this.iso();
    this.publish(status, 'finished');
    logger.info({ esco, sweepId, total: status.total, healthy: status.healthy, unhealthy: status.unhealthy, skipped: status.skipped }, 'emlite sweep finished');
    return { ...status, failures: [...status.failures] };
  }

  private publish(s: SweepStatus, phase: EscoSyncEvent['phase']): void {
    const evt: EscoSyncEvent = {
      id: `${s.sweepId}:${phase}:${s.done}`, at: this.iso(), esco: s.esco, sweepId: s.sweepId, phase,
      total: s.total, done: s.done, healthy: s.healthy, unhealthy: s.unhealthy,
    };
    this.deps.bus.publish(this.deps.subjects.evtEscoSync(s.esco), evt);
  }

  private iso(): string {
    return new Date(this.deps.now()).toISOString();
  }
}

/** Runs `f` over `items` with at most `window` at once (workers pulling from one list). */
async function inWindow<T>(items: readonly T[], window: number, f: (item: T) => Promise<void>, stop: () => boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) await f(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
}

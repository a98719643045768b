import type { Notifiers } from '../adapters/notify';
import type { UnsolicitedReport } from '../adapters/meters/types';
import { ErrorCode, GridtwinError } from '../core/errors';
import { SOLE, Scheduler, type JobContext } from '../core/scheduler';
import { assertSubjectSafeId, newId } from '../core/ids';
import { unwrap } from '../core/reply';
import { batchesRepo, commissioningsRepo, existenceBatcher, interactionsRepo, missingMeterIds, registryRepo } from '../persistence';
import { batchBehaviour, type BatchMsg, type BatchView, type CreateBatchRequest } from './batch/BatchExecutionActor';
import { commissioningBehaviour, type CommissioningMsg, type CommissioningStep, type CommissioningView } from './commissioning/CommissioningActor';
import type { RuntimeDeps } from './deps';
import { EffectsRunner } from './effects/EffectsRunner';
import { followChanges } from './changeFeed';
import type { ActorHost, HostOptions } from './host';
import { ActorSystem } from './kinds';
import { followUpKey } from './meter/cascade/FollowUps';
import { meterBehaviour } from './meter/MeterActor';
import type { CreateResult, MeterMsg } from './meter/messages';
import type { IssueOp, IssueResult } from './meter/decide/Issues';
import { parseCreateInteraction } from './meter/rules/params';
import type { MeterState } from './meter/state';
import { interactionView, type MeterView } from './meter/views';
import type { InteractionView } from '../core/events';

export interface RuntimeOptions {
  /**
   * Where an unsolicited report for a meter goes. Default: that meter's actor here. A cluster node sends it
   * to the meter's partition owner instead (every node's driver may hear the same uplink; the owner keeps one).
   */
  deliverReport?: (meterId: string, report: UnsolicitedReport) => void;
  /** Cascade sinks: order webhook (step 5), Telegram, READ_REPORT analytics. Absent sinks are skipped. */
  sinks?: Notifiers;
  /** Register the periodic reconcile tick (deadlines, TTLs, twin reconciliation, outbox sweep). Default true. */
  autorun?: boolean;
  /** The node's scheduler (started by its owner); default: one of the runtime's own, started at once for a sole node. */
  scheduler?: Scheduler;
  /** The node's actor system (stopped by its owner); default: one of the runtime's own. */
  system?: ActorSystem;
  /** Follow rows other services write directly (LISTEN gridtwin_changes). Default true. */
  changeFeed?: boolean;
}

/**
 * The meter side of a node: the meter, batch and commissioning kinds of the node's actor system (one kind
 * supervisor each); device actors are spawned under them on first message.
 */
export function startRuntime(deps: RuntimeDeps, opts: RuntimeOptions = {}) {
  const ownSystem = opts.system ? null : new ActorSystem();
  const system = opts.system ?? ownSystem!;
  const hostOpts = (kind: 'meter' | 'batch' | 'commissioning'): Omit<HostOptions, 'kind'> => {
    const known = existenceBatcher(() => deps.db.sql, kind);
    return {
      passivateAfterMs: deps.config.actors.passivateAfterMs, askTimeoutMs: deps.config.actors.askTimeoutMs, logger: deps.logger, metrics: deps.metrics,
      maxLive: deps.config.actors.maxLive, exists: (id) => known.submit(id),
    };
  };

  // Hosts reference each other through these late-bound handles.
  const handles: { meters?: ActorHost<MeterState, MeterMsg>; batches?: ActorHost<unknown, BatchMsg>; commissionings?: ActorHost<null, CommissioningMsg> } = {};
  const effects = new EffectsRunner(deps, {
    recountBatch: (batchId, outboxId) => handles.batches!.tell(batchId, { type: 'recount', interactionId: '', final: false, outboxId }),
    commissioning: (p, view, outboxId) =>
      handles.commissionings!.tell(p.commissioningId, p.mode === 'advance' ? { type: 'advance', interactionId: view.id, status: view.status, outboxId } : { type: 'resume', outboxId }),
    createFollowUp: async (meterId, type, originId) => {
      unwrap(await handles.meters!.ask<CreateResult>(meterId, (reply) => ({
        type: 'create', req: { type, params: {}, idempotencyKey: followUpKey(originId, type) }, opts: { followUpOf: originId }, reply,
      })));
    },
  }, opts.sinks ?? {});

  const meters: ActorHost<MeterState, MeterMsg> = system.host('meter', meterBehaviour(deps, effects, (id) => (m) => meters.tell(id, m)), hostOpts('meter'));
  const batches: ActorHost<unknown, BatchMsg> = system.host('batch', batchBehaviour(deps, effects, (id) => (m) => batches.tell(id, m)) as never, hostOpts('batch'));
  const commissionings: ActorHost<null, CommissioningMsg> = system.host('commissioning', commissioningBehaviour(deps, effects, {
    release: async (meterId, interactionId) => unwrap(await meters.ask<InteractionView | null>(meterId, (reply) => ({ type: 'release', interactionId, reply }))),
    abortSiblings: async (meterId, commissioningId, reason) => unwrap(await meters.ask<number>(meterId, (reply) => ({ type: 'abortCommissioningSiblings', commissioningId, reason, reply }))),
  }), hostOpts('commissioning'));
  Object.assign(handles, { meters, batches, commissionings });

  const deliverReport = opts.deliverReport ?? ((id: string, r: UnsolicitedReport) => meters.tell(id, { type: 'unsolicited', report: r }));
  const stopUnsolicited = deps.driver.onUnsolicited((report) => {
    registryRepo.findMeterIdByExternalReference(deps.db.sql, report.meterExternalReference).then(
      (meterId) => {
        if (meterId) deliverReport(meterId, report);
        else deps.logger.warn({ ref: report.meterExternalReference, type: report.type }, 'unsolicited report from an unknown meter');
      },
      (e: unknown) => deps.logger.warn({ ref: report.meterExternalReference, err: (e as Error).message }, 'unsolicited report dropped: cannot find its meter'),
    );
  });

  // Rows other services write directly reach the live actors (issue 13); gridtwin's own writes are not announced.
  const stopFeed = opts.changeFeed === false
    ? Promise.resolve(async () => undefined)
    : followChanges({
        db: deps.db, logger: deps.logger, live: () => meters.ids(),
        reload: (ids) => { for (const id of ids) meters.tell(id, { type: 'worldChanged' }); },
      }).catch((e: unknown) => {
        deps.logger.error({ err: (e as Error).message }, 'change feed could not start: rows written by other services reach an actor only when it reloads');
        return async () => undefined;
      });

  /**
   * One round: tick the live meters this node owns and those with due work (a tick never keeps an actor alive),
   * then sweep the outbox of the owned partitions. Rounds never overlap (issue 11, defect 3): the scheduler's rule.
   */
  const tick = async (ctx: Pick<JobContext, 'owns' | 'partitions'> = { owns: SOLE.owns, partitions: null }) => {
    const waiting = await interactionsRepo.meterIdsNeedingAttention(deps.db.sql).catch((e: unknown) => {
      deps.logger.warn({ err: (e as Error).message }, 'tick: cannot list meters with due work');
      return [] as string[];
    });
    for (const id of new Set([...meters.ids(), ...waiting])) if (ctx.owns(id)) meters.nudge(id, { type: 'tick' });
    await effects.sweep(ctx.partitions ? { partitions: ctx.partitions } : {}).catch((e: unknown) => deps.logger.warn({ err: (e as Error).message }, 'outbox sweep failed'));
  };
  const ownScheduler = opts.scheduler ? null : new Scheduler({ logger: deps.logger });
  const scheduler = opts.scheduler ?? ownScheduler!;
  if (opts.autorun !== false) {
    scheduler.add({ name: 'meters.reconcile', everyMs: deps.config.interactions.reconcileEveryMs, run: tick });
    scheduler.add({ name: 'outbox.sweep-at-start', once: true, run: (ctx) => effects.sweep(ctx.partitions ? { partitions: ctx.partitions } : {}) });
  }
  ownScheduler?.start();

  const api = {
    meters, batches, commissionings, effects, tick,

    async createInteraction(meterId: string, body: unknown): Promise<CreateResult> {
      assertSubjectSafeId(meterId, 'meterId');
      const req = parseCreateInteraction(body);
      return unwrap(await meters.ask<CreateResult>(meterId, (reply) => ({ type: 'create', req, reply })));
    },
    /** An unsolicited report for a meter, handled by its actor on this node. */
    async report(meterId: string, report: UnsolicitedReport): Promise<{ accepted: true }> {
      assertSubjectSafeId(meterId, 'meterId');
      meters.tell(meterId, { type: 'unsolicited', report });
      return { accepted: true };
    },
    /** Uplink ingestion addressed by the meter's external reference (devEUI or serial). */
    async meterIdOfReport(report: UnsolicitedReport): Promise<string> {
      const meterId = await registryRepo.findMeterIdByExternalReference(deps.db.sql, report.meterExternalReference);
      if (!meterId) throw new GridtwinError(ErrorCode.NOT_FOUND, `no meter has external reference or serial ${report.meterExternalReference}`);
      return meterId;
    },
    /** Opens or closes an issue of a meter through its actor (the cascade's auto-close sees it at once). */
    async changeIssue(meterId: string, op: IssueOp): Promise<IssueResult> {
      assertSubjectSafeId(meterId, 'meterId');
      return unwrap(await meters.ask<IssueResult>(meterId, (reply) => ({ type: 'issue', op, reply })));
    },
    async getMeter(meterId: string): Promise<MeterView> {
      assertSubjectSafeId(meterId, 'meterId');
      return unwrap(await meters.ask<MeterView>(meterId, (reply) => ({ type: 'get', reply })));
    },
    async setDesired(meterId: string, desired: Record<string, unknown>): Promise<MeterView> {
      assertSubjectSafeId(meterId, 'meterId');
      return unwrap(await meters.ask<MeterView>(meterId, (reply) => ({ type: 'setDesired', desired, reply })));
    },
    async getInteraction(id: string): Promise<InteractionView> {
      assertSubjectSafeId(id, 'interactionId');
      const i = await interactionsRepo.get(deps.db.sql, id);
      if (!i) throw new GridtwinError(ErrorCode.NOT_FOUND, `interaction ${id} not found`);
      return interactionView(i, await registryRepo.gridIdOfMeter(deps.db.sql, i.meterId));
    },
    async abortInteraction(id: string, reason = 'aborted by request'): Promise<InteractionView> {
      assertSubjectSafeId(id, 'interactionId');
      const i = await interactionsRepo.get(deps.db.sql, id);
      if (!i) throw new GridtwinError(ErrorCode.NOT_FOUND, `interaction ${id} not found`);
      return unwrap(await meters.ask<InteractionView>(i.meterId, (reply) => ({ type: 'abort', interactionId: id, reason, reply })));
    },
    async createCommissioning(meterId: string, steps: CommissioningStep[]): Promise<CommissioningView> {
      assertSubjectSafeId(meterId, 'meterId');
      for (const s of steps) parseCreateInteraction({ type: s.type, params: s.params });
      if (!(await registryRepo.loadMeterContext(deps.db.sql, meterId))) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${meterId} not found`);
      const id = newId();
      await deps.db.tx((sql) => commissioningsRepo.create(sql, { id, meterId, steps }));
      meters.tell(meterId, { type: 'worldChanged' });
      // Every step is recorded (DEFERRED) before the first may run, so the flow always sees all its steps.
      const created: CreateResult[] = [];
      for (const s of steps) {
        created.push(unwrap(await meters.ask<CreateResult>(meterId, (reply) => ({
          type: 'create', req: { type: s.type, params: s.params }, opts: { commissioningId: id, fromCommissioning: true, deferred: true }, reply,
        }))));
      }
      const first = unwrap(await meters.ask<InteractionView | null>(meterId, (reply) => ({ type: 'release', interactionId: created[0]!.id, reply })));
      if (first && first.status !== 'DEFERRED') await commissioningsRepo.setStatus(deps.db.sql, id, ['PENDING'], 'PROCESSING');
      return (await commissioningsRepo.get(deps.db.sql, id))!;
    },
    async getCommissioning(id: string): Promise<CommissioningView> {
      assertSubjectSafeId(id, 'commissioningId');
      return unwrap(await commissionings.ask<CommissioningView>(id, (reply) => ({ type: 'get', reply })));
    },
    async createBatch(req: CreateBatchRequest): Promise<BatchView & { interactions: CreateResult[] }> {
      for (const m of req.meterIds) assertSubjectSafeId(m, 'meterId');
      parseCreateInteraction({ type: req.type, params: req.params });
      await refuseMissingMeters(deps, req.meterIds);
      const id = newId();
      await batchesRepo.create(deps.db.sql, { id, organizationId: req.organizationId ?? null, type: req.type, total: req.meterIds.length });
      const results = await Promise.all(req.meterIds.map((m) => meters.ask<CreateResult>(m, (reply) => ({
        type: 'create', req: { type: req.type, params: req.params, batchExecutionId: id }, reply,
      }))));
      const interactions = results.map((r) => ('data' in r ? r.data : null)).filter((x): x is CreateResult => x !== null);
      batches.tell(id, { type: 'recount', interactionId: '', final: false });
      return { ...(await batchesRepo.get(deps.db.sql, id))!, interactions };
    },
    async getBatch(id: string): Promise<BatchView> {
      assertSubjectSafeId(id, 'batchId');
      return unwrap(await batches.ask<BatchView>(id, (reply) => ({ type: 'get', reply })));
    },
    /** A grid or gateway changed: the meters concerned re-judge their suspended work. */
    notifyWorldChanged(meterIds: string[]) {
      for (const id of meterIds) meters.tell(id, { type: 'worldChanged' });
    },
    async stop() {
      await ownScheduler?.stop();
      stopUnsolicited();
      await (await stopFeed)();
      effects.stop();
      ownSystem?.stop();
    },
  };
  return api;
}
export type Runtime = ReturnType<typeof startRuntime>;

/**
 * A batch names only meters that exist (issue 11, defect 8): otherwise it is refused as a whole, before
 * anything is written, with every missing id listed — not accepted and ended SUCCESSFUL with 0 of n.
 */
export async function refuseMissingMeters(deps: Pick<RuntimeDeps, 'db'>, meterIds: string[]): Promise<void> {
  const missing = await missingMeterIds(deps.db.sql, [...new Set(meterIds)]);
  if (missing.length) {
    throw new GridtwinError(ErrorCode.NOT_FOUND, `${missing.length} of ${new Set(meterIds).size} meters not found`, {
      details: { missingMeterIds: missing.slice(0, 1_000), missingCount: missing.length },
    });
  }
}

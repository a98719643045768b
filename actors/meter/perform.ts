import { ErrorCode, GridtwinError } from '../../core/errors';
import { emliteRepo, insertBatcher, interactionsRepo, issuesRepo, outcomeBatcher, processingBatcher, registryRepo, type Database, type GroupCommitOptions } from '../../persistence';
import type { RuntimeDeps } from '../deps';
import type { EffectsRunner } from '../effects/EffectsRunner';
import type { DriverCalls } from './driverCalls';
import { fuseAcceptAndSend, type Decision, type Effect } from './effects';
import { publishInteraction, publishMeterState } from './events';
import type { MeterMsg } from './messages';
import type { Loaded } from './state';
import { runSync } from './sync/runSync';

/** Statement batchers of one runtime: the same kind of write from many meters in one group commit window is one statement. */
export function meterWrites(db: Database, opts: Partial<GroupCommitOptions>) {
  return { insert: insertBatcher(() => db.sql, opts), toProcessing: processingBatcher(() => db.sql, opts), commit: outcomeBatcher(() => db.sql, opts) };
}
export type MeterWrites = ReturnType<typeof meterWrites>;

/** What `perform` acts with: the runtime's dependencies, the outbox runner, driver calls, write batchers, and this actor's mailbox. */
export interface MeterEnv extends RuntimeDeps {
  effects: EffectsRunner;
  calls: DriverCalls;
  writes: MeterWrites;
  self: (msg: MeterMsg) => void;
}

const conflict = (what: string) => new GridtwinError(ErrorCode.CONFLICT, what);

/**
 * The only place a meter acts: runs a decision's effects in order and returns its state. A write that
 * loses its fence throws CONFLICT: the actor crashes, resets and reloads from the database (its state
 * would no longer match it). Results of detached work (driver calls, syncs) come back as messages.
 */
export async function perform(d: Decision, env: MeterEnv): Promise<Loaded> {
  for (const e of fuseAcceptAndSend(d.effects)) await performOne(e, d.state, env);
  return d.state;
}

async function performOne(e: Effect, s: Loaded, env: MeterEnv): Promise<void> {
  const sql = env.db.sql;
  switch (e.kind) {
    case 'insert':
      // Null: this meter's key was inserted between the look-up and this insert (only a second owner of the meter, e.g. during
      // a cluster failover, can do that: the actor serialises its own).
      if (!(await env.writes.insert.submit(e.row))) {
        throw new GridtwinError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'this idempotency key was used for a different request', { details: { idempotencyKey: e.row.idempotencyKey } });
      }
      return;
    case 'join':
      if (e.batchId) await interactionsRepo.linkBatch(sql, e.interactionId, e.batchId);
      if (e.alias) await interactionsRepo.addIdempotencyAlias(sql, s.id, e.alias.key, e.interactionId, e.alias.hash);
      return;
    case 'transition': {
      const moved = e.to === 'PROCESSING' && e.from.length === 1 && e.from[0] === 'QUEUED' && e.deadlineAt
        ? await env.writes.toProcessing.submit({ id: e.id, deadlineAt: e.deadlineAt })
        : await interactionsRepo.transition(sql, e.id, e.from, e.to, { failureReason: e.failureReason, deadlineAt: e.deadlineAt });
      if (!moved) throw conflict(`interaction ${e.id} is no longer ${e.from.join('/')}`);
      return;
    }
    case 'commit': {
      const t0 = performance.now();
      const written = await env.writes.commit.submit({ ...e.commit, claim: env.effects.outboxClaim });
      env.metrics.cascadeStepSeconds.observe({ step: 'writeMeter' }, (performance.now() - t0) / 1000);
      if ('conflict' in written) throw conflict(written.conflict);
      const { meterRowVersion, outbox } = written;
      if (meterRowVersion !== e.expectRowVersion) throw conflict(`meter ${s.id} is at row version ${meterRowVersion}, expected ${e.expectRowVersion}`);
      env.effects.run(outbox, e.view);
      return;
    }
    case 'setDesired':
      if ((await registryRepo.setDesired(sql, s.id, e.desired, e.fromRowVersion)) === undefined) throw conflict('meter changed under its actor');
      return;
    case 'changeIssue': {
      const { op } = e;
      const result = op.action === 'open'
        ? await env.db.tx((tx) => issuesRepo.open(tx, { id: e.newIssueId, meterId: s.id, gridId: e.gridId, type: op.issueType, details: op.details }))
          .then((r) => ({ issue: r.issue, changed: r.created }))
        : await issuesRepo.close(sql, s.id, op.issueId).then((r) => (r ? { issue: r.issue, changed: r.closed } : undefined));
      env.self({ type: 'issueChanged', op, result, reply: e.reply as never });
      return;
    }
    case 'openIssue':
      await registryRepo.openIssue(sql, e.issue);
      env.logger.warn({ meterId: s.id, type: e.issue.type }, 'reconcile: meter keeps refusing; issue opened');
      return;
    case 'publishInteraction':
      publishInteraction(env, e.view);
      return;
    case 'publishMeterState':
      publishMeterState(env, e.event);
      return;
    case 'send':
      env.calls.send(e.cmd, (interactionId, outcome) => env.self({ type: 'driverReplied', interactionId, outcome }));
      return;
    case 'settled':
      env.calls.settled(e.interactionId);
      return;
    case 'startSync':
      runSync(env, s.id, e.req).then(
        (run) => env.self({ type: 'syncFinished', runId: e.runId, req: e.req, run }),
        (err: unknown) => env.self({ type: 'syncFinished', runId: e.runId, req: e.req, run: { kind: 'refused', error: new GridtwinError(ErrorCode.INTERNAL, String(err)) } }),
      );
      return;
    case 'commitSync':
      await emliteRepo.commitSync(sql, e.commit); // one statement: shadow, history and intervals commit together
      return;
    case 'markUnhealthy':
      await emliteRepo.markUnhealthy(sql, s.id, e.details, e.at);
      return;
    case 'runOutbox':
      await env.effects.resume(e.rows);
      return;
    case 'tellSelf':
      env.self(e.msg);
      return;
    case 'count':
      if (e.status === 'COALESCED') env.metrics.coalescedInteractions.inc();
      else env.metrics.interactionsByStatus.inc({ type: e.type, status: e.status });
      return;
    case 'reply':
      e.reply?.({ data: e.data });
      return;
    case 'refuse':
      e.reply?.({ error: e.error.toJSON() });
      return;
    default: {
      const never: never = e;
      throw new GridtwinError(ErrorCode.INTERNAL, `unknown meter effect ${(never as { kind: string }).kind}`);
    }
  }
}

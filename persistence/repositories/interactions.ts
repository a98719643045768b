import type { InteractionStatus } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import type { Sql } from '../db';
import { STATUS_TIMESTAMP_COLUMN, toInteractionRow, toOutboxRow, type InteractionRow, type OutboxRow } from '../rows';

export interface NewInteraction {
  id: string;
  meterId: string;
  type: InteractionRow['type'];
  status: InteractionStatus;
  params: Record<string, unknown>;
  targetValue?: unknown;
  failureReason?: string | null;
  orderId?: string | null;
  batchExecutionId?: string | null;
  meterCommissioningId?: string | null;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  skipWebsocketEmission?: boolean;
  followUpOf?: string | null;
  coalescedInto?: string | null;
  expiresAt?: string | null;
  resultValue?: unknown;
  /** Inserted already PROCESSING (accepted and sent in the same turn): its deadline, and that it was QUEUED first. */
  deadlineAt?: string | null;
  queued?: boolean;
}

const SELECT = `select i.*, (select coalesce(json_agg(b.batch_execution_id order by b.batch_execution_id), '[]'::json) from batch_interactions b where b.interaction_id = i.id) as batch_ids from meter_interactions i`;

/** Meter columns a cascade may write, camelCase → column. The one whitelist for dynamic updates. */
const METER_COLUMNS: Record<string, string> = {
  isOn: 'is_on', isOnUpdatedAt: 'is_on_updated_at', powerLimit: 'power_limit', powerLimitUpdatedAt: 'power_limit_updated_at',
  powerLimitShouldBe: 'power_limit_should_be', kwhCreditAvailable: 'kwh_credit_available',
  kwhCreditAvailableUpdatedAt: 'kwh_credit_available_updated_at', balanceInLocalCurrency: 'balance_in_local_currency',
  balanceInLocalCurrencyUpdatedAt: 'balance_in_local_currency_updated_at', version: 'version', versionUpdatedAt: 'version_updated_at',
  lastSeenAt: 'last_seen_at', connectionMetrics: 'connection_metrics', connectionMetricsUpdatedAt: 'connection_metrics_updated_at',
  dcuId: 'dcu_id', lastEncounteredIssueId: 'last_encountered_issue_id', desired: 'desired', shadowMetadata: 'shadow_metadata',
  lastCommissioningId: 'last_commissioning_id',
};
const JSON_COLUMNS = new Set(['connection_metrics', 'desired', 'shadow_metadata']);
/** SQL type of each writable meter column that is not JSON (for values read out of a jsonb patch). */
const METER_COLUMN_TYPES: Record<string, string> = {
  is_on: 'boolean', power_limit: 'integer', power_limit_should_be: 'integer', kwh_credit_available: 'numeric',
  balance_in_local_currency: 'numeric', version: 'text', dcu_id: 'text', last_encountered_issue_id: 'text', last_commissioning_id: 'text',
};
/** For many meters at once: each column takes the patch's value when the patch names it, else keeps its own. */
const METER_SET_FROM_PATCH = Object.entries(METER_COLUMNS).map(([k, col]) => {
  const value = JSON_COLUMNS.has(col) ? `x.patch->'${k}'` : `(x.patch->>'${k}')::${METER_COLUMN_TYPES[col] ?? 'timestamptz'}`;
  return `${col} = case when x.patch->'${k}' is not null then ${value} else m.${col} end`;
}).join(',\n         ');
const FINAL_TIMESTAMPS = (['SUCCESSFUL', 'FAILED', 'ABORTED', 'SUPERSEDED', 'EXPIRED'] as const)
  .map((st) => `${STATUS_TIMESTAMP_COLUMN[st]} = case when x.status = '${st}' then now() else mi.${STATUS_TIMESTAMP_COLUMN[st]} end`).join(', ');

/** One outcome of a group commit: written, or refused by its own fence (the others are unaffected). */
export type OutcomeWritten = { meterRowVersion: number; outbox: OutboxRow[] } | { conflict: string };

function meterSet(patch: Record<string, unknown>): { set: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [k, v] of Object.entries(patch)) {
    const col = METER_COLUMNS[k];
    if (!col) throw new GridtwinError(ErrorCode.INTERNAL, `meter column not writable: ${k}`);
    parts.push(JSON_COLUMNS.has(col) ? `${col} = ?::jsonb` : `${col} = ?`);
    params.push(JSON_COLUMNS.has(col) ? JSON.stringify(v) : v);
  }
  return { set: parts.join(', '), params };
}

/** Who claims outbox rows, and for how long (the claim expires so a dead claimer's rows are taken again). */
export interface OutboxClaim {
  claimer: string;
  leaseMs: number;
}

export interface OutcomeCommit {
  interactionId: string;
  fromStatuses: InteractionStatus[];
  status: InteractionStatus;
  resultValue?: unknown;
  failureReason?: string | null;
  meterId: string;
  meterRowVersion: number;
  meterPatch: Record<string, unknown>;
  closeIssueIds: string[];
  outbox: Array<{ step: string; payload?: Record<string, unknown> }>;
  /** The runner about to run the outbox rows claims them as they are written, so no sweep elsewhere runs them too. */
  claim?: OutboxClaim;
}

export const interactionsRepo = {
  /** Null when the meter's idempotency key is taken (atomic: two inserts racing on one meter's key cannot both succeed). */
  async insert(sql: Sql, n: NewInteraction): Promise<InteractionRow | null> {
    const ts = STATUS_TIMESTAMP_COLUMN[n.status];
    const row = await sql.one(
      `insert into meter_interactions(id, meter_id, interaction_type, status, params, target_value, failure_reason, order_id,
         batch_execution_id, meter_commissioning_id, idempotency_key, request_hash, skip_websocket_emission, follow_up_of,
         coalesced_into, expires_at, result_value, deadline_at, ${ts}${n.queued && ts !== 'queued_at' ? ', queued_at' : ''})
       values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, now()${n.queued && ts !== 'queued_at' ? ', now()' : ''})
       on conflict do nothing returning *`,
      [n.id, n.meterId, n.type, n.status, JSON.stringify(n.params), JSON.stringify(n.targetValue ?? null), n.failureReason ?? null,
        n.orderId ?? null, n.batchExecutionId ?? null, n.meterCommissioningId ?? null, n.idempotencyKey ?? null,
        n.requestHash ?? null, n.skipWebsocketEmission ?? false, n.followUpOf ?? null, n.coalescedInto ?? null, n.expiresAt ?? null,
        JSON.stringify(n.resultValue ?? null), n.deadlineAt ?? null],
    );
    if (!row) return null;
    if (n.batchExecutionId) {
      await sql.run(`insert into batch_interactions(batch_execution_id, interaction_id) values (?, ?) on conflict do nothing`, [n.batchExecutionId, n.id]);
    }
    return { ...toInteractionRow(row), batchExecutionIds: n.batchExecutionId ? [n.batchExecutionId] : [] };
  },
  /** Many inserts in one statement (same result per row as `insert`); any failure fails them all. */
  async insertMany(sql: Sql, ns: NewInteraction[]): Promise<Array<InteractionRow | null>> {
    const rows = await sql.all(
      `with x as (
         select * from jsonb_to_recordset(?::jsonb) as x(id text, meter_id text, interaction_type text, status text, params jsonb,
           target_value jsonb, failure_reason text, order_id text, batch_execution_id text, meter_commissioning_id text,
           idempotency_key text, request_hash text, skip_websocket_emission boolean, follow_up_of text, coalesced_into text, expires_at timestamptz,
           result_value jsonb, deadline_at timestamptz, queued boolean, n int)
       ), ins as (
         insert into meter_interactions(id, meter_id, interaction_type, status, params, target_value, failure_reason, order_id,
           batch_execution_id, meter_commissioning_id, idempotency_key, request_hash, skip_websocket_emission, follow_up_of,
           coalesced_into, expires_at, result_value, deadline_at, queued_at, suspended_at, deferred_at, processing_at, superseded_at)
         select id, meter_id, interaction_type, status, params, target_value, failure_reason, order_id, batch_execution_id,
           meter_commissioning_id, idempotency_key, request_hash, skip_websocket_emission, follow_up_of, coalesced_into, expires_at, result_value,
           deadline_at, case when status = 'QUEUED' or queued then now() end, case when status = 'SUSPENDED' then now() end,
           case when status = 'DEFERRED' then now() end, case when status = 'PROCESSING' then now() end,
           case when status = 'SUPERSEDED' then now() end
           from x order by n
         on conflict do nothing
         returning *
       ), link as (
         insert into batch_interactions(batch_execution_id, interaction_id)
         select batch_execution_id, id from ins where batch_execution_id is not null on conflict do nothing
       )
       select * from ins`,
      [JSON.stringify(ns.map((n, i) => ({
        id: n.id, meter_id: n.meterId, interaction_type: n.type, status: n.status, params: n.params, target_value: n.targetValue ?? null,
        failure_reason: n.failureReason ?? null, order_id: n.orderId ?? null, batch_execution_id: n.batchExecutionId ?? null,
        meter_commissioning_id: n.meterCommissioningId ?? null, idempotency_key: n.idempotencyKey ?? null, request_hash: n.requestHash ?? null,
        skip_websocket_emission: n.skipWebsocketEmission ?? false, follow_up_of: n.followUpOf ?? null, coalesced_into: n.coalescedInto ?? null, expires_at: n.expiresAt ?? null,
        result_value: n.resultValue ?? null, deadline_at: n.deadlineAt ?? null, queued: n.queued ?? false, n: i,
      })))],
    );
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    return ns.map((n) => {
      const r = byId.get(n.id);
      return r ? { ...toInteractionRow(r), batchExecutionIds: n.batchExecutionId ? [n.batchExecutionId] : [] } : null;
    });
  },
  async linkBatch(sql: Sql, interactionId: string, batchId: string) {
    await sql.run(`insert into batch_interactions(batch_execution_id, interaction_id) values (?, ?) on conflict do nothing`, [batchId, interactionId]);
    await sql.run(`update meter_interactions set joined_count = joined_count + 1, updated_at = now() where id = ?`, [interactionId]);
  },
  async get(sql: Sql, id: string): Promise<InteractionRow | undefined> {
    const r = await sql.one(`${SELECT} where i.id = ?`, [id]);
    return r ? toInteractionRow(r) : undefined;
  },
  /** An interaction with its meter's grid (the grid its events are published on). */
  async getWithGridId(sql: Sql, id: string): Promise<{ interaction: InteractionRow; gridId: string | null } | undefined> {
    const r = await sql.one<Record<string, unknown>>(
      `${SELECT} left join meters gm on gm.id = i.meter_id where i.id = ?`.replace('select i.*,', 'select i.*, gm.grid_id as meter_grid_id,'), [id]);
    return r ? { interaction: toInteractionRow(r), gridId: (r.meter_grid_id as string | null) ?? null } : undefined;
  },
  /**
   * The interaction a key names on this meter: its own key, or the key of a caller coalesced into it (with that
   * caller's hash). Keys are scoped to their meter: another meter's (another organization's) key is never seen here.
   */
  async byIdempotencyKey(sql: Sql, meterId: string, key: string): Promise<InteractionRow | undefined> {
    const r = await sql.one(`${SELECT} where i.meter_id = ? and i.idempotency_key = ?`, [meterId, key]);
    if (r) return toInteractionRow(r);
    const a = await sql.one<Record<string, unknown>>(
      `${SELECT} join interaction_idempotency_aliases a on a.interaction_id = i.id where a.meter_id = ? and a.idempotency_key = ?`
        .replace('select i.*,', 'select i.*, a.request_hash as alias_hash,'), [meterId, key]);
    return a ? { ...toInteractionRow(a), requestHash: String(a.alias_hash) } : undefined;
  },
  async addIdempotencyAlias(sql: Sql, meterId: string, key: string, interactionId: string, requestHash: string) {
    await sql.run(`insert into interaction_idempotency_aliases(meter_id, idempotency_key, interaction_id, request_hash) values (?, ?, ?, ?) on conflict do nothing`,
      [meterId, key, interactionId, requestHash]);
  },
  async recentOfGrid(sql: Sql, gridId: string, limit = 50): Promise<InteractionRow[]> {
    const rows = await sql.all(`${SELECT} join meters m on m.id = i.meter_id where m.grid_id = ? order by i.seq desc limit ?`, [gridId, limit]);
    return rows.map(toInteractionRow);
  },
  /** Moves an interaction between non-terminal statuses; fenced on its current status. */
  async transition(sql: Sql, id: string, from: InteractionStatus[], to: InteractionStatus, fields: { failureReason?: string | null; deadlineAt?: string | null; resultValue?: unknown } = {}): Promise<boolean> {
    const ts = STATUS_TIMESTAMP_COLUMN[to];
    const n = await sql.run(
      `update meter_interactions set status = ?, ${ts} = now(), updated_at = now(), row_version = row_version + 1,
         failure_reason = coalesce(?, failure_reason), deadline_at = coalesce(?::timestamptz, deadline_at),
         result_value = coalesce(?::jsonb, result_value)
       where id = ? and status in (${from.map(() => '?').join(',')})`,
      [to, fields.failureReason ?? null, fields.deadlineAt ?? null, fields.resultValue === undefined ? null : JSON.stringify(fields.resultValue), id, ...from],
    );
    return n === 1;
  },
  /**
   * Cascade steps 1–4 and the outbox rows of steps 5–8 in ONE statement (atomic by itself, one round trip):
   * the meter row is locked at the actor's row version, then the interaction moves (fenced on its status),
   * then the meter, issues and outbox are written only if both fences held. Throws CONFLICT otherwise,
   * having changed nothing.
   */
  async commitOutcome(sql: Sql, c: OutcomeCommit): Promise<{ meterRowVersion: number; outbox: OutboxRow[] }> {
    const ts = STATUS_TIMESTAMP_COLUMN[c.status];
    const { set, params } = meterSet(c.meterPatch);
    const r = await sql.one<{ locked: string; moved: string; rv: number | null; outbox: unknown }>(
      `with lock as (
         select id from meters where id = ? and row_version = ? for update
       ), i as (
         update meter_interactions set status = ?, ${ts} = now(), updated_at = now(), row_version = row_version + 1,
                result_value = ?::jsonb, failure_reason = ?
          where id = ? and status in (${c.fromStatuses.map(() => '?').join(',')}) and exists (select 1 from lock)
          returning id
       ), m as (
         update meters set ${set ? `${set}, ` : ''}row_version = row_version + 1, updated_at = now()
          where id = ? and exists (select 1 from i) returning row_version
       ), c as (
         update issues set status = 'CLOSED', closed_at = now(), closed_by_interaction_id = ?, updated_at = now()
          where status = 'OPEN' and id in (select jsonb_array_elements_text(?::jsonb)) and exists (select 1 from m) returning id
       ), o as (
         insert into cascade_outbox(interaction_id, meter_id, step, payload, claimed_by, next_attempt_at)
         select ?, ?, t.e->>'step', coalesce(t.e->'payload', '{}'::jsonb), ?, now() + (? || ' milliseconds')::interval
           from jsonb_array_elements(?::jsonb) with ordinality as t(e, n)
          where exists (select 1 from m) order by t.n
         on conflict (interaction_id, step) do nothing returning *
       )
       select (select count(*) from lock) as locked, (select count(*) from i) as moved, (select row_version from m) as rv,
              (select count(*) from c) as closed, coalesce((select json_agg(o order by o.id) from o), '[]'::json) as outbox`,
      [
        c.meterId, c.meterRowVersion,
        c.status, JSON.stringify(c.resultValue ?? null), c.failureReason ?? null, c.interactionId, ...c.fromStatuses,
        ...params, c.meterId,
        c.interactionId, JSON.stringify(c.closeIssueIds),
        c.interactionId, c.meterId, c.claim?.claimer ?? null, String(c.claim?.leaseMs ?? 0),
        JSON.stringify(c.outbox.map((o) => ({ step: o.step, payload: o.payload ?? {} }))),
      ],
    );
    if (!r || Number(r.locked) !== 1) throw new GridtwinError(ErrorCode.CONFLICT, `meter ${c.meterId} changed under its actor (row version ${c.meterRowVersion})`);
    if (Number(r.moved) !== 1 || r.rv == null) throw new GridtwinError(ErrorCode.CONFLICT, `interaction ${c.interactionId} is no longer in ${c.fromStatuses.join('/')}`);
    const rows = (typeof r.outbox === 'string' ? JSON.parse(r.outbox) : r.outbox) as Array<Record<string, unknown>>;
    return { meterRowVersion: Number(r.rv), outbox: rows.map(toOutboxRow) };
  },
  /**
   * Group commit: the outcomes of many meters (at most one per meter) as ONE statement, each row fenced by
   * its own meter row version and interaction status exactly as `commitOutcome` fences one; a row whose
   * fence does not hold changes nothing and comes back as a conflict, the others commit. (The cluster's
   * fence trigger raises for the whole statement instead: the caller then commits them one by one.)
   */
  async commitOutcomes(sql: Sql, cs: OutcomeCommit[]): Promise<OutcomeWritten[]> {
    const rows = await sql.all<{ n: number; locked: boolean; moved: boolean; rv: number | null; outbox: unknown }>(
      `with x as (
         select * from jsonb_to_recordset(?::jsonb) as x(n int, interaction_id text, from_statuses text[], status text, result_value jsonb,
           failure_reason text, meter_id text, meter_rv int, patch jsonb, close_issue_ids text[], outbox jsonb, claimer text, lease_ms bigint)
       ), lock as (
         select m.id from meters m join x on x.meter_id = m.id and m.row_version = x.meter_rv order by m.id for update of m
       ), i as (
         update meter_interactions mi set status = x.status, ${FINAL_TIMESTAMPS}, updated_at = now(), row_version = mi.row_version + 1,
                result_value = x.result_value, failure_reason = x.failure_reason
           from x where mi.id = x.interaction_id and mi.status = any(x.from_statuses) and x.meter_id in (select id from lock)
         returning mi.id
       ), m as (
         update meters m set ${METER_SET_FROM_PATCH},
                row_version = m.row_version + 1, updated_at = now()
           from x where m.id = x.meter_id and x.interaction_id in (select id from i)
         returning m.id, m.row_version
       ), c as (
         update issues set status = 'CLOSED', closed_at = now(), closed_by_interaction_id = x.interaction_id, updated_at = now()
           from x where issues.status = 'OPEN' and issues.id = any(x.close_issue_ids) and x.meter_id in (select id from m) returning issues.id
       ), o as (
         insert into cascade_outbox(interaction_id, meter_id, step, payload, claimed_by, next_attempt_at)
         select x.interaction_id, x.meter_id, t.e->>'step', coalesce(t.e->'payload', '{}'::jsonb), x.claimer, now() + make_interval(secs => x.lease_ms / 1000.0)
           from x cross join lateral jsonb_array_elements(x.outbox) with ordinality as t(e, k)
          where x.meter_id in (select id from m) order by x.n, t.k
         on conflict (interaction_id, step) do nothing returning *
       )
       select x.n, exists (select 1 from lock where lock.id = x.meter_id) as locked, exists (select 1 from i where i.id = x.interaction_id) as moved,
              (select m.row_version from m where m.id = x.meter_id) as rv, (select count(*) from c) as closed,
              coalesce((select json_agg(o order by o.id) from o where o.interaction_id = x.interaction_id), '[]'::json) as outbox
         from x order by x.n`,
      [JSON.stringify(cs.map((c, n) => ({
        n, interaction_id: c.interactionId, from_statuses: c.fromStatuses, status: c.status, result_value: c.resultValue ?? null,
        failure_reason: c.failureReason ?? null, meter_id: c.meterId, meter_rv: c.meterRowVersion, patch: c.meterPatch,
        close_issue_ids: c.closeIssueIds, outbox: c.outbox.map((o) => ({ step: o.step, payload: o.payload ?? {} })),
        // Claimed by the runner that wrote them, as `commitOutcome` does: a sweep never takes a step its writer is running.
        claimer: c.claim?.claimer ?? null, lease_ms: c.claim?.leaseMs ?? 0,
      })))],
    );
    return rows.map((r, k): OutcomeWritten => {
      const c = cs[k]!;
      if (!r.locked) return { conflict: `meter ${c.meterId} changed under its actor (row version ${c.meterRowVersion})` };
      if (!r.moved || r.rv == null) return { conflict: `interaction ${c.interactionId} is no longer in ${c.fromStatuses.join('/')}` };
      const outbox = (typeof r.outbox === 'string' ? JSON.parse(r.outbox) : r.outbox) as Array<Record<string, unknown>>;
      return { meterRowVersion: Number(r.rv), outbox: outbox.map(toOutboxRow) };
    });
  },
  /**
   * Claims these rows for `claimer` if still PENDING (issue 11, defect 10): one UPDATE re-checks each row's status
   * under its row lock, so a row completed a moment ago is never returned; `next_attempt_at` becomes the claim's
   * expiry. Used when an actor rehydrates after a crash (it claims what it found, whoever held it).
   */
  async claimOutboxRows(sql: Sql, ids: number[], claim: OutboxClaim): Promise<OutboxRow[]> {
    return (await sql.all(
      `update cascade_outbox o set claimed_by = ?, next_attempt_at = now() + (? || ' milliseconds')::interval
        where o.id in (select id from cascade_outbox where id in (select (jsonb_array_elements_text(?::jsonb))::bigint) and status = 'PENDING'
                        order by id for update skip locked)
          and o.status = 'PENDING'
       returning o.*`,
      [claim.claimer, String(claim.leaseMs), JSON.stringify(ids)],
    )).map(toOutboxRow).sort((a, b) => a.id - b.id);
  },
  /** Claims rows that are due (never run, failed and backed off, or a claim that expired), oldest first. */
  async claimDueOutbox(sql: Sql, claim: OutboxClaim & { limit: number; partitions?: { count: number; owned: number[] } }): Promise<OutboxRow[]> {
    const p = claim.partitions;
    return (await sql.all(
      `update cascade_outbox o set claimed_by = ?, next_attempt_at = now() + (? || ' milliseconds')::interval
        where o.id in (select id from cascade_outbox where status = 'PENDING' and next_attempt_at <= now()
                         ${p ? 'and gridtwin_partition(meter_id, ?) in (select (jsonb_array_elements_text(?::jsonb))::int)' : ''}
                        order by id limit ? for update skip locked)
          and o.status = 'PENDING'
       returning o.*`,
      [claim.claimer, String(claim.leaseMs), ...(p ? [p.count, JSON.stringify(p.owned)] : []), claim.limit],
    )).map(toOutboxRow).sort((a, b) => a.id - b.id);
  },
  /** Marks a step done exactly once; false when someone already did. */
  async completeOutbox(sql: Sql, id: number): Promise<boolean> {
    return (await sql.run(`update cascade_outbox set status = 'DONE', done_at = now() where id = ? and status = 'PENDING'`, [id])) === 1;
  },
  /**
   * Meters that need their actor even if it is passivated: open interactions (queued after a restart,
   * overdue in flight, expired reads) or operator intent the meter does not report (meter twin).
   */
  async meterIdsNeedingAttention(sql: Sql, limit = 2_000): Promise<string[]> {
    const rows = await sql.all<{ id: string }>(
      `select distinct meter_id as id from meter_interactions
        where status in ('QUEUED','PROCESSING','VERIFYING') and (status = 'QUEUED' or deadline_at < now())
           or (status in ('QUEUED','SUSPENDED','DEFERRED') and expires_at < now())
       union
       select id from meters
        where (desired->>'relay' is not null and desired->>'relay' is distinct from (case when is_on then 'on' when is_on = false then 'off' end))
           or (desired->>'powerLimitW' is not null and (desired->>'powerLimitW')::int is distinct from power_limit)
       limit ?`, [limit]);
    return rows.map((r) => r.id);
  },
  /** Completes many steps in one statement (the effects runner batches completions). */
  async completeOutboxMany(sql: Sql, ids: number[]): Promise<number> {
    if (!ids.length) return 0;
    return sql.run(`update cascade_outbox set status = 'DONE', done_at = now() where id in (${ids.map(() => '?').join(',')}) and status = 'PENDING'`, ids);
  },
  async retryOutboxLater(sql: Sql, id: number, error: string, delayMs: number) {
    await sql.run(
      `update cascade_outbox set attempts = attempts + 1, last_error = ?, next_attempt_at = now() + (? || ' milliseconds')::interval where id = ? and status = 'PENDING'`,
      [error.slice(0, 500), String(delayMs), id],
    );
  },
  /** Cascade steps still to run, across the fleet (the outbox backlog gauge). */
  async pendingOutboxCount(sql: Sql): Promise<number> {
    return Number((await sql.one<{ n: string }>(`select count(*) as n from cascade_outbox where status = 'PENDING'`))?.n ?? 0);
  },
  async outboxOfInteraction(sql: Sql, interactionId: string) {
    return sql.all<{ step: string; status: string; attempts: number }>(`select step, status, attempts from cascade_outbox where interaction_id = ? order by id`, [interactionId]);
  },
};

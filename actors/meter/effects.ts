import type { DriverCommand } from '../../adapters/meters/types';
import type { InteractionStatus } from '../../core/domain';
import type { InteractionView, MeterStateEvent } from '../../core/events';
import type { GridtwinError } from '../../core/errors';
import type { IssueRow, NewInteraction, OutboxRow, OutcomeCommit, SyncCommit } from '../../persistence';
import type { IssueOp, MeterMsg } from './messages';
import type { Loaded, SyncRequest } from './state';

/**
 * What a decision asks the world to do. `perform` (the only place with I/O) runs them in order; a
 * durable write comes before anything that tells the world about it.
 */
export type Effect =
  /** A new interaction row (durable before the caller hears of it); `live` publishes its status. */
  | { kind: 'insert'; row: NewInteraction & { createdAt: string } }
  /** A caller joined an equal interaction: its batch link and its idempotency key. */
  | { kind: 'join'; interactionId: string; batchId?: string; alias?: { key: string; hash: string } }
  /** A move between open statuses, fenced on the current one; a lost fence is a CONFLICT. */
  | { kind: 'transition'; id: string; from: InteractionStatus[]; to: InteractionStatus; failureReason?: string | null; deadlineAt?: string }
  /** Cascade steps 1–4 with the outbox rows of 5–8; then the outbox runs. `meterRowVersion` is the version it must produce. */
  | { kind: 'commit'; commit: OutcomeCommit; expectRowVersion: number; view: InteractionView }
  | { kind: 'setDesired'; desired: Record<string, unknown>; fromRowVersion: number }
  /** Another service's issue change (open-or-get / close-if-open); the result comes back as `issueChanged`. */
  | { kind: 'changeIssue'; op: IssueOp; newIssueId: string; gridId: string | null; reply: AnyReply | undefined }
  | { kind: 'openIssue'; issue: { id: string; meterId: string; gridId: string | null; type: IssueRow['type']; details?: unknown } }
  /** Live status of an interaction (QUEUED, PROCESSING, VERIFYING); the final one is outbox step 8. */
  | { kind: 'publishInteraction'; view: InteractionView }
  | { kind: 'publishMeterState'; event: MeterStateEvent }
  /** A driver call, not awaited: its outcome comes back as `driverReplied`. */
  | { kind: 'send'; cmd: DriverCommand }
  /** The outcome of this driver call is handled (not handed to a verification read). */
  | { kind: 'settled'; interactionId: string }
  /** Runs the syncers outside the turn; the result comes back as `syncFinished`. */
  | { kind: 'startSync'; runId: string; req: SyncRequest }
  | { kind: 'commitSync'; commit: SyncCommit }
  | { kind: 'markUnhealthy'; details: string; at: string }
  /** Hands a crash-interrupted cascade's outbox rows back to the runner. */
  | { kind: 'runOutbox'; rows: OutboxRow[] }
  | { kind: 'tellSelf'; msg: MeterMsg }
  | { kind: 'count'; type: string; status: InteractionStatus | 'COALESCED' }
  | { kind: 'reply'; reply: AnyReply | undefined; data: unknown }
  | { kind: 'refuse'; reply: AnyReply | undefined; error: GridtwinError };

export type AnyReply = (r: { data: unknown } | { error: ReturnType<GridtwinError['toJSON']> }) => void;

export interface Decision {
  state: Loaded;
  effects: Effect[];
}

export const decided = (state: Loaded, ...effects: Effect[]): Decision => ({ state, effects });

/** Runs a second decision on the state the first left, keeping both effect lists in order. */
export function andThen(d: Decision, next: (s: Loaded) => Decision): Decision {
  const n = next(d.state);
  return { state: n.state, effects: [...d.effects, ...n.effects] };
}

/** The world a decision may look at besides the state: the clock, limits, and which sinks exist. */
export interface DecideEnv {
  now: number;
  limits: { abortWhenNotSeenForMs: number; deferWhenNotSeenForMs: number; processingDeadlineMs: number };
  sinks: { chat: boolean; analytics: boolean };
  newId: () => string;
}

/**
 * Accept-then-final on the hot path: an interaction accepted and sent in the same turn is inserted already
 * PROCESSING (queued_at and processing_at both set, its deadline written) instead of an insert and a
 * QUEUED → PROCESSING move — 2 durable writes per interaction instead of 3. The caller is still answered
 * after the insert, with the QUEUED view it was accepted with, and both live statuses are published.
 */
export function fuseAcceptAndSend(effects: Effect[]): Effect[] {
  const sentNow = new Map<string, string>();
  for (const e of effects) if (e.kind === 'transition' && e.to === 'PROCESSING' && e.deadlineAt && e.from.length === 1 && e.from[0] === 'QUEUED') sentNow.set(e.id, e.deadlineAt);
  const inserted = new Set(effects.filter((e) => e.kind === 'insert' && e.row.status === 'QUEUED' && sentNow.has(e.row.id)).map((e) => (e as { row: { id: string } }).row.id));
  if (!inserted.size) return effects;
  return effects.flatMap((e): Effect[] => {
    if (e.kind === 'insert' && inserted.has(e.row.id)) return [{ kind: 'insert', row: { ...e.row, status: 'PROCESSING', deadlineAt: sentNow.get(e.row.id), queued: true } }];
    if (e.kind === 'transition' && inserted.has(e.id)) return [];
    return [e];
  });
}

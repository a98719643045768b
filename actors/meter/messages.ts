import type { UnsolicitedReport, DriverResponse } from '../../adapters/meters/types';
import type { InteractionView } from '../../core/events';
import type { GridtwinError } from '../../core/errors';
import type { IssueType } from '../../core/domain';
import type { IssueView } from '../../persistence';
import type { ReplyFn } from '../host';
import type { CreateInteractionRequest } from './rules/params';
import type { MeterView } from './views';
import type { SyncResult, SyncRun } from './sync/types';
import type { SyncRequest } from './state';

/** Internal options for interactions the runtime creates itself (commissioning steps, follow-ups). */
/** Another service opens or closes a meter's issue through its actor (decide/Issues.ts). */
export type IssueOp =
  | { action: 'open'; issueType: IssueType; details?: unknown }
  | { action: 'close'; issueId: string };

export type IssueResult = IssueView & { changed: boolean };

export interface CreateOptions {
  deferred?: boolean;
  commissioningId?: string;
  fromCommissioning?: boolean;
  isRetry?: boolean;
  followUpOf?: string;
}

export type CreateResult = InteractionView & { coalesced?: boolean; replayed?: boolean };

/** The MeterActor protocol: one union, one switch. */
export type MeterMsg =
  | { type: 'create'; req: CreateInteractionRequest; opts?: CreateOptions; reply?: ReplyFn<CreateResult> }
  | { type: 'get'; reply: ReplyFn<MeterView> }
  | { type: 'abort'; interactionId: string; reason: string; onlyWaiting?: boolean; reply?: ReplyFn<InteractionView> }
  | { type: 'abortCommissioningSiblings'; commissioningId: string; reason: string; reply?: ReplyFn<number> }
  | { type: 'release'; interactionId: string; reply?: ReplyFn<InteractionView | null> }
  | { type: 'driverReplied'; interactionId: string; outcome: { ok: true; response: DriverResponse } | { ok: false; error: GridtwinError } }
  | { type: 'worldChanged' }
  | { type: 'tick' }
  | { type: 'unsolicited'; report: UnsolicitedReport }
  | { type: 'setDesired'; desired: Record<string, unknown>; reply: ReplyFn<MeterView> }
  /** Another service opens or closes one of this meter's issues (issue 13). */
  | { type: 'issue'; op: IssueOp; reply: ReplyFn<IssueResult> }
  /** The issue write came back (internal): the actor takes it into its state, publishes and answers. */
  | { type: 'issueChanged'; op: IssueOp; result: { issue: IssueView; changed: boolean } | undefined; reply: ReplyFn<IssueResult> }
  /** Emlite sync (seed 001): the enabled syncers, run outside the turn but never overlapping a command. */
  | { type: 'sync'; syncers?: string[]; sweepId?: string; reply?: ReplyFn<SyncResult> }
  /** A detached sync run came back (internal). */
  | { type: 'syncFinished'; runId: string; req: SyncRequest; run: SyncRun };

import { ErrorCode, GridtwinError } from '../../../core/errors';
import type { IssueView } from '../../../persistence';
import { decided, type AnyReply, type DecideEnv, type Decision } from '../effects';
import { meterStateEvent } from '../events';
import type { IssueOp } from '../messages';
import type { Loaded } from '../state';

export type { IssueOp, IssueResult } from '../messages';

/**
 * Another service opens or closes a meter's issue through its actor, so the cascade's auto-close (step 3)
 * sees it at once. The write (open-or-get, close-if-open) is performed and its result comes back as
 * `issueChanged`.
 */
export function requestIssueChange(state: Loaded, env: Pick<DecideEnv, 'newId'>, op: IssueOp, reply: AnyReply | undefined): Decision {
  return decided(state, { kind: 'changeIssue', op, newIssueId: env.newId(), gridId: state.ctx.meter.gridId, reply });
}

/** The issue write's result: an opened issue joins the open ones, a closed one leaves; either is published. */
export function issueChanged(state: Loaded, now: number, op: IssueOp, result: { issue: IssueView; changed: boolean } | undefined, reply: AnyReply | undefined): Decision {
  if (!result) {
    const id = op.action === 'close' ? op.issueId : '';
    return decided(state, { kind: 'refuse', reply, error: new GridtwinError(ErrorCode.NOT_FOUND, `meter ${state.id} has no issue ${id}`) });
  }
  const answer = { kind: 'reply' as const, reply, data: { ...result.issue, changed: result.changed } };
  if (!result.changed) return decided(state, answer);
  const ctx = state.ctx;
  const issue = result.issue;
  const next: Loaded = op.action === 'open'
    ? {
      ...state,
      ctx: {
        ...ctx,
        meter: { ...ctx.meter, lastEncounteredIssueId: issue.id },
        openIssues: [...ctx.openIssues.filter((i) => i.id !== issue.id), { id: issue.id, meterId: state.id, type: issue.type, status: 'OPEN', createdAt: issue.createdAt }],
      },
    }
    : { ...state, ctx: { ...ctx, openIssues: ctx.openIssues.filter((i) => i.id !== issue.id) } };
  return decided(next, { kind: 'publishMeterState', event: meterStateEvent(next, new Date(now).toISOString()) }, answer);
}

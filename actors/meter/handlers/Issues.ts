import type { IssueType } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { issuesRepo, type IssueView } from '../../../persistence';
import type { MeterEnv, MeterState } from '../state';
import { publishMeterState } from './Finish';

type Loaded = MeterState & { ctx: NonNullable<MeterState['ctx']> };

export type IssueOp =
  | { action: 'open'; issueType: IssueType; details?: unknown }
  | { action: 'close'; issueId: string };

export type IssueResult = IssueView & { changed: boolean };

/**
 * Another service opens or closes a meter's issue through its actor, so the cascade's auto-close (step 3)
 * sees it at once. Opening an already-open type answers the open issue (`changed: false`); closing a
 * closed one answers it as it is.
 */
export async function changeIssue(state: Loaded, env: MeterEnv, op: IssueOp): Promise<{ state: MeterState; data: IssueResult }> {
  const ctx = state.ctx;
  if (op.action === 'open') {
    const r = await env.db.tx((sql) => issuesRepo.open(sql, { id: newId(), meterId: state.id, gridId: ctx.meter.gridId, type: op.issueType, details: op.details }));
    if (!r.created) return { state, data: { ...r.issue, changed: false } };
    const next: Loaded = {
      ...state,
      ctx: {
        ...ctx,
        meter: { ...ctx.meter, lastEncounteredIssueId: r.issue.id },
        openIssues: [...ctx.openIssues, { id: r.issue.id, meterId: state.id, type: r.issue.type, status: 'OPEN', createdAt: r.issue.createdAt }],
      },
    };
    publishMeterState(next, env);
    return { state: next, data: { ...r.issue, changed: true } };
  }
  const r = await issuesRepo.close(env.db.sql, state.id, op.issueId);
  if (!r) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${state.id} has no issue ${op.issueId}`);
  if (!r.closed) return { state, data: { ...r.issue, changed: false } };
  const next: Loaded = { ...state, ctx: { ...ctx, openIssues: ctx.openIssues.filter((i) => i.id !== op.issueId) } };
  publishMeterState(next, env);
  return { state: next, data: { ...r.issue, changed: true } };
}

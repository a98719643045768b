import { z } from 'zod';
import type { BusMsg } from '../../adapters/bus';
import type { UnsolicitedReport } from '../../adapters/meters/types';
import type { Runtime } from '../../actors/system';
import { INTERACTION_STATUSES, INTERACTION_TYPES, ISSUE_TYPES } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Family, Subjects } from '../../core/subjects';
import { historyRepo, issuesRepo, registryRepo, type Database } from '../../persistence';
import { interactionView } from '../../actors/meter/views';
import { ID_MESSAGE, parseBody, routedBy, validate } from './endpoint';
import { inSubject, organizationList, type Access, type DeclaredEndpoint } from './access';

const id = z.string().regex(SUBJECT_SAFE_ID, ID_MESSAGE);
// Coerced: the HTTP API passes query strings through the same schemas.
const limit = z.coerce.number().int().min(1).max(500).default(50);
const cursor = z.string().max(512).optional();
const oneOrMany = <T extends z.ZodTypeAny>(t: T) => z.union([t, z.array(t).min(1).max(20)]).optional().transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));

export const IssueOpenSchema = z.object({ type: z.enum(ISSUE_TYPES), details: z.record(z.string(), z.unknown()).optional() }).strict();
export const IssueCloseSchema = z.object({ issueId: id }).strict();
export const MeterIssuesSchema = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional(), type: z.enum(ISSUE_TYPES).optional(), limit, cursor }).strict();
export const OrgIssuesSchema = MeterIssuesSchema.extend({ organizationId: id, gridId: id.optional(), meterId: id.optional() }).strict();
export const InteractionsSchema = z.object({
  status: oneOrMany(z.enum(INTERACTION_STATUSES)), type: oneOrMany(z.enum(INTERACTION_TYPES)),
  from: z.string().datetime().optional(), to: z.string().datetime().optional(), limit, cursor,
}).strict();
export const OrgListSchema = z.object({ organizationId: id, status: z.string().max(32).optional(), limit, cursor }).strict();
export const ReportSchema = z.object({
  type: z.enum(['READ_REPORT', 'JOIN_NETWORK']), meterExternalReference: z.string().min(1).max(128),
  result: z.record(z.string(), z.unknown()), deviceInfo: z.record(z.string(), z.unknown()).optional(), receivedAt: z.string().min(1).max(64),
  skipWebsocketEmission: z.boolean().optional(),
}).strict() as unknown as z.ZodType<UnsolicitedReport>;

type EndpointOf = (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>, deviceOf?: (m: BusMsg) => Promise<string | null>) => DeclaredEndpoint;

/**
 * The embedding API (issue 13): issues through the meter actor, uplink ingestion, and the histories
 * another service builds on (interactions per meter and grid, batches and commissionings per organization).
 */
export function embeddingEndpoints(o: { endpoint: EndpointOf; subjects: Subjects; runtime: Runtime; db: Database }): DeclaredEndpoint[] {
  const { endpoint, subjects: s, runtime, db } = o;
  const routed = (f: Family<['meterId']>) => async (m: BusMsg) => routedBy(f, 'meterId')(m);
  const knownMeter = async (meterId: string) => {
    if (!(await registryRepo.meterExists(db.sql, meterId))) throw new GridtwinError(ErrorCode.NOT_FOUND, `meter ${meterId} not found`);
  };
  const interactions = async (f: { meterId?: string; gridId?: string }, body: unknown) => {
    const b = validate(InteractionsSchema, body);
    const r = await historyRepo.interactions(db.sql, { ...f, statuses: b.status, types: b.type, from: b.from, to: b.to, limit: b.limit, cursor: b.cursor });
    return {
      items: r.items.map((i) => ({
        ...interactionView(i, i.gridId), followUpOf: i.followUpOf, coalescedInto: i.coalescedInto ?? null, joinedCount: i.joinedCount, coalescedIdempotencyKeys: i.coalescedKeys,
      })),
      nextCursor: r.nextCursor,
    };
  };
  return [
    endpoint('meter-issues-open', s.meterIssuesOpen.pattern, { role: 'operator', touches: [inSubject('meter', s.meterIssuesOpen, 'meterId')] }, async (m) => {
      const { meterId } = s.meterIssuesOpen.ids(m.subject);
      const b = validate(IssueOpenSchema, parseBody(m));
      return runtime.changeIssue(meterId, { action: 'open', issueType: b.type, details: b.details });
    }, routed(s.meterIssuesOpen)),
    endpoint('meter-issues-close', s.meterIssuesClose.pattern, { role: 'operator', touches: [inSubject('meter', s.meterIssuesClose, 'meterId')] }, async (m) => {
      const { meterId } = s.meterIssuesClose.ids(m.subject);
      const b = validate(IssueCloseSchema, parseBody(m));
      return runtime.changeIssue(meterId, { action: 'close', issueId: b.issueId });
    }, routed(s.meterIssuesClose)),
    endpoint('meter-issues-list', s.meterIssuesList.pattern, { role: 'viewer', touches: [inSubject('meter', s.meterIssuesList, 'meterId')] }, async (m) => {
      const { meterId } = s.meterIssuesList.ids(m.subject);
      const b = validate(MeterIssuesSchema, parseBody(m));
      await knownMeter(meterId);
      return issuesRepo.list(db.sql, { ...b, meterId });
    }),
    endpoint('issues-list', s.issuesList(), organizationList(['grid', 'gridId'], ['meter', 'meterId']), async (m) => issuesRepo.list(db.sql, validate(OrgIssuesSchema, parseBody(m)))),
    endpoint('meter-interactions-list', s.meterInteractionsList.pattern, { role: 'viewer', touches: [inSubject('meter', s.meterInteractionsList, 'meterId')] }, async (m) => {
      const { meterId } = s.meterInteractionsList.ids(m.subject);
      const body = parseBody(m);
      await knownMeter(meterId);
      return interactions({ meterId }, body);
    }),
    endpoint('grid-interactions-list', s.gridInteractionsList.pattern, { role: 'viewer', touches: [inSubject('grid', s.gridInteractionsList, 'gridId')] }, async (m) => {
      const { gridId } = s.gridInteractionsList.ids(m.subject);
      const body = parseBody(m);
      if (!(await registryRepo.gridExists(db.sql, gridId))) throw new GridtwinError(ErrorCode.NOT_FOUND, `grid ${gridId} not found`);
      return interactions({ gridId }, body);
    }),
    endpoint('batches-list', s.batchesList(), organizationList(), async (m) => historyRepo.batches(db.sql, validate(OrgListSchema, parseBody(m)))),
    endpoint('commissionings-list', s.commissioningsList(), organizationList(), async (m) => historyRepo.commissionings(db.sql, validate(OrgListSchema, parseBody(m)))),
    endpoint('uplinks-ingest', s.uplinksIngest(), { role: 'operator', touches: [{ kind: 'meter', from: { meterByExternalReference: 'meterExternalReference' } }] }, async (m) => {
      const report = validate(ReportSchema, parseBody(m));
      const meterId = await runtime.meterIdOfReport(report);
      return { ...(await runtime.report(meterId, report)), meterId };
    }, async (m) => {
      const ref = (parseBody(m) as { meterExternalReference?: unknown } | null)?.meterExternalReference;
      return typeof ref === 'string' ? ((await registryRepo.findMeterIdByExternalReference(db.sql, ref)) ?? null) : null;
    }),
  ];
}

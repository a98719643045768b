import { z } from 'zod';
import type { Bus, BusMsg, Endpoint, ServiceHandle } from '../../adapters/bus';
import type { Runtime } from '../../actors/system';
import { COMMUNICATION_PROTOCOLS, INTERACTION_TYPES } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Logger } from '../../core/logger';
import { fail, ok } from '../../core/reply';
import type { Family, Subjects } from '../../core/subjects';
import { interactionsRepo, ownersRepo, registryRepo, OWNER_KINDS, type Database, type MeterOrganizationFacts } from '../../persistence';
import { ID_MESSAGE, parseBody, routedBy, validate } from './endpoint';
import { ReportSchema, embeddingEndpoints } from './embedding';
import { simulatorEndpoints, type SimulatorHandles } from './simulators';
import { OrganizationSettingsSchema } from '../../actors/meter/rules/twinSettings';
import { interactionView } from '../../actors/meter/views';
import { createBatchOverBus } from '../cluster/batch';
import type { ClusterRouting } from '../cluster/router';
import { guardEndpoints, inBody, inSubject, principalOf, type Access, type DeclaredEndpoint, type NatsGuard } from './access';
import { allows } from '../auth';

const id = z.string().regex(SUBJECT_SAFE_ID, ID_MESSAGE);
export const OrgSchema = z.object({ id, name: z.string().min(1).max(200), settings: OrganizationSettingsSchema.optional() }).strict();
export const GridSchema = z.object({ id, organizationId: id, name: z.string().min(1).max(200), timezone: z.string().optional() }).strict();
export const DcuSchema = z.object({ id, gridId: id, externalReference: z.string().min(1).max(128), kind: z.enum(['DCU', 'LORAWAN_GATEWAY']).optional() }).strict();
export const MeterSchema = z.object({
  id, serial: z.string().min(1).max(64), externalReference: z.string().min(1).max(128).nullish(), protocol: z.enum(COMMUNICATION_PROTOCOLS),
  gridId: id.nullish(), dcuId: id.nullish(), mode: z.enum(['active', 'passive', 'virtual']).optional(), esco: id.nullish(),
  mediatorAddress: z.string().max(200).nullish(), tariffPerKwh: z.number().nonnegative().max(1e6).nullish(),
  powerLimitShouldBe: z.number().int().positive().max(100_000).nullish(), lastSeenAt: z.string().datetime().nullish(),
  organizationId: id.nullish(),
}).strict();
const OwnersSchema = z.object({ kind: z.enum(OWNER_KINDS), ids: z.array(id).min(1).max(10_000) }).strict();

/**
 * A meter's organization (issue 11, defect 4): the one named, else its grid's, else its ESCO's when the ESCO is
 * an organization id, else the one it already has. Never none: a meter nobody owns would be nobody's to see.
 */
export function meterOrganization(input: { id: string; organizationId?: string | null; gridId?: string | null }, f: MeterOrganizationFacts): string {
  if (input.organizationId && !f.named) throw new GridtwinError(ErrorCode.NOT_FOUND, `organization ${input.organizationId} not found`);
  if (f.named && f.ofGrid && f.named !== f.ofGrid) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `meter ${input.id}: organization ${f.named} is not the organization of grid ${input.gridId}`);
  }
  const org = f.named ?? f.ofGrid ?? f.ofEsco ?? f.current;
  if (!org) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `meter ${input.id} needs an organization: give organizationId, a gridId, or an esco that is an organization id`);
  return org;
}
export const OnlineSchema = z.object({ id, online: z.boolean() }).strict();
export const CommissioningSchema = z.object({
  meterId: id, steps: z.array(z.object({ type: z.enum(INTERACTION_TYPES), params: z.record(z.string(), z.unknown()).default({}) }).strict()).min(1).max(20),
}).strict();
export const BatchSchema = z.object({
  type: z.enum(INTERACTION_TYPES), params: z.record(z.string(), z.unknown()).default({}), meterIds: z.array(id).min(1).max(10_000), organizationId: id.optional(),
}).strict();
export const AbortSchema = z.object({ reason: z.string().max(500).optional() }).strict();
export const DesiredSchema = z.object({ relay: z.enum(['on', 'off']).optional(), powerLimitW: z.number().int().min(1).max(100_000).optional() }).strict();

/**
 * The runtime's NATS interface: subjects → runtime calls → `{data}` / `{error}` replies. Served as a NATS
 * micro service named `gridtwin` ($SRV.PING / INFO / STATS) when the bus is NATS. In a cluster, requests
 * about one device (`deviceOf`) run on the node owning its partition (`cluster.route`).
 */
export async function serveNats(opts: {
  bus: Bus; subjects: Subjects; runtime: Runtime; db: Database; logger: Logger; version: string; guard: NatsGuard; cluster?: ClusterRouting; nodeId?: string;
  /** Null when simulators are off: their controls then answer UNAVAILABLE. */
  simulators?: SimulatorHandles | null;
}): Promise<ServiceHandle> {
  const { bus, subjects: s, runtime, db, logger, cluster } = opts;
  const endpoint = (name: string, subject: string, access: Access, f: (m: BusMsg) => Promise<unknown>, deviceOf?: (m: BusMsg) => Promise<string | null>): DeclaredEndpoint => ({
    name,
    subject,
    access,
    handler: async (m) => {
      const run = async () => {
        try {
          m.respond(ok(await f(m)));
        } catch (e) {
          const err = e instanceof GridtwinError ? e : new GridtwinError(ErrorCode.INTERNAL, 'internal error', { cause: e });
          if (err.code === ErrorCode.INTERNAL) logger.error({ subject: m.subject, err: (e as Error).message }, 'request failed');
          m.respond(fail(err));
        }
      };
      const device = cluster && deviceOf ? await deviceOf(m).catch(() => null) : null;
      await (device ? cluster!.route(device, m, run) : run());
    },
  });
  const notifyWorldChanged = (ids: string[]) => (cluster ? cluster.worldChanged(ids) : runtime.notifyWorldChanged(ids));
  const meterOf = (f: Family<['meterId']>) => async (m: BusMsg) => routedBy(f, 'meterId')(m);
  const bodyField = (field: string) => async (m: BusMsg) => {
    const v = (parseBody(m) as Record<string, unknown> | null)?.[field];
    return typeof v === 'string' && SUBJECT_SAFE_ID.test(v) ? v : null;
  };
  const registry = async (kind: 'organization' | 'grid' | 'dcu' | 'meter', body: unknown) => {
    switch (kind) {
      case 'organization': { const o = validate(OrgSchema, body); await registryRepo.upsertOrganization(db.sql, o); return o; }
      case 'grid': { const g = validate(GridSchema, body); await registryRepo.upsertGrid(db.sql, g); return g; }
      case 'dcu': { const d = validate(DcuSchema, body); await registryRepo.upsertDcu(db.sql, d); return d; }
      case 'meter': {
        const m = validate(MeterSchema, body);
        const organizationId = meterOrganization(m, await registryRepo.meterOrganizationFacts(db.sql, m));
        // shadow metadata is the runtime's own bookkeeping: no reply carries it
        const { shadowMetadata: _s, ...row } = await registryRepo.upsertMeter(db.sql, { ...m, organizationId });
        notifyWorldChanged([m.id]);
        return { ...row, organizationId };
      }
    }
  };
  const declared: DeclaredEndpoint[] = [
    endpoint('meter-interactions-create', s.meterCreateInteraction.pattern, { role: 'operator', touches: [inSubject('meter', s.meterCreateInteraction, 'meterId')] }, async (m) => runtime.createInteraction(s.meterCreateInteraction.ids(m.subject).meterId, parseBody(m)), meterOf(s.meterCreateInteraction)),
    endpoint('meter-get', s.meterGet.pattern, { role: 'viewer', touches: [inSubject('meter', s.meterGet, 'meterId')] }, async (m) => runtime.getMeter(s.meterGet.ids(m.subject).meterId), meterOf(s.meterGet)),
    endpoint('meter-report', s.meterReport.pattern, {
      role: 'operator', touches: [inSubject('meter', s.meterReport, 'meterId')],
      node: 'uplink delivery: every node\'s driver hears an uplink and sends it to the meter\'s owner, which records it once',
    }, async (m) => runtime.report(s.meterReport.ids(m.subject).meterId, validate(ReportSchema, parseBody(m))), meterOf(s.meterReport)),
    endpoint('meter-desired-set', s.meterDesiredSet.pattern, { role: 'operator', touches: [inSubject('meter', s.meterDesiredSet, 'meterId')] }, async (m) => runtime.setDesired(s.meterDesiredSet.ids(m.subject).meterId, validate(DesiredSchema, parseBody(m))), meterOf(s.meterDesiredSet)),
    endpoint('interaction-get', s.interactionGet.pattern, { role: 'viewer', touches: [inSubject('interaction', s.interactionGet, 'interactionId')] }, async (m) => runtime.getInteraction(s.interactionGet.ids(m.subject).interactionId)),
    endpoint('interaction-abort', s.interactionAbort.pattern, { role: 'operator', touches: [inSubject('interaction', s.interactionAbort, 'interactionId')] }, async (m) => runtime.abortInteraction(s.interactionAbort.ids(m.subject).interactionId, validate(AbortSchema, parseBody(m)).reason),
      async (m) => {
        const id = routedBy(s.interactionAbort, 'interactionId')(m);
        return id === null ? null : ((await interactionsRepo.get(db.sql, id))?.meterId ?? null);
      }),
    endpoint('commissioning-create', s.commissioningCreate(), { role: 'operator', touches: [inBody('meter', 'meterId')] }, async (m) => {
      const b = validate(CommissioningSchema, parseBody(m));
      return runtime.createCommissioning(b.meterId, b.steps);
    }, bodyField('meterId')),
    endpoint('commissioning-get', s.commissioningGet.pattern, { role: 'viewer', touches: [inSubject('commissioning', s.commissioningGet, 'commissioningId')] }, async (m) => runtime.getCommissioning(s.commissioningGet.ids(m.subject).commissioningId)),
    endpoint('batch-create', s.batchCreate(), { role: 'operator', touches: [{ kind: 'meter', from: { bodyList: 'meterIds' } }], organization: 'organizationId' }, async (m) => {
      const b = validate(BatchSchema, parseBody(m));
      // The fan-out carries the caller's own token: each meter's owner authorizes the caller again, never a node.
      return cluster ? createBatchOverBus({ bus, subjects: s, runtime, db }, b, principalOf(m)) : runtime.createBatch(b);
    }),
    endpoint('batch-get', s.batchGet.pattern, { role: 'viewer', touches: [inSubject('batch', s.batchGet, 'batchId')] }, async (m) => runtime.getBatch(s.batchGet.ids(m.subject).batchId)),
    endpoint('grid-get', s.gridGet.pattern, { role: 'viewer', touches: [inSubject('grid', s.gridGet, 'gridId')] }, async (m) => {
      const { gridId } = s.gridGet.ids(m.subject);
      const v = await registryRepo.gridView(db.sql, gridId);
      if (!v) throw new GridtwinError(ErrorCode.NOT_FOUND, `grid ${gridId} not found`);
      const recent = await interactionsRepo.recentOfGrid(db.sql, gridId, 50);
      // the same interaction view every other reply gives (not the stored row with its bookkeeping columns)
      return { ...v, recentInteractions: recent.map((i) => interactionView(i, gridId)) };
    }),
    endpoint('owners-get', s.ownersGet(), { role: 'viewer', replyLimitedToToken: 'owners the token may not reach are only listed in `refused`' }, async (m) => {
      const b = validate(OwnersSchema, parseBody(m));
      const owners = await ownersRepo.lookup(db.sql, b.kind, b.ids);
      const caller = principalOf(m);
      if (!caller) return { owners: Object.fromEntries(owners) };
      const refused = [...owners].filter(([, o]) => !allows(caller, 'viewer', o)).map(([ownedId]) => ownedId);
      return { owners: Object.fromEntries([...owners].filter(([ownedId]) => !refused.includes(ownedId))), refused };
    }),
    endpoint('registry-organization', s.registryUpsert('organization'), { role: 'admin', touches: [], organization: 'id' }, async (m) => registry('organization', parseBody(m))),
    endpoint('registry-grid', s.registryUpsert('grid'), { role: 'admin', touches: [inBody('grid', 'id', { mayBeNew: true })], organization: 'organizationId' }, async (m) => registry('grid', parseBody(m))),
    endpoint('registry-dcu', s.registryUpsert('dcu'), { role: 'admin', touches: [inBody('dcu', 'id', { mayBeNew: true }), inBody('grid', 'gridId')] }, async (m) => registry('dcu', parseBody(m))),
    endpoint('registry-meter', s.registryUpsert('meter'), {
      role: 'admin', touches: [inBody('meter', 'id', { mayBeNew: true }), inBody('grid', 'gridId', { optional: true }), inBody('dcu', 'dcuId', { optional: true }),
        // An ESCO another organization's meters are in stays theirs (a foreign meter would make it nobody's).
        inBody('esco', 'esco', { optional: true, mayBeNew: true })], organization: 'organizationId',
    }, async (m) => registry('meter', parseBody(m)), bodyField('id')),
    endpoint('grid-online', s.gridOnlineSet(), { role: 'admin', touches: [inBody('grid', 'id')] }, async (m) => {
      const b = validate(OnlineSchema, parseBody(m));
      const r = await db.tx((sql) => registryRepo.setGridOnline(sql, b.id, b.online));
      if (!r.found) throw new GridtwinError(ErrorCode.NOT_FOUND, `grid ${b.id} not found`);
      notifyWorldChanged(r.meterIds);
      return { id: b.id, online: b.online, changed: r.changed, meters: r.meterIds.length };
    }),
    endpoint('dcu-online', s.dcuOnlineSet(), { role: 'admin', touches: [inBody('dcu', 'id')] }, async (m) => {
      const b = validate(OnlineSchema, parseBody(m));
      const r = await db.tx((sql) => registryRepo.setDcuOnline(sql, b.id, b.online));
      if (!r.found) throw new GridtwinError(ErrorCode.NOT_FOUND, `dcu ${b.id} not found`);
      notifyWorldChanged(r.meterIds);
      return { id: b.id, online: b.online, changed: r.changed, meters: r.meterIds.length };
    }),
    ...embeddingEndpoints({ endpoint, subjects: s, runtime, db }),
    ...simulatorEndpoints({ endpoint, subjects: s, db, simulators: opts.simulators ?? null }),
    // A single node answers for the cluster too, so a client can tell "not clustered" from "no node".
    ...(cluster ? [] : [endpoint('cluster-status', s.clusterStatus(), { notPerOrganization: 'whether this node is clustered and its id' }, async () => ({ clustered: false, nodeId: opts.nodeId ?? null }))]),
  ];
  const endpoints = guardEndpoints(opts.guard, s.prefix, declared);
  cluster?.serveForwarded(endpoints);
  return bus.serve({ name: 'gridtwin', version: opts.version, description: 'gridtwin device runtime', queue: 'gridtwin', endpoints });
}

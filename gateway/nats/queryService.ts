import { z } from 'zod';
import type { Bus, BusMsg, ServiceHandle } from '../../adapters/bus';
import { COMMUNICATION_PROTOCOLS } from '../../core/domain';
import { ErrorCode, GridtwinError } from '../../core/errors';
import { SUBJECT_SAFE_ID } from '../../core/ids';
import type { Logger } from '../../core/logger';
import type { HistoryKind, Subjects } from '../../core/subjects';
import { BUCKETS, BUCKET_SECONDS, detectBucketer, listsRepo, telemetryRepo, type Bucket, type Database, type Range } from '../../persistence';
import { endpointFactory, parseBody, validate } from './endpoint';
import { type Clock, systemClock, DAY_MS } from '../../core/time';
import { guardEndpoints, inSubject, organizationList, type Access, type DeclaredEndpoint, type NatsGuard } from './access';

/**
 * Read-only queries over NATS: lists the operator pages through, the fleet overview and telemetry history.
 * The HTTP API serves the same subjects with the same schemas (gateway/http/api.ts).
 */
const id = z.string().regex(SUBJECT_SAFE_ID, 'must be a subject-safe id');
const limit = z.coerce.number().int().min(1).max(500).default(100).describe('page size (1–500)');
const cursor = id.describe('nextCursor of the previous page');
const HEALTH = ['GREEN', 'YELLOW', 'RED', 'GREY'] as const;

export const MeterListSchema = z.object({
  organizationId: id.optional(), gridId: id.optional(), protocol: z.enum(COMMUNICATION_PROTOCOLS).optional(), esco: id.optional(),
  health: z.enum(HEALTH).optional(), cursor: cursor.optional(), limit,
}).strict();
export const PlantListSchema = z.object({
  organizationId: id.optional(), status: z.enum(HEALTH).optional(), brand: z.enum(['SOLIS', 'HUAWEI', 'GOODWE', 'DEYE']).optional(),
  cursor: cursor.optional(), limit,
}).strict();
export const OverviewSchema = z.object({ organizationId: id.optional() }).strict();

/** At most this many buckets in one answer: a year of hours is refused, a year of days is not. */
export const MAX_BUCKETS = 5_000;
const timeRange = {
  from: z.iso.datetime({ offset: true }).optional().describe('start (inclusive); default: `to` minus 24 h'),
  to: z.iso.datetime({ offset: true }).optional().describe('end (exclusive); default: now'),
  bucket: z.enum(Object.keys(BUCKETS) as [Bucket, ...Bucket[]]).default('1h'),
};
export const HistorySchema = z.object(timeRange).strict();
export const PollHistorySchema = z.object({ ...timeRange, plantId: id.optional(), organizationId: id.optional() }).strict();
export const InteractionHistorySchema = z.object({ ...timeRange, meterId: id.optional(), gridId: id.optional(), organizationId: id.optional() }).strict();

/** Resolves defaults and refuses an empty range or one with too many buckets. */
export function resolveRange(q: { from?: string; to?: string; bucket: Bucket }, now = Date.now()): Range {
  const to = q.to ? Date.parse(q.to) : now;
  const from = q.from ? Date.parse(q.from) : to - DAY_MS;
  if (!(from < to)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'from must be before to', { details: [{ path: 'from', message: 'must be before to' }] });
  const buckets = (to - from) / 1000 / BUCKET_SECONDS[q.bucket];
  if (buckets > MAX_BUCKETS) {
    throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `range holds ${Math.ceil(buckets)} buckets of ${q.bucket}; at most ${MAX_BUCKETS}`, {
      details: [{ path: 'bucket', message: `choose a larger bucket or a shorter range (at most ${MAX_BUCKETS} buckets)` }],
    });
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), bucket: q.bucket };
}

export async function serveQueries(opts: { bus: Bus; subjects: Subjects; db: Database; logger: Logger; version: string; guard: NatsGuard; now?: Clock }): Promise<ServiceHandle> {
  const { bus, subjects: s, db } = opts;
  const now = opts.now ?? systemClock;
  const { bucket, timescale } = await detectBucketer(db.sql);
  opts.logger.debug({ timescale }, 'telemetry history buckets with ' + (timescale ? 'time_bucket' : 'date_bin'));
  const telemetry = telemetryRepo(bucket);
  const endpoint = endpointFactory(opts.logger, 'query');
  const body = <T>(schema: z.ZodType<T>, m: BusMsg): T => validate(schema, parseBody(m));
  const h = s.histories;
  const history = (kind: HistoryKind, access: Access, f: (m: BusMsg) => Promise<unknown>): DeclaredEndpoint => endpoint(`history-${kind.replace('.', '-')}`, h[kind].pattern, access, f);
  const declared: DeclaredEndpoint[] = [
    endpoint('meters-list', s.metersList(), organizationList(['grid', 'gridId'], ['esco', 'esco']), async (m) => listsRepo.meters(db.sql, body(MeterListSchema, m))),
    endpoint('plants-list', s.plantsList(), organizationList(), async (m) => listsRepo.plants(db.sql, body(PlantListSchema, m))),
    endpoint('fleet-overview', s.fleetOverview(), organizationList(), async (m) => listsRepo.overview(db.sql, body(OverviewSchema, m).organizationId)),
    history('meter.credit', { role: 'viewer', touches: [inSubject('meter', h['meter.credit'], 'meterId')] }, async (m) => ({ series: await telemetry.meterCredit(db.sql, h['meter.credit'].ids(m.subject).meterId, resolveRange(body(HistorySchema, m), now())) })),
    history('meter.reads', { role: 'viewer', touches: [inSubject('meter', h['meter.reads'], 'meterId')] }, async (m) => ({ series: await telemetry.emliteReads(db.sql, h['meter.reads'].ids(m.subject).meterId, resolveRange(body(HistorySchema, m), now())) })),
    history('meter.intervals', { role: 'viewer', touches: [inSubject('meter', h['meter.intervals'], 'meterId')] }, async (m) => ({ series: await telemetry.emliteIntervals(db.sql, h['meter.intervals'].ids(m.subject).meterId, resolveRange(body(HistorySchema, m), now())) })),
    history('plant.energy', { role: 'viewer', touches: [inSubject('plant', h['plant.energy'], 'plantId')] }, async (m) => {
      const r = resolveRange(body(HistorySchema, m), now());
      return { series: await telemetry.plantEnergy(db.sql, h['plant.energy'].ids(m.subject).plantId, r.from, r.to) };
    }),
    history('plant.power', { role: 'viewer', touches: [inSubject('plant', h['plant.power'], 'plantId')] }, async (m) => ({ series: await telemetry.plantPower(db.sql, h['plant.power'].ids(m.subject).plantId, resolveRange(body(HistorySchema, m), now())) })),
    history('polls', organizationList(['plant', 'plantId']), async (m) => {
      const { plantId, organizationId, ...q } = body(PollHistorySchema, m);
      return { series: await telemetry.pollLatency(db.sql, resolveRange(q, now()), { plantId, organizationId }) };
    }),
    history('interactions', organizationList(['meter', 'meterId'], ['grid', 'gridId']), async (m) => {
      const { meterId, gridId, organizationId, ...q } = body(InteractionHistorySchema, m);
      return { series: await telemetry.interactionOutcomes(db.sql, resolveRange(q, now()), { meterId, gridId, organizationId }) };
    }),
  ];
  const endpoints = guardEndpoints(opts.guard, s.prefix, declared);
  return bus.serve({ name: 'gridtwin-queries', version: opts.version, description: 'gridtwin lists, overview and telemetry history', queue: 'gridtwin', endpoints });
}

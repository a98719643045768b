import { z } from 'zod';
import type { Subjects } from '../../core/subjects';
import type { Principal, Role } from '../auth';
import type { Access } from './access';
import { CredentialUpsertSchema, PlantUpsertSchema } from '../../actors/plant';
import { CreateInteractionArgs } from '../ws/commands';
import { AckSchema, AlertListSchema } from '../nats/plantService';
import {
  HistorySchema, InteractionHistorySchema, MeterListSchema, OverviewSchema, PlantListSchema, PollHistorySchema,
} from '../nats/queryService';
import {
  AbortSchema, BatchSchema, CommissioningSchema, DcuSchema, DesiredSchema, GridSchema, MeterSchema, OrgSchema,
} from '../nats/service';
import { EscoSyncSchema, MeterSyncSchema } from '../nats/syncService';
import { InteractionsSchema, IssueCloseSchema, IssueOpenSchema, MeterIssuesSchema, OrgIssuesSchema, OrgListSchema, ReportSchema } from '../nats/embedding';
import { METER_SIM_SCHEMAS, METER_SIM_SUMMARIES, PLANT_SIM_SCHEMAS, PLANT_SIM_SUMMARIES } from '../nats/simulators';
import { METER_SIM_ACTIONS, PLANT_SIM_ACTIONS } from '../../core/simulatorControls';

/**
 * The HTTP API is the NATS API: each route names the subject it asks, the schema of its query or body (the
 * subject's own schema, or derived from it), the least role it needs and what it touches (for authorization).
 */
export type Timeout = 'default' | 'poll' | 'sync';

export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch';
  /** OpenAPI form: `/api/meters/{meterId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  okStatus?: number;
  subject(s: Subjects, params: Record<string, string>): string;
  /** The NATS payload from path parameters, the parsed query or body and the caller (default: the input itself). */
  payload?(params: Record<string, string>, input: Record<string, unknown>, caller: Principal): unknown;
  role: Role;
  access: Access;
  timeout?: Timeout;
  idempotencyHeader?: boolean;
}

/** Path parameters are ids: taken from the path, never from the body. */
export const pathParams = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

const without = <S extends z.ZodObject>(schema: S, key: string) => schema.omit({ [key]: true } as never) as unknown as z.ZodObject;
const withId = (key: string) => (p: Record<string, string>, input: Record<string, unknown>) => ({ ...input, [key]: p[Object.keys(p)[0]!] });
/** `fail-next` → `FailNext` (operation ids). */
const pascal = (action: string) => action.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());

/** Simulator controls: one route per action, on the subject's own schema (UNAVAILABLE when simulators are off). */
const SIM_ROUTES: ApiRoute[] = [
  ...METER_SIM_ACTIONS.map((action): ApiRoute => ({
    method: 'post', path: `/api/sim/meters/{meterId}/${action}`, operationId: `simMeter${pascal(action)}`, tag: 'simulators',
    summary: METER_SIM_SUMMARIES[action], body: METER_SIM_SCHEMAS[action], subject: (s, p) => s.simMeter(p.meterId!, action),
    role: 'operator', access: { kind: 'resource', owner: 'meter' },
  })),
  ...PLANT_SIM_ACTIONS.map((action): ApiRoute => ({
    method: 'post', path: `/api/sim/plants/{plantId}/${action}`, operationId: `simPlant${pascal(action)}`, tag: 'simulators',
    summary: PLANT_SIM_SUMMARIES[action], body: PLANT_SIM_SCHEMAS[action], subject: (s, p) => s.simPlant(p.plantId!, action),
    role: 'operator', access: { kind: 'resource', owner: 'plant' },
  })),
];

export const API_ROUTES: ApiRoute[] = [
  // Fleet
  { method: 'get', path: '/api/overview', operationId: 'getOverview', tag: 'fleet', summary: 'Meters by health, plants by status, open alerts and issues, interactions per minute',
    query: OverviewSchema, subject: (s) => s.fleetOverview(), role: 'viewer', access: { kind: 'organization' } },
  // Meters
  { method: 'get', path: '/api/meters', operationId: 'listMeters', tag: 'meters', summary: 'Meters, paged by id, with health and Emlite sync state',
    query: MeterListSchema, subject: (s) => s.metersList(), role: 'viewer', access: { kind: 'organization' } },
  { method: 'get', path: '/api/meters/{meterId}', operationId: 'getMeter', tag: 'meters', summary: 'A meter: desired / reported / delta, open interactions and issues',
    subject: (s, p) => s.meterGet(p.meterId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  { method: 'put', path: '/api/meters/{meterId}', operationId: 'upsertMeter', tag: 'registry', summary: 'Create or update a meter',
    body: without(MeterSchema, 'id'), subject: (s) => s.registryUpsert('meter'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'grid', self: 'meter', refs: [['dcuId', 'dcu'], ['esco', 'esco'], ['esco', 'organization']] } },
  { method: 'post', path: '/api/meters/{meterId}/interactions', operationId: 'createInteraction', tag: 'meters', summary: 'Queue an interaction (Idempotency-Key header honoured)',
    body: without(CreateInteractionArgs, 'meterId'), okStatus: 201, subject: (s, p) => s.meterCreateInteraction(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' }, idempotencyHeader: true },
  { method: 'post', path: '/api/meters/{meterId}/report', operationId: 'reportMeter', tag: 'meters', summary: "Ingest an uplink (READ_REPORT / JOIN_NETWORK) for this meter",
    body: ReportSchema, subject: (s, p) => s.meterReport(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' } },
  { method: 'post', path: '/api/uplinks', operationId: 'ingestUplink', tag: 'meters', summary: "Ingest an uplink for the meter its external reference (devEUI, serial) names (fleet-wide tokens)",
    body: ReportSchema, subject: (s) => s.uplinksIngest(), role: 'operator', access: { kind: 'fleet' } },
  { method: 'patch', path: '/api/meters/{meterId}/desired', operationId: 'setDesired', tag: 'meters', summary: 'Set the desired relay state or power limit (the twin converges)',
    body: DesiredSchema, subject: (s, p) => s.meterDesiredSet(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' } },
  { method: 'post', path: '/api/meters/{meterId}/sync', operationId: 'syncMeter', tag: 'emlite', summary: 'Sync one Emlite meter now',
    body: MeterSyncSchema, subject: (s, p) => s.meterSync(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' }, timeout: 'sync' },
  { method: 'get', path: '/api/meters/{meterId}/history/credit', operationId: 'meterCreditHistory', tag: 'history', summary: 'Credit (kWh) and relay over time',
    query: HistorySchema, subject: (s, p) => s.history('meter.credit', p.meterId!), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  { method: 'get', path: '/api/meters/{meterId}/history/reads', operationId: 'meterReadsHistory', tag: 'history', summary: 'Emlite register reads (Wh) over time',
    query: HistorySchema, subject: (s, p) => s.history('meter.reads', p.meterId!), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  { method: 'get', path: '/api/meters/{meterId}/history/intervals', operationId: 'meterIntervalsHistory', tag: 'history', summary: 'Emlite half-hourly intervals (Wh) summed per bucket',
    query: HistorySchema, subject: (s, p) => s.history('meter.intervals', p.meterId!), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  // Interactions, commissionings, batches
  { method: 'get', path: '/api/interactions/{interactionId}', operationId: 'getInteraction', tag: 'interactions', summary: 'An interaction',
    subject: (s, p) => s.interactionGet(p.interactionId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'interaction' } },
  { method: 'post', path: '/api/interactions/{interactionId}/abort', operationId: 'abortInteraction', tag: 'interactions', summary: 'Abort a queued or suspended interaction',
    body: AbortSchema, subject: (s, p) => s.interactionAbort(p.interactionId!), role: 'operator', access: { kind: 'resource', owner: 'interaction' } },
  { method: 'post', path: '/api/commissionings', operationId: 'createCommissioning', tag: 'interactions', summary: 'Commission a meter: steps run in order',
    body: CommissioningSchema, okStatus: 201, subject: (s) => s.commissioningCreate(), role: 'operator', access: { kind: 'resource', owner: 'meter', bodyField: 'meterId' } },
  { method: 'get', path: '/api/commissionings/{commissioningId}', operationId: 'getCommissioning', tag: 'interactions', summary: 'A commissioning and its steps',
    subject: (s, p) => s.commissioningGet(p.commissioningId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'commissioning' } },
  { method: 'post', path: '/api/batches', operationId: 'createBatch', tag: 'interactions', summary: 'One interaction type for many meters',
    body: BatchSchema, okStatus: 201, subject: (s) => s.batchCreate(), role: 'operator', access: { kind: 'batch' } },
  { method: 'get', path: '/api/batches/{batchId}', operationId: 'getBatch', tag: 'interactions', summary: 'A batch and its counts',
    subject: (s, p) => s.batchGet(p.batchId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'batch' } },
  { method: 'get', path: '/api/history/interactions', operationId: 'interactionOutcomesHistory', tag: 'history', summary: 'Interaction outcomes per bucket',
    query: InteractionHistorySchema, subject: (s) => s.history('interactions'), role: 'viewer', access: { kind: 'organization' } },
  { method: 'get', path: '/api/meters/{meterId}/interactions', operationId: 'listMeterInteractions', tag: 'interactions', summary: "A meter's interactions, newest first, by status, type and time",
    query: InteractionsSchema, subject: (s, p) => s.meterInteractionsList(p.meterId!), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  { method: 'get', path: '/api/grids/{gridId}/interactions', operationId: 'listGridInteractions', tag: 'interactions', summary: "A grid's interactions, newest first, by status, type and time",
    query: InteractionsSchema, subject: (s, p) => s.gridInteractionsList(p.gridId!), role: 'viewer', access: { kind: 'resource', owner: 'grid' } },
  { method: 'get', path: '/api/batches', operationId: 'listBatches', tag: 'interactions', summary: "An organization's batches, newest first",
    query: OrgListSchema.partial({ organizationId: true }), subject: (s) => s.batchesList(), role: 'viewer', access: { kind: 'organization' } },
  { method: 'get', path: '/api/commissionings', operationId: 'listCommissionings', tag: 'interactions', summary: "An organization's commissionings, newest first",
    query: OrgListSchema.partial({ organizationId: true }), subject: (s) => s.commissioningsList(), role: 'viewer', access: { kind: 'organization' } },
  // Issues
  { method: 'get', path: '/api/issues', operationId: 'listIssues', tag: 'issues', summary: "An organization's meter issues, by status, type, grid and meter",
    query: OrgIssuesSchema.partial({ organizationId: true }), subject: (s) => s.issuesList(), role: 'viewer', access: { kind: 'organization' } },
  { method: 'get', path: '/api/meters/{meterId}/issues', operationId: 'listMeterIssues', tag: 'issues', summary: "A meter's issues",
    query: MeterIssuesSchema, subject: (s, p) => s.meterIssuesList(p.meterId!), role: 'viewer', access: { kind: 'resource', owner: 'meter' } },
  { method: 'post', path: '/api/meters/{meterId}/issues', operationId: 'openIssue', tag: 'issues', summary: 'Open an issue on a meter (one open issue per type)',
    body: IssueOpenSchema, okStatus: 201, subject: (s, p) => s.meterIssuesOpen(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' } },
  { method: 'post', path: '/api/meters/{meterId}/issues/close', operationId: 'closeIssue', tag: 'issues', summary: "Close one of a meter's issues",
    body: IssueCloseSchema, subject: (s, p) => s.meterIssuesClose(p.meterId!), role: 'operator', access: { kind: 'resource', owner: 'meter' } },
  // Grids, DCUs, organizations
  { method: 'get', path: '/api/grids/{gridId}', operationId: 'getGrid', tag: 'grids', summary: 'A grid with its meters and recent interactions',
    subject: (s, p) => s.gridGet(p.gridId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'grid' } },
  { method: 'put', path: '/api/grids/{gridId}', operationId: 'upsertGrid', tag: 'registry', summary: 'Create or update a grid',
    body: without(GridSchema, 'id'), subject: (s) => s.registryUpsert('grid'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'organizationId', self: 'grid' } },
  { method: 'put', path: '/api/grids/{gridId}/online', operationId: 'setGridOnline', tag: 'registry', summary: 'Mark a grid online or offline',
    body: z.object({ online: z.boolean() }).strict(), subject: (s) => s.gridOnlineSet(), payload: withId('id'), role: 'admin', access: { kind: 'resource', owner: 'grid' } },
  { method: 'put', path: '/api/dcus/{dcuId}', operationId: 'upsertDcu', tag: 'registry', summary: 'Create or update a DCU or LoRaWAN gateway',
    body: without(DcuSchema, 'id'), subject: (s) => s.registryUpsert('dcu'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'grid', self: 'dcu' } },
  { method: 'put', path: '/api/dcus/{dcuId}/online', operationId: 'setDcuOnline', tag: 'registry', summary: 'Mark a DCU online or offline',
    body: z.object({ online: z.boolean() }).strict(), subject: (s) => s.dcuOnlineSet(), payload: withId('id'), role: 'admin', access: { kind: 'resource', owner: 'dcu' } },
  { method: 'put', path: '/api/organizations/{organizationId}', operationId: 'upsertOrganization', tag: 'registry', summary: 'Create or update an organization',
    body: without(OrgSchema, 'id'), subject: (s) => s.registryUpsert('organization'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'id', self: 'organization' } },
  // Plants, alerts, credentials
  { method: 'get', path: '/api/plants', operationId: 'listPlants', tag: 'plants', summary: "Plants, paged by id, with status, today's energy, capacity and last poll",
    query: PlantListSchema, subject: (s) => s.plantsList(), role: 'viewer', access: { kind: 'organization' } },
  { method: 'get', path: '/api/plants/{plantId}', operationId: 'getPlant', tag: 'plants', summary: 'A plant, its snapshot, open alerts and last poll',
    subject: (s, p) => s.plantGet(p.plantId!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'plant' } },
  { method: 'put', path: '/api/plants/{plantId}', operationId: 'upsertPlant', tag: 'registry', summary: 'Create or update a plant',
    body: without(PlantUpsertSchema, 'id'), subject: (s) => s.registryUpsert('plant'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'organizationId', self: 'plant', refs: [['credentialId', 'credential']] } },
  { method: 'post', path: '/api/plants/{plantId}/poll', operationId: 'pollPlant', tag: 'plants', summary: 'Poll a plant now (answers when the poll is done)',
    body: z.object({}).strict(), subject: (s, p) => s.plantPoll(p.plantId!), role: 'operator', access: { kind: 'resource', owner: 'plant' }, timeout: 'poll' },
  { method: 'get', path: '/api/plants/{plantId}/history/energy', operationId: 'plantEnergyHistory', tag: 'history', summary: 'Energy per local day (kWh)',
    query: HistorySchema, subject: (s, p) => s.history('plant.energy', p.plantId!), role: 'viewer', access: { kind: 'resource', owner: 'plant' } },
  { method: 'get', path: '/api/plants/{plantId}/history/power', operationId: 'plantPowerHistory', tag: 'history', summary: 'Power (W) per bucket',
    query: HistorySchema, subject: (s, p) => s.history('plant.power', p.plantId!), role: 'viewer', access: { kind: 'resource', owner: 'plant' } },
  { method: 'get', path: '/api/history/polls', operationId: 'pollLatencyHistory', tag: 'history', summary: 'Poll duration and outcomes per bucket',
    query: PollHistorySchema, subject: (s) => s.history('polls'), role: 'viewer', access: { kind: 'organization' } },
  { method: 'put', path: '/api/credentials/{credentialId}', operationId: 'upsertCredential', tag: 'registry', summary: 'Store a vendor credential (encrypted at rest, never returned)',
    body: without(CredentialUpsertSchema, 'id'), subject: (s) => s.registryUpsert('credential'), payload: withId('id'), role: 'admin', access: { kind: 'registry', owner: 'organizationId', self: 'credential' } },
  { method: 'get', path: '/api/alerts', operationId: 'listAlerts', tag: 'plants', summary: 'Alerts of an organization, newest first, filtered by state, plant and acknowledger',
    query: AlertListSchema.partial({ organizationId: true }), subject: (s) => s.alertsList(), role: 'viewer', access: { kind: 'organization' } },
  { method: 'post', path: '/api/alerts/{alertId}/ack', operationId: 'ackAlert', tag: 'plants', summary: 'Acknowledge an alert',
    body: z.object({}).strict(), subject: (s, p) => s.alertAck(p.alertId!), role: 'operator', access: { kind: 'resource', owner: 'alert' },
    // The runtime checks the alert belongs to the caller's organization; who acked is the caller, never the body.
    payload: (_p, _i, caller): z.infer<typeof AckSchema> => ({ organizationId: caller.org ?? undefined, by: caller.sub }) },
  // Emlite
  { method: 'post', path: '/api/escos/{esco}/sync', operationId: 'syncEsco', tag: 'emlite', summary: "Sweep an ESCO's Emlite meters (or {async:true} for the sweep id at once)",
    body: EscoSyncSchema, subject: (s, p) => s.escoSync(p.esco!), role: 'operator', access: { kind: 'resource', owner: 'esco' }, timeout: 'sync' },
  { method: 'get', path: '/api/escos/{esco}/sync', operationId: 'escoSyncStatus', tag: 'emlite', summary: "The ESCO's last or running sweep",
    subject: (s, p) => s.escoSyncStatus(p.esco!), payload: () => ({}), role: 'viewer', access: { kind: 'resource', owner: 'esco' } },
  ...SIM_ROUTES,
];

import type { z } from 'zod';
import { NatsBus, type Bus, type BusSubscription } from '../../adapters/bus';
import type { UnsolicitedReport } from '../../adapters/meters/types';
import type { SimMeterFaults } from '../../adapters/meters/simulated';
import type { SimAlarm } from '../../adapters/solar/simulator/fleet';
import type { IssueResult } from '../../actors/meter/decide/Issues';
import type { BatchView } from '../../actors/batch/BatchExecutionActor';
import type { CommissioningView, CommissioningStep } from '../../actors/commissioning/CommissioningActor';
import type { CreateResult } from '../../actors/meter/messages';
import type { CreateInteractionRequest } from '../../actors/meter/rules/params';
import type { MeterView } from '../../actors/meter/views';
import type { CommunicationProtocol, InteractionType } from '../../core/domain';
import { GridtwinError } from '../../core/errors';
import type { EscoSyncEvent, InteractionView, MeterInteractionEvent, MeterStateEvent, PlantAlertEvent, PlantStatusEvent } from '../../core/events';
import { assertSubjectSafeId } from '../../core/ids';
import { unwrap, type Reply } from '../../core/reply';
import type { MeterSimAction, PlantSimAction } from '../../core/simulatorControls';
import { DEFAULT_PREFIX, subjects, type Subjects } from '../../core/subjects';
import type { IssueView, historyRepo } from '../../persistence';
import type { InteractionsSchema, IssueOpenSchema, MeterIssuesSchema, OrgIssuesSchema, OrgListSchema, ReportSchema } from '../nats/embedding';
import type { METER_SIM_SCHEMAS, PLANT_SIM_SCHEMAS } from '../nats/simulators';

export { GridtwinError } from '../../core/errors';
export type { ErrorCode } from '../../core/errors';
export type { BatchView, CommissioningView, CommissioningStep, CreateResult, MeterView, InteractionView };
export type { MeterInteractionEvent, MeterStateEvent, PlantAlertEvent, PlantStatusEvent, EscoSyncEvent };
export type { IssueView, IssueResult, UnsolicitedReport, SimMeterFaults, SimAlarm };

/** One page of a list; pass `nextCursor` back as `cursor` for the next (null: the last page). */
export interface Page<T> { items: T[]; nextCursor: string | null }
/** An interaction in a history list, with its links. */
export type ListedInteraction = InteractionView & {
  followUpOf: string | null; coalescedInto: string | null; joinedCount: number; coalescedIdempotencyKeys: string[];
};
export type BatchSummary = Awaited<ReturnType<typeof historyRepo.batches>>['items'][number];
export type CommissioningSummary = Awaited<ReturnType<typeof historyRepo.commissionings>>['items'][number];
/** Filters of the interaction histories (status and type: one or several). */
export type InteractionFilters = z.input<typeof InteractionsSchema>;
/** What a meter's simulator control answers: its fault switches and state (and the report sent, for `report`). */
export interface SimMeterState {
  meterId: string;
  faults: SimMeterFaults;
  meter: { serial: string; kwhCredit: number; isOn: boolean; powerLimitW: number };
  report?: UnsolicitedReport;
}
export interface SimPlantState { plantId: string; vendorPlantId: string; silent: boolean; alarm?: SimAlarm }

export interface ClientOptions {
  /** Subject prefix of the gridtwin deployment (default `gridtwin`). */
  prefix?: string;
  timeoutMs?: number;
  /** A JWT sent as `Authorization: Bearer` with every request (a node with `GRIDTWIN_NATS_AUTH=token` requires one). */
  token?: string;
}

type CreateInteraction = Omit<CreateInteractionRequest, 'params' | 'batchExecutionId'> & { params?: Record<string, unknown> };

/**
 * A typed client for every gridtwin NATS subject: commands return data or throw GridtwinError (with the
 * server's code and details); event subscriptions hand over typed payloads. Ids are checked locally, so
 * an id that cannot be a subject token fails with INVALID_ID before anything is sent.
 */
export class GridtwinClient {
  readonly s: Subjects;
  private readonly timeoutMs: number;
  private readonly headers?: Record<string, string>;

  constructor(private readonly bus: Bus, opts: ClientOptions = {}) {
    this.s = subjects(opts.prefix ?? DEFAULT_PREFIX);
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : undefined;
  }

  /** Connects to NATS and returns a client (close it with `close()`). */
  static async connect(servers: string | string[], opts: ClientOptions = {}): Promise<GridtwinClient> {
    return new GridtwinClient(await NatsBus.connect({ servers, name: 'gridtwin-client' }), opts);
  }

  private async call<T>(subject: string, body: unknown = {}, timeoutMs = this.timeoutMs): Promise<T> {
    return unwrap(await this.bus.request<Reply<T>>(subject, body, { timeoutMs, headers: this.headers }));
  }

  private on<T>(subject: string, cb: (e: T) => void): BusSubscription {
    return this.bus.subscribe(subject, (m) => cb(m.json<T>()));
  }

  // meters and interactions
  async createInteraction(meterId: string, req: CreateInteraction): Promise<CreateResult> {
    return this.call(this.s.meterCreateInteraction(assertSubjectSafeId(meterId, 'meterId')), req);
  }
  async getMeter(meterId: string): Promise<MeterView> {
    return this.call(this.s.meterGet(assertSubjectSafeId(meterId, 'meterId')));
  }
  async setDesired(meterId: string, desired: { relay?: 'on' | 'off'; powerLimitW?: number }): Promise<MeterView> {
    return this.call(this.s.meterDesiredSet(assertSubjectSafeId(meterId, 'meterId')), desired);
  }
  async getInteraction(id: string): Promise<InteractionView> {
    return this.call(this.s.interactionGet(assertSubjectSafeId(id, 'interactionId')));
  }
  async abortInteraction(id: string, reason?: string): Promise<InteractionView> {
    return this.call(this.s.interactionAbort(assertSubjectSafeId(id, 'interactionId')), reason ? { reason } : {});
  }
  async createCommissioning(meterId: string, steps: Array<{ type: InteractionType; params?: Record<string, unknown> }>): Promise<CommissioningView> {
    return this.call(this.s.commissioningCreate(), { meterId: assertSubjectSafeId(meterId, 'meterId'), steps });
  }
  async getCommissioning(id: string): Promise<CommissioningView> {
    return this.call(this.s.commissioningGet(assertSubjectSafeId(id, 'commissioningId')));
  }
  async createBatch(req: { type: InteractionType; params?: Record<string, unknown>; meterIds: string[]; organizationId?: string }): Promise<BatchView & { interactions: CreateResult[] }> {
    req.meterIds.forEach((m) => assertSubjectSafeId(m, 'meterId'));
    return this.call(this.s.batchCreate(), req);
  }
  async getBatch(id: string): Promise<BatchView> {
    return this.call(this.s.batchGet(assertSubjectSafeId(id, 'batchId')));
  }
  async getGrid(gridId: string): Promise<{ grid: Record<string, unknown>; dcus: unknown[]; meters: unknown[]; recentInteractions: InteractionView[] }> {
    return this.call(this.s.gridGet(assertSubjectSafeId(gridId, 'gridId')));
  }

  // histories (cursor paging)
  async listMeterInteractions(meterId: string, filters: InteractionFilters = {}): Promise<Page<ListedInteraction>> {
    return this.call(this.s.meterInteractionsList(assertSubjectSafeId(meterId, 'meterId')), filters);
  }
  async listGridInteractions(gridId: string, filters: InteractionFilters = {}): Promise<Page<ListedInteraction>> {
    return this.call(this.s.gridInteractionsList(assertSubjectSafeId(gridId, 'gridId')), filters);
  }
  async listBatches(q: z.input<typeof OrgListSchema>): Promise<Page<BatchSummary>> {
    return this.call(this.s.batchesList(), q);
  }
  async listCommissionings(q: z.input<typeof OrgListSchema>): Promise<Page<CommissioningSummary>> {
    return this.call(this.s.commissioningsList(), q);
  }
  /** Every item of a paged list, following `nextCursor` (for small lists; a page is at most 500). */
  async *pages<T, Q extends { cursor?: string }>(list: (q: Q) => Promise<Page<T>>, q: Q): AsyncGenerator<T> {
    let cursor: string | undefined = q.cursor;
    do {
      const page = await list({ ...q, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  // issues (through the meter's actor, so its cascade sees them at once)
  async openIssue(meterId: string, issue: z.input<typeof IssueOpenSchema>): Promise<IssueResult> {
    return this.call(this.s.meterIssuesOpen(assertSubjectSafeId(meterId, 'meterId')), issue);
  }
  async closeIssue(meterId: string, issueId: string): Promise<IssueResult> {
    return this.call(this.s.meterIssuesClose(assertSubjectSafeId(meterId, 'meterId')), { issueId: assertSubjectSafeId(issueId, 'issueId') });
  }
  async listMeterIssues(meterId: string, q: z.input<typeof MeterIssuesSchema> = {}): Promise<Page<IssueView>> {
    return this.call(this.s.meterIssuesList(assertSubjectSafeId(meterId, 'meterId')), q);
  }
  async listIssues(q: z.input<typeof OrgIssuesSchema>): Promise<Page<IssueView>> {
    return this.call(this.s.issuesList(), q);
  }

  // uplinks (unsolicited reports from a network server or head-end)
  async reportMeter(meterId: string, report: z.input<typeof ReportSchema>): Promise<{ accepted: true }> {
    return this.call(this.s.meterReport(assertSubjectSafeId(meterId, 'meterId')), report);
  }
  /** The meter is found by `meterExternalReference` (devEUI or serial). */
  async ingestUplink(report: z.input<typeof ReportSchema>): Promise<{ accepted: true; meterId: string }> {
    return this.call(this.s.uplinksIngest(), report);
  }

  // simulator controls (a node with simulators on; UNAVAILABLE otherwise)
  async simulateMeter<A extends MeterSimAction>(meterId: string, action: A, body: z.input<(typeof METER_SIM_SCHEMAS)[A]> = {} as never): Promise<SimMeterState> {
    return this.call(this.s.simMeter(assertSubjectSafeId(meterId, 'meterId'), action), body);
  }
  async simulatePlant<A extends PlantSimAction>(plantId: string, action: A, body: z.input<(typeof PLANT_SIM_SCHEMAS)[A]> = {} as never): Promise<SimPlantState> {
    return this.call(this.s.simPlant(assertSubjectSafeId(plantId, 'plantId'), action), body);
  }

  // registry
  async upsertOrganization(o: { id: string; name: string; settings?: Record<string, unknown> }) {
    return this.call(this.s.registryUpsert('organization'), o);
  }
  async upsertGrid(g: { id: string; organizationId: string; name: string; timezone?: string }) {
    return this.call(this.s.registryUpsert('grid'), g);
  }
  async upsertDcu(d: { id: string; gridId: string; externalReference: string; kind?: 'DCU' | 'LORAWAN_GATEWAY' }) {
    return this.call(this.s.registryUpsert('dcu'), d);
  }
  async upsertMeter(m: {
    id: string; serial: string; protocol: CommunicationProtocol; externalReference?: string | null; gridId?: string | null; dcuId?: string | null;
    mode?: 'active' | 'passive' | 'virtual'; esco?: string | null; mediatorAddress?: string | null; tariffPerKwh?: number | null;
    powerLimitShouldBe?: number | null; lastSeenAt?: string | null;
  }) {
    return this.call(this.s.registryUpsert('meter'), m);
  }
  async setGridOnline(id: string, online: boolean) {
    return this.call<{ id: string; online: boolean; changed: boolean; meters: number }>(this.s.gridOnlineSet(), { id, online });
  }
  async setDcuOnline(id: string, online: boolean) {
    return this.call<{ id: string; online: boolean; changed: boolean; meters: number }>(this.s.dcuOnlineSet(), { id, online });
  }

  // Emlite sync, plants, alerts, cluster
  /** Answers when the sync is done (mediator calls have a 75 s deadline each): allow `timeoutMs` for it. */
  async syncMeter(meterId: string, syncers?: string[], timeoutMs = 15 * 60_000) {
    return this.call<unknown>(this.s.meterSync(assertSubjectSafeId(meterId, 'meterId')), syncers ? { syncers } : {}, timeoutMs);
  }
  /** Waits for the sweep unless `async: true` (then answers with the sweep id at once). */
  async syncEsco(esco: string, opts: { async?: boolean } = {}, timeoutMs = opts.async ? this.timeoutMs : 60 * 60_000) {
    return this.call<unknown>(this.s.escoSync(assertSubjectSafeId(esco, 'esco')), opts, timeoutMs);
  }
  async escoSyncStatus(esco: string) {
    return this.call<unknown>(this.s.escoSyncStatus(assertSubjectSafeId(esco, 'esco')));
  }
  /** Answers with the poll log when the poll is done (its deadline is 20 min by default). */
  async pollPlant(plantId: string, timeoutMs = 21 * 60_000) {
    return this.call<unknown>(this.s.plantPoll(assertSubjectSafeId(plantId, 'plantId')), {}, timeoutMs);
  }
  /** Registers a plant (see asyncapi `registry.plant.upsert` for the fields). */
  async upsertPlant(plant: Record<string, unknown>) {
    return this.call<unknown>(this.s.registryUpsert('plant'), plant);
  }
  /** Saves vendor credentials (tested against the vendor, stored encrypted, never echoed back). */
  async upsertCredential(credential: Record<string, unknown>, timeoutMs = 60_000) {
    return this.call<unknown>(this.s.registryUpsert('credential'), credential, timeoutMs);
  }
  async getPlant(plantId: string) {
    return this.call<unknown>(this.s.plantGet(assertSubjectSafeId(plantId, 'plantId')));
  }
  async listAlerts(organizationId: string, state?: 'NEW' | 'ACKED' | 'RESOLVED') {
    return this.call<unknown>(this.s.alertsList(), { organizationId, ...(state ? { state } : {}) });
  }
  async ackAlert(alertId: string, by?: string) {
    return this.call<unknown>(this.s.alertAck(assertSubjectSafeId(alertId, 'alertId')), by ? { by } : {});
  }
  async clusterStatus() {
    return this.call<unknown>(this.s.clusterStatus());
  }
  async clusterNodeStatus(nodeId: string) {
    return this.call<unknown>(this.s.clusterNodeStatus(assertSubjectSafeId(nodeId, 'nodeId')));
  }

  // events
  onGridInteractions(gridId: string, cb: (e: MeterInteractionEvent) => void) {
    return this.on(this.s.evtGridMeterInteraction(assertSubjectSafeId(gridId, 'gridId')), cb);
  }
  onMeterState(meterId: string, cb: (e: MeterStateEvent) => void) {
    return this.on(this.s.evtMeterState(assertSubjectSafeId(meterId, 'meterId')), cb);
  }
  onPlantStatus(plantId: string, cb: (e: PlantStatusEvent) => void) {
    return this.on(this.s.evtPlantStatus(assertSubjectSafeId(plantId, 'plantId')), cb);
  }
  onPlantAlert(plantId: string, cb: (e: PlantAlertEvent) => void) {
    return this.on(this.s.evtPlantAlert(assertSubjectSafeId(plantId, 'plantId')), cb);
  }
  onOrgAlerts(organizationId: string, cb: (e: PlantAlertEvent) => void) {
    return this.on(this.s.evtOrgAlert(assertSubjectSafeId(organizationId, 'organizationId')), cb);
  }
  onClusterStatus(cb: (e: { at: string; by: string; status: unknown }) => void) {
    return this.on(this.s.evtClusterStatus(), cb);
  }
  onEscoSync(esco: string, cb: (e: EscoSyncEvent) => void) {
    return this.on(this.s.evtEscoSync(assertSubjectSafeId(esco, 'esco')), cb);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

export const isGridtwinError = (e: unknown): e is GridtwinError => e instanceof GridtwinError;

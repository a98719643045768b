import type { CommunicationProtocol, InteractionStatus, InteractionType, IssueType } from '../core/domain';
import { isoOrNull as iso } from '../core/time';

/** Plain row shapes the actors hold in memory (camelCase), mapped from SQL rows in one place. */
export interface MeterRow {
  id: string;
  serial: string;
  externalReference: string | null;
  protocol: CommunicationProtocol;
  gridId: string | null;
  dcuId: string | null;
  mode: 'active' | 'passive' | 'virtual';
  esco: string | null;
  mediatorAddress: string | null;
  tariffPerKwh: number | null;
  isOn: boolean | null;
  isOnUpdatedAt: string | null;
  powerLimit: number | null;
  powerLimitUpdatedAt: string | null;
  powerLimitShouldBe: number | null;
  kwhCreditAvailable: number | null;
  kwhCreditAvailableUpdatedAt: string | null;
  balanceInLocalCurrency: number | null;
  balanceInLocalCurrencyUpdatedAt: string | null;
  version: string | null;
  versionUpdatedAt: string | null;
  lastSeenAt: string | null;
  connectionMetrics: Record<string, unknown> | null;
  connectionMetricsUpdatedAt: string | null;
  lastCommissioningId: string | null;
  lastEncounteredIssueId: string | null;
  desired: Record<string, unknown>;
  shadowMetadata: Record<string, unknown>;
  rowVersion: number;
  updatedAt: string;
}

export interface InteractionRow {
  id: string;
  meterId: string;
  type: InteractionType;
  status: InteractionStatus;
  params: Record<string, unknown>;
  targetValue: unknown;
  resultValue: unknown;
  failureReason: string | null;
  orderId: string | null;
  batchExecutionId: string | null;
  batchExecutionIds: string[];
  meterCommissioningId: string | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  skipWebsocketEmission: boolean;
  followUpOf: string | null;
  /** Set on a joined caller's record: the interaction that serves it (coalescing). */
  coalescedInto?: string | null;
  seq: number;
  expiresAt: string | null;
  deadlineAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface IssueRow {
  id: string;
  meterId: string;
  type: IssueType;
  status: 'OPEN' | 'CLOSED';
  createdAt: string;
}

export interface OutboxRow {
  id: number;
  interactionId: string;
  meterId: string;
  step: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));
const json = <T>(v: unknown, d: T): T => (v == null ? d : typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

type R = Record<string, unknown>;

export function toMeterRow(r: R): MeterRow {
  return {
    id: String(r.id),
    serial: String(r.serial),
    externalReference: (r.external_reference as string | null) ?? null,
    protocol: r.communication_protocol as CommunicationProtocol,
    gridId: (r.grid_id as string | null) ?? null,
    dcuId: (r.dcu_id as string | null) ?? null,
    mode: r.mode as MeterRow['mode'],
    esco: (r.esco as string | null) ?? null,
    mediatorAddress: (r.mediator_address as string | null) ?? null,
    tariffPerKwh: num(r.tariff_per_kwh),
    isOn: (r.is_on as boolean | null) ?? null,
    isOnUpdatedAt: iso(r.is_on_updated_at),
    powerLimit: num(r.power_limit),
    powerLimitUpdatedAt: iso(r.power_limit_updated_at),
    powerLimitShouldBe: num(r.power_limit_should_be),
    kwhCreditAvailable: num(r.kwh_credit_available),
    kwhCreditAvailableUpdatedAt: iso(r.kwh_credit_available_updated_at),
    balanceInLocalCurrency: num(r.balance_in_local_currency),
    balanceInLocalCurrencyUpdatedAt: iso(r.balance_in_local_currency_updated_at),
    version: (r.version as string | null) ?? null,
    versionUpdatedAt: iso(r.version_updated_at),
    lastSeenAt: iso(r.last_seen_at),
    connectionMetrics: json(r.connection_metrics, null),
    connectionMetricsUpdatedAt: iso(r.connection_metrics_updated_at),
    lastCommissioningId: (r.last_commissioning_id as string | null) ?? null,
    lastEncounteredIssueId: (r.last_encountered_issue_id as string | null) ?? null,
    desired: json(r.desired, {}),
    shadowMetadata: json(r.shadow_metadata, {}),
    rowVersion: Number(r.row_version),
    updatedAt: iso(r.updated_at)!,
  };
}

export function toInteractionRow(r: R): InteractionRow {
  return {
    id: String(r.id),
    meterId: String(r.meter_id),
    type: r.interaction_type as InteractionType,
    status: r.status as InteractionStatus,
    params: json(r.params, {}),
    targetValue: json(r.target_value, null),
    resultValue: json(r.result_value, null),
    failureReason: (r.failure_reason as string | null) ?? null,
    orderId: (r.order_id as string | null) ?? null,
    batchExecutionId: (r.batch_execution_id as string | null) ?? null,
    batchExecutionIds: json<string[] | null>(r.batch_ids, null)?.filter(Boolean) ?? (r.batch_execution_id ? [String(r.batch_execution_id)] : []),
    meterCommissioningId: (r.meter_commissioning_id as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    requestHash: (r.request_hash as string | null) ?? null,
    skipWebsocketEmission: Boolean(r.skip_websocket_emission),
    followUpOf: (r.follow_up_of as string | null) ?? null,
    coalescedInto: (r.coalesced_into as string | null) ?? null,
    seq: Number(r.seq),
    expiresAt: iso(r.expires_at),
    deadlineAt: iso(r.deadline_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export function toIssueRow(r: R): IssueRow {
  return { id: String(r.id), meterId: String(r.meter_id), type: r.issue_type as IssueType, status: r.status as 'OPEN' | 'CLOSED', createdAt: iso(r.created_at)! };
}

export function toOutboxRow(r: R): OutboxRow {
  return { id: Number(r.id), interactionId: String(r.interaction_id), meterId: String(r.meter_id), step: String(r.step), payload: json(r.payload, {}), attempts: Number(r.attempts) };
}

/** Column for each status's timestamp. */
export const STATUS_TIMESTAMP_COLUMN: Record<InteractionStatus, string> = {
  QUEUED: 'queued_at', SUSPENDED: 'suspended_at', DEFERRED: 'deferred_at', PROCESSING: 'processing_at',
  VERIFYING: 'verifying_at', SUCCESSFUL: 'successful_at', FAILED: 'failed_at', ABORTED: 'aborted_at',
  SUPERSEDED: 'superseded_at', EXPIRED: 'expired_at',
};

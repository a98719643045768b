import { EntitySchema } from '@mikro-orm/core';

/** Solar plant monitoring entities (seed 002); columns as in Migration20261123000003_solar. */
export interface IntegrationCredential {
  id: string; organizationId: string; brand: string; encryptedCredentials: string; baseUrl?: string | null;
  lastTestedAt?: Date | null; rowVersion: number; createdAt: Date; updatedAt: Date;
}
export const IntegrationCredentialSchema = new EntitySchema<IntegrationCredential>({
  name: 'IntegrationCredential', tableName: 'integration_credentials',
  properties: {
    id: { type: 'text', primary: true },
    organizationId: { type: 'text' },
    brand: { type: 'text' },
    encryptedCredentials: { type: 'text' },
    baseUrl: { type: 'text', nullable: true },
    lastTestedAt: { type: 'Date', nullable: true },
    rowVersion: { type: 'integer', version: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface Plant {
  id: string; organizationId: string; credentialId: string; brand: string; vendorPlantId: string; name: string; timezone: string;
  capacityKwp?: string | null; integrationStatus: 'ACTIVE' | 'PAUSED' | 'ERROR'; status: 'GREEN' | 'YELLOW' | 'RED' | 'GREY';
  statusReason?: string | null; lastSeenAt?: Date | null; lastPolledAt?: Date | null; alarmsCheckedAt?: Date | null;
  rowVersion: number; createdAt: Date; updatedAt: Date;
}
export const PlantSchema = new EntitySchema<Plant>({
  name: 'Plant', tableName: 'plants',
  properties: {
    id: { type: 'text', primary: true },
    organizationId: { type: 'text' },
    credentialId: { type: 'text' },
    brand: { type: 'text' },
    vendorPlantId: { type: 'text' },
    name: { type: 'text' },
    timezone: { type: 'text', default: 'UTC' },
    capacityKwp: { type: 'decimal', nullable: true },
    integrationStatus: { type: 'text', default: 'ACTIVE' },
    status: { type: 'text', default: 'GREY' },
    statusReason: { type: 'text', nullable: true },
    lastSeenAt: { type: 'Date', nullable: true },
    lastPolledAt: { type: 'Date', nullable: true },
    alarmsCheckedAt: { type: 'Date', nullable: true },
    rowVersion: { type: 'integer', version: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface MetricSnapshot {
  plantId: string; date: string; todayEnergyKwh: string; currentPowerW?: string | null; totalEnergyKwh?: string | null;
  lastSeenAt?: Date | null; source: 'POLL' | 'BACKFILL'; createdAt: Date; updatedAt: Date;
}
export const MetricSnapshotSchema = new EntitySchema<MetricSnapshot>({
  name: 'MetricSnapshot', tableName: 'metric_snapshots',
  properties: {
    plantId: { type: 'text', primary: true },
    date: { type: 'date', primary: true },
    todayEnergyKwh: { type: 'decimal' },
    currentPowerW: { type: 'decimal', nullable: true },
    totalEnergyKwh: { type: 'decimal', nullable: true },
    lastSeenAt: { type: 'Date', nullable: true },
    source: { type: 'text', default: 'POLL' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface Alert {
  id: string; plantId: string; organizationId: string; type: string; vendorAlarmCode?: string | null; deviceSn?: string | null;
  severity: string; message: string; state: 'NEW' | 'ACKED' | 'RESOLVED'; firstSeenAt: Date; lastNotifiedAt?: Date | null;
  ackedAt?: Date | null; ackedBy?: string | null; resolvedAt?: Date | null; createdAt: Date; updatedAt: Date;
}
export const AlertSchema = new EntitySchema<Alert>({
  name: 'Alert', tableName: 'alerts',
  properties: {
    id: { type: 'text', primary: true },
    plantId: { type: 'text' },
    organizationId: { type: 'text' },
    type: { type: 'text' },
    vendorAlarmCode: { type: 'text', nullable: true },
    deviceSn: { type: 'text', nullable: true },
    severity: { type: 'text' },
    message: { type: 'text' },
    state: { type: 'text', default: 'NEW' },
    firstSeenAt: { type: 'Date' },
    lastNotifiedAt: { type: 'Date', nullable: true },
    ackedAt: { type: 'Date', nullable: true },
    ackedBy: { type: 'text', nullable: true },
    resolvedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface PollLog {
  id: string; plantId: string; trigger: 'SCHEDULE' | 'MANUAL'; startedAt: Date; finishedAt: Date; durationMs: number;
  status: 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'SKIPPED'; vendorCalls: number; errorCode?: string | null; errorMessage?: string | null; createdAt: Date;
}
export const PollLogSchema = new EntitySchema<PollLog>({
  name: 'PollLog', tableName: 'poll_logs',
  properties: {
    id: { type: 'text', primary: true },
    plantId: { type: 'text' },
    trigger: { type: 'text' },
    startedAt: { type: 'Date' },
    finishedAt: { type: 'Date' },
    durationMs: { type: 'integer' },
    status: { type: 'text' },
    vendorCalls: { type: 'integer', default: 0 },
    errorCode: { type: 'text', nullable: true },
    errorMessage: { type: 'text', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
  },
});

export const solarEntities = [IntegrationCredentialSchema, PlantSchema, MetricSnapshotSchema, AlertSchema, PollLogSchema];

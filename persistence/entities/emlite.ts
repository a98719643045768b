import { EntitySchema } from '@mikro-orm/core';

/** Emlite sync entities (seed 001); columns as in Migration20261123000002_emlite. Writes go through repositories/emlite.ts. */
export type RunFrequency = 'hourly' | '12hourly' | 'daily';
export type MeterHealth = 'healthy' | 'unhealthy' | 'unknown';

export interface MeterMetric { name: string; enabled: boolean; runFrequency: RunFrequency; updatedAt: Date }
export const MeterMetricSchema = new EntitySchema<MeterMetric>({
  name: 'MeterMetric', tableName: 'meter_metrics',
  properties: {
    name: { type: 'text', primary: true },
    enabled: { type: 'boolean', default: true },
    runFrequency: { type: 'text', fieldName: 'run_frequency' },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface MeterShadow {
  meterId: string;
  importA?: string | null; importB?: string | null; exportA?: string | null; exportB?: string | null;
  readsAt?: Date | null;
  balance?: string | null;
  csq?: number | null;
  networkOperator?: number | null;
  tariffsActive?: Record<string, unknown> | null;
  tariffsFuture?: Record<string, unknown> | null;
  hardware?: string | null;
  firmware?: string | null;
  clockDiffSeconds?: number | null;
  voltage?: string | null;
  voltageL1?: string | null; voltageL2?: string | null; voltageL3?: string | null;
  serialReported?: string | null;
  lastEventAt?: Date | null;
  health: MeterHealth;
  healthDetails: string;
  updatedAt: Date;
  syncedAt?: Date | null;
}
export const MeterShadowSchema = new EntitySchema<MeterShadow>({
  name: 'MeterShadow', tableName: 'meter_shadows',
  properties: {
    meterId: { type: 'text', primary: true, fieldName: 'meter_id' },
    importA: { type: 'bigint', nullable: true, fieldName: 'import_a' },
    importB: { type: 'bigint', nullable: true, fieldName: 'import_b' },
    exportA: { type: 'bigint', nullable: true, fieldName: 'export_a' },
    exportB: { type: 'bigint', nullable: true, fieldName: 'export_b' },
    readsAt: { type: 'Date', nullable: true },
    balance: { type: 'decimal', nullable: true },
    csq: { type: 'integer', nullable: true },
    networkOperator: { type: 'integer', nullable: true },
    tariffsActive: { type: 'json', nullable: true },
    tariffsFuture: { type: 'json', nullable: true },
    hardware: { type: 'text', nullable: true },
    firmware: { type: 'text', nullable: true },
    clockDiffSeconds: { type: 'integer', nullable: true },
    voltage: { type: 'decimal', nullable: true },
    voltageL1: { type: 'decimal', nullable: true, fieldName: 'voltage_l1' },
    voltageL2: { type: 'decimal', nullable: true, fieldName: 'voltage_l2' },
    voltageL3: { type: 'decimal', nullable: true, fieldName: 'voltage_l3' },
    serialReported: { type: 'text', nullable: true },
    lastEventAt: { type: 'Date', nullable: true },
    health: { type: 'text', default: 'unknown' },
    healthDetails: { type: 'text', default: '' },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
    syncedAt: { type: 'Date', nullable: true },
  },
});

export interface MeterRegister { registerId: string; meterId: string; element: 'A' | 'B'; createdAt: Date }
export const MeterRegisterSchema = new EntitySchema<MeterRegister>({
  name: 'MeterRegister', tableName: 'meter_registers',
  properties: {
    registerId: { type: 'uuid', primary: true, fieldName: 'register_id' },
    meterId: { type: 'text', fieldName: 'meter_id' },
    element: { type: 'text' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
  },
});

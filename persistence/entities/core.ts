import { EntitySchema } from '@mikro-orm/core';

/**
 * MikroORM entity schemas (EntitySchema: no decorator metadata needed). Rows an actor owns carry an
 * optimistic `rowVersion`. Column names are snake_case as in the migrations.
 */
export interface Organization { id: string; name: string; settings: Record<string, unknown>; createdAt: Date; updatedAt: Date }
export const OrganizationSchema = new EntitySchema<Organization>({
  name: 'Organization', tableName: 'organizations',
  properties: {
    id: { type: 'text', primary: true },
    name: { type: 'text' },
    settings: { type: 'json', default: '{}' },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface Grid { id: string; organizationId: string; name: string; timezone: string; isOnline: boolean; isOnlineUpdatedAt?: Date | null; createdAt: Date; updatedAt: Date }
export const GridSchema = new EntitySchema<Grid>({
  name: 'Grid', tableName: 'grids',
  properties: {
    id: { type: 'text', primary: true },
    organizationId: { type: 'text', fieldName: 'organization_id' },
    name: { type: 'text' },
    timezone: { type: 'text', default: 'UTC' },
    isOnline: { type: 'boolean', default: true },
    isOnlineUpdatedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface Dcu { id: string; gridId: string; externalReference: string; kind: string; isOnline: boolean; isOnlineUpdatedAt?: Date | null; createdAt: Date; updatedAt: Date }
export const DcuSchema = new EntitySchema<Dcu>({
  name: 'Dcu', tableName: 'dcus',
  properties: {
    id: { type: 'text', primary: true },
    gridId: { type: 'text', fieldName: 'grid_id' },
    externalReference: { type: 'text', unique: true },
    kind: { type: 'text', default: 'DCU' },
    isOnline: { type: 'boolean', default: true },
    isOnlineUpdatedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface Issue { id: string; meterId: string; gridId?: string | null; issueType: string; status: 'OPEN' | 'CLOSED'; closedAt?: Date | null; createdAt: Date; updatedAt: Date }
export const IssueSchema = new EntitySchema<Issue>({
  name: 'Issue', tableName: 'issues',
  properties: {
    id: { type: 'text', primary: true },
    meterId: { type: 'text', fieldName: 'meter_id' },
    gridId: { type: 'text', nullable: true },
    issueType: { type: 'text' },
    status: { type: 'text' },
    closedAt: { type: 'Date', nullable: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface BatchExecution {
  id: string; organizationId?: string | null; interactionType: string; totalCount: number; pendingCount: number;
  processingCount: number; successfulCount: number; failedCount: number; abortedCount: number; status: string;
  recountedAt?: Date | null; rowVersion: number; createdAt: Date; updatedAt: Date;
}
export const BatchExecutionSchema = new EntitySchema<BatchExecution>({
  name: 'BatchExecution', tableName: 'batch_executions',
  properties: {
    id: { type: 'text', primary: true },
    organizationId: { type: 'text', nullable: true },
    interactionType: { type: 'text' },
    totalCount: { type: 'integer' },
    pendingCount: { type: 'integer' },
    processingCount: { type: 'integer' },
    successfulCount: { type: 'integer' },
    failedCount: { type: 'integer' },
    abortedCount: { type: 'integer' },
    status: { type: 'text' },
    recountedAt: { type: 'Date', nullable: true },
    rowVersion: { type: 'integer', version: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface MeterCommissioning { id: string; meterId: string; status: string; steps: unknown[]; failureReason?: string | null; rowVersion: number; createdAt: Date; updatedAt: Date }
export const MeterCommissioningSchema = new EntitySchema<MeterCommissioning>({
  name: 'MeterCommissioning', tableName: 'meter_commissionings',
  properties: {
    id: { type: 'text', primary: true },
    meterId: { type: 'text', fieldName: 'meter_id' },
    status: { type: 'text' },
    steps: { type: 'json' },
    failureReason: { type: 'text', nullable: true },
    rowVersion: { type: 'integer', version: true },
    createdAt: { type: 'Date', onCreate: () => new Date() },
    updatedAt: { type: 'Date', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

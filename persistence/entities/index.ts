import {
  BatchExecutionSchema, DcuSchema, GridSchema, IssueSchema, MeterCommissioningSchema, OrganizationSchema,
} from './core';
import { MeterMetricSchema, MeterRegisterSchema, MeterShadowSchema } from './emlite';

/** Every entity schema registered with MikroORM. Areas add theirs here. */
export const allEntities = [
  OrganizationSchema, GridSchema, DcuSchema, IssueSchema, BatchExecutionSchema, MeterCommissioningSchema,
  MeterMetricSchema, MeterShadowSchema, MeterRegisterSchema,
];
export * from './core';
export * from './emlite';

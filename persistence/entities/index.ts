import {
  BatchExecutionSchema, DcuSchema, GridSchema, IssueSchema, MeterCommissioningSchema, OrganizationSchema,
} from './core';
import { solarEntities } from './solar';
import { MeterMetricSchema, MeterRegisterSchema, MeterShadowSchema } from './emlite';

/** Every entity schema registered with MikroORM. Areas add theirs here. */
export const allEntities = [
  OrganizationSchema, GridSchema, DcuSchema, IssueSchema, BatchExecutionSchema, MeterCommissioningSchema,
  MeterMetricSchema, MeterShadowSchema, MeterRegisterSchema,
  ...solarEntities,
];
export * from './core';
export * from './emlite';
export * from './solar';

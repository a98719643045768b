import {
  BatchExecutionSchema, DcuSchema, GridSchema, IssueSchema, MeterCommissioningSchema, OrganizationSchema,
} from './core';

/** Every entity schema registered with MikroORM. Areas add theirs here. */
export const allEntities = [
  OrganizationSchema, GridSchema, DcuSchema, IssueSchema, BatchExecutionSchema, MeterCommissioningSchema,
];
export * from './core';

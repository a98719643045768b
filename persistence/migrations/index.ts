import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000001_core } from './Migration20261123000001_core';
import { Migration20261123000005_idempotency_aliases } from './Migration20261123000005_idempotency_aliases';
import { Migration20261123000002_emlite } from './Migration20261123000002_emlite';
import { Migration20261123000003_solar } from './Migration20261123000003_solar';
import { Migration20261123000004_cluster } from './Migration20261123000004_cluster';
import { Migration20261202_0340_tenant_meter_organization } from './Migration20261202_0340_tenant_meter_organization';
import { Migration202612020330_emlite_three_phase } from './Migration202612020330_emlite_three_phase';
import { Migration20261202035000_origin_change_feed } from './Migration20261202035000_origin_change_feed';
import { Migration20261202_0345_reliability_outbox_claims } from './Migration20261202_0345_reliability_outbox_claims';
import { Migration20261202_operator_telemetry } from './Migration20261202_operator_telemetry';
import { Migration20261202_0700_coalesced_into } from './Migration20261202_0700_coalesced_into';
import { Migration20261202_1000_idempotency_per_meter } from './Migration20261202_1000_idempotency_per_meter';

/** Checked-in migrations, in order. Listed explicitly so they run the same under tsx, vitest and builds. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000001_core', class: Migration20261123000001_core },
  { name: 'Migration20261123000002_emlite', class: Migration20261123000002_emlite },
  { name: 'Migration20261123000003_solar', class: Migration20261123000003_solar },
  { name: 'Migration20261123000004_cluster', class: Migration20261123000004_cluster },
  { name: 'Migration20261123000005_idempotency_aliases', class: Migration20261123000005_idempotency_aliases },
  { name: 'Migration20261202_0340_tenant_meter_organization', class: Migration20261202_0340_tenant_meter_organization },
  { name: 'Migration202612020330_emlite_three_phase', class: Migration202612020330_emlite_three_phase },
  { name: 'Migration20261202035000_origin_change_feed', class: Migration20261202035000_origin_change_feed },
  { name: 'Migration20261202_0345_reliability_outbox_claims', class: Migration20261202_0345_reliability_outbox_claims },
  { name: 'Migration20261202_operator_telemetry', class: Migration20261202_operator_telemetry },
  { name: 'Migration20261202_0700_coalesced_into', class: Migration20261202_0700_coalesced_into },
  { name: 'Migration20261202_1000_idempotency_per_meter', class: Migration20261202_1000_idempotency_per_meter },
];

import type { Bus } from '../adapters/bus';
import type { MeterDriver } from '../adapters/meters/types';
import type { MediatorPool } from '../adapters/emlite';
import type { Config } from '../core/config';
import type { Logger } from '../core/logger';
import type { Metrics } from '../core/metrics';
import type { Subjects } from '../core/subjects';
import type { Database } from '../persistence';

/** What every actor may use. Built once by actors/system.ts. */
export interface RuntimeDeps {
  db: Database;
  bus: Bus;
  subjects: Subjects;
  driver: MeterDriver;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  now: () => number;
  /** Emlite mediators (seed 001); absent when the node syncs no Emlite meters. */
  mediators?: MediatorPool;
}

import type { PlantStatus } from '../../../core/events';
import type { AlarmSeverity } from '../../../adapters/solar/types';
import { OFFLINE_AFTER_MS } from './offline';
import { HOUR_MS } from '../../../core/time';

/**
 * Plant status, the seed's table: GREY when the integration is not ACTIVE; RED when last seen > 24 h
 * (or never) or a critical alert is open; YELLOW when last seen 2–24 h or generation is low; GREEN when
 * seen ≤ 2 h ago with no red alert. Rows are tried in order; the first that holds gives the status.
 */
export const STALE_AFTER_MS = 2 * HOUR_MS;

export interface PlantStatusFacts {
  integrationStatus: string;
  lastSeenAt: Date | null;
  now: Date;
  openAlertSeverities: readonly AlarmSeverity[];
  /** From lowGeneration(): YELLOW or RED verdicts both make the plant YELLOW here (RED raises a critical alert). */
  lowGeneration: boolean;
}

interface StatusRow {
  status: PlantStatus;
  reason: string;
  holds: (f: PlantStatusFacts, silentMs: number) => boolean;
}

export const PLANT_STATUS_TABLE: readonly StatusRow[] = [
  { status: 'GREY', reason: 'integration not active', holds: (f) => f.integrationStatus !== 'ACTIVE' },
  { status: 'RED', reason: 'never seen', holds: (f) => f.lastSeenAt === null },
  { status: 'RED', reason: 'last seen more than 24 h ago', holds: (_f, silent) => silent > OFFLINE_AFTER_MS },
  { status: 'RED', reason: 'open critical alert', holds: (f) => f.openAlertSeverities.includes('CRITICAL') },
  { status: 'YELLOW', reason: 'last seen 2–24 h ago', holds: (_f, silent) => silent > STALE_AFTER_MS },
  { status: 'YELLOW', reason: 'low generation', holds: (f) => f.lowGeneration },
  { status: 'GREEN', reason: 'reporting, no red alert', holds: () => true },
];

export function plantStatus(f: PlantStatusFacts): { status: PlantStatus; reason: string } {
  const silent = f.lastSeenAt === null ? Number.POSITIVE_INFINITY : f.now.getTime() - f.lastSeenAt.getTime();
  const row = PLANT_STATUS_TABLE.find((r) => r.holds(f, silent))!;
  return { status: row.status, reason: row.reason };
}

import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Deye Cloud OpenAPI v1.0 shapes: flat bodies with `{code, msg, success, requestId}` beside the data. */
const numeric = z.union([z.number(), z.string()]).nullable().optional();

export const DeyeStatus = z.object({ code: z.union([z.string(), z.number()]).optional(), msg: z.string().nullable().optional(), success: z.boolean() }).passthrough();

export const DeyeToken = DeyeStatus.extend({ accessToken: z.string().min(1), expiresIn: numeric });

const id = z.union([z.number(), z.string()]);

/** Rows come as `{id, name}` or `{stationId, stationName}` (both seen by oraad/ha-deyecloud tests/fixtures/stations.json). */
export const DeyeStationList = DeyeStatus.extend({
  total: z.number().nullable().optional(),
  stationList: z.array(z.object({
    id: id.optional(), stationId: id.optional(), name: z.string().nullable().optional(), stationName: z.string().nullable().optional(),
    regionTimezone: z.string().nullable().optional(), installedCapacity: numeric,
  }).refine((s) => s.id !== undefined || s.stationId !== undefined, { message: 'station row has neither id nor stationId', path: ['id'] })),
});

export const DeyeStationLatest = DeyeStatus.extend({ generationPower: numeric, lastUpdateTime: numeric });

/** `stationDataItems[].generationValue` (botnick/deyecloud reads it); assumed: each item dates itself by `year`, `month`, `day`. */
export const DeyeHistory = DeyeStatus.extend({
  stationDataItems: z.array(z.object({ year: z.number(), month: z.number(), day: z.number(), generationValue: numeric })),
});

/**
 * `station/alertList` as botnick/deyecloud src/worker/deye.ts (commit 48804089) reads it: `stationAlertItems[]` with
 * `alertId`, `deviceSn`, `alertName` (e.g. "F56 DC_VoltLow_Fault"), `level` (1 warning, 2 fault), `impact`,
 * `alertStartTime`, `alertEndTime` (epoch seconds; 0 or absent while the alert is open), `status`; `total` beside.
 * `alertCode` is in no named source: assumed, optional.
 */
export const DeyeAlerts = DeyeStatus.extend({
  total: z.number().nullable().optional(),
  stationAlertItems: z.array(z.object({
    alertId: z.union([z.number(), z.string()]).nullable().optional(),
    alertCode: z.union([z.number(), z.string()]).nullable().optional(),
    alertName: z.string().nullable().optional(),
    deviceSn: z.string().nullable().optional(),
    level: z.number().nullable().optional(),
    alertStartTime: numeric,
    alertEndTime: numeric,
    status: z.number().nullable().optional(),
  }).passthrough()).nullable().optional(),
});

/** botnick/deyecloud: level 1 = warning, 2 = fault. Assumed: warning → MINOR, fault → CRITICAL, anything else → INFO. */
export const DEYE_LEVEL_TO_SEVERITY = { 1: 'MINOR', 2: 'CRITICAL' } as const;

/** `alertList` refuses a window over 180 days (botnick/deyecloud src/worker/deye.ts). */
export const DEYE_MAX_ALERT_WINDOW_DAYS = 180;

/** Deye wants the password as lower-case hex SHA-256, never in clear. */
export const deyePasswordHash = (password: string) => createHash('sha256').update(password, 'utf8').digest('hex');

/**
 * History with granularity 2 (days): `endAt` is exclusive and a call spans at most 31 days
 * (DeyeCloudDevelopers/deye-openapi-client-sample-code clientcode/station/obtain_station_history.py).
 */
export const DEYE_MAX_HISTORY_DAYS = 31;

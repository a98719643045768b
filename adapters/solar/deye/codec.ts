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

export const DeyeHistory = DeyeStatus.extend({
  stationDataItems: z.array(z.object({ year: z.number(), month: z.number(), day: z.number(), generationValue: numeric })),
});

export const DeyeAlerts = DeyeStatus.extend({
  total: z.number(),
  stationAlertItems: z.array(z.object({
    alertId: z.union([z.number(), z.string()]),
    alertCode: z.union([z.number(), z.string()]),
    alertName: z.string().nullable().optional(),
    deviceSn: z.string().nullable().optional(),
    /** 1 critical … 4 info. */
    level: z.number(),
    alertTime: z.number(),
    recoveryTime: z.number().nullable().optional(),
  })),
});

export const DEYE_LEVEL_TO_SEVERITY = { 1: 'CRITICAL', 2: 'MAJOR', 3: 'MINOR', 4: 'INFO' } as const;

/** Deye wants the password as lower-case hex SHA-256, never in clear. */
export const deyePasswordHash = (password: string) => createHash('sha256').update(password, 'utf8').digest('hex');

/**
 * History with granularity 2 (days): `endAt` is exclusive and a call spans at most 31 days
 * (DeyeCloudDevelopers/deye-openapi-client-sample-code clientcode/station/obtain_station_history.py).
 */
export const DEYE_MAX_HISTORY_DAYS = 31;

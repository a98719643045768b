import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Deye Cloud OpenAPI v1.0 shapes: flat bodies with `{code, msg, success, requestId}` beside the data. */
const numeric = z.union([z.number(), z.string()]).nullable().optional();

export const DeyeStatus = z.object({ code: z.union([z.string(), z.number()]).optional(), msg: z.string().nullable().optional(), success: z.boolean() }).passthrough();

export const DeyeToken = DeyeStatus.extend({ accessToken: z.string().min(1), expiresIn: numeric });

export const DeyeStationList = DeyeStatus.extend({
  total: z.number(),
  stationList: z.array(z.object({ id: z.union([z.number(), z.string()]), name: z.string(), regionTimezone: z.string().nullable().optional(), installedCapacity: numeric })),
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

/** History with granularity 2 (days) spans at most this many days per call. */
export const DEYE_MAX_HISTORY_DAYS = 31;

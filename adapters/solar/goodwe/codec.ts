import { z } from 'zod';
import { zonedTimeToInstant } from '../time';

/** SEMS shapes: `{hasError, code, msg, data}`; times are plant-local "MM/DD/YYYY HH:mm:ss" strings. */
const numeric = z.union([z.number(), z.string()]).nullable().optional();

export const semsEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({
    hasError: z.boolean().optional(),
    code: z.union([z.number(), z.string()]),
    msg: z.string().nullable().optional(),
    data: z.union([data, z.null()]).optional(),
    api: z.string().nullable().optional(),
  });

export const SemsLoginData = z.object({ uid: z.string(), timestamp: z.number(), token: z.string() }).passthrough();

export const SemsStationPage = z.object({
  record: z.number(),
  list: z.array(z.object({ powerstation_id: z.string(), stationname: z.string(), capacity: numeric })),
});

export const SemsMonitorDetail = z.object({
  info: z.object({ powerstation_id: z.string(), stationname: z.string().optional() }).passthrough(),
  kpi: z.object({ pac: numeric, power: numeric, total_power: numeric }).passthrough(),
  inverter: z.array(z.object({ sn: z.string(), last_refresh_time: z.string().nullable().optional() }).passthrough()),
});

export const SemsWarnings = z.object({
  record: z.number(),
  list: z.array(z.object({
    sn: z.string().nullable().optional(),
    warningname: z.string().nullable().optional(),
    error_code: z.union([z.string(), z.number()]),
    warning_level: z.number(),
    happentime: z.string(),
    recoverytime: z.string().nullable().optional(),
    /** 0 active, 1 recovered. */
    status: z.number(),
  })),
});

export const SemsChart = z.object({
  lines: z.array(z.object({ key: z.string(), xy: z.array(z.object({ x: z.string(), y: numeric })) })),
});

export const SEMS_LEVEL_TO_SEVERITY = { 1: 'CRITICAL', 2: 'MAJOR', 3: 'MINOR', 4: 'INFO' } as const;

const LOCAL_TIME_RE = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

export function parseSemsTime(value: string | null | undefined, timeZone: string): Date | null {
  const m = value ? LOCAL_TIME_RE.exec(value) : null;
  if (!m) return null;
  const [, mo, d, y, h, mi, s] = m;
  return zonedTimeToInstant(`${y}-${mo}-${d}`, timeZone, Number(h), Number(mi), Number(s));
}

export function formatSemsTime(p: { year: number; month: number; day: number; hour: number; minute: number; second: number }): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(p.month)}/${two(p.day)}/${p.year} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

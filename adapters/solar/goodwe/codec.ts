import { createHash } from 'node:crypto';
import { z } from 'zod';
import { zonedTimeToInstant } from '../../../core/time';

/** SEMS shapes: `{hasError, code, msg, data}`; times are plant-local "MM/DD/YYYY HH:mm:ss" strings. */
const numeric = z.union([z.number(), z.string()]).nullable().optional();

export const semsEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({
    hasError: z.boolean().optional().nullable(),
    code: z.union([z.number(), z.string()]),
    msg: z.string().nullable().optional(),
    data: z.union([data, z.null()]).optional(),
    api: z.string().nullable().optional(),
  });

/**
 * The login `data` (sent back as JSON in the `token` header). `timestamp` is a number from the legacy
 * CrossLogin and can be a string from SEMS+ (TimSoethout/goodwe-sems-home-assistant passes it through as is).
 */
export const SemsLoginData = z.object({
  uid: z.string(),
  timestamp: z.union([z.number(), z.string()]),
  token: z.string().min(1),
  api: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
}).passthrough();

/** SEMS+ wants the password as base64 of its MD5 hex digest (sems_api.py `_hash_password_for_new_login`). */
export const semsPlusPassword = (password: string) => Buffer.from(createHash('md5').update(password, 'utf8').digest('hex'), 'utf8').toString('base64');

/**
 * `PowerStationMonitor/QueryPowerStationMonitor` (JuanCunhaa/GoodWe-Challenge backend/src/routes/goodwe.js reads
 * `data.list[]`). `record` (the total) is in no named public client: assumed, optional — paging also stops on a
 * short page.
 */
export const SemsStationPage = z.object({
  record: z.number().nullable().optional(),
  list: z.array(z.object({ powerstation_id: z.string(), stationname: z.string().nullable().optional(), capacity: numeric })),
});

/**
 * v3 monitor detail (TimSoethout/goodwe-sems-home-assistant tests/test-data/*_getData.json): `inverter[]` carries
 * `last_refresh_time` (plant-local text) and `invert_full.last_time` (epoch milliseconds, UTC).
 */
export const SemsMonitorDetail = z.object({
  info: z.object({ powerstation_id: z.string(), stationname: z.string().nullable().optional() }).passthrough(),
  kpi: z.object({ pac: numeric, power: numeric, total_power: numeric }).passthrough(),
  inverter: z.array(z.object({
    sn: z.string(),
    last_refresh_time: z.string().nullable().optional(),
    invert_full: z.object({ last_time: numeric }).passthrough().nullable().optional(),
  }).passthrough()).nullable().optional(),
});

/**
 * `warning/PowerstationWarningsQuery`: one row per inverter (`sn`), its warnings in `warning[]` with
 * `warning_code`, `happen_time`, `recovery_time`, `warning_level`, `status` (JuanCunhaa/GoodWe-Challenge
 * frontend/src/pages/Alertas.jsx reads exactly these). `warning_name` is assumed; all but code and time optional.
 */
export const SemsWarnings = z.object({
  list: z.array(z.object({
    sn: z.string().nullable().optional(),
    warning: z.array(z.object({
      warning_code: z.union([z.string(), z.number()]).nullable().optional(),
      happen_time: z.string().nullable().optional(),
      recovery_time: z.string().nullable().optional(),
      warning_name: z.string().nullable().optional(),
      warning_level: z.union([z.number(), z.string()]).nullable().optional(),
    }).passthrough()).nullable().optional(),
  }).passthrough()).nullable().optional(),
});

/** `v2/Charts/GetChartByPlant`: lines with a label; the generation line is found by its label, not its position. */
export const SemsChart = z.object({
  lines: z.array(z.object({
    key: z.string().nullable().optional(),
    label: z.string().nullable().optional(),
    name: z.string().nullable().optional(),
    xy: z.array(z.object({ x: z.string(), y: numeric })).nullable().optional(),
  }).passthrough()),
});

const normLabel = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '');

/**
 * Normalised labels of the generation line as JuanCunhaa/GoodWe-Challenge tmp_old_routes.js (commit 23133e8f)
 * matches them first, before any label containing "generation".
 */
const GENERATION_LABELS = ['generationkwh', 'generatekwh', 'pvgenerationkwh', 'pvkwh'];

/** The PV generation line by its label (or name); the key `PVGeneration` as a last resort (assumed). */
export function generationLine<L extends { key?: string | null; label?: string | null; name?: string | null }>(lines: L[]): L | undefined {
  const label = (l: L) => normLabel(l.label ?? l.name ?? '');
  return lines.find((l) => GENERATION_LABELS.includes(label(l)))
    ?? lines.find((l) => label(l).includes('generation'))
    ?? lines.find((l) => l.key === 'PVGeneration');
}

/**
 * Assumed: no public source defines `warning_level`. The one public client that shows it
 * (JuanCunhaa/GoodWe-Challenge frontend/src/pages/Alertas.jsx) ranks higher as more severe (≥2 high, 1 medium,
 * else info); 3 = CRITICAL is our guess. Anything else → INFO.
 */
export const SEMS_LEVEL_TO_SEVERITY = { 1: 'MINOR', 2: 'MAJOR', 3: 'CRITICAL' } as const;

/**
 * Plant-local "MM/DD/YYYY HH:mm:ss"; the time may carry a space after each colon ("06/22/2025 17: 02: 36" in
 * TimSoethout/goodwe-sems-home-assistant tests/test-data/20250623_homekit_getData.json).
 */
const LOCAL_TIME_RE = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}): ?(\d{2}): ?(\d{2})$/;

export function parseSemsTime(value: string | null | undefined, timeZone: string): Date | null {
  const m = value ? LOCAL_TIME_RE.exec(value) : null;
  if (!m) return null;
  const [, mo, d, y, h, mi, s] = m;
  // "13/45/2026 25:61:00" matches the form but names no time: unreadable, not rolled over into another day
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const at = zonedTimeToInstant(`${y}-${mo}-${d}`, timeZone, Number(h), Number(mi), Number(s));
  return Number.isFinite(at.getTime()) ? at : null;
}

export function formatSemsTime(p: { year: number; month: number; day: number; hour: number; minute: number; second: number }): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(p.month)}/${two(p.day)}/${p.year} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

import { createHash } from 'node:crypto';
import { addDays, dateInZone, HOUR_MS, zonedParts, zonedTimeToInstant } from '../../../core/time';
import type { AlarmSeverity } from '../types';

/**
 * A deterministic fleet of simulated plants shared by the four vendor simulators: the same seed and
 * options give the same plants, energy and alarms, so tests can compute what an adapter must return.
 */
export interface FleetOptions {
  plants?: number;
  /** Zones assigned round-robin. */
  timezones?: string[];
  seed?: string;
  /** Every n-th plant (1-based index % n === 0) has not reported for 30 h. 0 = none. */
  offlineEvery?: number;
  /** Every n-th plant carries alarms (one open critical, one cleared minor). 0 = none. */
  alarmEvery?: number;
  now?: () => Date;
}

export interface SimPlant {
  index: number;
  id: string;
  name: string;
  timezone: string;
  capacityKwp: number;
  offline: boolean;
  deviceSn: string;
}

export interface SimAlarm {
  id: string;
  code: string;
  deviceSn: string;
  severity: AlarmSeverity;
  message: string;
  raisedAt: Date;
  clearedAt: Date | null;
}

export const FLEET_DEFAULTS = {
  plants: 10,
  timezones: ['America/Sao_Paulo', 'Australia/Brisbane', 'Europe/Amsterdam', 'UTC'],
  seed: 'gridtwin',
  offlineEvery: 7,
  alarmEvery: 3,
} as const;


export class SimFleet {
  readonly plants: SimPlant[];
  readonly now: () => Date;
  private readonly byId = new Map<string, SimPlant>();
  private readonly seed: string;

  constructor(opts: FleetOptions = {}, idFor: (i: number) => string = (i) => String(100000 + i)) {
    const o = { ...FLEET_DEFAULTS, ...opts };
    this.seed = o.seed;
    this.now = opts.now ?? (() => new Date());
    this.plants = Array.from({ length: o.plants }, (_, k) => {
      const index = k + 1;
      const plant: SimPlant = {
        index,
        id: idFor(index),
        name: `Sim plant ${index}`,
        timezone: o.timezones[k % o.timezones.length]!,
        capacityKwp: 5 + Math.round(this.unit(`cap:${index}`) * 95),
        offline: o.offlineEvery > 0 && index % o.offlineEvery === 0,
        deviceSn: `SN${String(index).padStart(8, '0')}`,
      };
      this.byId.set(plant.id, plant);
      return plant;
    });
    this.alarmEvery = o.alarmEvery;
  }

  private readonly alarmEvery: number;
  /** Controls (issue 13): plants made silent (since when), alarms raised by hand. */
  private readonly silentSince = new Map<string, Date>();
  private readonly raised = new Map<string, SimAlarm[]>();

  get(id: string): SimPlant | undefined {
    return this.byId.get(id);
  }

  /** Deterministic number in [0, 1) for a label. */
  unit(label: string): number {
    return createHash('sha256').update(`${this.seed}:${label}`).digest().readUInt32BE(0) / 2 ** 32;
  }

  /** A full day's yield: 2.5–5.5 kWh per kWp. */
  dailyKwh(p: SimPlant, date: string): number {
    return round3(p.capacityKwp * (2.5 + 3 * this.unit(`day:${p.id}:${date}`)));
  }

  /** Yield so far on the plant-local day of `at`: a sine between 06:00 and 18:00 integrated. */
  todayKwh(p: SimPlant, at = this.now()): number {
    const when = this.lastSeenAt(p, at);
    const date = dateInZone(when, p.timezone);
    return round3(this.dailyKwh(p, date) * dayFraction(when, p.timezone));
  }

  currentPowerW(p: SimPlant, at = this.now()): number {
    if (p.offline || this.silentSince.has(p.id)) return 0;
    const { hour, minute } = zonedParts(at, p.timezone);
    const h = hour + minute / 60;
    if (h <= 6 || h >= 18) return 0;
    return Math.round(p.capacityKwp * 1000 * 0.8 * Math.sin(((h - 6) / 12) * Math.PI));
  }

  /** Lifetime yield: three years at 1,200 kWh/kWp plus today. */
  totalKwh(p: SimPlant, at = this.now()): number {
    return round3(p.capacityKwp * 3600 + this.todayKwh(p, at));
  }

  /** Online plants report every 5 min; offline ones went silent 30 h ago. */
  lastSeenAt(p: SimPlant, at = this.now()): Date {
    const silent = this.silentSince.get(p.id);
    if (silent) return silent;
    const t = at.getTime();
    return new Date(p.offline ? t - 30 * HOUR_MS : Math.floor(t / 300_000) * 300_000);
  }

  /** The plant stops reporting (its last report stays where it was) until `setSilent(id, false)`. */
  setSilent(id: string, on: boolean): void {
    if (!on) this.silentSince.delete(id);
    else if (!this.silentSince.has(id)) this.silentSince.set(id, this.lastSeenAt(this.byId.get(id)!));
  }

  isSilent(id: string): boolean {
    return this.silentSince.has(id);
  }

  /** An open alarm on the plant's inverter, raised now; its id is returned. */
  raiseAlarm(id: string, a: { code: string; severity: AlarmSeverity; message: string }): SimAlarm {
    const p = this.byId.get(id)!;
    const list = this.raised.get(id) ?? [];
    const alarm: SimAlarm = { id: `${id}-r${list.length + 1}`, code: a.code, deviceSn: p.deviceSn, severity: a.severity, message: a.message, raisedAt: this.now(), clearedAt: null };
    this.raised.set(id, [...list, alarm]);
    return alarm;
  }

  /** Clears an alarm raised with raiseAlarm; undefined when the plant has no such alarm. */
  clearAlarm(id: string, alarmId: string): SimAlarm | undefined {
    const alarm = this.raised.get(id)?.find((a) => a.id === alarmId);
    if (alarm && !alarm.clearedAt) alarm.clearedAt = this.now();
    return alarm;
  }

  alarms(p: SimPlant, at = this.now()): SimAlarm[] {
    return [...this.seededAlarms(p, at), ...(this.raised.get(p.id) ?? [])];
  }

  private seededAlarms(p: SimPlant, at: Date): SimAlarm[] {
    if (this.alarmEvery <= 0 || p.index % this.alarmEvery !== 0) return [];
    const t = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
    return [
      { id: `${p.id}-a1`, code: '1001', deviceSn: p.deviceSn, severity: 'CRITICAL', message: 'Grid overvoltage', raisedAt: new Date(t - 3 * HOUR_MS), clearedAt: null },
      { id: `${p.id}-a2`, code: '2002', deviceSn: p.deviceSn, severity: 'MINOR', message: 'String 2 low insulation', raisedAt: new Date(t - 48 * HOUR_MS), clearedAt: new Date(t - 24 * HOUR_MS) },
    ];
  }

  /** Days up to and including the plant's today that have data. */
  series(p: SimPlant, from: string, to: string, at = this.now()): { date: string; kwh: number }[] {
    const today = dateInZone(this.lastSeenAt(p, at), p.timezone);
    const out: { date: string; kwh: number }[] = [];
    for (let d = from; d <= to && d <= today; d = addDays(d, 1)) {
      out.push({ date: d, kwh: d === today ? this.todayKwh(p, at) : this.dailyKwh(p, d) });
    }
    return out;
  }
}

function dayFraction(at: Date, timeZone: string): number {
  const date = dateInZone(at, timeZone);
  const h = (at.getTime() - zonedTimeToInstant(date, timeZone).getTime()) / HOUR_MS;
  if (h <= 6) return 0;
  if (h >= 18) return 1;
  return (1 - Math.cos(((h - 6) / 12) * Math.PI)) / 2;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

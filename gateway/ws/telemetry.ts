import type { MeterStateEvent, PlantTelemetryEvent } from '../../core/events';

/**
 * The live values of the `telemetry/meter/<id>` and `telemetry/plant/<id>` topics: one small shape per target,
 * the same for the snapshot (from `meter.<id>.get` / `plant.<id>.get`) and for each event, so a chart appends
 * whatever arrives. Pure: tested beside the topics.
 */
export interface MeterTelemetry {
  /** The event's id (clients deduplicate by it); null in a snapshot. */
  id: string | null;
  meterId: string;
  at: string | null;
  kwhCredit: number | null;
  kwhCreditAt: string | null;
  isOn: boolean | null;
  powerLimitW: number | null;
  lastSeenAt: string | null;
  /** The Emlite meter's last synced reads (shadow.reported.emlite), when it is one. */
  emlite: Record<string, unknown> | null;
}

export interface PlantTelemetry {
  id: string | null;
  plantId: string;
  at: string | null;
  date: string | null;
  todayEnergyKwh: number | null;
  currentPowerW: number | null;
  lastSeenAt: string | null;
}

type MeterLike = { meter?: Record<string, unknown>; shadow?: { reported?: Record<string, unknown> } };
const num = (v: unknown) => (typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** From a meter state event or a `meter.<id>.get` answer (both carry `meter` and `shadow`). */
export function meterTelemetry(payload: unknown, at?: string): MeterTelemetry {
  const { meter = {}, shadow } = payload as MeterLike;
  const emlite = shadow?.reported?.emlite;
  return {
    id: at ? null : str((payload as Partial<MeterStateEvent>).id),
    meterId: String(meter.id ?? (payload as MeterStateEvent).meterId),
    at: at ?? str((payload as Partial<MeterStateEvent>).at),
    kwhCredit: num(meter.kwhCreditAvailable),
    kwhCreditAt: str(meter.kwhCreditAvailableUpdatedAt),
    isOn: typeof meter.isOn === 'boolean' ? meter.isOn : null,
    powerLimitW: num(meter.powerLimit),
    lastSeenAt: str(meter.lastSeenAt),
    emlite: emlite && typeof emlite === 'object' ? (emlite as Record<string, unknown>) : null,
  };
}

/** From a plant telemetry event. */
export function plantTelemetryOfEvent(e: PlantTelemetryEvent): PlantTelemetry {
  return { id: e.id, plantId: e.plantId, at: e.at, date: e.date, todayEnergyKwh: e.todayEnergyKwh, currentPowerW: e.currentPowerW, lastSeenAt: e.lastSeenAt };
}

/** From a `plant.<id>.get` answer: its snapshot of today (null values before the first poll). */
export function plantTelemetryOfView(view: unknown): PlantTelemetry {
  const v = view as { plant: { id: string }; snapshot: { date: string; todayEnergyKwh: number; currentPowerW: number | null; lastSeenAt: string | null; updatedAt: string } | null };
  const s = v.snapshot;
  return { id: null, plantId: v.plant.id, at: s?.updatedAt ?? null, date: s?.date ?? null, todayEnergyKwh: s ? num(s.todayEnergyKwh) : null, currentPowerW: s ? num(s.currentPowerW) : null, lastSeenAt: s?.lastSeenAt ?? null };
}

import {
  type AdapterCapabilities, type DailyEnergy, type DateRange, type MultiPlantReads, type PerPlant, type PlantRef, type PlantSummary, type VendorAlarm,
} from '../../adapters/solar';
import { addDays, type Clock, dateInZone, monthsBetween, startOfDayInZone } from '../../core/time';
import { ErrorCode, GridtwinError } from '../../core/errors';

/**
 * Vendor reads shared by the polls of many plants, for vendors whose quotas are counted per account and grow
 * with its plants by one call per 100 (FusionSolar: real KPIs roundup(N/100) per 5 min, alarms roundup(N/100)
 * per 30 min, day KPIs roundup(N/100) + 24 per day). The plants of a credential are split into fixed chunks
 * of up to `batchSize`, in the order they are first seen; one vendor call answers a whole chunk and its answer
 * serves every plant of the chunk until it is older than the quota window plus a margin. So each chunk costs
 * at most one call per window: roundup(N/100) calls, the quota itself.
 */
export interface SharedReadsOptions {
  now: Clock;
  /** Added to each window before an answer is refreshed (covers call time and clock skew). */
  marginMs?: number;
  /** How long a refresh waits for the rest of a sweep to join its chunk before it asks (real time). */
  gatherMs?: number;
}

export const SHARED_READS_DEFAULTS = { marginMs: 60_000, gatherMs: 20, maxWaitMs: { summaries: 6 * 60_000, alarms: 2 * 60_000, series: 2 * 60_000 } } as const;

interface Entry<V> { at: number; values: PerPlant<V>; pending: Promise<PerPlant<V>> | null }

/** Answers per chunk key, refreshed on demand when too old or missing the plant asked for. */
class ChunkCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly now: Clock, private readonly gatherMs: number) {}

  async get(key: string, plantId: string, fresh: (fetchedAt: number) => boolean, fetch: () => Promise<PerPlant<V>>): Promise<V> {
    const e = this.entries.get(key);
    if (e?.pending) {
      const values = await e.pending;
      if (values.has(plantId)) return unwrapOne(values, plantId);
    } else if (e && fresh(e.at) && e.values.has(plantId)) {
      return unwrapOne(e.values, plantId);
    }
    return unwrapOne(await this.refresh(key, fetch), plantId);
  }

  private refresh(key: string, fetch: () => Promise<PerPlant<V>>): Promise<PerPlant<V>> {
    const at = this.now();
    const before = this.entries.get(key);
    // the chunk's members are read when the call goes out: plants of the same sweep that arrive meanwhile are in it
    const pending = new Promise<void>((r) => { setTimeout(r, this.gatherMs); }).then(fetch).then(
      (values) => {
        this.entries.set(key, { at, values, pending: null });
        return values;
      },
      (e: unknown) => {
        if (before) this.entries.set(key, { ...before, pending: null });
        else this.entries.delete(key);
        throw e;
      },
    );
    this.entries.set(key, { at: before?.at ?? at, values: before?.values ?? new Map(), pending });
    return pending;
  }
}

function unwrapOne<V>(values: PerPlant<V>, plantId: string): V {
  const v = values.get(plantId);
  if (v === undefined) throw new GridtwinError(ErrorCode.NOT_FOUND, `plant ${plantId} not in the vendor's answer`);
  if (v instanceof GridtwinError) throw v;
  return v;
}

export class SharedReads {
  private readonly chunkOf = new Map<string, number>();
  private readonly chunks: string[][] = [];
  private readonly refs = new Map<string, PlantRef>();
  private readonly summaries: ChunkCache<PlantSummary>;
  private readonly alarmLists: ChunkCache<VendorAlarm[]>;
  private readonly months: ChunkCache<DailyEnergy[]>;
  private readonly windows: { summaries: number; alarms: number };
  private readonly marginMs: number;

  constructor(private readonly multi: MultiPlantReads, private readonly caps: AdapterCapabilities, private readonly opts: SharedReadsOptions, previous?: SharedReads) {
    if (previous) {
      for (const [id, k] of previous.chunkOf) this.chunkOf.set(id, k);
      for (const c of previous.chunks) this.chunks.push([...c]);
      for (const [id, r] of previous.refs) this.refs.set(id, r);
    }
    const gather = opts.gatherMs ?? SHARED_READS_DEFAULTS.gatherMs;
    this.summaries = new ChunkCache(opts.now, gather);
    this.alarmLists = new ChunkCache(opts.now, gather);
    this.months = new ChunkCache(opts.now, gather);
    this.marginMs = opts.marginMs ?? SHARED_READS_DEFAULTS.marginMs;
    const windowOf = (op: string, fallback: number) => caps.quotas?.find((q) => q.operation === op)?.windowMs ?? fallback;
    this.windows = { summaries: windowOf('station real KPI', 5 * 60_000), alarms: windowOf('alarm list', 30 * 60_000) };
  }

  /** Plants seen so far (the account size the per-plant quotas are computed from). */
  get plantCount(): number {
    return this.chunkOf.size;
  }

  /** Registers a plant in its chunk (first seen, first placed); later refs update its timezone. */
  note(ref: PlantRef): number {
    this.refs.set(ref.vendorPlantId, ref);
    let k = this.chunkOf.get(ref.vendorPlantId);
    if (k === undefined) {
      let last = this.chunks.at(-1);
      if (!last || last.length >= this.caps.batchSize) {
        last = [];
        this.chunks.push(last);
      }
      last.push(ref.vendorPlantId);
      k = this.chunks.length - 1;
      this.chunkOf.set(ref.vendorPlantId, k);
    }
    return k;
  }

  summary(ref: PlantRef): Promise<PlantSummary> {
    const k = this.note(ref);
    return this.summaries.get(`${k}`, ref.vendorPlantId, this.youngerThan(this.windows.summaries),
      () => this.multi.summaries(this.members(k), { maxWaitMs: SHARED_READS_DEFAULTS.maxWaitMs.summaries }));
  }

  /** The open alarms the vendor lists, raised at or after `since` (its list holds open alarms only). */
  async alarms(ref: PlantRef, since: Date): Promise<VendorAlarm[]> {
    const k = this.note(ref);
    const open = await this.alarmLists.get(`${k}`, ref.vendorPlantId, this.youngerThan(this.windows.alarms),
      () => this.multi.openAlarms(this.members(k), { maxWaitMs: SHARED_READS_DEFAULTS.maxWaitMs.alarms }));
    return open.filter((a) => a.raisedAt >= since);
  }

  /**
   * Daily energy from month answers shared by the chunk. A month answer serves a day once it was fetched
   * after that day ended in the plant's zone (a finished day does not change), so backfill costs one call per
   * chunk and month, well inside roundup(N/100) + 24 a day.
   */
  async series(ref: PlantRef, range: DateRange): Promise<DailyEnergy[]> {
    const k = this.note(ref);
    const tz = ref.timezone ?? 'UTC';
    const out: DailyEnergy[] = [];
    for (const month of monthsBetween(range.from, range.to)) {
      const lastAsked = range.to.startsWith(month) ? range.to : lastDayOf(month);
      const completeAfter = startOfDayInZone(addDays(lastAsked, 1), tz).getTime();
      const days = await this.months.get(`${k}:${month}`, ref.vendorPlantId, (at) => at >= completeAfter,
        () => this.multi.monthSeries(this.members(k), month, { maxWaitMs: SHARED_READS_DEFAULTS.maxWaitMs.series }));
      out.push(...days.filter((d) => d.date >= range.from && d.date <= range.to));
    }
    return out;
  }

  private youngerThan(windowMs: number): (at: number) => boolean {
    return (at) => this.opts.now() - at < windowMs + this.marginMs;
  }

  private members(k: number): PlantRef[] {
    return (this.chunks[k] ?? []).map((id) => this.refs.get(id) ?? { vendorPlantId: id });
  }
}

const lastDayOf = (month: string): string => {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return dateInZone(new Date(Date.UTC(y, m, 0)), 'UTC');
};

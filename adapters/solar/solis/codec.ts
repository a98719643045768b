import { z } from 'zod';

/** SolisCloud response shapes (fields we read), validated before use. */
const numeric = z.union([z.number(), z.string()]);

export const solisEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({ success: z.boolean().nullable().optional(), code: z.union([z.string(), z.number()]), msg: z.string().nullable().optional(), data: data.optional().nullable() });

/** V2.0 doc §4.1: only `id` is required; `stationName`, `capacity` and its unit `capacityStr` are optional ("N"). */
export const SolisStationRow = z.object({
  id: z.union([z.string(), z.number()]),
  stationName: z.string().optional().nullable(),
  capacity: numeric.optional().nullable(),
  capacityStr: z.string().optional().nullable(),
  timeZoneStandardId: z.string().optional().nullable(),
});

export const SolisStationPage = z.object({
  page: z.object({ records: z.array(SolisStationRow), total: z.number(), pages: z.number().nullable().optional(), current: z.number().nullable().optional() }),
});

/** V2.0 doc §4.2: every value field is optional ("N"); which absences we can live with is the client's call. */
export const SolisStationDetail = z.object({
  id: z.union([z.string(), z.number()]),
  power: numeric.optional().nullable(),
  powerStr: z.string().optional().nullable(),
  dayEnergy: numeric.optional().nullable(),
  dayEnergyStr: z.string().optional().nullable(),
  allEnergy: numeric.optional().nullable(),
  allEnergyStr: z.string().optional().nullable(),
  dataTimestamp: numeric.optional().nullable(),
  timeZoneStandardId: z.string().optional().nullable(),
});

/** V2.0 doc §3.9: every row field is optional, `id` included (the doc's own example has no `page`). */
export const SolisAlarmRow = z.object({
  id: z.union([z.string(), z.number()]).optional().nullable(),
  alarmDeviceSn: z.string().optional().nullable(),
  alarmCode: z.union([z.string(), z.number()]).optional().nullable(),
  alarmLevel: z.union([z.string(), z.number()]).optional().nullable(),
  alarmMsg: z.string().optional().nullable(),
  alarmBeginTime: numeric.optional().nullable(),
  alarmEndTime: numeric.optional().nullable(),
  /** 0 pending, 1 processed, 2 restored (cleared). */
  state: z.union([z.string(), z.number()]).optional().nullable(),
});

const alarmRecords = z.object({ records: z.array(SolisAlarmRow), total: z.number().optional().nullable() });

/** `data.page.records` (the doc's table) or `data.records` (the doc's example); hultenvp/soliscloud_api `_get_records` takes both. */
export const SolisAlarmPage = z.union([z.object({ page: alarmRecords }), alarmRecords]).transform((d) => ('page' in d ? d.page : d));

/** V2.0 doc §4.8: `dateStr` required, `energy` and `energyStr` optional ("N"): a day without energy is a day the vendor has not. */
export const SolisMonthRow = z.object({ dateStr: z.string(), energy: numeric.optional().nullable(), energyStr: z.string().optional().nullable() });
export const SolisMonth = z.array(SolisMonthRow);

/** Power and energy come with a unit string; normalise to W and kWh. */
export const POWER_TO_W: Record<string, number> = { W: 1, kW: 1000, MW: 1_000_000 };
export const ENERGY_TO_KWH: Record<string, number> = { Wh: 0.001, kWh: 1, MWh: 1000, GWh: 1_000_000 };
/** Installed capacity (`capacityStr`: "kWp" in the doc's §4.2 example and hultenvp test/testdata_station.json). */
export const CAPACITY_TO_KWP: Record<string, number> = { Wp: 0.001, kWp: 1, MWp: 1000, GWp: 1_000_000 };

/** Solis alarmLevel (doc §3.9: 1 tip, 2 general, 3 emergency; 0 seen as a hint). */
export const SOLIS_LEVEL_TO_SEVERITY = { '3': 'CRITICAL', '2': 'MAJOR', '1': 'MINOR', '0': 'INFO' } as const;

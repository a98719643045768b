import { z } from 'zod';

/** FusionSolar northbound shapes: every answer is HTTP 200 `{success, failCode, message, data, params}`. */
const numeric = z.union([z.number(), z.string()]).nullable().optional();

export const huaweiEnvelope = <T extends z.ZodType>(data: T) =>
  z.object({
    success: z.boolean(),
    failCode: z.number(),
    message: z.string().nullable().optional(),
    data: z.union([data, z.null()]).optional(),
    params: z.object({ currentTime: z.number().nullable().optional() }).passthrough().nullable().optional(),
  });

/** `/thirdData/stations` (paged; newer accounts). Capacity assumed kWp. */
export const HuaweiStationPage = z.object({
  list: z.array(z.object({ plantCode: z.string(), plantName: z.string().nullable().optional(), capacity: numeric })),
  pageCount: z.number(),
  pageNo: z.number().nullable().optional(),
  total: z.number().nullable().optional(),
});

/** `/thirdData/getStationList` (reference V6 §6.1.3): every plant at once; capacity in MW. */
export const HuaweiStationList = z.array(z.object({ stationCode: z.string(), stationName: z.string().nullable().optional(), capacity: numeric }));

export const HuaweiRealKpi = z.array(z.object({
  stationCode: z.string(),
  dataItemMap: z.object({
    day_power: numeric,
    total_power: numeric,
    /** 1 disconnected, 2 faulty, 3 healthy. */
    real_health_state: z.union([z.number(), z.string()]),
  }).passthrough(),
}));

/** Reference V6 §6.1.7. */
export const HuaweiAlarms = z.array(z.object({
  stationCode: z.string(),
  alarmId: z.union([z.number(), z.string()]),
  alarmName: z.string().nullable().optional(),
  esnCode: z.string().nullable().optional(),
  /** 1 critical, 2 major, 3 minor, 4 warning. */
  lev: z.number(),
  raiseTime: z.number(),
  /** 1 not processed (active), 2 acknowledged, 3 being handled, 4 handled, 5 cleared by the user, 6 cleared by the device. */
  status: z.number().optional().nullable(),
}));

/** The states still open: what we ask for (a cleared alarm, 5 or 6, is not open). */
export const HUAWEI_OPEN_ALARM_STATES = [1, 2, 3, 4] as const;

export const HuaweiKpiDay = z.array(z.object({
  stationCode: z.string(),
  collectTime: z.number(),
  dataItemMap: z.object({ inverter_power: numeric, PVYield: numeric }).passthrough(),
}));

export const HUAWEI_LEVEL_TO_SEVERITY = { 1: 'CRITICAL', 2: 'MAJOR', 3: 'MINOR', 4: 'INFO' } as const;

import type { MeterMetricRow, RunFrequency } from '../../persistence';

/** When each `meter_metrics.run_frequency` sweeps (UTC, croner syntax). Midnight fires all three. */
export const SWEEP_SCHEDULES: Record<RunFrequency, string> = {
  hourly: '0 * * * *',
  '12hourly': '0 */12 * * *',
  daily: '0 0 * * *',
};

export const RUN_FREQUENCIES = Object.keys(SWEEP_SCHEDULES) as RunFrequency[];

/** The syncers a sweep for these frequencies runs: enabled rows whose frequency is among them. */
export function syncersFor(metrics: readonly MeterMetricRow[], frequencies: readonly RunFrequency[]): string[] {
  return metrics.filter((m) => m.enabled && frequencies.includes(m.runFrequency)).map((m) => m.name);
}

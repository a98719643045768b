import { dateInZone } from '../../../core/time';

/**
 * The plant-local calendar day (YYYY-MM-DD) of an instant: the MetricSnapshot key. A plant in
 * America/Sao_Paulo at 01:00 UTC is still on the previous day; one in Australia/Brisbane at 15:00 UTC
 * is already on the next.
 */
export function plantDay(instant: Date, timezone: string): string {
  return dateInZone(instant, timezone);
}

import type { DeviceInfo, InteractionResult, InteractionType } from '../../../core/domain';
import type { MeterRow } from '../../../persistence';

/** kWh → money with the meter's tariff (the origin's kwh-to-monetary-balance). */
export const kwhToBalance = (kwh: number, tariffPerKwh: number | null): number | null =>
  tariffPerKwh == null ? null : Math.round(kwh * tariffPerKwh * 100) / 100;

/**
 * Cascade step 2: the meter fields a SUCCESSFUL interaction sets, by type; every success sets last_seen_at.
 * TOP_UP / CLEAR_CREDIT set nothing directly (their READ_CREDIT follow-up does).
 */
export function buildMeterUpdate(meter: MeterRow, type: InteractionType, result: InteractionResult, at: string): Partial<MeterRow> {
  const u: Partial<MeterRow> = { lastSeenAt: at };
  switch (type) {
    case 'TURN_ON':
    case 'TURN_OFF':
      u.isOn = type === 'TURN_ON';
      u.isOnUpdatedAt = at;
      break;
    case 'SET_POWER_LIMIT':
    case 'READ_POWER_LIMIT':
      if (result.powerLimitW !== undefined) {
        u.powerLimit = result.powerLimitW;
        u.powerLimitUpdatedAt = at;
      }
      break;
    case 'READ_CREDIT':
    case 'READ_REPORT':
      if (result.kwhCredit !== undefined) {
        u.kwhCreditAvailable = result.kwhCredit;
        u.kwhCreditAvailableUpdatedAt = at;
        const balance = kwhToBalance(result.kwhCredit, meter.tariffPerKwh);
        if (balance !== null) {
          u.balanceInLocalCurrency = balance;
          u.balanceInLocalCurrencyUpdatedAt = at;
        }
      }
      if (result.isOn !== undefined) {
        u.isOn = result.isOn;
        u.isOnUpdatedAt = at;
      }
      break;
    case 'READ_VERSION':
      if (result.version !== undefined) {
        u.version = result.version;
        u.versionUpdatedAt = at;
      }
      break;
    default:
      break;
  }
  return u;
}

/**
 * Cascade step 2 (LoRaWAN): radio info → connection_metrics, and the DCU reassigned to the gateway that
 * heard the meter when it is a known gateway of the meter's grid.
 */
export function buildDeviceInfoUpdate(
  meter: MeterRow, info: DeviceInfo | undefined, dcus: Array<{ id: string; externalReference: string }>, at: string,
): Partial<MeterRow> {
  if (!info || meter.protocol !== 'CALIN_LORAWAN') return {};
  const u: Partial<MeterRow> = {
    connectionMetrics: { rssi: info.rssi ?? null, snr: info.snr ?? null, gatewayExternalReference: info.gatewayExternalReference ?? null },
    connectionMetricsUpdatedAt: at,
  };
  const dcu = info.gatewayExternalReference ? dcus.find((d) => d.externalReference === info.gatewayExternalReference) : undefined;
  if (dcu && dcu.id !== meter.dcuId) u.dcuId = dcu.id;
  return u;
}

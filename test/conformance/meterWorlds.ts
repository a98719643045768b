import type { SimMeterState } from '../../adapters/meters/simulated';
import type { MeterState } from './meterDriverSuite';

/** A simulated meter's truth as the suite reads it (the clock as the meter shows it now). */
export function truthOf(s: Readonly<SimMeterState>): MeterState & Pick<SimMeterState, 'version' | 'voltageV' | 'currentA'> {
  const clock = new Date(Date.now() + s.clockOffsetMs).toISOString();
  return {
    kwhCredit: s.kwhCredit, isOn: s.isOn, powerLimitW: s.powerLimitW, tamper: s.tamper, version: s.version,
    voltageV: { ...s.voltageV }, currentA: { ...s.currentA }, date: clock.slice(0, 10), time: clock.slice(11, 19),
  };
}

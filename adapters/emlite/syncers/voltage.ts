import type { Syncer } from './types';

export const syncVoltage: Syncer = async (client, serial) => ({ voltage: await client.voltage(serial) });

/** L1..L3 from the three-phase voltage objects (origin SyncerVoltage on three-phase meters). */
export const syncThreePhaseVoltage: Syncer = async (client, serial) => {
  const [voltageL1, voltageL2, voltageL3] = await client.threePhaseVoltages(serial);
  return { voltageL1, voltageL2, voltageL3 };
};

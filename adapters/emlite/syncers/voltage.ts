import type { Syncer } from './types';

export const syncVoltage: Syncer = async (client, serial) => ({ voltage: await client.voltage(serial) });

import type { Syncer } from './types';

export const syncHardware: Syncer = async (client, serial) => ({ hardware: await client.hardware(serial) });

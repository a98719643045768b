import type { Syncer } from './types';

export const syncTariffsActive: Syncer = async (client, serial) => ({ tariffsActive: await client.tariffsActive(serial) });

import type { Syncer } from './types';

export const syncTariffsFuture: Syncer = async (client, serial) => ({ tariffsFuture: await client.tariffsFuture(serial) });

import type { Syncer } from './types';

export const syncPrepayBalance: Syncer = async (client, serial) => ({ balance: await client.prepayBalance(serial) });

import type { Syncer } from './types';

export const syncFirmwareVersion: Syncer = async (client, serial) => ({ firmware: await client.firmwareVersion(serial) });

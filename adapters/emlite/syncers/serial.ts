import type { Syncer } from './types';

/** The serial the meter reports (origin SyncerSerial): 0x600100 on single-phase meters. */
export const syncSerial: Syncer = async (client, serial) => ({ serialReported: await client.serialRead(serial) });

/** ... and 0xD7FF10 on three-phase meters. */
export const syncThreePhaseSerial: Syncer = async (client, serial) => ({ serialReported: await client.threePhaseSerial(serial) });

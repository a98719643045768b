import type { Syncer } from './types';

/** Element A and B import/export registers (origin SyncerReads), in Wh. */
export const syncReads: Syncer = async (client, serial) => {
  const a = await client.readElementA(serial);
  const b = await client.readElementB(serial);
  return { importA: a.importActiveWh, exportA: a.exportActiveWh, importB: b.importActiveWh, exportB: b.exportActiveWh };
};

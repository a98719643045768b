import type { Syncer } from './types';

export const syncCsq: Syncer = async (client, serial) => {
  const { csq, networkOperator } = await client.csq(serial);
  return { csq, networkOperator };
};

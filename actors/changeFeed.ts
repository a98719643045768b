import type { Logger } from '../core/logger';
import { registryRepo, type Database } from '../persistence';

/** The channel the change feed's trigger notifies (Migration20261202035000_origin_change_feed). */
export const CHANGE_CHANNEL = 'gridtwin_changes';

/** One announced row: a meter's own row or issue (`meterId`), or a grid's row or gateway (`gridId`). */
export type Change = { table: 'meters' | 'issues'; meterId: string } | { table: 'grids' | 'dcus'; gridId: string };

export function parseChange(payload: string): Change | null {
  try {
    const p = JSON.parse(payload) as { t?: unknown; m?: unknown; g?: unknown };
    if ((p.t === 'meters' || p.t === 'issues') && typeof p.m === 'string') return { table: p.t, meterId: p.m };
    if ((p.t === 'grids' || p.t === 'dcus') && typeof p.g === 'string') return { table: p.t, gridId: p.g };
  } catch { /* refused below */ }
  return null;
}

/**
 * Follows rows other services write directly (issue 13): each change to a live meter's rows, its grid or its
 * gateways tells that meter actor `worldChanged` (it reloads its context). Changes arriving together are
 * handled as one round; meters not in memory load fresh on their next message anyway. After the feed's
 * connection was lost, every live actor reloads, since notifications sent meanwhile are gone.
 */
export async function followChanges(o: {
  db: Database; logger: Logger; live: () => string[]; reload: (meterIds: string[]) => void;
}): Promise<() => Promise<void>> {
  const meters = new Set<string>();
  const grids = new Set<string>();
  let scheduled = false;
  const round = async () => {
    scheduled = false;
    const ids = new Set(meters);
    const gridIds = [...grids];
    meters.clear();
    grids.clear();
    for (const g of gridIds) for (const id of await registryRepo.meterIdsOfGrid(o.db.sql, g)) ids.add(id);
    const live = new Set(o.live());
    const due = [...ids].filter((id) => live.has(id));
    if (due.length) o.reload(due);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      round().catch((e: unknown) => o.logger.warn({ err: (e as Error).message }, 'change feed: a round failed; its meters reload on their next change'));
    });
  };
  return o.db.listen(CHANGE_CHANNEL, (payload) => {
    const c = parseChange(payload);
    if (!c) return o.logger.warn({ payload: payload.slice(0, 200) }, 'change feed: payload not understood');
    if ('meterId' in c) meters.add(c.meterId);
    else grids.add(c.gridId);
    schedule();
  }, () => {
    o.logger.warn('change feed: listening again after a loss; every live meter reloads');
    o.reload(o.live());
  });
}

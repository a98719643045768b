import { EVENTS_PER_PAGE, type MeterEvent } from '../codecs';
import type { Syncer } from './types';

/** The origin looks back at most ten pages (100 events) per sync. */
export const MAX_EVENT_PAGES = 10;

/** Events newer than `lastEventAt`, fetching further pages while a whole page is new. */
export const syncEventLog: Syncer = async (client, serial, _now, ctx) => {
  const since = ctx?.lastEventAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const unseen: MeterEvent[] = [];
  for (let page = 0; page < MAX_EVENT_PAGES; page++) {
    const events = await client.eventLog(serial, page);
    const fresh = events.filter((e) => e.timestamp.getTime() > since);
    unseen.push(...fresh);
    if (fresh.length < EVENTS_PER_PAGE) break;
  }
  return { eventLog: unseen };
};

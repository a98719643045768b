import { EVENTS_PER_PAGE, type MeterEvent } from '../codecs';
import { EVENT_LOG_MAX_INDEX } from '../objectIds';
import type { Syncer } from './types';

/** Event id 0 is not a valid event; the origin saw it on a meter and drops it (syncer_event_log.py). */
const INVALID_EVENT_ID = 0;

/**
 * Events newer than `lastEventAt`, fetching further pages (0..9, as the origin) while a whole page is new.
 * Event id 0 is dropped after paging, as the origin does, so such an event still counts towards a full page.
 */
export const syncEventLog: Syncer = async (client, serial, _now, ctx) => {
  const since = ctx?.lastEventAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const unseen: MeterEvent[] = [];
  for (let page = 0; page <= EVENT_LOG_MAX_INDEX; page++) {
    const events = await client.eventLog(serial, page);
    const fresh = events.filter((e) => e.timestamp.getTime() > since);
    unseen.push(...fresh);
    if (fresh.length < EVENTS_PER_PAGE) break;
  }
  return { eventLog: unseen.filter((e) => e.eventId !== INVALID_EVENT_ID) };
};

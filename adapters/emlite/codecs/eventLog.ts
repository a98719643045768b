import { type Codec, checkUint, dateToEmopSeconds, emopSecondsToDate, encodeObjectId, expectLength, invalidData, invalidValue } from './bytes';
import { EVENT_LOG_MAX_INDEX, ObjectId, RecordFormat } from '../objectIds';

export interface MeterEvent {
  timestamp: Date;
  eventId: number;
  eventSet: number;
}

/** A page of the event log holds the 10 most recent events before `logIdx * 10`. */
export const EVENTS_PER_PAGE = 10;
const EVENT_BYTES = 6;

/**
 * Event log request data field, sent with sendRawMessage: format (1) + object id (3, BE) + log index (1).
 * Source: cepro/simt-emlite @ d2434c0 simt_emlite/mediator/api_core.py `event_log` (EmopEventLogRequest:
 * object_id, log_idx; "message_len = 4  # object id (3) + log_idx (1)", after the format byte) and
 * validation.py `valid_event_log_idx` (0 = newest ten events .. 9 = oldest); cli/emop.py at b1a03c2: "a block
 * of 10 events". UNVERIFIED/assumed: the format byte and object id values (objectIds.ts).
 */
export const eventLogRequestCodec: Codec<number> = {
  name: 'event_log_request',
  encode(logIdx) {
    checkUint('event_log_request', 'log_idx', logIdx, EVENT_LOG_MAX_INDEX);
    return Buffer.concat([Buffer.from([RecordFormat.eventLog]), encodeObjectId(ObjectId.eventLog), Buffer.from([logIdx])]);
  },
  decode(dataField) {
    expectLength('event_log_request', dataField, 5);
    if (dataField[0] !== RecordFormat.eventLog) throw invalidData('event_log_request', `format 0x${dataField[0]!.toString(16)} is not the event log format`, dataField, 'format');
    if (dataField.readUIntBE(1, 3) !== ObjectId.eventLog) throw invalidData('event_log_request', 'not the event log object', dataField, 'object_id');
    const logIdx = dataField[4]!;
    if (logIdx > EVENT_LOG_MAX_INDEX) throw invalidData('event_log_request', `${logIdx} is outside 0..${EVENT_LOG_MAX_INDEX}`, dataField, 'log_idx');
    return logIdx;
  },
};

/**
 * Event log records, the payload of the reply after its echoed object id and index (client.ts `eventLog`,
 * codecs/dataField.ts `rawReplyCodec`): up to 10 records, newest first. The fields are the ones the origin's
 * syncer stores (EventRec timestamp in seconds since 2000-01-01Z, event_id, event_set: d2434c0
 * simt_emlite/sync/syncer_event_log.py and tests/simt_emlite/sync/test_syncer_event_log.py).
 * UNVERIFIED/assumed widths u4le, u1, u1: the origin's EmopEventLogResponse is defined only in the
 * emop-frame-protocol package (PyPI, pinned 0.4.14 at d2434c0), whose source no public repository holds.
 * Event id 0 is decoded, not refused: the origin saw it on real meters and its syncer drops it
 * (syncers/eventLog.ts).
 */
export const eventLogResponseCodec: Codec<MeterEvent[]> = {
  name: 'event_log_response',
  encode(events) {
    if (events.length > EVENTS_PER_PAGE) throw invalidValue('event_log_response', `at most ${EVENTS_PER_PAGE} events`, 'events');
    const b = Buffer.alloc(events.length * EVENT_BYTES);
    events.forEach((e, i) => {
      const s = dateToEmopSeconds(e.timestamp);
      checkUint('event_log_response', 'timestamp', s, 0xffffffff);
      checkUint('event_log_response', 'eventId', e.eventId, 0xff);
      checkUint('event_log_response', 'eventSet', e.eventSet, 0xff);
      b.writeUInt32LE(s, i * EVENT_BYTES);
      b[i * EVENT_BYTES + 4] = e.eventId;
      b[i * EVENT_BYTES + 5] = e.eventSet;
    });
    return b;
  },
  decode(payload) {
    if (payload.length % EVENT_BYTES !== 0 || payload.length > EVENTS_PER_PAGE * EVENT_BYTES) {
      throw invalidData('event_log_response', `length ${payload.length} is not n × ${EVENT_BYTES} (n ≤ ${EVENTS_PER_PAGE})`, payload, 'events');
    }
    const events: MeterEvent[] = [];
    for (let o = 0; o < payload.length; o += EVENT_BYTES) {
      events.push({ timestamp: emopSecondsToDate(payload.readUInt32LE(o)), eventId: payload[o + 4]!, eventSet: payload[o + 5]! });
    }
    return events;
  },
};

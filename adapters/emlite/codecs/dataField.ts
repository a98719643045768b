import { type Codec, checkUint, decodeObjectId, encodeObjectId, invalidData } from './bytes';
import { ReadWrite, RecordFormat } from '../objectIds';

/** The default-format EMOP data field (emlite_data.ksy): format 0x01, object id (3, BE), rw flag, payload. */
export interface DataField {
  objectId: number;
  write: boolean;
  payload: Buffer;
}

export const dataFieldCodec: Codec<DataField> = {
  name: 'data_field',
  encode(v) {
    checkUint('data_field', 'objectId', v.objectId, 0xffffff);
    return Buffer.concat([Buffer.from([RecordFormat.default]), encodeObjectId(v.objectId), Buffer.from([v.write ? ReadWrite.write : ReadWrite.read]), v.payload]);
  },
  decode(bytes) {
    if (bytes.length < 5) throw invalidData('data_field', `a data field is at least 5 bytes, got ${bytes.length}`, bytes);
    if (bytes[0] !== RecordFormat.default) throw invalidData('data_field', `format 0x${bytes[0]!.toString(16)} is not the default format`, bytes, 'format');
    const rw = bytes[4]!;
    if (rw !== ReadWrite.read && rw !== ReadWrite.write) throw invalidData('data_field', `0x${rw.toString(16)} is neither read (0) nor write (1)`, bytes, 'read_write');
    return { objectId: decodeObjectId(bytes.subarray(1, 4)), write: rw === ReadWrite.write, payload: Buffer.from(bytes.subarray(5)) };
  },
};

/**
 * What sendRawMessage answers: the meter's reply data field after its format byte, i.e. the object id
 * echoed (3, BE), one flag byte (the rw flag; on the event log, the log index) and the payload. Source:
 * cepro/simt-emlite @ d2434c0 simt_emlite/emlite/emlite_api.py, whose `send_message_with_data_instance`
 * returns `frame.data.message` (the servicer's sendRawMessage passes it on unchanged) while `read_element`
 * parses the same bytes as object id + read_write + payload and keeps only the payload; the meter echoes the
 * object id and rw flag in its reply (a firmware reply `01 000201 00 "3020"`, emlite_data.ksy test at 163f7e8).
 */
export interface RawReply {
  objectId: number;
  flag: number;
  payload: Buffer;
}

export const rawReplyCodec: Codec<RawReply> = {
  name: 'raw_reply',
  encode(v) {
    checkUint('raw_reply', 'flag', v.flag, 0xff);
    return Buffer.concat([encodeObjectId(v.objectId), Buffer.from([v.flag]), v.payload]);
  },
  decode(bytes) {
    if (bytes.length < 4) throw invalidData('raw_reply', `a reply is at least object id (3) + flag (1), got ${bytes.length} bytes`, bytes);
    return { objectId: decodeObjectId(bytes.subarray(0, 3)), flag: bytes[3]!, payload: Buffer.from(bytes.subarray(4)) };
  },
};

/** The payload of a raw reply, after checking that the meter answered the object we asked for. */
export function rawReplyPayload(codec: string, reply: Buffer, objectId: number): Buffer {
  const r = rawReplyCodec.decode(reply);
  if (r.objectId !== objectId) {
    throw invalidData(codec, `reply is for object 0x${r.objectId.toString(16)}, not 0x${objectId.toString(16)}`, reply, 'object_id');
  }
  return r.payload;
}

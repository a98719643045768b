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

import { type Codec, checkUint, expectLength, invalidData } from './bytes';

/** Register reads of one element (A or B), all cumulative, in Wh / varh. */
export interface ElementRead {
  importActiveWh: number;
  exportActiveWh: number;
  importReactiveVarh: number;
  exportReactiveVarh: number;
}

const FIELDS = ['importActiveWh', 'exportActiveWh', 'importReactiveVarh', 'exportReactiveVarh'] as const;
const LENGTH = FIELDS.length * 4;

/**
 * Element A 0xFFFFFC / element B 0xFFFFF8 (ids: Kaitai enum `element_a` / `element_b` at 163f7e8). The origin
 * reads `ObjectIdEnum.read_element_a` / `read_element_b` (d2434c0 api_core.py; names from emop-frame-protocol,
 * taken here to be the same ids) into an EmopMessage.ReadingRec with import_active, export_active,
 * import_reactive, export_reactive, in Wh (its test: "Raw values in Wh", divided by 1000 for kWh).
 * UNVERIFIED/assumed layout: four u4le in that field order, the width and endianness of every other EMOP
 * numeric record; all 0xFF = not available. No public source gives the record.
 */
export const elementReadCodec: Codec<ElementRead> = {
  name: 'element_read',
  encode(v) {
    const b = Buffer.alloc(LENGTH);
    FIELDS.forEach((f, i) => {
      checkUint('element_read', f, v[f], 0xffffffff);
      b.writeUInt32LE(v[f], i * 4);
    });
    return b;
  },
  decode(payload) {
    expectLength('element_read', payload, LENGTH);
    if (payload.every((x) => x === 0xff)) throw invalidData('element_read', 'all registers 0xFFFFFFFF (assumed: not available)', payload, 'import_active');
    return {
      importActiveWh: payload.readUInt32LE(0),
      exportActiveWh: payload.readUInt32LE(4),
      importReactiveVarh: payload.readUInt32LE(8),
      exportReactiveVarh: payload.readUInt32LE(12),
    };
  },
};

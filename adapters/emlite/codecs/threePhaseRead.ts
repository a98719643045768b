import { type Codec, checkUint, expectLength } from './bytes';

/** Three-phase totals in the meter's raw units (Wh, or 1/10 Wh on CT-operated P1.cx meters: hardware.ts). */
export interface ThreePhaseRead {
  activeImport: number;
  activeExport: number;
  reactiveImport: number;
  reactiveExport: number;
  apparentImport: number;
  apparentExport: number;
}

const FIELDS = ['activeImport', 'activeExport', 'reactiveImport', 'reactiveExport', 'apparentImport', 'apparentExport'] as const;

/**
 * Three-phase read 0xD7060A (public id; the Kaitai spec gives it no layout, so its payload is default_rec
 * raw bytes). UNVERIFIED/assumed layout: the origin reads six separate u4le totals whose object ids are
 * unpublished; we carry the same six u4le values, in the origin's order, in one 24-byte record.
 */
export const threePhaseReadCodec: Codec<ThreePhaseRead> = {
  name: 'three_phase_read',
  encode(v) {
    const b = Buffer.alloc(FIELDS.length * 4);
    FIELDS.forEach((f, i) => {
      checkUint('three_phase_read', f, v[f], 0xffffffff);
      b.writeUInt32LE(v[f], i * 4);
    });
    return b;
  },
  decode(payload) {
    expectLength('three_phase_read', payload, FIELDS.length * 4);
    const [activeImport, activeExport, reactiveImport, reactiveExport, apparentImport, apparentExport] = FIELDS.map((_, i) => payload.readUInt32LE(i * 4)) as [number, number, number, number, number, number];
    return { activeImport, activeExport, reactiveImport, reactiveExport, apparentImport, apparentExport };
  },
};

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
 * Three-phase read 0xD7060A (public id `three_phase_read`, listed after `three_phase_initiate_read` 0xD70A0C;
 * the Kaitai spec gives it no layout, so its payload is default_rec raw bytes). UNVERIFIED/assumed, and a
 * known risk: the origin never reads this object. Since bbd7edb (2025-07) it reads six separate objects,
 * `three_phase_total_{active,reactive,apparent}_{import,export}`, each a U4leValueRec, whose ids are only in
 * emop-frame-protocol (d2434c0 api_core.py `three_phase_read`). We carry the same six u4le values, in the
 * origin's order, in one 24-byte record; a real meter may answer this object differently or not at all.
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

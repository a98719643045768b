import { ErrorCode, GridtwinError } from '../../../core/errors';
import { threePhaseUnitsPerWh } from '../hardware';
import type { Syncer } from './types';

/** Element A and B import/export registers (origin SyncerReads), in Wh. */
export const syncReads: Syncer = async (client, serial) => {
  const a = await client.readElementA(serial);
  const b = await client.readElementB(serial);
  return { importA: a.importActiveWh, exportA: a.exportActiveWh, importB: b.importActiveWh, exportB: b.exportActiveWh };
};

/**
 * Three-phase totals (origin SyncerReads → three_phase_read), scaled to Wh by the meter type. The origin
 * stores active export in `import_b`; we keep each direction in its own register (importA / exportA) so a
 * stored export never reads as consumption.
 */
export const syncThreePhaseReads: Syncer = async (client, serial, _now, ctx) => {
  const model = ctx?.hardware ?? (await client.hardware(serial));
  const unitsPerWh = threePhaseUnitsPerWh(model);
  if (unitsPerWh === null) {
    throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `emlite three_phase_read: meter type of ${serial} is ${model}, its register scale is unknown`, {
      details: { codec: 'three_phase_read', field: 'meter_type', hardware: model },
    });
  }
  const r = await client.threePhaseRead(serial);
  return { importA: Math.floor(r.activeImport / unitsPerWh), exportA: Math.floor(r.activeExport / unitsPerWh) };
};

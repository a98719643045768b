/**
 * Meter models as the origin stores them (cepro/simt-emlite simt_emlite/util/meters.py and
 * EmliteMediatorAPI.hardware in simt_emlite/mediator/api_core.py): single-phase meters answer a short
 * hardware string that maps to a model name; three-phase meters answer blank and their model comes from the
 * three-phase hardware configuration's meter type.
 */
export const SINGLE_PHASE_MODELS: Readonly<Record<string, string>> = { '6C': 'C1.w', '6Cw': 'C1.w', '6Bw': 'B1.w', '3Aw': 'EMA1.w' };
export const SINGLE_PHASE_UNKNOWN = 'SINGLE_PHASE_UNKNOWN';
export const THREE_PHASE_UNKNOWN = 'THREE_PHASE_UNKNOWN';

/**
 * Three-phase meter types (origin `EmopMessage.ThreePhaseMeterType` ax_whole_current / cx_ct_operated, d2434c0
 * api_core.py `hardware`). UNVERIFIED/assumed: their numeric values on the wire (the enum is only in
 * emop-frame-protocol), like the object that carries them (objectIds.ts).
 */
export const ThreePhaseMeterType = { axWholeCurrent: 0, cxCtOperated: 1 } as const;
const THREE_PHASE_MODELS: Readonly<Record<number, string>> = {
  [ThreePhaseMeterType.axWholeCurrent]: 'P1.ax',
  [ThreePhaseMeterType.cxCtOperated]: 'P1.cx',
};

/** The origin's three-phase list: its own model names plus the "AX"/"CX" strings registries also hold. */
const THREE_PHASE = new Set(['P1.ax', 'P1.cx', 'AX', 'CX', THREE_PHASE_UNKNOWN]);

export const isThreePhase = (model: string | null | undefined): boolean => model != null && THREE_PHASE.has(model);

const MODELS = new Set([...Object.values(SINGLE_PHASE_MODELS), SINGLE_PHASE_UNKNOWN, ...THREE_PHASE]);
/** A stored value is a model name (not a raw hardware string stored before models, such as "6Cw" or ""). */
export const isModelName = (value: string | null | undefined): value is string => value != null && MODELS.has(value);
/** Only C1.w meters have a second element (origin `is_twin_element`). */
export const isTwinElement = (model: string | null | undefined): boolean => model === 'C1.w';

/** A blank hardware string means a three-phase meter (origin: "if blank then it's a three phase meter"). */
export const isBlankHardware = (raw: string): boolean => raw.replace(/\u0000/g, '').trim() === '';

/** The stored model name of a single-phase meter's hardware string; unknown strings are kept visible, not guessed. */
export const singlePhaseModel = (raw: string): string => SINGLE_PHASE_MODELS[raw.replace(/\u0000/g, '').trim()] ?? SINGLE_PHASE_UNKNOWN;

export const threePhaseModel = (meterType: number): string => THREE_PHASE_MODELS[meterType] ?? THREE_PHASE_UNKNOWN;

/**
 * Register scale of a three-phase meter, in raw units per Wh: CT-operated P1.cx meters count in 1/10 Wh
 * (d2434c0 api_core.py `_scale_value`: ÷ 10 000 for kWh on P1.cx; util/three_phase_intervals.py: "W (ax) or
 * 0.1W (cx)"), the others in Wh (÷ 1 000). The origin scales only its own model names; "CX" registry
 * strings are taken as P1.cx here. Unknown three-phase types have no known scale: the caller refuses to
 * store their registers rather than guess a factor of ten.
 */
export function threePhaseUnitsPerWh(model: string): number | null {
  if (model === 'P1.cx' || model === 'CX') return 10;
  if (model === 'P1.ax' || model === 'AX') return 1;
  return null;
}

import { ObjectId } from '../objectIds';
import type { Codec } from './bytes';
import { csqCodec } from './csq';
import { elementReadCodec } from './elementRead';
import { firmwareCodec } from './firmware';
import { prepayBalanceCodec } from './prepayBalance';
import { prepayTokenCodec } from './prepayToken';
import { thresholdMaskCodec, thresholdValuesCodec } from './tariffThresholds';
import { hardwareCodec, serialCodec } from './text';
import { threePhaseReadCodec } from './threePhaseRead';
import { timeCodec } from './time';
import { emopTimestampCodec, priceCodec, u1Codec } from './values';
import { threePhaseVoltageCodec, voltageCodec } from './voltage';

export * from './bytes';
export * from './csq';
export * from './dataField';
export * from './elementRead';
export * from './eventLog';
export * from './firmware';
export * from './prepayBalance';
export * from './prepayToken';
export * from './tariffThresholds';
export * from './text';
export * from './threePhaseRead';
export * from './time';
export * from './values';
export * from './voltage';

/** Any codec, whatever its value type (encode's parameter is contravariant, so `never` admits them all). */
type AnyCodec = Pick<Codec<unknown>, 'name' | 'decode'> & { encode(value: never): Buffer };

/**
 * The registry: which codec reads and writes each element object. The client decodes replies and the
 * simulator encodes them through this one table, so both ends agree by construction.
 */
export const ELEMENT_CODECS = {
  [ObjectId.time]: timeCodec,
  [ObjectId.serial]: serialCodec,
  [ObjectId.hardwareVersion]: hardwareCodec,
  [ObjectId.firmwareVersion]: firmwareCodec,
  [ObjectId.prepayBalance]: prepayBalanceCodec,
  [ObjectId.prepayTokenSend]: prepayTokenCodec,
  [ObjectId.prepayEnabledFlag]: u1Codec,
  [ObjectId.elementA]: elementReadCodec,
  [ObjectId.elementB]: elementReadCodec,
  [ObjectId.csqNetOp]: csqCodec,
  [ObjectId.instantaneousVoltage]: voltageCodec,
  [ObjectId.threePhaseSerial]: serialCodec,
  [ObjectId.threePhaseRead]: threePhaseReadCodec,
  [ObjectId.threePhaseVoltageL1]: threePhaseVoltageCodec,
  [ObjectId.threePhaseVoltageL2]: threePhaseVoltageCodec,
  [ObjectId.threePhaseVoltageL3]: threePhaseVoltageCodec,
  /**
   * UNVERIFIED/assumed: one u1 meter type (hardware.ts `ThreePhaseMeterType`); the origin reads an
   * EmopMessage.ThreePhaseHardwareConfigurationRec and uses only its `meter_type` (d2434c0 api_core.py).
   */
  [ObjectId.threePhaseHardwareConfiguration]: u1Codec,
  [ObjectId.tariffActiveStandingCharge]: priceCodec,
  [ObjectId.tariffActiveThresholdMask]: thresholdMaskCodec,
  [ObjectId.tariffActiveThresholdValues]: thresholdValuesCodec,
  [ObjectId.tariffActiveTouRateCurrent]: u1Codec,
  [ObjectId.tariffActiveBlockRateCurrent]: u1Codec,
  [ObjectId.tariffActivePrice]: priceCodec,
  [ObjectId.tariffActiveEmergencyCredit]: priceCodec,
  [ObjectId.tariffActiveEcreditAvailability]: priceCodec,
  [ObjectId.tariffActiveDebtRecoveryRate]: priceCodec,
  [ObjectId.tariffActiveElementBTouRateCurrent]: u1Codec,
  [ObjectId.tariffActiveElementBPrice]: priceCodec,
  [ObjectId.tariffFutureStandingCharge]: priceCodec,
  [ObjectId.tariffFutureThresholdMask]: thresholdMaskCodec,
  [ObjectId.tariffFutureThresholdValues]: thresholdValuesCodec,
  [ObjectId.tariffFutureActivationDatetime]: emopTimestampCodec,
  [ObjectId.tariffFutureEmergencyCredit]: priceCodec,
  [ObjectId.tariffFutureEcreditAvailability]: priceCodec,
  [ObjectId.tariffFutureDebtRecoveryRate]: priceCodec,
  [ObjectId.tariffFutureBlock8Rate1]: priceCodec,
  [ObjectId.tariffFutureElementBTouRate1]: priceCodec,
} as const satisfies Record<number, AnyCodec>;

export type ElementObjectId = keyof typeof ELEMENT_CODECS;
export type ElementValue<K extends ElementObjectId> = (typeof ELEMENT_CODECS)[K] extends Codec<infer T> ? T : never;

export const codecFor = (objectId: number): Codec<unknown> | undefined =>
  (ELEMENT_CODECS as Record<number, Codec<unknown>>)[objectId];

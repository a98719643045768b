/**
 * EMOP object ids (3 bytes, big-endian on the wire, an int32 in the gRPC requests). Values from the public
 * Kaitai enum `object_id_type` in cepro/simt-emlite emlite_message.ksy / emlite_response.ksy.
 */
export const ObjectId = {
  time: 0x800800,
  serial: 0x600100,
  hardwareVersion: 0x608000,
  firmwareVersion: 0x000201,
  prepayBalance: 0xffc802,
  prepayTokenSend: 0xffc803,
  prepayEnabledFlag: 0xffff0d,
  elementA: 0xfffffc,
  elementB: 0xfffff8,
  csqNetOp: 0xfffd1d,
  instantaneousVoltage: 0x0c0700,
  threePhaseSerial: 0xd7ff10,
  threePhaseRead: 0xd7060a,
  threePhaseVoltageL1: 0x200700,
  threePhaseVoltageL2: 0x340700,
  threePhaseVoltageL3: 0x480700,

  tariffActiveStandingCharge: 0xffff22,
  tariffActiveThresholdMask: 0xffff20,
  tariffActiveThresholdValues: 0xffff1e,
  tariffActiveTouRateCurrent: 0xffff2b,
  tariffActiveBlockRateCurrent: 0xffff2c,
  tariffActivePrice: 0xffff2e,
  tariffActiveEmergencyCredit: 0xffc805,
  tariffActiveEcreditAvailability: 0xffc806,
  tariffActiveDebtRecoveryRate: 0xffc807,
  tariffActiveElementBTouRateCurrent: 0xffff4b,
  tariffActiveElementBPrice: 0xffff4d,

  tariffFutureStandingCharge: 0xffff23,
  tariffFutureThresholdMask: 0xffff21,
  tariffFutureThresholdValues: 0xffff1f,
  tariffFutureActivationDatetime: 0xffff24,
  tariffFutureEmergencyCredit: 0xffc808,
  tariffFutureEcreditAvailability: 0xffc809,
  tariffFutureDebtRecoveryRate: 0xffc80a,
  /** The origin keeps the element A unit rate in block 8 rate 1 of the future pricing table. */
  tariffFutureBlock8Rate1: 0xfff839,
  /** ... and the element B unit rate in element B TOU rate 1. */
  tariffFutureElementBTouRate1: 0xfff601,

  /**
   * UNVERIFIED: the event log object id is not in the public Kaitai enum (it lives in the unpublished
   * emop-frame-protocol package). This value is our placeholder, used by our client and simulator alike.
   */
  eventLog: 0xfff0e1,
} as const;
export type ObjectIdName = keyof typeof ObjectId;

/** EMOP data-field format bytes. `default` (0x01) is verified (emlite_data.ksy `contents: [0x01]`). */
export const RecordFormat = {
  default: 0x01,
  /** UNVERIFIED: the event-log record format byte is not public; placeholder shared with the simulator. */
  eventLog: 0x03,
} as const;

export const ReadWrite = { read: 0x00, write: 0x01 } as const;

export const MAX_OBJECT_ID = 0xffffff;
export const isObjectId = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_OBJECT_ID;

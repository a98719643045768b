/**
 * EMOP object ids (3 bytes, big-endian on the wire, an int32 in the gRPC requests). Every value except the
 * two placeholders at the end is in the public Kaitai enum `object_id_type` of cepro/simt-emlite
 * emlite_mediator/emlite/messages/emlite_message.ksy at commit 163f7e8, the newest version of that file (the
 * next commit, 23ba857, moved the specs into the emop-frame-protocol package; test/adapters/emlite/emopSpec.test.ts
 * lists them against that enum). Since then the origin names its ids from that package (PyPI
 * emop-frame-protocol, 0.4.14 pinned at d2434c0), whose source no public repository holds.
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
   * UNVERIFIED/assumed: the event log object id is not in the public Kaitai enum (the origin takes
   * `ObjectIdType.event_log` from emop-frame-protocol, d2434c0 api_core.py `event_log`). Our placeholder,
   * shared with the simulator.
   */
  eventLog: 0xfff0e1,
  /**
   * UNVERIFIED/assumed: the origin reads a three-phase meter's hardware configuration (meter type
   * ax_whole_current / cx_ct_operated, d2434c0 api_core.py `hardware`) when the hardware string is blank;
   * its id is also only in emop-frame-protocol. Our placeholder, shared with the simulator.
   */
  threePhaseHardwareConfiguration: 0xd7ff00,
} as const;
export type ObjectIdName = keyof typeof ObjectId;

/**
 * EMOP data-field format bytes, public enum `record_format` of emlite_data.ksy (163f7e8): 1 default,
 * 3 profile log 1, 4 profile log 2.
 */
export const RecordFormat = {
  default: 0x01,
  profileLog1: 0x03,
  profileLog2: 0x04,
  /**
   * UNVERIFIED/assumed: the origin sends the event log with its own format (`EmopData.RecordFormat.event_log`
   * of emop-frame-protocol, d2434c0 api_core.py), distinct from default and the two profile-log formats. 0x03
   * (our earlier value) is profile log 1 in the public spec; 0x02, the one gap below the profile logs, is
   * our placeholder, shared with the simulator.
   */
  eventLog: 0x02,
} as const;

/** The origin reads event log pages 0 (newest ten events) to 9 (oldest) and refuses any other index. */
export const EVENT_LOG_MAX_INDEX = 9;

export const ReadWrite = { read: 0x00, write: 0x01 } as const;

export const MAX_OBJECT_ID = 0xffffff;
export const isObjectId = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_OBJECT_ID;

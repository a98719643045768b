import { createPrng, fnv1a } from '../../../core/random';
import { codecFor, type MeterEvent } from '../codecs';
import { SINGLE_PHASE_MODELS, ThreePhaseMeterType, isBlankHardware, singlePhaseModel, threePhaseModel, threePhaseUnitsPerWh } from '../hardware';
import { ObjectId } from '../objectIds';
import { HOUR_MS, DAY_MS } from '../../../core/time';

export const REGISTERS = ['importA', 'exportA', 'importB', 'exportB'] as const;
export type RegisterName = (typeof REGISTERS)[number];

export interface SimulatedMeterSpec {
  serial: string;
  esco?: string;
  /**
   * The hardware string the meter answers ("6Cw"; NUL padded on the wire). '' makes a three-phase meter
   * (blank, as real ones answer); its model then comes from `threePhaseMeterType`.
   */
  hardware?: string;
  /** Three-phase meters: AX whole current (default) or CX CT operated (registers in 1/10 Wh). */
  threePhaseMeterType?: number;
  /** As the meter answers: 4 ASCII characters ("3032") on single-phase meters, hex bytes ("0102") on three-phase ones. */
  firmware?: string;
  balance?: number;
  /** Register values (Wh) at the simulator's clock when the meter is created. */
  registers?: Partial<Record<RegisterName, number>>;
  ratesWhPerHour?: Partial<Record<RegisterName, number>>;
  clockOffsetSeconds?: number;
  voltage?: number;
  csq?: number;
  networkOperator?: number;
}

/** Objects a three-phase meter answers that a single-phase one does not know, and the reverse. */
const THREE_PHASE_ONLY = new Set<number>([
  ObjectId.threePhaseSerial, ObjectId.threePhaseRead, ObjectId.threePhaseVoltageL1, ObjectId.threePhaseVoltageL2,
  ObjectId.threePhaseVoltageL3, ObjectId.threePhaseHardwareConfiguration,
]);
/** Assumed: the single-phase registers, voltage and serial objects are not answered by three-phase meters. */
const SINGLE_PHASE_ONLY = new Set<number>([ObjectId.elementA, ObjectId.elementB, ObjectId.instantaneousVoltage, ObjectId.serial, ObjectId.eventLog]);
/**
 * Prepay and tariff objects answer empty on three-phase meters (origin commit 7baa43f "emlite returns empty
 * responses"; its syncers skip them: "properties don't exist so emop calls fail").
 */
const EMPTY_ON_THREE_PHASE = new Set<number>([
  ObjectId.prepayBalance, ObjectId.prepayEnabledFlag, ObjectId.prepayTokenSend,
  ...Object.entries(ObjectId).filter(([k]) => k.startsWith('tariff')).map(([, v]) => v),
]);

/** A rejected exchange (the meter answered no): the mediator reports it as INTERNAL "Meter communication failed". */
export class MeterExchangeError extends Error {}

/** Registers are anchored here so that the same seed and clock always give the same readings. */
const REGISTER_EPOCH_MS = Date.UTC(2024, 0, 1);
/** The event type the origin observed on "credit token accepted" (type 48). */
export const EVENT_TOKEN_ACCEPTED = 48;

interface Anchor { valueWh: number; atMs: number; whPerHour: number }


/** One simulated Emlite meter: registers that advance with the clock, prepay state, tariffs, event log. */
export class SimulatedMeter {
  readonly serial: string;
  readonly esco: string;
  hardware: string;
  readonly threePhase: boolean;
  readonly threePhaseMeterType: number;
  firmware: string;
  balance: number;
  clockOffsetMs: number;
  readonly acceptedTokens: string[] = [];
  /** Newest first. */
  readonly events: MeterEvent[] = [];
  /** Static objects (tariffs, voltage, csq...), by object id, as decoded values. */
  readonly objects = new Map<number, unknown>();
  private readonly anchors: Record<RegisterName, Anchor>;

  constructor(spec: SimulatedMeterSpec, seed: number, nowMs: number) {
    const rnd = createPrng(seed ^ fnv1a(spec.serial));
    this.serial = spec.serial;
    this.esco = spec.esco ?? 'esco-sim';
    const hardwareStrings = Object.keys(SINGLE_PHASE_MODELS);
    this.hardware = spec.hardware ?? hardwareStrings[Math.floor(rnd() * hardwareStrings.length)]!;
    this.threePhase = isBlankHardware(this.hardware);
    this.threePhaseMeterType = spec.threePhaseMeterType ?? ThreePhaseMeterType.axWholeCurrent;
    this.firmware = spec.firmware ?? (this.threePhase ? '0102' : '3032');
    this.balance = spec.balance ?? Math.round(rnd() * 5000) / 100;
    this.clockOffsetMs = (spec.clockOffsetSeconds ?? Math.round(rnd() * 20 - 10)) * 1000;
    const defaults: Record<RegisterName, [number, number]> = {
      importA: [Math.floor(rnd() * 5_000_000), 50 + Math.floor(rnd() * 550)],
      exportA: [Math.floor(rnd() * 200_000), Math.floor(rnd() * 40)],
      importB: [Math.floor(rnd() * 2_000_000), Math.floor(rnd() * 200)],
      exportB: [0, 0],
    };
    this.anchors = {} as Record<RegisterName, Anchor>;
    for (const r of REGISTERS) {
      const [epochValue, rate] = defaults[r];
      const whPerHour = spec.ratesWhPerHour?.[r] ?? rate;
      this.anchors[r] = spec.registers?.[r] !== undefined
        ? { valueWh: spec.registers[r]!, atMs: nowMs, whPerHour }
        : { valueWh: epochValue, atMs: REGISTER_EPOCH_MS, whPerHour };
    }
    const set = (id: number, v: unknown) => this.objects.set(id, v);
    const volts = spec.voltage ?? 230 + Math.floor(rnd() * 20);
    set(ObjectId.instantaneousVoltage, volts);
    set(ObjectId.threePhaseVoltageL1, volts);
    set(ObjectId.threePhaseVoltageL2, volts + 0.4);
    set(ObjectId.threePhaseVoltageL3, volts - 0.3);
    set(ObjectId.threePhaseHardwareConfiguration, this.threePhaseMeterType);
    set(ObjectId.csqNetOp, { networkOperator: spec.networkOperator ?? Math.floor(rnd() * 4), csq: spec.csq ?? 5 + Math.floor(rnd() * 27) });
    set(ObjectId.prepayEnabledFlag, 1);
    for (const [id, v] of Object.entries(DEFAULT_TARIFFS)) set(Number(id), v);
    for (let d = 1; d <= 25; d++) {
      this.events.push({ timestamp: new Date(REGISTER_EPOCH_MS - d * DAY_MS), eventId: 1 + Math.floor(rnd() * 40), eventSet: Math.floor(rnd() * 3) });
    }
  }

  register(name: RegisterName, nowMs: number): number {
    const a = this.anchors[name];
    return Math.max(0, Math.floor(a.valueWh + (a.whPerHour * (nowMs - a.atMs)) / HOUR_MS));
  }

  setRegister(name: RegisterName, valueWh: number, nowMs: number): void {
    this.anchors[name] = { ...this.anchors[name], valueWh, atMs: nowMs };
  }

  setRate(name: RegisterName, whPerHour: number, nowMs: number): void {
    this.anchors[name] = { valueWh: this.register(name, nowMs), atMs: nowMs, whPerHour };
  }

  /** The model name the origin would store for this meter (hardware.ts). */
  get model(): string {
    return this.threePhase ? threePhaseModel(this.threePhaseMeterType) : singlePhaseModel(this.hardware);
  }

  /** Whether the meter answers this object at all (the kinds differ; a NAK becomes INTERNAL). */
  knows(objectId: number): boolean {
    return !(this.threePhase ? SINGLE_PHASE_ONLY : THREE_PHASE_ONLY).has(objectId);
  }

  /**
   * Decoded value of a readable object at `nowMs` (a Buffer: the raw bytes as the meter answers them);
   * undefined when the meter does not know the object.
   */
  value(objectId: number, nowMs: number): unknown {
    if (!this.knows(objectId)) return undefined;
    if (this.threePhase && EMPTY_ON_THREE_PHASE.has(objectId)) return Buffer.alloc(0);
    const read = (a: RegisterName, e: RegisterName, ra: number, re: number) => ({
      importActiveWh: this.register(a, nowMs), exportActiveWh: this.register(e, nowMs), importReactiveVarh: ra, exportReactiveVarh: re,
    });
    switch (objectId) {
      case ObjectId.time: return new Date(Math.floor((nowMs + this.clockOffsetMs) / 1000) * 1000);
      case ObjectId.serial: return this.serial;
      case ObjectId.threePhaseSerial: return this.serial;
      // Real meters NUL-pad the hardware string (the origin strips the NULs) and answer firmware as bytes.
      case ObjectId.hardwareVersion: return this.threePhase ? Buffer.alloc(0) : Buffer.from(`${this.hardware}\u0000`, 'latin1');
      case ObjectId.firmwareVersion: return Buffer.from(this.firmware, this.threePhase ? 'hex' : 'latin1');
      case ObjectId.prepayBalance: return this.balance;
      case ObjectId.elementA: return read('importA', 'exportA', Math.floor(this.register('importA', nowMs) / 10), 0);
      case ObjectId.elementB: return read('importB', 'exportB', Math.floor(this.register('importB', nowMs) / 10), 0);
      case ObjectId.threePhaseRead: {
        const unitsPerWh = threePhaseUnitsPerWh(this.model) ?? 1;
        const imp = this.register('importA', nowMs) * unitsPerWh;
        const exp = this.register('exportA', nowMs) * unitsPerWh;
        return { activeImport: imp, activeExport: exp, reactiveImport: Math.floor(imp / 10), reactiveExport: 0, apparentImport: Math.floor(imp * 1.05), apparentExport: exp };
      }
      default: return this.objects.get(objectId);
    }
  }

  read(objectId: number, nowMs: number): Buffer {
    const codec = codecFor(objectId);
    const v = this.value(objectId, nowMs);
    if (!codec || v === undefined) throw new MeterExchangeError(`object 0x${objectId.toString(16)} not recognised`);
    return Buffer.isBuffer(v) ? v : codec.encode(v as never);
  }

  write(objectId: number, payload: Buffer, nowMs: number, tokenCreditGbp: (token: string) => number): void {
    const codec = codecFor(objectId);
    if (!codec || !this.knows(objectId)) throw new MeterExchangeError(`object 0x${objectId.toString(16)} not recognised`);
    if (this.threePhase && EMPTY_ON_THREE_PHASE.has(objectId)) throw new MeterExchangeError('no prepay on three-phase meters');
    let value: unknown;
    try {
      value = codec.decode(payload);
    } catch {
      throw new MeterExchangeError('payload rejected');
    }
    switch (objectId) {
      case ObjectId.prepayTokenSend: return this.acceptToken(value as string, nowMs, tokenCreditGbp);
      case ObjectId.time: this.clockOffsetMs = (value as Date).getTime() - nowMs; return;
      case ObjectId.prepayBalance: case ObjectId.serial: case ObjectId.elementA: case ObjectId.elementB: case ObjectId.hardwareVersion:
      case ObjectId.firmwareVersion: case ObjectId.threePhaseSerial: case ObjectId.threePhaseRead: case ObjectId.threePhaseHardwareConfiguration:
        throw new MeterExchangeError('read-only object');
      default: this.objects.set(objectId, value);
    }
  }

  /** A token is credited once; sending it again changes nothing (meters keep a used-token list). */
  private acceptToken(token: string, nowMs: number, credit: (token: string) => number): void {
    if (this.acceptedTokens.includes(token)) return;
    this.acceptedTokens.push(token);
    this.balance = Math.round((this.balance + credit(token)) * 100_000) / 100_000;
    this.events.unshift({ timestamp: new Date(Math.floor(nowMs / 1000) * 1000), eventId: EVENT_TOKEN_ACCEPTED, eventSet: 0 });
  }
}

const DEFAULT_TARIFFS: Record<number, unknown> = {
  [ObjectId.tariffActiveStandingCharge]: 0.4567,
  [ObjectId.tariffActiveThresholdMask]: [true, false, false, false, false, false, false, false],
  [ObjectId.tariffActiveThresholdValues]: [0, 0, 0, 0, 0, 0, 0],
  [ObjectId.tariffActivePrice]: 0.2345,
  [ObjectId.tariffActiveBlockRateCurrent]: 7,
  [ObjectId.tariffActiveTouRateCurrent]: 0,
  [ObjectId.tariffActiveElementBPrice]: 0.2345,
  [ObjectId.tariffActiveElementBTouRateCurrent]: 0,
  [ObjectId.tariffActiveEmergencyCredit]: 15,
  [ObjectId.tariffActiveEcreditAvailability]: 10,
  [ObjectId.tariffActiveDebtRecoveryRate]: 0.5,
  [ObjectId.tariffFutureStandingCharge]: 0.5,
  [ObjectId.tariffFutureActivationDatetime]: new Date(Date.UTC(2030, 0, 1)),
  [ObjectId.tariffFutureThresholdMask]: [true, false, false, false, false, false, false, false],
  [ObjectId.tariffFutureThresholdValues]: [0, 0, 0, 0, 0, 0, 0],
  [ObjectId.tariffFutureBlock8Rate1]: 0.25,
  [ObjectId.tariffFutureElementBTouRate1]: 0.25,
  [ObjectId.tariffFutureEmergencyCredit]: 15,
  [ObjectId.tariffFutureEcreditAvailability]: 10,
  [ObjectId.tariffFutureDebtRecoveryRate]: 0.5,
};

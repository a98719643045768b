import { createPrng, fnv1a } from '../../../core/random';
import { codecFor, type MeterEvent } from '../codecs';
import { ObjectId } from '../objectIds';

export const REGISTERS = ['importA', 'exportA', 'importB', 'exportB'] as const;
export type RegisterName = (typeof REGISTERS)[number];

export interface SimulatedMeterSpec {
  serial: string;
  esco?: string;
  /** '' makes a three-phase meter (blank hardware string, as real ones answer). */
  hardware?: string;
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

/** A rejected exchange: the meter answered no or the link broke; the mediator reports it as INTERNAL. */
export class MeterExchangeError extends Error {}

/** Registers are anchored here so that the same seed and clock always give the same readings. */
const REGISTER_EPOCH_MS = Date.UTC(2024, 0, 1);
const HOUR_MS = 3_600_000;
/** The event type the origin observed on "credit token accepted" (type 48). */
export const EVENT_TOKEN_ACCEPTED = 48;

interface Anchor { valueWh: number; atMs: number; whPerHour: number }


/** One simulated Emlite meter: registers that advance with the clock, prepay state, tariffs, event log. */
export class SimulatedMeter {
  readonly serial: string;
  readonly esco: string;
  hardware: string;
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
    this.hardware = spec.hardware ?? (rnd() < 0.5 ? '6G' : '6C');
    this.firmware = spec.firmware ?? '3A04';
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
    set(ObjectId.instantaneousVoltage, spec.voltage ?? 230 + Math.floor(rnd() * 20));
    set(ObjectId.csqNetOp, { networkOperator: spec.networkOperator ?? Math.floor(rnd() * 4), csq: spec.csq ?? 5 + Math.floor(rnd() * 27) });
    set(ObjectId.prepayEnabledFlag, 1);
    for (const [id, v] of Object.entries(DEFAULT_TARIFFS)) set(Number(id), v);
    for (let d = 1; d <= 25; d++) {
      this.events.push({ timestamp: new Date(REGISTER_EPOCH_MS - d * 86_400_000), eventId: 1 + Math.floor(rnd() * 40), eventSet: Math.floor(rnd() * 3) });
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

  /** Decoded value of a readable object at `nowMs`; undefined when the meter does not know the object. */
  value(objectId: number, nowMs: number): unknown {
    const read = (a: RegisterName, e: RegisterName, ra: number, re: number) => ({
      importActiveWh: this.register(a, nowMs), exportActiveWh: this.register(e, nowMs), importReactiveVarh: ra, exportReactiveVarh: re,
    });
    switch (objectId) {
      case ObjectId.time: return new Date(Math.floor((nowMs + this.clockOffsetMs) / 1000) * 1000);
      case ObjectId.serial: return this.serial;
      case ObjectId.hardwareVersion: return this.hardware;
      case ObjectId.firmwareVersion: return this.firmware;
      case ObjectId.prepayBalance: return this.balance;
      case ObjectId.elementA: return read('importA', 'exportA', Math.floor(this.register('importA', nowMs) / 10), 0);
      case ObjectId.elementB: return read('importB', 'exportB', Math.floor(this.register('importB', nowMs) / 10), 0);
      case ObjectId.threePhaseRead: {
        const imp = this.register('importA', nowMs);
        const exp = this.register('exportA', nowMs);
        return { activeImport: imp, activeExport: exp, reactiveImport: Math.floor(imp / 10), reactiveExport: 0, apparentImport: Math.floor(imp * 1.05), apparentExport: exp };
      }
      default: return this.objects.get(objectId);
    }
  }

  read(objectId: number, nowMs: number): Buffer {
    const codec = codecFor(objectId);
    const v = this.value(objectId, nowMs);
    if (!codec || v === undefined) throw new MeterExchangeError(`object 0x${objectId.toString(16)} not recognised`);
    return codec.encode(v);
  }

  write(objectId: number, payload: Buffer, nowMs: number, tokenCreditGbp: (token: string) => number): void {
    const codec = codecFor(objectId);
    if (!codec) throw new MeterExchangeError(`object 0x${objectId.toString(16)} not recognised`);
    let value: unknown;
    try {
      value = codec.decode(payload);
    } catch {
      throw new MeterExchangeError('payload rejected');
    }
    switch (objectId) {
      case ObjectId.prepayTokenSend: return this.acceptToken(value as string, nowMs, tokenCreditGbp);
      case ObjectId.time: this.clockOffsetMs = (value as Date).getTime() - nowMs; return;
      case ObjectId.prepayBalance: case ObjectId.serial: case ObjectId.elementA: case ObjectId.elementB:
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

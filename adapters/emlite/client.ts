import * as grpc from '@grpc/grpc-js';
import { ErrorCode, GridtwinError } from '../../core/errors';
import {
  ELEMENT_CODECS, type ElementObjectId, type ElementValue, type CsqNetOp, type ElementRead, type MeterEvent,
  type ThreePhaseRead, type ThresholdMask, dataFieldCodec, eventLogRequestCodec, eventLogResponseCodec, rawReplyPayload,
} from './codecs';
import { mapGrpcError } from './errors';
import { isBlankHardware, singlePhaseModel, threePhaseModel } from './hardware';
import { ObjectId, isObjectId } from './objectIds';
import { InfoServiceClient, MediatorServiceClient } from './proto';
import { CONFIG_DEFAULTS } from '../../core/config';

export interface MediatorTls {
  /** CA that signed the mediator's certificate. */
  ca: Buffer;
  /** Client certificate and key, for mediators that require mutual TLS. */
  cert?: Buffer;
  key?: Buffer;
  /** Override the name checked against the server certificate (tests, IP-addressed mediators). */
  serverName?: string;
}

export interface EmliteClientOptions {
  /** Per-call deadline; default 75 s (config `emlite.deadlineMs`). */
  deadlineMs?: number;
  tls?: MediatorTls;
  /** Bounds the calls in flight to this mediator (the pool passes its per-mediator limiter). */
  limit?: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface CallOptions {
  deadlineMs?: number;
}

export const DEFAULT_DEADLINE_MS = CONFIG_DEFAULTS.emlite.deadlineMs;

export interface TariffsActive {
  standingCharge: number;
  unitRateElementA: number;
  unitRateElementB: number;
  thresholdMask: ThresholdMask;
  thresholdValues: number[];
  blockRate: number;
  touRate: number;
  elementBTouRate: number;
  emergencyCredit: number;
  ecreditAvailability: number;
  debtRecoveryRate: number;
}

export interface TariffsFuture {
  standingCharge: number;
  unitRateElementA: number;
  unitRateElementB: number;
  thresholdMask: ThresholdMask;
  thresholdValues: number[];
  activationAt: Date;
  emergencyCredit: number;
  ecreditAvailability: number;
  debtRecoveryRate: number;
}

type Unary<Req, Res> = (req: Req, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => grpc.ClientUnaryCall;

/**
 * One client per mediator address. Both services share one channel. Every call has a deadline, errors
 * come back as GridtwinError (errors.ts), element replies are decoded through the codec registry.
 */
export class EmliteMediatorClient {
  readonly address: string;
  private readonly deadlineMs: number;
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly mediator: grpc.Client;
  private readonly info: grpc.Client;
  /** Model name per serial: a meter's hardware does not change (the origin caches it the same way). */
  private readonly models = new Map<string, string>();

  constructor(address: string, opts: EmliteClientOptions = {}) {
    const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (!(Number.isInteger(deadlineMs) && deadlineMs > 0)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `emlite deadlineMs must be a positive integer, got ${deadlineMs}`);
    }
    this.address = address;
    this.deadlineMs = deadlineMs;
    this.limit = opts.limit ?? ((fn) => fn());
    const creds = opts.tls
      ? grpc.credentials.createSsl(opts.tls.ca, opts.tls.key ?? null, opts.tls.cert ?? null)
      : grpc.credentials.createInsecure();
    const channelOpts: grpc.ChannelOptions = opts.tls?.serverName ? { 'grpc.ssl_target_name_override': opts.tls.serverName } : {};
    this.mediator = new MediatorServiceClient(address, creds, channelOpts);
    this.info = new InfoServiceClient(address, creds, { ...channelOpts, channelOverride: this.mediator.getChannel() });
  }

  // --- raw RPCs -------------------------------------------------------------------------------------

  async readElement(serial: string, objectId: number, opts?: CallOptions): Promise<Buffer> {
    checkObjectId(objectId);
    const r = await this.call<{ response: Buffer }>(this.mediator, 'readElement', { serial, objectId }, serial, opts);
    return r.response;
  }

  async writeElement(serial: string, objectId: number, payload: Buffer, opts?: CallOptions): Promise<void> {
    checkObjectId(objectId);
    await this.call(this.mediator, 'writeElement', { serial, objectId, payload }, serial, opts);
  }

  async sendRawMessage(serial: string, dataField: Buffer, opts?: CallOptions): Promise<Buffer> {
    const r = await this.call<{ response: Buffer }>(this.mediator, 'sendRawMessage', { serial, dataField }, serial, opts);
    return r.response;
  }

  /** The mediator's JSON record for one meter (registry and shadow), parsed. */
  async getInfo(serial: string, opts?: CallOptions): Promise<unknown> {
    const r = await this.call<{ json_data: string }>(this.info, 'GetInfo', { serial }, serial, opts);
    return parseJson(r.json_data, 'GetInfo');
  }

  /** The meters the mediator serves, parsed from JSON; `esco` filters where the mediator supports it. */
  async getMeters(esco = '', opts?: CallOptions): Promise<unknown[]> {
    const r = await this.call<{ json_meters: string }>(this.info, 'GetMeters', { esco }, undefined, opts);
    const parsed = parseJson(r.json_meters, 'GetMeters');
    if (!Array.isArray(parsed)) throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, 'GetMeters: json_meters is not an array');
    return parsed;
  }

  // --- typed element access -------------------------------------------------------------------------

  async read<K extends ElementObjectId>(serial: string, objectId: K, opts?: CallOptions): Promise<ElementValue<K>> {
    const payload = await this.readElement(serial, objectId, opts);
    return (ELEMENT_CODECS[objectId] as unknown as { decode(b: Buffer): ElementValue<K> }).decode(payload);
  }

  async write<K extends ElementObjectId>(serial: string, objectId: K, value: ElementValue<K>, opts?: CallOptions): Promise<void> {
    const payload = (ELEMENT_CODECS[objectId] as unknown as { encode(v: ElementValue<K>): Buffer }).encode(value);
    await this.writeElement(serial, objectId, payload, opts);
  }

  readElementA = (serial: string, o?: CallOptions): Promise<ElementRead> => this.read(serial, ObjectId.elementA, o);
  readElementB = (serial: string, o?: CallOptions): Promise<ElementRead> => this.read(serial, ObjectId.elementB, o);
  prepayBalance = (serial: string, o?: CallOptions): Promise<number> => this.read(serial, ObjectId.prepayBalance, o);
  prepaySendToken = (serial: string, token: string, o?: CallOptions): Promise<void> => this.write(serial, ObjectId.prepayTokenSend, token, o);
  csq = (serial: string, o?: CallOptions): Promise<CsqNetOp> => this.read(serial, ObjectId.csqNetOp, o);
  clockTime = (serial: string, o?: CallOptions): Promise<Date> => this.read(serial, ObjectId.time, o);
  clockTimeWrite = (serial: string, time: Date, o?: CallOptions): Promise<void> => this.write(serial, ObjectId.time, time, o);
  serialRead = (serial: string, o?: CallOptions): Promise<string> => this.read(serial, ObjectId.serial, o);
  /** The hardware string as the meter answers it ("6Cw", or blank on three-phase meters). */
  hardwareRaw = (serial: string, o?: CallOptions): Promise<string> => this.read(serial, ObjectId.hardwareVersion, o);
  threePhaseSerial = (serial: string, o?: CallOptions): Promise<string> => this.read(serial, ObjectId.threePhaseSerial, o);
  threePhaseHardwareConfiguration = (serial: string, o?: CallOptions): Promise<number> => this.read(serial, ObjectId.threePhaseHardwareConfiguration, o);
  firmwareVersion = (serial: string, o?: CallOptions): Promise<string> => this.read(serial, ObjectId.firmwareVersion, o);
  voltage = (serial: string, o?: CallOptions): Promise<number> => this.read(serial, ObjectId.instantaneousVoltage, o);
  threePhaseRead = (serial: string, o?: CallOptions): Promise<ThreePhaseRead> => this.read(serial, ObjectId.threePhaseRead, o);

  /**
   * The meter's model name as the origin stores it (hardware.ts): a single-phase hardware string mapped
   * ("6Cw" → "C1.w"), or for a blank one the three-phase meter type ("P1.ax" / "P1.cx"). Cached per serial.
   */
  async hardware(serial: string, o?: CallOptions): Promise<string> {
    const cached = this.models.get(serial);
    if (cached) return cached;
    const raw = await this.hardwareRaw(serial, o);
    const model = isBlankHardware(raw) ? threePhaseModel(await this.threePhaseHardwareConfiguration(serial, o)) : singlePhaseModel(raw);
    this.models.set(serial, model);
    return model;
  }

  async threePhaseVoltages(serial: string, o?: CallOptions): Promise<[number, number, number]> {
    return [
      await this.read(serial, ObjectId.threePhaseVoltageL1, o),
      await this.read(serial, ObjectId.threePhaseVoltageL2, o),
      await this.read(serial, ObjectId.threePhaseVoltageL3, o),
    ];
  }

  /**
   * One page (10 events, newest first) of the event log; page `logIdx` reaches further back. The reply
   * starts with the echoed object id and index (codecs/dataField.ts `rawReplyCodec`), then the records.
   */
  async eventLog(serial: string, logIdx = 0, o?: CallOptions): Promise<MeterEvent[]> {
    const reply = await this.sendRawMessage(serial, eventLogRequestCodec.encode(logIdx), o);
    return eventLogResponseCodec.decode(rawReplyPayload('event_log_response', reply, ObjectId.eventLog));
  }

  /**
   * Reads an element through sendRawMessage with a default-format data field (the origin reads elements
   * with readElement; this is the raw path). The reply's echoed object id is checked and stripped.
   */
  async rawRead(serial: string, objectId: number, o?: CallOptions): Promise<Buffer> {
    const reply = await this.sendRawMessage(serial, dataFieldCodec.encode({ objectId, write: false, payload: Buffer.alloc(0) }), o);
    return rawReplyPayload('raw_read', reply, objectId);
  }

  /** The active tariff, object by object (sequential: the meter answers one exchange at a time). */
  async tariffsActive(serial: string, o?: CallOptions): Promise<TariffsActive> {
    return {
      standingCharge: await this.read(serial, ObjectId.tariffActiveStandingCharge, o),
      thresholdMask: await this.read(serial, ObjectId.tariffActiveThresholdMask, o),
      thresholdValues: await this.read(serial, ObjectId.tariffActiveThresholdValues, o),
      unitRateElementA: await this.read(serial, ObjectId.tariffActivePrice, o),
      blockRate: await this.read(serial, ObjectId.tariffActiveBlockRateCurrent, o),
      touRate: await this.read(serial, ObjectId.tariffActiveTouRateCurrent, o),
      unitRateElementB: await this.read(serial, ObjectId.tariffActiveElementBPrice, o),
      elementBTouRate: await this.read(serial, ObjectId.tariffActiveElementBTouRateCurrent, o),
      emergencyCredit: await this.read(serial, ObjectId.tariffActiveEmergencyCredit, o),
      ecreditAvailability: await this.read(serial, ObjectId.tariffActiveEcreditAvailability, o),
      debtRecoveryRate: await this.read(serial, ObjectId.tariffActiveDebtRecoveryRate, o),
    };
  }

  async tariffsFuture(serial: string, o?: CallOptions): Promise<TariffsFuture> {
    return {
      standingCharge: await this.read(serial, ObjectId.tariffFutureStandingCharge, o),
      activationAt: await this.read(serial, ObjectId.tariffFutureActivationDatetime, o),
      thresholdMask: await this.read(serial, ObjectId.tariffFutureThresholdMask, o),
      thresholdValues: await this.read(serial, ObjectId.tariffFutureThresholdValues, o),
      unitRateElementA: await this.read(serial, ObjectId.tariffFutureBlock8Rate1, o),
      unitRateElementB: await this.read(serial, ObjectId.tariffFutureElementBTouRate1, o),
      emergencyCredit: await this.read(serial, ObjectId.tariffFutureEmergencyCredit, o),
      ecreditAvailability: await this.read(serial, ObjectId.tariffFutureEcreditAvailability, o),
      debtRecoveryRate: await this.read(serial, ObjectId.tariffFutureDebtRecoveryRate, o),
    };
  }

  close(): void {
    this.info.close();
    this.mediator.close();
  }

  private call<Res>(client: grpc.Client, method: string, req: object, serial: string | undefined, opts?: CallOptions): Promise<Res> {
    const deadlineMs = opts?.deadlineMs ?? this.deadlineMs;
    return this.limit(
      () =>
        new Promise<Res>((resolve, reject) => {
          const fn = (client as unknown as Record<string, Unary<object, Res>>)[method]!.bind(client);
          fn(req, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
            if (err) reject(mapGrpcError(err, { method, serial, address: this.address }));
            else resolve(res as Res);
          });
        }),
    );
  }
}

function checkObjectId(objectId: number): void {
  if (!isObjectId(objectId)) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `not a 3-byte EMOP object id: ${objectId}`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `${what}: reply is not JSON`, { cause: e });
  }
}

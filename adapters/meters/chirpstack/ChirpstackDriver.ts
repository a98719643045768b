import mqtt, { type MqttClient } from 'mqtt';
import type { DriverCommand, DriverMeterRef, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import type { DeviceInfo } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { silentLogger, type Logger } from '../../../core/logger';
import type { LorawanCodec } from './codec';
import { calinDlt645Codec } from './calinDlt645';
import {
  assertTopicSafe, commandDownTopic, devEuiFromTopic, eventWildcard,
  type ChirpstackAckEvent, type ChirpstackDownlinkCommand, type ChirpstackJoinEvent, type ChirpstackRxInfo, type ChirpstackUplinkEvent,
} from './topics';

export interface ChirpstackDriverOptions {
  applicationId: string;
  /** Broker URL; ignored when `client` is given. */
  mqttUrl?: string;
  /** An already connected client (not closed by the driver). */
  client?: MqttClient;
  /** The meters' application payload format (default: the Calin one, `calin-dlt645`). */
  codec?: LorawanCodec;
  /** Downlink port; default: the codec's. */
  fPort?: number;
  /** Ask ChirpStack for confirmed downlinks (the origin does: a nack then fails the command at once). */
  confirmed?: boolean;
  /** The meter's devEui; default: external reference, else serial, lower-cased. */
  devEuiOf?: (meter: DriverMeterRef) => string;
  logger?: Logger;
  connectTimeoutMs?: number;
}

const DEFAULTS = {
  codec: calinDlt645Codec,
  confirmed: true,
  devEuiOf: (m: DriverMeterRef) => (m.externalReference ?? m.serial).toLowerCase(),
  logger: silentLogger,
  connectTimeoutMs: 5_000,
};

interface Pending {
  cmd: Pick<DriverCommand, 'type' | 'params'>;
  resolve: (r: DriverResponse) => void;
  reject: (e: GridtwinError) => void;
  timer: NodeJS.Timeout;
}

/** The gateway that heard the uplink best: highest SNR, then highest RSSI (the origin's connectivity-helpers). */
export function bestGateway(rxInfo: readonly ChirpstackRxInfo[] | undefined, receivedAt?: string): DeviceInfo | undefined {
  let best: ChirpstackRxInfo | undefined;
  for (const rx of rxInfo ?? []) {
    if (typeof rx?.rssi !== 'number' || typeof rx.snr !== 'number' || typeof rx.gatewayId !== 'string') continue;
    if (!best || rx.snr > best.snr || (rx.snr === best.snr && rx.rssi > best.rssi)) best = rx;
  }
  if (!best) return receivedAt ? { receivedAt } : undefined;
  return { gatewayExternalReference: best.gatewayId, rssi: best.rssi, snr: best.snr, ...(receivedAt ? { receivedAt } : {}) };
}

/**
 * LoRaWAN meters through ChirpStack v4's MQTT integration: publishes `command/down`, resolves on the
 * `event/up` that answers it, rejects TIMEOUT at the command's deadline. The codec decides the bytes; when
 * its answers carry no correlation, one command per device is in flight at a time and a nack (`event/ack`
 * with `acknowledged: false`) fails it at once. Uplinks that answer nothing (periodic reports) and
 * `event/join` go to the unsolicited listeners.
 */
export class ChirpstackDriver implements MeterDriver {
  readonly name = 'chirpstack';
  private readonly pending = new Map<string, Pending>();
  private readonly nextCorr = new Map<string, number>();
  /** Non-correlating codecs: the tail of each device's queue of commands. */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(r: UnsolicitedReport) => void>();
  private closed = false;
  private readonly handler = (topic: string, payload: Buffer) => this.onMessage(topic, payload);

  private constructor(
    private readonly client: MqttClient,
    private readonly ownsClient: boolean,
    private readonly opts: Required<Omit<ChirpstackDriverOptions, 'client' | 'mqttUrl'>>,
  ) {}

  static async connect(options: ChirpstackDriverOptions): Promise<ChirpstackDriver> {
    const base = { ...DEFAULTS, ...options };
    const opts = { ...base, fPort: options.fPort ?? base.codec.fPort };
    assertTopicSafe(opts.applicationId, 'applicationId');
    if (!options.client && !options.mqttUrl) throw new GridtwinError(ErrorCode.VALIDATION_FAILED, 'ChirpstackDriver needs mqttUrl or client');
    let client = options.client;
    if (!client) {
      try {
        client = await mqtt.connectAsync(options.mqttUrl!, { connectTimeout: opts.connectTimeoutMs, reconnectPeriod: 1_000 });
      } catch (e) {
        throw new GridtwinError(ErrorCode.UNAVAILABLE, 'cannot connect to the MQTT broker', { cause: e });
      }
    }
    const { client: _c, mqttUrl: _u, ...rest } = opts;
    const driver = new ChirpstackDriver(client, !options.client, rest);
    client.on('message', driver.handler);
    const app = opts.applicationId;
    await client.subscribeAsync([eventWildcard(app, 'up'), eventWildcard(app, 'join'), eventWildcard(app, 'ack')], { qos: 1 });
    return driver;
  }

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'chirpstack driver closed');
    const { codec } = this.opts;
    if (!codec.supports(cmd.type)) {
      throw new GridtwinError(ErrorCode.VALIDATION_FAILED, `${cmd.type} cannot be sent to a LoRaWAN meter with the ${codec.name} payload format`, {
        details: { type: cmd.type, codec: codec.name, unsupported: true },
      });
    }
    const devEui = this.opts.devEuiOf(cmd.meter);
    assertTopicSafe(devEui, 'devEui');
    if (codec.correlates) return this.send(cmd, devEui, this.allocateCorrelation(devEui));
    return this.oneAtATime(devEui, cmd, () => this.send(cmd, devEui, 0));
  }

  onUnsolicited(listener: (r: UnsolicitedReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const key of [...this.pending.keys()]) this.settle(key)?.reject(new GridtwinError(ErrorCode.UNAVAILABLE, 'chirpstack driver closed'));
    this.listeners.clear();
    this.client.off('message', this.handler);
    if (this.ownsClient) await this.client.endAsync();
  }

  private async send(cmd: DriverCommand, devEui: string, corr: number): Promise<DriverResponse> {
    const waitMs = cmd.deadlineAt - Date.now();
    if (waitMs <= 0) throw this.timeout(cmd, devEui, corr);
    const frame = this.opts.codec.encodeCommand({ type: cmd.type, params: cmd.params, meterSerial: cmd.meter.serial, corr });
    const key = this.key(devEui, corr);
    const answered = new Promise<DriverResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(this.timeout(cmd, devEui, corr));
      }, waitMs);
      this.pending.set(key, { cmd, resolve, reject, timer });
    });
    const down: ChirpstackDownlinkCommand = { devEui, confirmed: this.opts.confirmed, fPort: this.opts.fPort, data: frame.toString('base64') };
    try {
      await this.client.publishAsync(commandDownTopic(this.opts.applicationId, devEui), JSON.stringify(down), { qos: 1 });
    } catch (e) {
      this.settle(key)?.reject(new GridtwinError(ErrorCode.UNAVAILABLE, 'MQTT publish failed', { cause: e }));
    }
    return answered;
  }

  /** Waits for the device's previous command (at most until this one's deadline), then runs this one. */
  private async oneAtATime<T>(devEui: string, cmd: DriverCommand, run: () => Promise<T>): Promise<T> {
    const previous = this.lanes.get(devEui) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = previous.then(() => mine);
    this.lanes.set(devEui, tail);
    try {
      let timer: NodeJS.Timeout | undefined;
      const turn = await Promise.race([
        previous.then(() => true),
        new Promise<false>((r) => { timer = setTimeout(() => r(false), Math.max(0, cmd.deadlineAt - Date.now())); }),
      ]);
      clearTimeout(timer);
      if (!turn) throw this.timeout(cmd, devEui, 0);
      return await run();
    } finally {
      release();
      if (this.lanes.get(devEui) === tail) this.lanes.delete(devEui);
    }
  }

  private key(devEui: string, corr: number): string {
    return this.opts.codec.correlates ? `${devEui}:${corr}` : devEui;
  }

  private timeout(cmd: DriverCommand, devEui: string, corr: number): GridtwinError {
    return new GridtwinError(ErrorCode.TIMEOUT, `no uplink answer from ${devEui} for ${cmd.type} before the deadline`, {
      details: { devEui, correlation: corr, interactionId: cmd.interactionId },
    });
  }

  /** 1..255 per device, skipping correlations still waiting for an answer. */
  private allocateCorrelation(devEui: string): number {
    const c = this.nextCorr.get(devEui) ?? 1;
    for (let i = 0; i < 255; i++) {
      const candidate = ((c - 1 + i) % 255) + 1;
      if (!this.pending.has(`${devEui}:${candidate}`)) {
        this.nextCorr.set(devEui, (candidate % 255) + 1);
        return candidate;
      }
    }
    throw new GridtwinError(ErrorCode.BUSY, `255 commands already in flight for ${devEui}`);
  }

  private settle(key: string): Pending | undefined {
    const p = this.pending.get(key);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(key);
    return p;
  }

  private onMessage(topic: string, payload: Buffer): void {
    try {
      const body = JSON.parse(payload.toString('utf8')) as unknown;
      if (topic.endsWith('/event/up')) this.onUplink(topic, body as ChirpstackUplinkEvent);
      else if (topic.endsWith('/event/join')) this.onJoin(topic, body as ChirpstackJoinEvent);
      else if (topic.endsWith('/event/ack')) this.onAck(topic, body as ChirpstackAckEvent);
    } catch (e) {
      this.opts.logger.warn({ topic, err: e }, 'dropped malformed ChirpStack event');
    }
  }

  private onUplink(topic: string, ev: ChirpstackUplinkEvent): void {
    const { codec } = this.opts;
    if (!ev.data || (codec.uplinkFPort !== undefined && ev.fPort !== codec.uplinkFPort)) return;
    const devEui = (ev.deviceInfo?.devEui ?? devEuiFromTopic(topic) ?? '').toLowerCase();
    const receivedAt = ev.time ?? new Date().toISOString();
    const deviceInfo = bestGateway(ev.rxInfo, receivedAt);
    const up = codec.decodeUplink(Buffer.from(ev.data, 'base64'));
    if (up.kind === 'report') {
      this.emit({ type: 'READ_REPORT', meterExternalReference: devEui, result: up.result, deviceInfo, receivedAt });
      return;
    }
    if (up.kind === 'ignored') {
      this.opts.logger.debug({ devEui, reason: up.reason }, 'uplink not for gridtwin');
      return;
    }
    const key = this.key(devEui, up.corr ?? 0);
    const waiting = this.pending.get(key);
    if (!waiting || !up.answers(waiting.cmd.type)) {
      this.opts.logger.debug({ devEui, corr: up.corr }, 'uplink answer with no waiting command (late, duplicate or another kind)');
      return;
    }
    const p = this.settle(key)!;
    const outcome = up.outcome(p.cmd);
    if (outcome.ok) p.resolve({ result: outcome.result, deviceInfo });
    else p.reject(new GridtwinError(ErrorCode.DEVICE_REJECTED, `meter ${devEui} rejected ${p.cmd.type}: ${outcome.reason}`, { details: { devEui, deviceInfo } }));
  }

  /** A nack says the downlink never reached the meter (not applied): fail the command now, not at its deadline. */
  private onAck(topic: string, ev: ChirpstackAckEvent): void {
    if (ev.acknowledged !== false || this.opts.codec.correlates) return;
    const devEui = (ev.deviceInfo?.devEui ?? devEuiFromTopic(topic) ?? '').toLowerCase();
    this.settle(devEui)?.reject(new GridtwinError(ErrorCode.UNAVAILABLE, `downlink to ${devEui} not acknowledged (offline, out of range or missed its receive window)`, {
      details: { devEui, queueItemId: ev.queueItemId },
    }));
  }

  private onJoin(topic: string, ev: ChirpstackJoinEvent): void {
    const devEui = (ev.deviceInfo?.devEui ?? devEuiFromTopic(topic) ?? '').toLowerCase();
    const receivedAt = ev.time ?? new Date().toISOString();
    this.emit({ type: 'JOIN_NETWORK', meterExternalReference: devEui, result: {}, deviceInfo: { receivedAt }, receivedAt });
  }

  private emit(r: UnsolicitedReport): void {
    for (const l of this.listeners) {
      try { l(r); } catch (e) { this.opts.logger.error({ err: e }, 'unsolicited listener threw'); }
    }
  }
}

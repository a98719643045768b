import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { DriverCommand, DriverMeterRef, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import type { DeviceInfo } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { silentLogger, type Logger } from '../../../core/logger';
import type { DecodedUplink, LorawanCodec } from './codec';
import { AnswerAckPairing } from './answerPairing';
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
  /**
   * Ask ChirpStack for confirmed downlinks (the origin does). Confirmed, an answer is taken only when the ack on its
   * uplink names the command's queue item, and a nack fails the command at once. Unconfirmed, a codec without
   * correlation can only match an answer by its class.
   */
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
  /** The downlink's ChirpStack queue item id (we choose it: DownlinkCommand.id). */
  queueItemId: string;
  resolve: (r: DriverResponse) => void;
  reject: (e: GridtwinError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The gateway that heard the uplink best: highest SNR, then highest RSSI (the origin's connectivity-helpers).
 * ChirpStack leaves an rssi or snr of 0 out of an rxInfo entry (proto3 JSON without defaults), so absent reads as 0.
 */
export function bestGateway(rxInfo: readonly ChirpstackRxInfo[] | undefined, receivedAt?: string): DeviceInfo | undefined {
  let best: { gatewayId: string; rssi: number; snr: number } | undefined;
  for (const rx of rxInfo ?? []) {
    if (typeof rx?.gatewayId !== 'string' || !isOptionalNumber(rx.rssi) || !isOptionalNumber(rx.snr)) continue;
    const seen = { gatewayId: rx.gatewayId, rssi: rx.rssi ?? 0, snr: rx.snr ?? 0 };
    if (!best || seen.snr > best.snr || (seen.snr === best.snr && seen.rssi > best.rssi)) best = seen;
  }
  if (!best) return receivedAt ? { receivedAt } : undefined;
  return { gatewayExternalReference: best.gatewayId, rssi: best.rssi, snr: best.snr, ...(receivedAt ? { receivedAt } : {}) };
}

const isOptionalNumber = (v: unknown) => v === undefined || typeof v === 'number';

type Answer = Extract<DecodedUplink, { kind: 'response' }>;
interface HeldAnswer { devEui: string; up: Answer; deviceInfo: DeviceInfo | undefined }

/**
 * LoRaWAN meters through ChirpStack v4's MQTT integration: publishes `command/down` with a queue item id of its own
 * and an expiry at the command's deadline, resolves on the `event/up` that answers it, rejects TIMEOUT at the
 * deadline. The codec decides the bytes; when its answers carry no correlation, one command per device is in flight
 * and its answer is the uplink whose `event/ack` names its queue item. A nack (`acknowledged: false`) for the queue
 * item in flight fails it at once; an answer or nack for any other queue item (a command already given up) is
 * dropped. Uplinks that answer nothing (periodic reports) and `event/join` go to the unsolicited listeners.
 */
export class ChirpstackDriver implements MeterDriver {
  readonly name = 'chirpstack';
  private readonly pending = new Map<string, Pending>();
  /** queueItemId → pending key. */
  private readonly byQueueItem = new Map<string, string>();
  private readonly pairing = new AnswerAckPairing<HeldAnswer>();
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
    this.pairing.clear();
    this.client.off('message', this.handler);
    if (this.ownsClient) await this.client.endAsync();
  }

  private async send(cmd: DriverCommand, devEui: string, corr: number): Promise<DriverResponse> {
    const waitMs = cmd.deadlineAt - Date.now();
    if (waitMs <= 0) throw this.timeout(cmd, devEui, corr);
    const frame = this.opts.codec.encodeCommand({ type: cmd.type, params: cmd.params, meterSerial: cmd.meter.serial, corr });
    const key = this.key(devEui, corr);
    const queueItemId = randomUUID();
    const answered = new Promise<DriverResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(key);
        reject(this.timeout(cmd, devEui, corr));
      }, waitMs);
      this.pending.set(key, { cmd, queueItemId, resolve, reject, timer });
      this.byQueueItem.set(queueItemId, key);
    });
    // expiresAt: ChirpStack drops the item unsent once we have given up on it, so it cannot reach the meter later
    const down: ChirpstackDownlinkCommand = {
      id: queueItemId, devEui, confirmed: this.opts.confirmed, fPort: this.opts.fPort, data: frame.toString('base64'),
      expiresAt: new Date(cmd.deadlineAt).toISOString(),
    };
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
    this.byQueueItem.delete(p.queueItemId);
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
    if (codec.correlates || !this.opts.confirmed) {
      this.deliver(this.key(devEui, up.corr ?? 0), devEui, up, deviceInfo);
      return;
    }
    if (!ev.deduplicationId) {
      this.opts.logger.debug({ devEui }, 'uplink answer without deduplicationId cannot be paired with an ack; dropped');
      return;
    }
    const queueItemId = this.pairing.answer(ev.deduplicationId, { devEui, up, deviceInfo });
    if (queueItemId) this.deliverForQueueItem(queueItemId, devEui, up, deviceInfo);
  }

  /** The answer to a confirmed downlink, once its ack named the queue item: taken only by that command. */
  private deliverForQueueItem(queueItemId: string, devEui: string, up: Answer, deviceInfo: DeviceInfo | undefined): void {
    const key = this.byQueueItem.get(queueItemId);
    if (key !== devEui) {
      this.opts.logger.debug({ devEui, queueItemId }, 'answer to a queue item no longer in flight (late or duplicate); dropped');
      return;
    }
    this.deliver(key, devEui, up, deviceInfo);
  }

  private deliver(key: string, devEui: string, up: Answer, deviceInfo: DeviceInfo | undefined): void {
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

  /**
   * A positive ack pairs with the answer on the same uplink. A nack means ChirpStack's wait for the ACK timed out:
   * fail that queue item's command now, not at its deadline (UNAVAILABLE, which the actors verify: the ACK may have
   * been lost with an uplink, so "not applied" is likely, not certain). Acks for other queue items are dropped.
   */
  private onAck(topic: string, ev: ChirpstackAckEvent): void {
    const devEui = (ev.deviceInfo?.devEui ?? devEuiFromTopic(topic) ?? '').toLowerCase();
    if (typeof ev.queueItemId !== 'string' || typeof ev.acknowledged !== 'boolean') return;
    if (ev.acknowledged) {
      if (this.opts.codec.correlates || !ev.deduplicationId) return;
      const held = this.pairing.ack(ev.deduplicationId, ev.queueItemId);
      if (held) this.deliverForQueueItem(ev.queueItemId, held.devEui, held.up, held.deviceInfo);
      return;
    }
    const key = this.byQueueItem.get(ev.queueItemId);
    if (key === undefined || !(key === devEui || key.startsWith(`${devEui}:`))) {
      this.opts.logger.debug({ devEui, queueItemId: ev.queueItemId }, 'nack for a queue item no longer in flight; dropped');
      return;
    }
    this.settle(key)?.reject(new GridtwinError(ErrorCode.UNAVAILABLE, `downlink to ${devEui} not acknowledged (offline, out of range or missed its receive window)`, {
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

import mqtt, { type MqttClient } from 'mqtt';
import type { DriverCommand, DriverMeterRef, DriverResponse, MeterDriver, UnsolicitedReport } from '../types';
import type { DeviceInfo } from '../../../core/domain';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { silentLogger, type Logger } from '../../../core/logger';
import { decodeUplink, encodeCommand } from './frame';
import {
  assertTopicSafe, commandDownTopic, devEuiFromTopic, eventWildcard,
  type ChirpstackDownlinkCommand, type ChirpstackJoinEvent, type ChirpstackRxInfo, type ChirpstackUplinkEvent,
} from './topics';

export interface ChirpstackDriverOptions {
  applicationId: string;
  /** Broker URL; ignored when `client` is given. */
  mqttUrl?: string;
  /** An already connected client (not closed by the driver). */
  client?: MqttClient;
  /** LoRaWAN port carrying gridtwin frames. */
  fPort?: number;
  /** Ask ChirpStack for confirmed downlinks. */
  confirmed?: boolean;
  /** The meter's devEui; default: external reference, else serial, lower-cased. */
  devEuiOf?: (meter: DriverMeterRef) => string;
  logger?: Logger;
  connectTimeoutMs?: number;
}

const DEFAULTS = {
  fPort: 10,
  confirmed: false,
  devEuiOf: (m: DriverMeterRef) => (m.externalReference ?? m.serial).toLowerCase(),
  logger: silentLogger,
  connectTimeoutMs: 5_000,
};

interface Pending {
  resolve: (r: DriverResponse) => void;
  reject: (e: GridtwinError) => void;
  timer: NodeJS.Timeout;
}

/** The gateway that heard the uplink best: highest RSSI, then highest SNR. */
export function bestGateway(rxInfo: readonly ChirpstackRxInfo[] | undefined, receivedAt?: string): DeviceInfo | undefined {
  let best: ChirpstackRxInfo | undefined;
  for (const rx of rxInfo ?? []) {
    if (typeof rx?.rssi !== 'number' || typeof rx.gatewayId !== 'string') continue;
    if (!best || rx.rssi > best.rssi || (rx.rssi === best.rssi && (rx.snr ?? -Infinity) > (best.snr ?? -Infinity))) best = rx;
  }
  if (!best) return receivedAt ? { receivedAt } : undefined;
  return { gatewayExternalReference: best.gatewayId, rssi: best.rssi, snr: best.snr, ...(receivedAt ? { receivedAt } : {}) };
}

/**
 * Calin LoRaWAN meters through ChirpStack v4's MQTT integration: publishes `command/down`, resolves on the
 * `event/up` carrying the same correlation byte, rejects TIMEOUT at the command's deadline. Uplinks that
 * answer nothing (periodic reports) and `event/join` go to the unsolicited listeners.
 */
export class ChirpstackDriver implements MeterDriver {
  readonly name = 'chirpstack';
  private readonly pending = new Map<string, Pending>();
  private readonly nextCorr = new Map<string, number>();
  private readonly listeners = new Set<(r: UnsolicitedReport) => void>();
  private closed = false;
  private readonly handler = (topic: string, payload: Buffer) => this.onMessage(topic, payload);

  private constructor(
    private readonly client: MqttClient,
    private readonly ownsClient: boolean,
    private readonly opts: Required<Omit<ChirpstackDriverOptions, 'client' | 'mqttUrl'>>,
  ) {}

  static async connect(options: ChirpstackDriverOptions): Promise<ChirpstackDriver> {
    const opts = { ...DEFAULTS, ...options };
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
    await client.subscribeAsync([eventWildcard(opts.applicationId, 'up'), eventWildcard(opts.applicationId, 'join')], { qos: 1 });
    return driver;
  }

  async execute(cmd: DriverCommand): Promise<DriverResponse> {
    if (this.closed) throw new GridtwinError(ErrorCode.UNAVAILABLE, 'chirpstack driver closed');
    const devEui = this.opts.devEuiOf(cmd.meter);
    assertTopicSafe(devEui, 'devEui');
    const waitMs = cmd.deadlineAt - Date.now();
    if (waitMs <= 0) throw this.timeout(cmd, devEui, 0);
    const corr = this.allocateCorrelation(devEui);
    const frame = encodeCommand(corr, cmd);
    const key = `${devEui}:${corr}`;
    const answered = new Promise<DriverResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(this.timeout(cmd, devEui, corr));
      }, waitMs);
      this.pending.set(key, { resolve, reject, timer });
    });
    const down: ChirpstackDownlinkCommand = { devEui, confirmed: this.opts.confirmed, fPort: this.opts.fPort, data: frame.toString('base64') };
    try {
      await this.client.publishAsync(commandDownTopic(this.opts.applicationId, devEui), JSON.stringify(down), { qos: 1 });
    } catch (e) {
      this.settle(key)?.reject(new GridtwinError(ErrorCode.UNAVAILABLE, 'MQTT publish failed', { cause: e }));
    }
    return answered;
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

  private timeout(cmd: DriverCommand, devEui: string, corr: number): GridtwinError {
    return new GridtwinError(ErrorCode.TIMEOUT, `no uplink answer from ${devEui} for ${cmd.type} before the deadline`, {
      details: { devEui, correlation: corr, interactionId: cmd.interactionId },
    });
  }

  /** 1..255 per device, skipping correlations still waiting for an answer. */
  private allocateCorrelation(devEui: string): number {
    let c = this.nextCorr.get(devEui) ?? 1;
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
      if (topic.endsWith('/event/up')) this.onUplink(topic, JSON.parse(payload.toString('utf8')) as ChirpstackUplinkEvent);
      else if (topic.endsWith('/event/join')) this.onJoin(topic, JSON.parse(payload.toString('utf8')) as ChirpstackJoinEvent);
    } catch (e) {
      this.opts.logger.warn({ topic, err: e }, 'dropped malformed ChirpStack event');
    }
  }

  private onUplink(topic: string, ev: ChirpstackUplinkEvent): void {
    if (ev.fPort !== this.opts.fPort || !ev.data) return;
    const devEui = (ev.deviceInfo?.devEui ?? devEuiFromTopic(topic) ?? '').toLowerCase();
    const receivedAt = ev.time ?? new Date().toISOString();
    const deviceInfo = bestGateway(ev.rxInfo, receivedAt);
    const up = decodeUplink(Buffer.from(ev.data, 'base64'));
    if (up.kind === 'report') {
      this.emit({ type: 'READ_REPORT', meterExternalReference: devEui, result: up.result, deviceInfo, receivedAt });
      return;
    }
    const p = this.settle(`${devEui}:${up.corr}`);
    if (!p) {
      this.opts.logger.debug({ devEui, corr: up.corr }, 'uplink answer with no waiting command (late or duplicate)');
      return;
    }
    if (up.outcome.ok) p.resolve({ result: up.outcome.result, deviceInfo });
    else p.reject(new GridtwinError(ErrorCode.DEVICE_REJECTED, `meter ${devEui} rejected ${up.type}: ${up.outcome.reason}`, { details: { devEui, deviceInfo } }));
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

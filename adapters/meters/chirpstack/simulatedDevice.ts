import { randomInt, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { ErrorCode, GridtwinError } from '../../../core/errors';
import { applyCommand, createSimMeter, type SimMeterOptions, type SimMeterState } from '../simulated/meterState';
import type { DecodedCommand, LorawanCodec, Outcome } from './codec';
import { calinDlt645Codec } from './calinDlt645';
import { lorawanCodec } from './codecs';
import { LORAWAN_CODEC_NAMES, type LorawanCodecName } from './codec';
import {
  assertTopicSafe, commandDownWildcard, devEuiFromTopic, eventTopic,
  type ChirpstackAckEvent, type ChirpstackDeviceInfo, type ChirpstackDownlinkCommand, type ChirpstackJoinEvent, type ChirpstackLogEvent,
  type ChirpstackRxInfo, type ChirpstackTxAckEvent, type ChirpstackUplinkEvent,
} from './topics';

/**
 * Simulated Calin LoRaWAN meters behind a simulated ChirpStack v4 (sources: README, "ChirpStack v4 MQTT"): listens on
 * `command/down` and refuses what ChirpStack refuses (devEui not the topic's, an `id` that is not a UUID, fPort 0);
 * drops an item past its `expiresAt` with an `event/log` EXPIRED; else `event/txack`, applies the command and
 * publishes the answer `event/up` followed by the `event/ack` of a confirmed downlink with the same deduplicationId
 * and the command's queue item id. A nack (`acknowledged: false`) is what ChirpStack sends when its wait for the ACK
 * times out: at once for a nacking device, and before the next downlink when the uplink carrying the ACK was lost.
 * Also periodic READ_REPORT uplinks and `event/join`.
 */
export interface SimulatedDeviceSpec {
  devEui: string;
  /** Meter number (tokens, frame address); default: the devEui without its first 5 digits (the origin's mapping). */
  serial?: string;
  /** The gateways that hear this device; default: one gateway `gw-1` at -80 dBm, 7.5 dB. */
  gateways?: Array<{ gatewayId: string; rssi: number; snr: number }>;
  state?: Partial<Omit<SimMeterState, 'serial'>>;
}

export interface SimulatedLorawanDevicesOptions extends SimMeterOptions {
  mqttUrl: string;
  applicationId: string;
  devices: SimulatedDeviceSpec[];
  seed?: number;
  /** The payload format the devices speak (default: the Calin one, `calin-dlt645`). */
  codec?: LorawanCodec;
  /** Delay before answering a downlink (LoRaWAN class A devices answer on their next uplink). */
  responseDelayMs?: number;
  /** Send a READ_REPORT from every device this often; 0 = only on demand. */
  reportEveryMs?: number;
}

interface Device {
  spec: Required<Pick<SimulatedDeviceSpec, 'devEui' | 'gateways'>>;
  state: SimMeterState;
  silent: boolean;
  /** Downlinks are nacked and not applied. */
  nacking: boolean;
  /** Commands are answered as refused, not applied. */
  refusing: boolean;
  /** Commands are applied but their answers are lost (the ghost success). */
  losingAnswers: number;
  /** A confirmed downlink whose ACK was lost with its uplink: ChirpStack nacks it at the next downlink. */
  unacked?: { queueItemId: string; fCntDown: number };
  fCnt: number;
  fCntDown: number;
}

/** A `command/down` ChirpStack would not queue (mqtt.rs / integration/mod.rs refuse it and log a warning). */
export interface RefusedDownlink { topic: string; reason: string }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SimulatedLorawanDevices {
  /** Downlinks received per devEui (including ones left unanswered). */
  readonly received = new Map<string, number>();
  /** Downlink commands refused before queueing, in arrival order. */
  readonly refused: RefusedDownlink[] = [];
  private readonly devices = new Map<string, Device>();
  private client?: MqttClient;
  private reportTimer?: NodeJS.Timeout;
  private readonly opts: Required<Omit<SimulatedLorawanDevicesOptions, 'drainKwhPerHour'>> & SimMeterOptions;

  constructor(options: SimulatedLorawanDevicesOptions) {
    this.opts = { seed: 1, codec: calinDlt645Codec, responseDelayMs: 0, reportEveryMs: 0, ...options };
    assertTopicSafe(this.opts.applicationId, 'applicationId');
    for (const d of options.devices) this.add(d);
  }

  add(spec: SimulatedDeviceSpec): void {
    const devEui = assertTopicSafe(spec.devEui.toLowerCase(), 'devEui');
    const state = createSimMeter(spec.serial ?? devEui.slice(5), this.opts.seed, Date.now());
    Object.assign(state, spec.state ?? {});
    this.devices.set(devEui, {
      spec: { devEui, gateways: spec.gateways ?? [{ gatewayId: 'gw-1', rssi: -80, snr: 7.5 }] },
      state, silent: false, nacking: false, refusing: false, losingAnswers: 0, fCnt: 0, fCntDown: 0,
    });
  }

  async start(): Promise<this> {
    this.client = await mqtt.connectAsync(this.opts.mqttUrl, { connectTimeout: 5_000 });
    // a publish can fail once the broker connection is closing; a lost uplink is what a real device does too
    this.client.on('message', (topic, payload) => { this.onDownlink(topic, payload).catch(() => undefined); });
    await this.client.subscribeAsync(commandDownWildcard(this.opts.applicationId), { qos: 1 });
    if (this.opts.reportEveryMs > 0) {
      this.reportTimer = setInterval(() => { for (const devEui of this.devices.keys()) this.sendReport(devEui).catch(() => undefined); }, this.opts.reportEveryMs);
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.reportTimer) clearInterval(this.reportTimer);
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** The device is out of reach: downlinks are transmitted (txack, counted) but neither applied, acked nor answered. */
  silence(devEui: string, silent = true): void { this.device(devEui).silent = silent; }
  /** Confirmed downlinks are nacked (never reached the meter) and not applied. */
  nack(devEui: string, nacking = true): void { this.device(devEui).nacking = nacking; }
  /** Every command is answered as refused (and not applied) until called with false. */
  refuse(devEui: string, refusing = true): void { this.device(devEui).refusing = refusing; }
  /** The next `count` commands are applied but their answers never arrive. */
  loseAnswers(devEui: string, count = 1): void { this.device(devEui).losingAnswers += count; }
  setGateways(devEui: string, gateways: SimulatedDeviceSpec['gateways'] & object): void { this.device(devEui).spec.gateways = gateways; }
  getState(devEui: string): Readonly<SimMeterState> { return this.device(devEui).state; }

  async sendReport(devEui: string): Promise<void> {
    const d = this.device(devEui);
    const result = applyCommand(d.state, { type: 'READ_REPORT', params: {} }, Date.now(), this.opts);
    await this.publishUp(d, this.opts.codec.encodeReport(result, d.state.serial, new Date()));
  }

  async join(devEui: string): Promise<void> {
    const d = this.device(devEui);
    const ev: ChirpstackJoinEvent = { deduplicationId: randomUUID(), time: new Date().toISOString(), deviceInfo: this.deviceInfo(d), devAddr: '01020304' };
    await this.mqtt().publishAsync(eventTopic(this.opts.applicationId, d.spec.devEui, 'join'), JSON.stringify(ev), { qos: 1 });
  }

  private async onDownlink(topic: string, payload: Buffer): Promise<void> {
    const devEui = devEuiFromTopic(topic);
    const d = devEui ? this.devices.get(devEui) : undefined;
    if (!d || !devEui) return;
    let down: ChirpstackDownlinkCommand;
    try {
      down = JSON.parse(payload.toString('utf8')) as ChirpstackDownlinkCommand;
    } catch {
      this.refused.push({ topic, reason: 'not JSON' });
      return;
    }
    const refusal = refusalOf(down, devEui);
    if (refusal) {
      this.refused.push({ topic, reason: refusal });
      return;
    }
    const queueItemId = down.id || randomUUID();
    if (d.unacked) {
      const { unacked } = d;
      d.unacked = undefined;
      await this.publishAck(d, { deduplicationId: '', queueItemId: unacked.queueItemId, acknowledged: false, fCntDown: unacked.fCntDown });
    }
    if (down.expiresAt !== undefined && Date.parse(down.expiresAt) < Date.now()) {
      await this.publishExpired(d, queueItemId);
      return;
    }
    this.received.set(devEui, (this.received.get(devEui) ?? 0) + 1);
    const fCntDown = d.fCntDown++;
    await this.publishTxAck(d, queueItemId, fCntDown);
    if (down.fPort !== this.opts.codec.fPort) return;
    let cmd: DecodedCommand;
    try {
      cmd = this.opts.codec.decodeCommand(Buffer.from(down.data ?? '', 'base64'));
    } catch {
      return; // a real device ignores frames it cannot parse
    }
    if (cmd.address !== undefined && cmd.address !== d.state.serial.toLowerCase().padStart(12, '0')) return; // another meter's address
    if (d.silent) return;
    // Whether this downlink reached the meter is decided as it arrives: a test may switch nacking off the moment the
    // driver has heard the nack, which can be before our own publish of that nack has completed.
    if (d.nacking) {
      if (down.confirmed) await this.publishAck(d, { deduplicationId: '', queueItemId, acknowledged: false, fCntDown });
      return;
    }
    if (this.opts.responseDelayMs > 0) await new Promise((r) => setTimeout(r, this.opts.responseDelayMs));
    let outcome: Outcome;
    try {
      if (d.refusing) throw new GridtwinError(ErrorCode.DEVICE_REJECTED, 'refused');
      outcome = { ok: true, result: applyCommand(d.state, cmd, Date.now(), this.opts) };
    } catch (e) {
      outcome = { ok: false, reason: e instanceof GridtwinError ? e.message : 'error' };
    }
    if (d.losingAnswers > 0) {
      d.losingAnswers--;
      // the answer's uplink carried the ACK: ChirpStack never hears it and nacks at the next downlink
      if (down.confirmed) d.unacked = { queueItemId, fCntDown };
      return;
    }
    const deduplicationId = await this.publishUp(d, this.opts.codec.encodeResponse(cmd, outcome, d.state.serial));
    if (down.confirmed) await this.publishAck(d, { deduplicationId, queueItemId, acknowledged: true, fCntDown });
  }

  /** An uplink event; returns its deduplicationId. */
  private async publishUp(d: Device, frame: Buffer): Promise<string> {
    const fCnt = d.fCnt++;
    const time = new Date().toISOString();
    // gw.UplinkRxInfo JSON leaves out default values (an rssi or snr of 0, an empty context)
    const rxInfo: ChirpstackRxInfo[] = d.spec.gateways.map((g, i) => ({
      gatewayId: g.gatewayId, uplinkId: fCnt * 16 + i + 1, nsTime: time, ...(g.rssi !== 0 ? { rssi: g.rssi } : {}), ...(g.snr !== 0 ? { snr: g.snr } : {}),
      channel: 1, crcStatus: 'CRC_OK',
    }));
    const deduplicationId = randomUUID();
    const ev: ChirpstackUplinkEvent & Record<string, unknown> = {
      deduplicationId, time, deviceInfo: this.deviceInfo(d),
      devAddr: '01020304', adr: true, dr: 5, fCnt, fPort: this.opts.codec.uplinkFPort ?? this.opts.codec.fPort, confirmed: false,
      data: frame.toString('base64'), rxInfo, txInfo: { frequency: 868_100_000 }, regionConfigId: 'eu868',
    };
    await this.mqtt().publishAsync(eventTopic(this.opts.applicationId, d.spec.devEui, 'up'), JSON.stringify(ev), { qos: 1 });
    return deduplicationId;
  }

  private async publishAck(d: Device, ack: Omit<ChirpstackAckEvent, 'time' | 'deviceInfo'>): Promise<void> {
    const ev: ChirpstackAckEvent = { ...ack, time: new Date().toISOString(), deviceInfo: this.deviceInfo(d) };
    await this.mqtt().publishAsync(eventTopic(this.opts.applicationId, d.spec.devEui, 'ack'), JSON.stringify(ev), { qos: 1 });
  }

  private async publishTxAck(d: Device, queueItemId: string, fCntDown: number): Promise<void> {
    const ev: ChirpstackTxAckEvent = {
      downlinkId: randomInt(1, 2 ** 32), time: new Date().toISOString(), deviceInfo: this.deviceInfo(d), queueItemId, fCntDown,
      gatewayId: d.spec.gateways[0]?.gatewayId ?? '',
    };
    await this.mqtt().publishAsync(eventTopic(this.opts.applicationId, d.spec.devEui, 'txack'), JSON.stringify(ev), { qos: 1 });
  }

  private async publishExpired(d: Device, queueItemId: string): Promise<void> {
    const ev: ChirpstackLogEvent = {
      time: new Date().toISOString(), deviceInfo: this.deviceInfo(d), level: 'ERROR', code: 'EXPIRED',
      description: 'Device queue-item discarded because it has expired', context: { queue_item_id: queueItemId },
    };
    await this.mqtt().publishAsync(eventTopic(this.opts.applicationId, d.spec.devEui, 'log'), JSON.stringify(ev), { qos: 1 });
  }

  private deviceInfo(d: Device): ChirpstackDeviceInfo {
    return {
      tenantId: 'simulated', tenantName: 'simulated', applicationId: this.opts.applicationId, applicationName: this.opts.applicationId,
      deviceProfileId: 'simulated-calin', deviceProfileName: 'simulated Calin meter', deviceName: `meter-${d.state.serial}`,
      deviceClassEnabled: 'CLASS_A', devEui: d.spec.devEui, tags: {},
    };
  }

  private device(devEui: string): Device {
    const d = this.devices.get(devEui.toLowerCase());
    if (!d) throw new RangeError(`unknown simulated device ${devEui}`);
    return d;
  }

  private mqtt(): MqttClient {
    if (!this.client) throw new Error('simulated devices not started');
    return this.client;
  }
}

/** Why ChirpStack would not queue this command (chirpstack `src/integration/mqtt.rs` `message_callback`, `integration/mod.rs` `handle_down_command`, `storage/device_queue.rs` `validate`). */
function refusalOf(down: Partial<ChirpstackDownlinkCommand>, topicDevEui: string): string | undefined {
  if (down.devEui !== topicDevEui) return `payload devEui ${String(down.devEui)} does not match topic devEui ${topicDevEui}`;
  if (down.id !== undefined && down.id !== '' && !UUID.test(down.id)) return `id ${JSON.stringify(down.id)} is not a UUID`;
  if (typeof down.fPort !== 'number' || down.fPort < 1 || down.fPort > 255) return 'fPort must be between 1 - 255';
  if (down.expiresAt !== undefined && Number.isNaN(Date.parse(down.expiresAt))) return `expiresAt ${JSON.stringify(down.expiresAt)} is not a timestamp`;
  return undefined;
}

/** devEuis the CLI gives its devices: 70b3d5 + 10 hex digits. */
export const simulatedDevEui = (i: number) => `70b3d5${i.toString(16).padStart(10, '0')}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      app: { type: 'string', default: 'demo' },
      devices: { type: 'string', default: '10' },
      'report-every': { type: 'string', default: '60000' },
      'response-delay': { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      codec: { type: 'string', default: 'calin-dlt645' },
    },
  });
  if (!(LORAWAN_CODEC_NAMES as readonly string[]).includes(values.codec)) throw new RangeError(`--codec must be one of ${LORAWAN_CODEC_NAMES.join(', ')}`);
  const count = Number(values.devices);
  const sim = new SimulatedLorawanDevices({
    mqttUrl: values.mqtt, applicationId: values.app, seed: Number(values.seed), codec: lorawanCodec(values.codec as LorawanCodecName),
    reportEveryMs: Number(values['report-every']), responseDelayMs: Number(values['response-delay']),
    devices: Array.from({ length: count }, (_, i) => ({
      devEui: simulatedDevEui(i + 1),
      gateways: [{ gatewayId: `gw-${(i % 3) + 1}`, rssi: -70 - (i % 30), snr: 9 - (i % 10) }],
    })),
  });
  await sim.start();
  console.log(`simulating ${count} LoRaWAN meters (${values.codec}) on ${values.mqtt}, application ${values.app}`);
  for (let i = 1; i <= count; i++) console.log(`  ${simulatedDevEui(i)}`);
  for (let i = 1; i <= count; i++) await sim.join(simulatedDevEui(i));
  const stop = () => {
    sim.stop().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e); process.exit(1); });
}

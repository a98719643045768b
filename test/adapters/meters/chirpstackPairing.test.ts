import { randomBytes, randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChirpstackDriver, SimulatedLorawanDevices, calinDlt645Codec, commandDownWildcard, eventTopic, eventWildcard,
  type ChirpstackAckEvent, type ChirpstackDownlinkCommand, type ChirpstackUplinkEvent,
} from '../../../adapters/meters/chirpstack';
import type { DriverCommand, DriverResponse, UnsolicitedReport } from '../../../adapters/meters/types';
import { ErrorCode } from '../../../core/errors';

/**
 * Answer pairing through Mosquitto. Where the test plays ChirpStack and the meter itself, it builds the events by hand
 * in the JSON of chirpstack/chirpstack `api/proto/integration/integration.proto` (UplinkEvent, AckEvent) as
 * `src/integration/mqtt.rs` publishes them: the answer's `event/up`, then the `event/ack` with the same
 * deduplicationId naming the downlink's queue item id (the `id` of its DownlinkCommand).
 */
const MQTT_URL = 'mqtt://127.0.0.1:1883';
const SERIAL = '47001891341';
const DEV = `00000${SERIAL}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

const cmd = (type: DriverCommand['type'], deadlineMs = 5_000): DriverCommand => ({
  interactionId: `i-${type}-${randomBytes(3).toString('hex')}`, type, params: {}, deadlineAt: Date.now() + deadlineMs,
  meter: { id: 'm1', serial: SERIAL, externalReference: DEV, protocol: 'CALIN_LORAWAN' },
});

/** The driver (Calin codec, confirmed downlinks: the defaults) and a hand-played ChirpStack + meter. */
async function handPlayed() {
  const app = `gt-pair-${randomBytes(6).toString('hex')}`;
  const downs: ChirpstackDownlinkCommand[] = [];
  const net = await mqtt.connectAsync(MQTT_URL);
  cleanups.push(() => net.endAsync());
  net.on('message', (_t, p) => downs.push(JSON.parse(p.toString()) as ChirpstackDownlinkCommand));
  await net.subscribeAsync(commandDownWildcard(app), { qos: 1 });
  const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId: app });
  cleanups.push(() => driver.close());
  const deviceInfo = { applicationId: app, devEui: DEV };
  const up = async (deduplicationId: string, kwhCredit: number, forDown: ChirpstackDownlinkCommand) => {
    const asked = calinDlt645Codec.decodeCommand(Buffer.from(forDown.data, 'base64'));
    const frame = calinDlt645Codec.encodeResponse(asked, { ok: true, result: { kwhCredit, isOn: true } }, SERIAL);
    const ev: ChirpstackUplinkEvent = { deduplicationId, time: new Date().toISOString(), deviceInfo, fCnt: 7, fPort: 1, data: frame.toString('base64'), rxInfo: [{ gatewayId: 'gw-1', rssi: -90, snr: 4 }] };
    await net.publishAsync(eventTopic(app, DEV, 'up'), JSON.stringify(ev), { qos: 1 });
  };
  const ack = async (deduplicationId: string, queueItemId: string, acknowledged = true) => {
    const ev: ChirpstackAckEvent = { deduplicationId, time: new Date().toISOString(), deviceInfo, queueItemId, acknowledged, fCntDown: 3 };
    await net.publishAsync(eventTopic(app, DEV, 'ack'), JSON.stringify(ev), { qos: 1 });
  };
  /** A periodic report: once the driver has passed it on, everything published before it has been handled. */
  const reports: UnsolicitedReport[] = [];
  driver.onUnsolicited((r) => reports.push(r));
  const barrier = async () => {
    const n = reports.length;
    const frame = calinDlt645Codec.encodeReport({ kwhCredit: 1, isOn: true }, SERIAL, new Date());
    const ev: ChirpstackUplinkEvent = { deduplicationId: randomUUID(), deviceInfo, fPort: 1, data: frame.toString('base64'), rxInfo: [] };
    await net.publishAsync(eventTopic(app, DEV, 'up'), JSON.stringify(ev), { qos: 1 });
    await waitUntil(() => reports.length > n);
  };
  return { app, driver, downs, up, ack, barrier };
}

function track(p: Promise<DriverResponse>) {
  const t: { settled: boolean; value?: DriverResponse; error?: unknown; done: Promise<void> } = { settled: false, done: Promise.resolve() };
  t.done = p.then((v) => { t.value = v; }, (e: unknown) => { t.error = e; }).finally(() => { t.settled = true; });
  return t;
}

describe('ChirpstackDriver pairs answers with their downlink by ChirpStack queue item id', () => {
  it('each downlink carries its own queue item id (a UUID) and expires at the command deadline', async () => {
    const { driver, downs, up, ack } = await handPlayed();
    const c = cmd('READ_CREDIT');
    const read = track(driver.execute(c));
    await waitUntil(() => downs.length === 1);
    expect(downs[0]).toEqual({ id: expect.stringMatching(UUID), devEui: DEV, confirmed: true, fPort: 1, data: expect.any(String), expiresAt: new Date(c.deadlineAt).toISOString() });
    const d = randomUUID();
    await up(d, 4.5, downs[0]!);
    await ack(d, downs[0]!.id);
    await read.done;
    expect(read.value?.result).toEqual({ kwhCredit: 4.5, isOn: true });
  });

  it('the ack pairing by queue item id: the answer settles its command only with its ack, whichever comes first', async () => {
    const { driver, downs, up, ack, barrier } = await handPlayed();
    // up first (ChirpStack's own order), the command waits for the ack
    const first = track(driver.execute(cmd('READ_CREDIT')));
    await waitUntil(() => downs.length === 1);
    const d1 = randomUUID();
    await up(d1, 1.25, downs[0]!);
    await barrier();
    expect(first.settled).toBe(false);
    await ack(d1, downs[0]!.id);
    await first.done;
    expect(first.value?.result.kwhCredit).toBe(1.25);
    // ack first
    const second = track(driver.execute(cmd('READ_CREDIT')));
    await waitUntil(() => downs.length === 2);
    const d2 = randomUUID();
    await ack(d2, downs[1]!.id);
    await up(d2, 2.5, downs[1]!);
    await second.done;
    expect(second.value?.result.kwhCredit).toBe(2.5);
    // an answer whose ack names another queue item is not taken
    const third = track(driver.execute(cmd('READ_CREDIT', 1_500)));
    await waitUntil(() => downs.length === 3);
    const d3 = randomUUID();
    await up(d3, 9, downs[2]!);
    await ack(d3, randomUUID());
    await barrier();
    expect(third.settled).toBe(false);
    await third.done;
    expect(third.error).toMatchObject({ code: ErrorCode.TIMEOUT });
  });

  it('a late answer of the previous command is not taken by the next command', async () => {
    const { driver, downs, up, ack } = await handPlayed();
    const e = await driver.execute(cmd('READ_CREDIT', 300)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: ErrorCode.TIMEOUT });
    const next = track(driver.execute(cmd('READ_CREDIT')));
    await waitUntil(() => downs.length === 2);
    expect(downs[1]!.id).not.toBe(downs[0]!.id);
    // the first command's answer arrives now, same class (a credit read), on the uplink that acks its queue item
    const late = randomUUID();
    await up(late, 1, downs[0]!);
    await ack(late, downs[0]!.id);
    const own = randomUUID();
    await up(own, 2, downs[1]!);
    await ack(own, downs[1]!.id);
    await next.done;
    expect(next.value?.result).toEqual({ kwhCredit: 2, isOn: true });
  });

  it('a late nack of the previous command does not fail the next command; a nack of the command in flight does', async () => {
    const { driver, downs, ack, up } = await handPlayed();
    const e = await driver.execute(cmd('TURN_OFF', 300)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: ErrorCode.TIMEOUT });
    const next = track(driver.execute(cmd('READ_CREDIT')));
    await waitUntil(() => downs.length === 2);
    await ack('', downs[0]!.id, false); // ChirpStack's nack when its wait for the first ACK timed out
    const d = randomUUID();
    await up(d, 3, downs[1]!);
    await ack(d, downs[1]!.id);
    await next.done;
    expect(next.value?.result.kwhCredit).toBe(3);
    const nacked = track(driver.execute(cmd('TURN_ON')));
    await waitUntil(() => downs.length === 3);
    await ack('', downs[2]!.id, false);
    await nacked.done;
    expect(nacked.error).toMatchObject({ code: ErrorCode.UNAVAILABLE, details: { devEui: DEV, queueItemId: downs[2]!.id } });
  });
});

describe('simulated ChirpStack + Calin meters follow ChirpStack for queue items and acks', () => {
  async function simulated() {
    const app = `gt-pair-${randomBytes(6).toString('hex')}`;
    const sim = await new SimulatedLorawanDevices({ mqttUrl: MQTT_URL, applicationId: app, devices: [{ devEui: DEV, serial: SERIAL, state: { isOn: true, kwhCredit: 6 } }] }).start();
    cleanups.push(() => sim.stop());
    const spy = await mqtt.connectAsync(MQTT_URL);
    cleanups.push(() => spy.endAsync());
    const seen: Array<{ event: string; body: Record<string, unknown> }> = [];
    spy.on('message', (t, p) => seen.push({ event: t.split('/').pop()!, body: JSON.parse(p.toString()) as Record<string, unknown> }));
    await spy.subscribeAsync((['up', 'ack', 'txack', 'log'] as const).map((e) => eventWildcard(app, e)), { qos: 1 });
    return { app, sim, spy, seen };
  }

  it('txack, then the answer up, then its ack with the same deduplicationId and the downlink id as queueItemId', async () => {
    const { app, sim, seen } = await simulated();
    const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId: app });
    cleanups.push(() => driver.close());
    expect((await driver.execute(cmd('READ_CREDIT'))).result).toEqual({ kwhCredit: 6, isOn: true });
    await waitUntil(() => seen.length === 3);
    expect(seen.map((s) => s.event)).toEqual(['txack', 'up', 'ack']);
    const [txack, upEv, ackEv] = seen.map((s) => s.body);
    expect(txack).toMatchObject({ queueItemId: expect.stringMatching(UUID), fCntDown: 0, gatewayId: 'gw-1', deviceInfo: { devEui: DEV } });
    expect(typeof txack!.downlinkId).toBe('number');
    expect(ackEv).toMatchObject({ deduplicationId: upEv!.deduplicationId, queueItemId: txack!.queueItemId, acknowledged: true, fCntDown: 0 });
    expect(upEv).toMatchObject({ fCnt: 0, fPort: 1, confirmed: false, rxInfo: [{ gatewayId: 'gw-1', rssi: -80, snr: 7.5 }] });
    expect(sim.received.get(DEV)).toBe(1);
  });

  it('a lost answer is nacked before the next downlink, and that late nack does not fail the next command', async () => {
    const { app, sim, seen } = await simulated();
    const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId: app });
    cleanups.push(() => driver.close());
    sim.loseAnswers(DEV);
    expect(await driver.execute(cmd('TURN_OFF', 300)).catch((x: unknown) => x)).toMatchObject({ code: ErrorCode.TIMEOUT });
    expect(sim.getState(DEV).isOn).toBe(false);
    expect((await driver.execute(cmd('TURN_ON'))).result).toEqual({ isOn: true });
    const firstQueueItem = seen.find((s) => s.event === 'txack')!.body.queueItemId;
    expect(seen.filter((s) => s.event === 'ack').map((s) => s.body)).toEqual([
      expect.objectContaining({ queueItemId: firstQueueItem, acknowledged: false, deduplicationId: '' }),
      expect.objectContaining({ acknowledged: true }),
    ]);
  });

  it('refuses what ChirpStack refuses and drops an expired queue item with an EXPIRED log event', async () => {
    const { app, sim, seen, spy } = await simulated();
    const down = (body: Record<string, unknown>) => spy.publishAsync(`application/${app}/device/${DEV}/command/down`, JSON.stringify(body), { qos: 1 });
    const data = Buffer.from([1]).toString('base64');
    await down({ id: 'cmd-1', devEui: DEV, confirmed: true, fPort: 1, data });
    await down({ devEui: '70b3d5ffffffffff', confirmed: true, fPort: 1, data });
    await down({ devEui: DEV, confirmed: true, fPort: 0, data });
    const expiredId = randomUUID();
    await down({ id: expiredId, devEui: DEV, confirmed: true, fPort: 1, data, expiresAt: new Date(Date.now() - 1_000).toISOString() });
    await waitUntil(() => seen.some((s) => s.event === 'log'));
    expect(sim.refused.map((r) => r.reason)).toEqual([
      'id "cmd-1" is not a UUID', `payload devEui 70b3d5ffffffffff does not match topic devEui ${DEV}`, 'fPort must be between 1 - 255',
    ]);
    expect(seen.find((s) => s.event === 'log')!.body).toMatchObject({ level: 'ERROR', code: 'EXPIRED', context: { queue_item_id: expiredId } });
    expect(sim.received.get(DEV)).toBeUndefined();
  });
});

async function waitUntil(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}


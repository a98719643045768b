import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ChirpstackDriver, SimulatedLorawanDevices, bestGateway, calinDlt645Codec, decodeCommand, decodeUplink, encodeCommand, encodeResponse, gridtwinDemoCodec } from '../../../adapters/meters/chirpstack';
import { SimulatedTokenService } from '../../../adapters/meters/simulated';
import type { DriverCommand, UnsolicitedReport } from '../../../adapters/meters/types';
import { ErrorCode } from '../../../core/errors';

const MQTT_URL = 'mqtt://127.0.0.1:1883';
const DEV = '70b3d5000000000a';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

async function world(opts: { gateways?: Array<{ gatewayId: string; rssi: number; snr: number }>; confirmed?: boolean } = {}) {
  const app = `gt-test-${randomBytes(6).toString('hex')}`;
  const sim = await new SimulatedLorawanDevices({
    mqttUrl: MQTT_URL, applicationId: app, seed: 3, codec: gridtwinDemoCodec,
    devices: [{ devEui: DEV, serial: 'CAL-1', gateways: opts.gateways, state: { kwhCredit: 7.25, isOn: true, powerLimitW: 2000 } }],
  }).start();
  cleanups.push(() => sim.stop());
  const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId: app, codec: gridtwinDemoCodec, confirmed: opts.confirmed ?? false });
  cleanups.push(() => driver.close());
  return { app, sim, driver };
}

const cmd = (type: DriverCommand['type'], params: DriverCommand['params'] = {}, deadlineMs = 3000): DriverCommand => ({
  interactionId: `i-${type}`, type, params, deadlineAt: Date.now() + deadlineMs,
  meter: { id: 'm1', serial: 'CAL-1', externalReference: DEV.toUpperCase(), protocol: 'CALIN_LORAWAN' },
});

describe('gridtwin-demo LoRaWAN frame', () => {
  it('round-trips commands and responses', () => {
    const token = '12345678901234567890';
    const f = encodeCommand(9, { type: 'TOP_UP', params: { token } });
    expect([...f.subarray(0, 3)]).toEqual([0xc1, 9, 0x30]);
    expect(decodeCommand(f)).toEqual({ corr: 9, type: 'TOP_UP', params: { token } });
    expect(decodeCommand(encodeCommand(1, { type: 'SET_DATE', params: { date: '2026-12-31' } })).params).toEqual({ date: '2026-12-31' });
    expect(decodeCommand(encodeCommand(1, { type: 'READ_CURRENT', params: { phase: 'C' } })).params).toEqual({ phase: 'C' });
    expect(decodeUplink(encodeResponse(9, 'READ_CREDIT', { ok: true, result: { kwhCredit: 12.345, isOn: false } }))).toEqual({
      kind: 'response', corr: 9, type: 'READ_CREDIT', outcome: { ok: true, result: { kwhCredit: 12.345, isOn: false } },
    });
    expect(decodeUplink(encodeResponse(4, 'TURN_OFF', { ok: false, reason: 'no' }))).toEqual({ kind: 'response', corr: 4, type: 'TURN_OFF', outcome: { ok: false, reason: 'no' } });
    expect(() => encodeCommand(1, { type: 'TOP_UP', params: { token: '12' } })).toThrow(/20 digits/);
  });

  it('picks the gateway with the best SNR, then RSSI (the origin\'s connectivity-helpers)', () => {
    expect(bestGateway([
      { gatewayId: 'a', rssi: -100, snr: 10 }, { gatewayId: 'b', rssi: -70, snr: 1 }, { gatewayId: 'c', rssi: -60, snr: 10 },
    ], 't')).toEqual({ gatewayExternalReference: 'c', rssi: -60, snr: 10, receivedAt: 't' });
    expect(bestGateway([], undefined)).toBeUndefined();
  });

  it('reads an rssi or snr that ChirpStack left out of an rxInfo entry as 0 (gw messages are serialized without defaults)', () => {
    expect(bestGateway([{ gatewayId: 'a', rssi: -100, snr: -2 }, { gatewayId: 'b', rssi: -71 }], 't')).toEqual({ gatewayExternalReference: 'b', rssi: -71, snr: 0, receivedAt: 't' });
    expect(bestGateway([{ gatewayId: 'c' }], undefined)).toEqual({ gatewayExternalReference: 'c', rssi: 0, snr: 0 });
    expect(bestGateway([{ gatewayId: 'd', rssi: '-70' as unknown as number }], 't')).toEqual({ receivedAt: 't' });
  });
});

describe('ChirpstackDriver (gridtwin-demo codec) through Mosquitto', () => {
  it('round trip: command/down → simulated device → event/up, with rxInfo mapped to deviceInfo', async () => {
    const { driver, sim } = await world({ gateways: [{ gatewayId: 'gw-far', rssi: -112, snr: -4 }, { gatewayId: 'gw-near', rssi: -64, snr: 9.5 }] });
    const read = await driver.execute(cmd('READ_CREDIT'));
    expect(read.result).toEqual({ kwhCredit: 7.25, isOn: true });
    expect(read.deviceInfo).toMatchObject({ gatewayExternalReference: 'gw-near', rssi: -64, snr: 9.5 });
    expect(typeof read.deviceInfo?.receivedAt).toBe('string');
    expect((await driver.execute(cmd('TURN_OFF'))).result).toEqual({ isOn: false });
    expect(sim.getState(DEV).isOn).toBe(false);
    expect((await driver.execute(cmd('READ_POWER_LIMIT'))).result).toEqual({ powerLimitW: 2000 });
    const token = new SimulatedTokenService().generateSync({ type: 'TOP_UP', meterSerial: 'CAL-1', kwh: 2.5, idempotencyKey: 'x1' });
    expect((await driver.execute(cmd('TOP_UP', { token }))).result).toEqual({ tokenAccepted: true, kwhCredit: 9.75 });
    await expect(driver.execute(cmd('TOP_UP', { token }))).rejects.toMatchObject({ code: ErrorCode.DEVICE_REJECTED });
    expect(sim.received.get(DEV)).toBe(5);
  });

  it('concurrent commands to one device are paired by correlation byte', async () => {
    const { driver } = await world();
    const [a, b, c] = await Promise.all([driver.execute(cmd('READ_VERSION')), driver.execute(cmd('READ_POWER_LIMIT')), driver.execute(cmd('READ_CREDIT'))]);
    expect(Object.keys(a.result)).toEqual(['version']);
    expect(b.result).toEqual({ powerLimitW: 2000 });
    expect(c.result).toEqual({ kwhCredit: 7.25, isOn: true });
  });

  it('downlink JSON has ChirpStack v4 shape', async () => {
    const { driver, app } = await world({ confirmed: true });
    const spy = await mqtt.connectAsync(MQTT_URL);
    cleanups.push(() => spy.endAsync());
    const seen: Array<{ topic: string; body: Record<string, unknown> }> = [];
    spy.on('message', (topic, p) => seen.push({ topic, body: JSON.parse(p.toString()) }));
    await spy.subscribeAsync(`application/${app}/device/+/command/down`, { qos: 1 });
    await spy.subscribeAsync(`application/${app}/device/+/event/ack`, { qos: 1 });
    const on = cmd('TURN_ON');
    await driver.execute(on);
    await waitUntil(() => seen.some((s) => s.topic.endsWith('/event/ack')));
    const down = seen.find((s) => s.topic.endsWith('/command/down'))!;
    expect(down.topic).toBe(`application/${app}/device/${DEV}/command/down`);
    // integration.proto DownlinkCommand in pbjson's JSON: id (UUID, becomes the queue item id), bytes as base64, expiresAt RFC 3339
    expect(down.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/), devEui: DEV, confirmed: true, fPort: 10,
      data: expect.any(String), expiresAt: new Date(on.deadlineAt).toISOString(),
    });
    expect(decodeCommand(Buffer.from(down.body.data as string, 'base64')).type).toBe('TURN_ON');
    expect(seen.find((s) => s.topic.endsWith('/event/ack'))?.body).toMatchObject({ acknowledged: true, queueItemId: down.body.id, fCntDown: 0, deviceInfo: { devEui: DEV } });
  });

  it('rejects TIMEOUT at the deadline when the device stays silent', async () => {
    const { driver, sim } = await world();
    sim.silence(DEV);
    const t0 = Date.now();
    const err = await driver.execute(cmd('TURN_OFF', {}, 300)).catch((e) => e);
    expect(err.code).toBe(ErrorCode.TIMEOUT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(sim.received.get(DEV)).toBe(1);
    expect(sim.getState(DEV).isOn).toBe(true);
    await expect(driver.execute({ ...cmd('TURN_OFF'), deadlineAt: Date.now() - 1 })).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
  });

  it('periodic reports and joins reach the unsolicited listeners', async () => {
    const { driver, sim } = await world({ gateways: [{ gatewayId: 'gw-7', rssi: -90, snr: 2 }] });
    const got: UnsolicitedReport[] = [];
    driver.onUnsolicited((r) => got.push(r));
    await sim.sendReport(DEV);
    await sim.join(DEV);
    await waitUntil(() => got.length === 2);
    expect(got[0]).toMatchObject({
      type: 'READ_REPORT', meterExternalReference: DEV,
      result: { kwhCredit: 7.25, isOn: true, voltageV: sim.getState(DEV).voltageV.A },
      deviceInfo: { gatewayExternalReference: 'gw-7', rssi: -90, snr: 2 },
    });
    expect(got[0]!.result.powerW).toBe(Math.round(
      (['A', 'B', 'C'] as const).reduce((s, p) => s + sim.getState(DEV).voltageV[p] * sim.getState(DEV).currentA[p], 0),
    ));
    expect(got[1]).toMatchObject({ type: 'JOIN_NETWORK', meterExternalReference: DEV, result: {} });
  });
});

describe('ChirpstackDriver with the Calin codec', () => {
  async function calinWorld() {
    const app = `gt-test-${randomBytes(6).toString('hex')}`;
    const devEui = '00000' + '47001891341';
    const sim = await new SimulatedLorawanDevices({ mqttUrl: MQTT_URL, applicationId: app, devices: [{ devEui, serial: '47001891341', state: { isOn: true } }] }).start();
    cleanups.push(() => sim.stop());
    const driver = await ChirpstackDriver.connect({ mqttUrl: MQTT_URL, applicationId: app });
    cleanups.push(() => driver.close());
    const c = (type: DriverCommand['type'], deadlineMs = 5_000): DriverCommand => ({
      interactionId: `i-${type}`, type, params: {}, deadlineAt: Date.now() + deadlineMs,
      meter: { id: 'm1', serial: '47001891341', externalReference: devEui, protocol: 'CALIN_LORAWAN' },
    });
    return { sim, driver, devEui, c };
  }

  it('is the default: confirmed downlinks on fPort 1 addressed to the meter number', async () => {
    const { driver, sim, devEui, c } = await calinWorld();
    expect((await driver.execute(c('TURN_OFF'))).result).toEqual({ isOn: false });
    expect(sim.getState(devEui).isOn).toBe(false);
    expect(calinDlt645Codec.fPort).toBe(1);
  });

  it('a nack fails the command in flight at once with UNAVAILABLE (not applied), and the next command still goes', async () => {
    const { driver, sim, devEui, c } = await calinWorld();
    sim.nack(devEui);
    const e = await driver.execute(c('TURN_OFF', 60_000)).catch((x) => x);
    expect(e).toMatchObject({ code: ErrorCode.UNAVAILABLE, details: { devEui } });
    expect(sim.getState(devEui).isOn).toBe(true);
    sim.nack(devEui, false);
    expect((await driver.execute(c('READ_CREDIT'))).result.isOn).toBe(true);
  });

  it('commands to one meter wait their turn (one in flight), each gets its own answer', async () => {
    const { driver, c } = await calinWorld();
    const [credit, off, limit] = await Promise.all([driver.execute(c('READ_CREDIT')), driver.execute(c('TURN_OFF')), driver.execute(c('READ_POWER_LIMIT'))]);
    expect(credit.result.isOn).toBe(true);
    expect(off.result).toEqual({ isOn: false });
    expect(Object.keys(limit.result)).toEqual(['powerLimitW']);
  });
});

describe('ChirpstackDriver robustness', () => {
  it('ignores malformed events, other fPorts and late answers, then keeps working', async () => {
    const { driver, app } = await world();
    const got: UnsolicitedReport[] = [];
    driver.onUnsolicited((r) => got.push(r));
    const pub = await mqtt.connectAsync(MQTT_URL);
    cleanups.push(() => pub.endAsync());
    const up = `application/${app}/device/${DEV}/event/up`;
    await pub.publishAsync(up, 'not json', { qos: 1 });
    await pub.publishAsync(up, JSON.stringify({ deviceInfo: { devEui: DEV }, fPort: 99, data: Buffer.from([1, 2, 3]).toString('base64') }), { qos: 1 });
    await pub.publishAsync(up, JSON.stringify({ deviceInfo: { devEui: DEV }, fPort: 10, data: Buffer.from([0xc1, 0x01]).toString('base64') }), { qos: 1 });
    await pub.publishAsync(up, JSON.stringify({ deviceInfo: { devEui: DEV }, fPort: 10, data: encodeResponse(200, 'READ_CREDIT', { ok: true, result: { kwhCredit: 1, isOn: true } }).toString('base64') }), { qos: 1 });
    expect((await driver.execute(cmd('READ_POWER_LIMIT'))).result).toEqual({ powerLimitW: 2000 });
    expect(got).toHaveLength(0);
  });
});

async function waitUntil(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

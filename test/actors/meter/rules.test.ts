import { describe, expect, it } from 'vitest';
import { adjudicate } from '../../../actors/meter/rules/gatekeeper';
import { issuesToClose } from '../../../actors/meter/cascade/AutoCloseIssue';
import { buildDeviceInfoUpdate, buildMeterUpdate, kwhToBalance } from '../../../actors/meter/cascade/BuildMeterUpdate';
import { followUpsFor } from '../../../actors/meter/cascade/FollowUps';
import { planEffects } from '../../../actors/meter/cascade/PlanEffects';
import { coalesce } from '../../../actors/meter/rules/coalesce';
import { parseCreateInteraction } from '../../../actors/meter/rules/params';
import type { InteractionRow, IssueRow, MeterRow } from '../../../persistence';
import { H, meterRow, NOW } from './harness';

const limits = { abortWhenNotSeenForMs: 24 * H, deferWhenNotSeenForMs: H };
const meter = meterRow;
const world = (m: MeterRow, gridOnline = true, dcus = [{ id: 'd1', externalReference: 'GW-1', isOnline: true }]) => ({ meter: m, grid: { id: 'g1', isOnline: gridOnline }, dcus });

describe('gatekeeper', () => {
  it('queues by default', () => {
    expect(adjudicate({ type: 'TURN_ON' }, world(meter()), limits, NOW)).toEqual({ status: 'QUEUED' });
  });
  it('suspends when the grid is down (Calin API and LoRaWAN), but not EMLITE', () => {
    expect(adjudicate({ type: 'TURN_ON' }, world(meter(), false), limits, NOW).status).toBe('SUSPENDED');
    expect(adjudicate({ type: 'TURN_ON' }, world(meter({ protocol: 'CALIN_LORAWAN' }), false), limits, NOW).status).toBe('SUSPENDED');
    expect(adjudicate({ type: 'READ_CREDIT' }, world(meter({ protocol: 'EMLITE' }), false), limits, NOW).status).toBe('QUEUED');
  });
  it('suspends a LoRaWAN meter only when all gateways are offline', () => {
    const lora = meter({ protocol: 'CALIN_LORAWAN' });
    const one = [{ id: 'd1', externalReference: 'a', isOnline: false }, { id: 'd2', externalReference: 'b', isOnline: true }];
    expect(adjudicate({ type: 'TURN_ON' }, world(lora, true, one), limits, NOW).status).toBe('QUEUED');
    const none = one.map((d) => ({ ...d, isOnline: false }));
    expect(adjudicate({ type: 'TURN_ON' }, world(lora, true, none), limits, NOW).status).toBe('SUSPENDED');
  });
  it("suspends an API meter when its own DCU is offline", () => {
    expect(adjudicate({ type: 'TURN_ON' }, world(meter(), true, [{ id: 'd1', externalReference: 'x', isOnline: false }]), limits, NOW).status).toBe('SUSPENDED');
    expect(adjudicate({ type: 'TURN_ON' }, world(meter({ dcuId: 'd9' }), true, [{ id: 'd1', externalReference: 'x', isOnline: false }]), limits, NOW).status).toBe('QUEUED');
  });
  it('defers a commissioning step for a meter not seen within the hour, unless it is a retry', () => {
    const stale = meter({ lastSeenAt: new Date(NOW - H - 1).toISOString() });
    expect(adjudicate({ type: 'READ_CREDIT', fromCommissioning: true }, world(stale), limits, NOW).status).toBe('DEFERRED');
    expect(adjudicate({ type: 'READ_CREDIT', fromCommissioning: true, isRetry: true }, world(stale), limits, NOW).status).toBe('QUEUED');
    const fresh = meter({ lastSeenAt: new Date(NOW - H + 1000).toISOString() });
    expect(adjudicate({ type: 'READ_CREDIT', fromCommissioning: true }, world(fresh), limits, NOW).status).toBe('QUEUED');
    expect(adjudicate({ type: 'READ_CREDIT', requested: 'DEFERRED' }, world(fresh), limits, NOW).status).toBe('DEFERRED');
  });
  it('aborts when the meter has not been seen for the configured time; never-seen counts only for LoRaWAN', () => {
    const old = meter({ lastSeenAt: new Date(NOW - 24 * H - 1).toISOString() });
    expect(adjudicate({ type: 'TURN_ON' }, world(old), limits, NOW).status).toBe('ABORTED');
    const justInside = meter({ lastSeenAt: new Date(NOW - 24 * H + 1000).toISOString() });
    expect(adjudicate({ type: 'TURN_ON' }, world(justInside), limits, NOW).status).toBe('QUEUED');
    expect(adjudicate({ type: 'TURN_ON' }, world(meter({ lastSeenAt: null })), limits, NOW).status).toBe('QUEUED');
    expect(adjudicate({ type: 'TURN_ON' }, world(meter({ lastSeenAt: null, protocol: 'CALIN_LORAWAN' })), limits, NOW).status).toBe('ABORTED');
  });
  it('aborts READ_POWER_LIMIT on the Calin v1 version that cannot do it', () => {
    const v1 = meter({ protocol: 'CALIN_V1', version: '2F6B4584' });
    expect(adjudicate({ type: 'READ_POWER_LIMIT' }, world(v1), limits, NOW).status).toBe('ABORTED');
    expect(adjudicate({ type: 'READ_CREDIT' }, world(v1), limits, NOW).status).toBe('QUEUED');
  });
});

describe('cascade rules', () => {
  const at = '2026-11-23T12:00:00.000Z';
  it('builds meter fields by type', () => {
    expect(buildMeterUpdate(meter(), 'TURN_OFF', {}, at)).toEqual({ lastSeenAt: at, isOn: false, isOnUpdatedAt: at });
    expect(buildMeterUpdate(meter(), 'READ_POWER_LIMIT', { powerLimitW: 900 }, at)).toEqual({ lastSeenAt: at, powerLimit: 900, powerLimitUpdatedAt: at });
    expect(buildMeterUpdate(meter(), 'READ_CREDIT', { kwhCredit: 2.5, isOn: false }, at)).toEqual({
      lastSeenAt: at, kwhCreditAvailable: 2.5, kwhCreditAvailableUpdatedAt: at, balanceInLocalCurrency: 250, balanceInLocalCurrencyUpdatedAt: at, isOn: false, isOnUpdatedAt: at,
    });
    expect(buildMeterUpdate(meter(), 'READ_VERSION', { version: 'V9' }, at)).toEqual({ lastSeenAt: at, version: 'V9', versionUpdatedAt: at });
    expect(buildMeterUpdate(meter(), 'TOP_UP', { kwhCredit: 99 }, at)).toEqual({ lastSeenAt: at });
    expect(kwhToBalance(1.234, null)).toBeNull();
  });
  it('maps LoRaWAN device info to connection metrics and reassigns the DCU by gateway reference', () => {
    const lora = meter({ protocol: 'CALIN_LORAWAN', dcuId: 'd1' });
    const dcus = [{ id: 'd1', externalReference: 'GW-1' }, { id: 'd2', externalReference: 'GW-2' }];
    expect(buildDeviceInfoUpdate(lora, { rssi: -90, snr: 7, gatewayExternalReference: 'GW-2' }, dcus, at)).toEqual({
      connectionMetrics: { rssi: -90, snr: 7, gatewayExternalReference: 'GW-2' }, connectionMetricsUpdatedAt: at, dcuId: 'd2',
    });
    expect(buildDeviceInfoUpdate(lora, { rssi: -90, gatewayExternalReference: 'unknown' }, dcus, at).dcuId).toBeUndefined();
    expect(buildDeviceInfoUpdate(meter(), { rssi: -90 }, dcus, at)).toEqual({});
  });
  it('auto-closes issues by rule', () => {
    const issues: IssueRow[] = (['NO_COMMUNICATION', 'NO_CREDIT', 'UNEXPECTED_POWER_LIMIT', 'UNEXPECTED_METER_STATUS'] as const)
      .map((type, i) => ({ id: `i${i}`, meterId: 'm1', type, status: 'OPEN', createdAt: at }));
    expect(issuesToClose(issues, meter({ kwhCreditAvailable: 0, powerLimit: 1000 }), true)).toEqual(['i0']);
    expect(issuesToClose(issues, meter({ kwhCreditAvailable: 0.001, powerLimit: 1500 }), true)).toEqual(['i0', 'i1', 'i2']);
    expect(issuesToClose(issues, meter({ kwhCreditAvailable: 0 }), false)).toEqual([]);
  });
  it('creates follow-ups by rule', () => {
    expect(followUpsFor({ type: 'TOP_UP', status: 'SUCCESSFUL', meterCommissioningId: null }, 'CALIN_V2')).toEqual(['READ_CREDIT']);
    expect(followUpsFor({ type: 'CLEAR_CREDIT', status: 'SUCCESSFUL', meterCommissioningId: null }, 'CALIN_V2')).toEqual(['READ_CREDIT']);
    expect(followUpsFor({ type: 'TOP_UP', status: 'SUCCESSFUL', meterCommissioningId: 'c1' }, 'CALIN_V2')).toEqual([]);
    expect(followUpsFor({ type: 'TOP_UP', status: 'FAILED', meterCommissioningId: null }, 'CALIN_V2')).toEqual([]);
    expect(followUpsFor({ type: 'SET_POWER_LIMIT', status: 'FAILED', meterCommissioningId: null }, 'CALIN_V1')).toEqual(['READ_POWER_LIMIT']);
    expect(followUpsFor({ type: 'SET_POWER_LIMIT', status: 'FAILED', meterCommissioningId: null }, 'CALIN_V2')).toEqual([]);
  });
  it('plans steps 5–8 in order and only when they apply', () => {
    const base = { type: 'TOP_UP' as const, orderId: 'o1', batchExecutionIds: ['b1'], meterCommissioningId: null, skipWebsocketEmission: false };
    expect(planEffects({ interaction: base, status: 'SUCCESSFUL', protocol: 'CALIN_V2', lastCommissioningId: 'c9', lastCommissioningStatus: 'PENDING' }).map((s) => s.step))
      .toEqual(['notifyOrder', 'batchProgress', 'commissioning', 'followUps', 'emitEvent']);
    expect(planEffects({ interaction: { ...base, orderId: null, batchExecutionIds: [], skipWebsocketEmission: true }, status: 'ABORTED', protocol: 'CALIN_V2', lastCommissioningId: null, lastCommissioningStatus: null }))
      .toEqual([]);
    expect(planEffects({ interaction: base, status: 'ABORTED', protocol: 'CALIN_V2', lastCommissioningId: null, lastCommissioningStatus: null }).map((s) => s.step))
      .toEqual(['batchProgress', 'emitEvent']);
    const inCommissioning = planEffects({ interaction: { ...base, meterCommissioningId: 'c1' }, status: 'FAILED', protocol: 'CALIN_V2', lastCommissioningId: 'c1', lastCommissioningStatus: 'PROCESSING' });
    expect(inCommissioning.find((s) => s.step === 'commissioning')?.payload).toEqual({ mode: 'advance', commissioningId: 'c1' });
  });
});

describe('coalescing rules', () => {
  const row = (id: string, type: InteractionRow['type'], params: Record<string, unknown> = {}, status: InteractionRow['status'] = 'QUEUED') =>
    ({ id, type, params, status, meterCommissioningId: null } as InteractionRow);
  it('joins an equal queued interaction, supersedes contradicting controls', () => {
    expect(coalesce([row('a', 'TURN_OFF')], 'TURN_OFF', {}).join?.id).toBe('a');
    expect(coalesce([row('a', 'TURN_OFF', {}, 'PROCESSING')], 'TURN_OFF', {}).join?.id).toBe('a');
    expect(coalesce([row('a', 'TURN_OFF', {}, 'SUSPENDED')], 'TURN_OFF', {}).join).toBeUndefined();
    expect(coalesce([row('a', 'TURN_OFF', {}, 'PROCESSING')], 'TURN_ON', {}).supersede).toEqual([]);
    expect(coalesce([row('a', 'TURN_OFF')], 'TURN_ON', {}).supersede.map((r) => r.id)).toEqual(['a']);
    expect(coalesce([row('a', 'SET_POWER_LIMIT', { powerLimitW: 500 })], 'SET_POWER_LIMIT', { powerLimitW: 800 }).supersede.map((r) => r.id)).toEqual(['a']);
    expect(coalesce([row('a', 'SET_POWER_LIMIT', { powerLimitW: 800 })], 'SET_POWER_LIMIT', { powerLimitW: 800 }).join?.id).toBe('a');
    expect(coalesce([row('a', 'TOP_UP', { kwh: 5 })], 'TOP_UP', { kwh: 5 }).join).toBeUndefined();
    expect(coalesce([row('a', 'READ_CREDIT')], 'READ_CREDIT', {}, 'order-2').join).toBeUndefined();
  });
});

describe('params', () => {
  it('accepts valid params and strips nothing silently', () => {
    expect(parseCreateInteraction({ type: 'SET_TIME', params: { time: '23:59:59' } }).params).toEqual({ time: '23:59:59' });
    expect(() => parseCreateInteraction({ type: 'SET_TIME', params: { time: '24:00:00' } })).toThrow(/invalid params/);
    expect(() => parseCreateInteraction({ type: 'DELIVER_PREEXISTING_TOKEN', params: { token: '123' } })).toThrow(/invalid params/);
    expect(() => parseCreateInteraction({ type: 'TURN_ON', ttlMs: 1000 })).toThrow(/read interactions only/);
  });
});

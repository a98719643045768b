import { describe, expect, it } from 'vitest';
import { RENOTIFY_AFTER_MS, dedupeKey, reconcileAlarms, type AlertRecord } from '../../../../actors/plant/rules/alarmDedupe';
import type { VendorAlarm } from '../../../../adapters/solar/types';

const now = new Date('2026-06-01T12:00:00Z');
const H = 3_600_000;
let n = 0;
const newId = () => `alert-${++n}`;
const alarm = (over: Partial<VendorAlarm> = {}): VendorAlarm => ({
  vendorAlarmCode: '1001', deviceSn: 'SN1', severity: 'CRITICAL', message: 'Grid overvoltage', raisedAt: new Date(now.getTime() - H), clearedAt: null, ...over,
});
const alert = (over: Partial<AlertRecord> = {}): AlertRecord => ({
  id: 'a1', plantId: 'p1', type: 'VENDOR_ALARM', vendorAlarmCode: '1001', deviceSn: 'SN1', severity: 'CRITICAL', message: 'Grid overvoltage',
  state: 'NEW', raisedAt: new Date(now.getTime() - H), resolvedAt: null, lastNotifiedAt: new Date(now.getTime() - H), ...over,
});
const run = (existing: AlertRecord[], incoming: VendorAlarm[], resolveMissing = false) => reconcileAlarms({ plantId: 'p1', existing, incoming, now, newId, resolveMissing });

describe('alarm dedupe', () => {
  it('a new vendor alarm creates one NEW alert and notifies', () => {
    const r = run([], [alarm(), alarm()]);
    expect(r.creates).toHaveLength(1);
    expect(r.creates[0]).toMatchObject({ state: 'NEW', vendorAlarmCode: '1001', deviceSn: 'SN1', lastNotifiedAt: now });
    expect(r.notifications).toEqual([{ alertId: r.creates[0]!.id, reason: 'NEW' }]);
  });

  it('the key is (plant, type, code, device SN): another device or code is another alert', () => {
    const r = run([alert()], [alarm(), alarm({ deviceSn: 'SN2' }), alarm({ vendorAlarmCode: '1002' })]);
    expect(r.creates.map((a) => [a.vendorAlarmCode, a.deviceSn])).toEqual([['1001', 'SN2'], ['1002', 'SN1']]);
    expect(dedupeKey('p1', 'T', null, null)).not.toBe(dedupeKey('p1', 'T', 'null', null));
  });

  it('seen again within 6 h: no duplicate, no notification', () => {
    const r = run([alert({ lastNotifiedAt: new Date(now.getTime() - RENOTIFY_AFTER_MS) })], [alarm()]);
    expect(r).toEqual({ creates: [], updates: [], resolves: [], notifications: [] });
  });

  it('seen again more than 6 h after the last notification: re-notified once', () => {
    const r = run([alert({ lastNotifiedAt: new Date(now.getTime() - RENOTIFY_AFTER_MS - 1) })], [alarm()]);
    expect(r.notifications).toEqual([{ alertId: 'a1', reason: 'RENOTIFY' }]);
    expect(r.updates).toEqual([expect.objectContaining({ id: 'a1', lastNotifiedAt: now, state: 'NEW' })]);
  });

  it('an ACKED alert is kept, not re-notified, and not duplicated', () => {
    const r = run([alert({ state: 'ACKED', lastNotifiedAt: new Date(now.getTime() - 10 * H) })], [alarm()]);
    expect(r).toEqual({ creates: [], updates: [], resolves: [], notifications: [] });
  });

  it('a severity change updates the alert without notifying inside 6 h', () => {
    const r = run([alert()], [alarm({ severity: 'MAJOR' })]);
    expect(r.updates).toEqual([expect.objectContaining({ severity: 'MAJOR' })]);
    expect(r.notifications).toEqual([]);
  });

  it('RESOLVED when the vendor reports the alarm cleared (NEW or ACKED)', () => {
    const cleared = new Date(now.getTime() - 10 * 60_000);
    expect(run([alert()], [alarm({ clearedAt: cleared })]).resolves).toEqual([expect.objectContaining({ id: 'a1', state: 'RESOLVED', resolvedAt: cleared })]);
    expect(run([alert({ state: 'ACKED' })], [alarm({ clearedAt: cleared })]).resolves).toHaveLength(1);
    expect(run([], [alarm({ clearedAt: cleared })])).toEqual({ creates: [], updates: [], resolves: [], notifications: [] });
  });

  it('the latest occurrence decides when the vendor lists a cleared and a re-raised one', () => {
    const old = alarm({ raisedAt: new Date(now.getTime() - 5 * H), clearedAt: new Date(now.getTime() - 4 * H) });
    const again = alarm({ raisedAt: new Date(now.getTime() - H) });
    expect(run([alert()], [again, old]).resolves).toEqual([]);
  });

  it('a recurrence after RESOLVED is a new alert', () => {
    const r = run([alert({ state: 'RESOLVED', resolvedAt: new Date(now.getTime() - 2 * H) })], [alarm()]);
    expect(r.creates).toHaveLength(1);
    expect(r.notifications[0]!.reason).toBe('NEW');
  });

  it('resolveMissing (active-only vendor lists): open vendor alerts absent from the list resolve; others stay', () => {
    const offline = alert({ id: 'off', type: 'OFFLINE', vendorAlarmCode: null, deviceSn: null });
    const r = run([alert(), offline], [], true);
    expect(r.resolves.map((a) => a.id)).toEqual(['a1']);
    expect(run([alert()], [], false).resolves).toEqual([]);
  });
});

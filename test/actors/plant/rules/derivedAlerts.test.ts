import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../../../actors/plant/rules/alarmDedupe';
import { LOW_GENERATION_ALERT, OFFLINE_ALERT, lowGenerationCondition, offlineCondition, planDerivedAlerts } from '../../../../actors/plant/rules/derivedAlerts';

const now = new Date('2026-06-01T15:00:00Z');
const TYPES = [OFFLINE_ALERT, LOW_GENERATION_ALERT];
const open = (type: string, over: Partial<AlertRecord> = {}): AlertRecord => ({
  id: `a-${type}`, plantId: 'p', type, vendorAlarmCode: null, deviceSn: null, severity: 'CRITICAL', message: 'm', state: 'NEW',
  raisedAt: new Date(now.getTime() - 3_600_000), resolvedAt: null, lastNotifiedAt: new Date(now.getTime() - 3_600_000), ...over,
});

describe('derived alerts', () => {
  it('offline raises a CRITICAL alert, once', () => {
    const c = offlineCondition({ offline: true, silentForMs: 30 * 3_600_000 });
    expect(c).toMatchObject({ type: OFFLINE_ALERT, severity: 'CRITICAL', message: 'no data for 30 h' });
    expect(planDerivedAlerts([], [c], TYPES, now).creates).toHaveLength(1);
    expect(planDerivedAlerts([open(OFFLINE_ALERT)], [c], TYPES, now)).toEqual({ creates: [], updates: [], resolves: [] });
  });

  it('resolves when the condition stops holding', () => {
    const plan = planDerivedAlerts([open(OFFLINE_ALERT)], [offlineCondition({ offline: false, silentForMs: 60_000 })], TYPES, now);
    expect(plan.resolves.map((a) => a.id)).toEqual(['a-OFFLINE']);
  });

  it('low generation: YELLOW is MAJOR, RED is CRITICAL; an escalation updates and notifies', () => {
    const yellow = lowGenerationCondition({ verdict: 'YELLOW', ratio: 0.2, medianKwh: 50 });
    const red = lowGenerationCondition({ verdict: 'RED', ratio: 0.05, medianKwh: 50 });
    expect(yellow).toMatchObject({ severity: 'MAJOR' });
    expect(red).toMatchObject({ severity: 'CRITICAL' });
    expect(lowGenerationCondition({ verdict: 'NO_VERDICT', reason: 'before local noon' })).toBeNull();
    const plan = planDerivedAlerts([open(LOW_GENERATION_ALERT, { severity: 'MAJOR' })], [red], TYPES, now);
    expect(plan.updates).toMatchObject([{ severity: 'CRITICAL', renotify: true }]);
  });

  it('re-notifies after 6 h while NEW, never once ACKED', () => {
    const old = new Date(now.getTime() - 6 * 3_600_000 - 1);
    const c = offlineCondition({ offline: true, silentForMs: null });
    expect(planDerivedAlerts([open(OFFLINE_ALERT, { lastNotifiedAt: old })], [c], TYPES, now).updates).toMatchObject([{ renotify: true }]);
    expect(planDerivedAlerts([open(OFFLINE_ALERT, { lastNotifiedAt: old, state: 'ACKED' })], [c], TYPES, now).updates).toEqual([]);
  });
});

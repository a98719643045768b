import { describe, expect, it } from 'vitest';
import { plantStatus, type PlantStatusFacts } from '../../../../actors/plant/rules/plantStatus';

const now = new Date('2026-06-01T12:00:00Z');
const H = 3_600_000;
const facts = (over: Partial<PlantStatusFacts> = {}): PlantStatusFacts => ({
  integrationStatus: 'ACTIVE', lastSeenAt: new Date(now.getTime() - 5 * 60_000), now, openAlertSeverities: [], lowGeneration: false, ...over,
});
const seen = (ms: number) => new Date(now.getTime() - ms);

describe('plant status table', () => {
  it('GREY whenever the integration is not ACTIVE, whatever else holds', () => {
    expect(plantStatus(facts({ integrationStatus: 'PAUSED', lastSeenAt: null, openAlertSeverities: ['CRITICAL'] })).status).toBe('GREY');
    expect(plantStatus(facts({ integrationStatus: 'ERROR' })).status).toBe('GREY');
  });

  it('GREEN up to and including 2 h; YELLOW just after', () => {
    expect(plantStatus(facts({ lastSeenAt: seen(2 * H) })).status).toBe('GREEN');
    expect(plantStatus(facts({ lastSeenAt: seen(2 * H + 1) }))).toEqual({ status: 'YELLOW', reason: 'last seen 2–24 h ago' });
  });

  it('YELLOW up to and including 24 h; RED just after', () => {
    expect(plantStatus(facts({ lastSeenAt: seen(24 * H) })).status).toBe('YELLOW');
    expect(plantStatus(facts({ lastSeenAt: seen(24 * H + 1) }))).toEqual({ status: 'RED', reason: 'last seen more than 24 h ago' });
  });

  it('RED when never seen', () => {
    expect(plantStatus(facts({ lastSeenAt: null })).status).toBe('RED');
  });

  it('RED with an open critical alert even when fresh; other severities leave it GREEN', () => {
    expect(plantStatus(facts({ openAlertSeverities: ['MINOR', 'CRITICAL'] }))).toEqual({ status: 'RED', reason: 'open critical alert' });
    expect(plantStatus(facts({ openAlertSeverities: ['MAJOR', 'MINOR', 'INFO'] })).status).toBe('GREEN');
  });

  it('YELLOW on low generation while fresh; RED still wins over it', () => {
    expect(plantStatus(facts({ lowGeneration: true }))).toEqual({ status: 'YELLOW', reason: 'low generation' });
    expect(plantStatus(facts({ lowGeneration: true, openAlertSeverities: ['CRITICAL'] })).status).toBe('RED');
  });
});

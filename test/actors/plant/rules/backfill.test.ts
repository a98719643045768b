import { describe, expect, it } from 'vitest';
import { backfillRange, missingSnapshotDays } from '../../../../actors/plant/rules/backfill';

describe('backfill D-3..D-0', () => {
  const now = new Date('2026-06-10T01:00:00Z'); // 22:00 on the 9th in Sao Paulo, 11:00 on the 10th in Brisbane

  it('lists the plant-local days with no snapshot, ascending', () => {
    expect(missingSnapshotDays(now, 'America/Sao_Paulo', ['2026-06-07', '2026-06-09'])).toEqual(['2026-06-06', '2026-06-08']);
    expect(missingSnapshotDays(now, 'Australia/Brisbane', [])).toEqual(['2026-06-07', '2026-06-08', '2026-06-09', '2026-06-10']);
  });

  it('nothing to do when all four days exist; older or newer snapshots do not count', () => {
    expect(missingSnapshotDays(now, 'UTC', ['2026-06-07', '2026-06-08', '2026-06-09', '2026-06-10'])).toEqual([]);
    expect(missingSnapshotDays(now, 'UTC', ['2026-06-06', '2026-06-11'])).toHaveLength(4);
  });

  it('one series range covers the gaps', () => {
    expect(backfillRange(['2026-06-06', '2026-06-08'])).toEqual({ from: '2026-06-06', to: '2026-06-08' });
    expect(backfillRange([])).toBeNull();
  });
});

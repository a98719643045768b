import type { IssueType } from '../../../core/domain';
import type { IssueRow, MeterRow } from '../../../persistence';

/**
 * Cascade step 3: which open issue closes, judged on the meter as it will be written.
 * One rule per issue type; UNEXPECTED_METER_STATUS is never closed here.
 */
export const ISSUE_CLOSES_WHEN: Record<IssueType, (m: MeterRow, succeeded: boolean) => boolean> = {
  NO_COMMUNICATION: (m, succeeded) => succeeded && m.lastSeenAt !== null,
  NO_CREDIT: (m) => m.kwhCreditAvailable !== null && m.kwhCreditAvailable > 0,
  UNEXPECTED_POWER_LIMIT: (m) => m.powerLimit !== null && m.powerLimitShouldBe !== null && m.powerLimit === m.powerLimitShouldBe,
  UNEXPECTED_METER_STATUS: () => false,
};

export function issuesToClose(open: IssueRow[], next: MeterRow, succeeded: boolean): string[] {
  return open.filter((i) => i.status === 'OPEN' && ISSUE_CLOSES_WHEN[i.type](next, succeeded)).map((i) => i.id);
}

import type { AlertRow, PlantRow, PollLogRow, SnapshotRow } from '../../persistence';
import type { PlantAlertEvent, PlantStatus } from '../../core/events';

/** What the plant surface returns: plain JSON, never a credential. */
export interface PlantView {
  plant: Omit<PlantRow, 'rowVersion'>;
  snapshot: SnapshotRow | null;
  openAlerts: AlertView[];
  lastPoll: PollLogRow | null;
  pollInProgress: boolean;
}

export type AlertView = AlertRow;

/** The answer to `plant.<id>.poll`: the poll log of the poll this request ran or joined. */
export interface PollReply {
  plantId: string;
  /** The plant's status after the poll (null when the plant does not exist). */
  status: PlantStatus | null;
  polledAt: string;
  /** True when a poll was already running and this request waited for it instead of starting another. */
  alreadyInProgress: boolean;
  log: PollLogRow;
}

export const alertEventBody = (a: AlertRow): PlantAlertEvent['alert'] => ({
  id: a.id, type: a.type, severity: a.severity, state: a.state, message: a.message, vendorAlarmCode: a.vendorAlarmCode, deviceSn: a.deviceSn,
});

export const plantOnly = ({ rowVersion: _v, ...p }: PlantRow): PlantView['plant'] => p;

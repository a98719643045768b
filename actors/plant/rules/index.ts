/** Pure plant-monitoring rules: each a small function with its boundaries tested in test/actors/plant/rules. */
export { plantDay } from './plantDay';
export { PLANT_STATUS_TABLE, STALE_AFTER_MS, plantStatus, type PlantStatusFacts } from './plantStatus';
export { LOW_GENERATION, lowGeneration, lowGenerationAlertSeverity, median, type LowGenerationFacts, type LowGenerationVerdict } from './lowGeneration';
export {
  RENOTIFY_AFTER_MS, VENDOR_ALARM_TYPE, dedupeKey, reconcileAlarms, shouldRenotify,
  type AlarmReconciliation, type AlertRecord, type AlertState, type ReconcileInput,
} from './alarmDedupe';
export { BACKFILL_DAYS, backfillRange, missingSnapshotDays } from './backfill';
export { OFFLINE_AFTER_MS, offlineVerdict, type OfflineVerdict } from './offline';
export { snapshotDay } from './snapshotDay';
export {
  LOW_GENERATION_ALERT, OFFLINE_ALERT, lowGenerationCondition, offlineCondition, planDerivedAlerts,
  type DerivedCondition, type DerivedPlan,
} from './derivedAlerts';

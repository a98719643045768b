/** ChirpStack v4 MQTT integration topics (one place builds and parses them). */
const SAFE = /^[A-Za-z0-9_-]+$/;

export function assertTopicSafe(value: string, what: string): string {
  if (!SAFE.test(value)) throw new TypeError(`${what} must match ${SAFE.source}: ${JSON.stringify(value)}`);
  return value;
}

export const commandDownTopic = (applicationId: string, devEui: string) => `application/${applicationId}/device/${devEui}/command/down`;
export const eventTopic = (applicationId: string, devEui: string, event: 'up' | 'join' | 'ack') =>
  `application/${applicationId}/device/${devEui}/event/${event}`;
/** Wildcard subscription for one event across all devices of an application. */
export const eventWildcard = (applicationId: string, event: 'up' | 'join' | 'ack') => eventTopic(applicationId, '+', event);
export const commandDownWildcard = (applicationId: string) => commandDownTopic(applicationId, '+');

/** `application/{app}/device/{devEui}/…` → devEui, or undefined for other topics. */
export function devEuiFromTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts[0] === 'application' && parts[2] === 'device' ? parts[3] : undefined;
}

/** What ChirpStack v4 sends and accepts on those topics (only the fields gridtwin uses). */
export interface ChirpstackRxInfo { gatewayId: string; rssi: number; snr: number; [k: string]: unknown }
export interface ChirpstackDeviceInfo { devEui: string; applicationId?: string; deviceName?: string; [k: string]: unknown }
export interface ChirpstackUplinkEvent {
  deduplicationId?: string;
  time?: string;
  deviceInfo: ChirpstackDeviceInfo;
  fCnt?: number;
  fPort?: number;
  data?: string;
  rxInfo?: ChirpstackRxInfo[];
}
export interface ChirpstackJoinEvent { deduplicationId?: string; time?: string; deviceInfo: ChirpstackDeviceInfo; devAddr?: string }
export interface ChirpstackAckEvent { deduplicationId?: string; time?: string; deviceInfo: ChirpstackDeviceInfo; queueItemId: string; acknowledged: boolean; fCntDown: number }
export interface ChirpstackDownlinkCommand { devEui: string; confirmed: boolean; fPort: number; data: string }

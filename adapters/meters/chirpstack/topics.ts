/**
 * ChirpStack v4 MQTT integration: topics (one place builds and parses them) and the JSON of the events and the
 * downlink command gridtwin uses. Source: chirpstack/chirpstack `api/proto/integration/integration.proto` (messages),
 * `chirpstack/src/integration/mqtt.rs` (topics, JSON through pbjson: lowerCamelCase names, bytes as base64,
 * uint32 as numbers, timestamps as RFC 3339), `api/rust/build.rs` (integration messages emit default values;
 * gateway messages such as rxInfo entries do not, so an rssi or snr of 0 is absent).
 */
const SAFE = /^[A-Za-z0-9_-]+$/;

export function assertTopicSafe(value: string, what: string): string {
  if (!SAFE.test(value)) throw new TypeError(`${what} must match ${SAFE.source}: ${JSON.stringify(value)}`);
  return value;
}

export type ChirpstackEventName = 'up' | 'join' | 'ack' | 'txack' | 'log';

export const commandDownTopic = (applicationId: string, devEui: string) => `application/${applicationId}/device/${devEui}/command/down`;
export const eventTopic = (applicationId: string, devEui: string, event: ChirpstackEventName) =>
  `application/${applicationId}/device/${devEui}/event/${event}`;
/** Wildcard subscription for one event across all devices of an application. */
export const eventWildcard = (applicationId: string, event: ChirpstackEventName) => eventTopic(applicationId, '+', event);
export const commandDownWildcard = (applicationId: string) => commandDownTopic(applicationId, '+');

/** `application/{app}/device/{devEui}/…` → devEui, or undefined for other topics. */
export function devEuiFromTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts[0] === 'application' && parts[2] === 'device' ? parts[3] : undefined;
}

/** gw.UplinkRxInfo: serialized without default values, so `rssi` / `snr` of 0 are left out (read them as 0). */
export interface ChirpstackRxInfo { gatewayId: string; rssi?: number; snr?: number; [k: string]: unknown }
export interface ChirpstackDeviceInfo { devEui: string; applicationId?: string; deviceName?: string; [k: string]: unknown }
/** integration.UplinkEvent (only the fields gridtwin reads are typed). */
export interface ChirpstackUplinkEvent {
  /** One id per received uplink; the `ack` event of a confirmed downlink acknowledged by this uplink carries the same id. */
  deduplicationId?: string;
  time?: string;
  deviceInfo: ChirpstackDeviceInfo;
  fCnt?: number;
  fPort?: number;
  /** base64 FRMPayload; empty for an uplink without payload. */
  data?: string;
  rxInfo?: ChirpstackRxInfo[];
}
export interface ChirpstackJoinEvent { deduplicationId?: string; time?: string; deviceInfo: ChirpstackDeviceInfo; devAddr?: string }
/**
 * integration.AckEvent: `acknowledged: true` when an uplink carried the ACK (then `deduplicationId` is that uplink's),
 * `false` when the pending downlink timed out (sent at the device's next downlink opportunity; `deduplicationId` is
 * the uplink that gave it, or empty).
 */
export interface ChirpstackAckEvent { deduplicationId: string; time?: string; deviceInfo: ChirpstackDeviceInfo; queueItemId: string; acknowledged: boolean; fCntDown: number }
/** integration.TxAckEvent: a gateway accepted the downlink for transmission (not that the device got it). */
export interface ChirpstackTxAckEvent { downlinkId: number; time?: string; deviceInfo: ChirpstackDeviceInfo; queueItemId: string; fCntDown: number; gatewayId: string }
/** integration.LogEvent (the simulator sends the one for an expired queue item). */
export interface ChirpstackLogEvent { time?: string; deviceInfo: ChirpstackDeviceInfo; level: 'INFO' | 'WARNING' | 'ERROR'; code: string; description: string; context: Record<string, string> }
/**
 * integration.DownlinkCommand. `id` becomes the queue item's id (a UUID; blank = ChirpStack draws one, anything else
 * that is not a UUID is refused and nothing is queued); `expiresAt` (RFC 3339): ChirpStack drops the item unsent after it.
 */
export interface ChirpstackDownlinkCommand { id: string; devEui: string; confirmed: boolean; fPort: number; data: string; expiresAt?: string }

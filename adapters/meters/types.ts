import type { CommunicationProtocol, DeviceInfo, InteractionResult, InteractionType, Phase } from '../../core/domain';

/**
 * The seam between meter actors and meters. One driver per communication protocol; a router picks one
 * by the meter's protocol. Drivers throw GridtwinError (core/errors) — TIMEOUT when the meter did not
 * answer in time (outcome unknown), DEVICE_REJECTED when it answered no, UNAVAILABLE when the link or
 * vendor API is down.
 */
export interface DriverMeterRef {
  id: string;
  serial: string;
  externalReference?: string | null;
  protocol: CommunicationProtocol;
  /** External reference of the meter's DCU / LoRaWAN gateway, when it has one. */
  dcuExternalReference?: string | null;
  /** Emlite: the mediator address serving this meter (host:port). */
  mediatorAddress?: string | null;
}

export interface DriverCommand {
  interactionId: string;
  type: InteractionType;
  meter: DriverMeterRef;
  params: {
    kwh?: number;
    powerLimitW?: number;
    token?: string;
    phase?: Phase;
    date?: string;
    time?: string;
  };
  /** Absolute deadline (epoch ms); drivers give up and throw TIMEOUT after it. */
  deadlineAt: number;
}

export interface DriverResponse {
  result: InteractionResult;
  deviceInfo?: DeviceInfo;
}

/** Something a meter sent without being asked (READ_REPORT, JOIN_NETWORK). */
export interface UnsolicitedReport {
  type: 'READ_REPORT' | 'JOIN_NETWORK';
  /** Matches meters.external_reference (LoRaWAN devEui) or meters.serial. */
  meterExternalReference: string;
  result: InteractionResult;
  deviceInfo?: DeviceInfo;
  receivedAt: string;
  /** Skip the grid `meter-interaction` event (cascade step 8); default true, as the origin handles unsolicited uplinks. */
  skipWebsocketEmission?: boolean;
}

export interface MeterDriver {
  readonly name: string;
  execute(cmd: DriverCommand): Promise<DriverResponse>;
  /** Subscribe to unsolicited reports; returns an unsubscribe function. Drivers without them return a no-op. */
  onUnsolicited(listener: (r: UnsolicitedReport) => void): () => void;
  close(): Promise<void>;
}

/** Generates STS tokens for the token interaction types (e.g. Calin API v1 POS_Purchase). */
export interface TokenService {
  generate(req: {
    type: 'TOP_UP' | 'CLEAR_CREDIT' | 'CLEAR_TAMPER' | 'SET_POWER_LIMIT';
    meterSerial: string;
    kwh?: number;
    powerLimitW?: number;
    /** Same key → same token, never a second purchase. */
    idempotencyKey: string;
  }): Promise<{ token: string }>;
}

import { ErrorCode, GridtwinError } from '../../../core/errors';

/**
 * Calin LoRaWAN meters are asked for their power limit in DLMS, not in the DL/T 645 frame: the source
 * (nxtgrid/nxt-device-messaging, src/plugins/calin-chirpstack/lib/encode-request-data.ts `encodeDlms`) sends
 * one fixed request — a wrapper (version 1, source port 0x66, destination 1, 13 bytes) around a
 * Get-Request-Normal for class 71 (limiter), OBIS 0.0.17.0.0.255, attribute 3 — and its decoder takes any
 * uplink whose first byte is 0x00 as the answer, the limit in W being the last 4 bytes, big-endian.
 */
const REQUEST = [
  0x00, 0x01, 0x00, 0x66, 0x00, 0x01, 0x00, 0x0d,
  0xc0, 0x01, 0xc1, 0x00, 0x47, 0x00, 0x00, 0x11, 0x00, 0x00, 0xff, 0x03, 0x00,
];

export const isDlmsFrame = (frame: Buffer): boolean => frame.length > 0 && frame[0] === 0x00;

export const dlmsPowerLimitRequest = (): Buffer => Buffer.from(REQUEST);

export function readDlmsPowerLimit(frame: Buffer): number {
  if (frame.length < 9) throw new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, 'calin DLMS answer shorter than 9 bytes');
  return frame.readUInt32BE(frame.length - 4);
}

/**
 * Device side. Assumed (the source does not show an answer): the wrapper with ports swapped around a
 * Get-Response-Normal carrying a double-long-unsigned (type 0x06) — the limit in its last 4 bytes.
 */
export function dlmsPowerLimitResponse(powerLimitW: number): Buffer {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.round(powerLimitW))));
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x01, 0x00, 0x66, 0x00, 0x09, 0xc4, 0x01, 0xc1, 0x00, 0x06]), value]);
}

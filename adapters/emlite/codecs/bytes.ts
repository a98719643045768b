import { ErrorCode, GridtwinError } from '../../../core/errors';
import { isObjectId } from '../objectIds';

/** A two-way EMOP payload codec: `decode(encode(v))` equals `v` for every valid `v`. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(payload: Buffer): T;
}

/**
 * A reply that cannot be stored as it is: INVALID_DATA_FORMAT naming the record and the field at fault
 * (`payload` when the record as a whole is wrong, e.g. its length).
 */
export function invalidData(codec: string, reason: string, payload?: Buffer, field = 'payload'): GridtwinError {
  return new GridtwinError(ErrorCode.INVALID_DATA_FORMAT, `emlite ${codec}.${field}: ${reason}`, {
    details: payload === undefined ? { codec, field } : { codec, field, payloadHex: payload.toString('hex') },
  });
}

/** A value we were asked to send that the record cannot carry: VALIDATION_FAILED naming the field. */
export function invalidValue(codec: string, reason: string, field = 'value'): GridtwinError {
  return new GridtwinError(ErrorCode.VALIDATION_FAILED, `emlite ${codec}.${field}: ${reason}`, { details: { codec, field } });
}

export function expectLength(codec: string, payload: Buffer, length: number): void {
  if (payload.length !== length) throw invalidData(codec, `expected ${length} bytes, got ${payload.length}`, payload);
}

export function checkUint(codec: string, field: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalidValue(codec, `must be an integer 0..${max}, got ${value}`, field);
}

/** Object ids are 3 bytes big-endian on the EMOP wire. */
export function encodeObjectId(objectId: number): Buffer {
  if (!isObjectId(objectId)) throw invalidValue('objectId', `not a 3-byte object id: ${objectId}`);
  const b = Buffer.alloc(3);
  b.writeUIntBE(objectId, 0, 3);
  return b;
}

export function decodeObjectId(bytes: Buffer): number {
  expectLength('objectId', bytes, 3);
  return bytes.readUIntBE(0, 3);
}

/** Printable ASCII only: NULs and control characters are padding on these meters. */
export function asciiText(payload: Buffer): string {
  return payload.toString('latin1').replace(/[\u0000-\u001f\u007f-\uffff]/g, '').trim();
}

/** Seconds since 2000-01-01T00:00:00Z: the EMOP epoch for timestamps and tariff activation. */
export const EMOP_EPOCH_MS = Date.UTC(2000, 0, 1);
export const emopSecondsToDate = (s: number): Date => new Date(EMOP_EPOCH_MS + s * 1000);
export const dateToEmopSeconds = (d: Date): number => Math.floor((d.getTime() - EMOP_EPOCH_MS) / 1000);

/** Money amounts (balance, prices, standing charge) are integers in 1/100 000 of the currency unit. */
export const PRICE_SCALE = 100_000;
export const toPriceUnits = (amount: number): number => Math.round(amount * PRICE_SCALE);
export const fromPriceUnits = (units: number): number => units / PRICE_SCALE;
